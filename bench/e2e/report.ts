// bench/e2e.ts results: the machine they were measured on, the Markdown section of
// bench/RESULTS.md and the point records saved to bench/results/e2e.json.
import { readFileSync } from 'node:fs'
import { availableParallelism, loadavg, totalmem } from 'node:os'
import { KAFKA_VERSION } from '../../src/stack/services.ts'

export type Mode = 'passthrough' | 'pipeline' | 'naive'
export const MODES: readonly Mode[] = ['passthrough', 'pipeline', 'naive']

export interface PointResult {
  readonly mode: Mode
  /** Declarations per second offered, or 'max': as fast as outcomes come back. */
  readonly offered: number | 'max'
  readonly seconds: number
  readonly sent: number
  readonly outcomes: number
  readonly throughputPerS: number
  readonly latencyMs: {
    readonly p50?: number, readonly p99?: number, readonly p999?: number, readonly max?: number, readonly mean?: number
  }
  /** CPU of the process under test, in % of one core. */
  readonly processCpuPct: number
  /** CPU of the process under test (utime + stime) per outcome seen in the window, µs. */
  readonly cpuMicrosPerDeclaration: number
  /** 1-minute load average when the point ended. */
  readonly loadAverage: number
  /** All cores busy, in % of the machine. */
  readonly machineBusyPct: number
  /** The load generator and measuring consumer (this process), in % of one core. */
  readonly benchCpuPct: number
  /** Every record sent had its outcome within the drain timeout after the point. */
  readonly drained: boolean
  /** Which pass of `--repeat` measured it (1 when not repeated). */
  readonly repetition?: number
  /** A median point (medianPoints): each run's throughput, p99 and CPU µs per declaration. */
  readonly runs?: ReadonlyArray<{
    readonly throughputPerS: number, readonly p99?: number, readonly cpuMicros: number
  }>
}

const median = (values: readonly number[]): number => {
  const sorted = [...values].sort((a, b) => a - b)
  const mid = sorted.length >> 1
  return sorted.length % 2 === 1 ? sorted[mid] as number : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2
}

type Figure = (p: PointResult) => number | undefined

const medianOf = (points: readonly PointResult[], value: Figure): number | undefined => {
  const known = points.map(value).filter((v): v is number => v !== undefined && !Number.isNaN(v))
  return known.length === 0 ? undefined : median(known)
}

/**
 * One point per system and offered rate, in the order first measured: each figure the median
 * of that figure over the repetitions (so a median point mixes runs), drained only if every
 * run drained, and the runs themselves kept for the table of runs.
 */
export const medianPoints = (points: readonly PointResult[]): PointResult[] => {
  const groups = new Map<string, PointResult[]>()
  for (const p of points) {
    const key = `${p.mode}:${String(p.offered)}`
    groups.set(key, [...(groups.get(key) ?? []), p])
  }
  return [...groups.values()].map((runs) => {
    const first = runs[0] as PointResult
    const m = (value: Figure): number => medianOf(runs, value) ?? NaN
    const lat = (value: Figure): number | undefined => medianOf(runs, value)
    return {
      mode: first.mode,
      offered: first.offered,
      seconds: m((p) => p.seconds),
      sent: m((p) => p.sent),
      outcomes: m((p) => p.outcomes),
      throughputPerS: m((p) => p.throughputPerS),
      latencyMs: {
        p50: lat((p) => p.latencyMs.p50), p99: lat((p) => p.latencyMs.p99), p999: lat((p) => p.latencyMs.p999),
        max: lat((p) => p.latencyMs.max), mean: lat((p) => p.latencyMs.mean)
      },
      processCpuPct: m((p) => p.processCpuPct),
      cpuMicrosPerDeclaration: m((p) => p.cpuMicrosPerDeclaration),
      loadAverage: m((p) => p.loadAverage),
      machineBusyPct: m((p) => p.machineBusyPct),
      benchCpuPct: m((p) => p.benchCpuPct),
      drained: runs.every((p) => p.drained),
      runs: runs.map((p) => ({
        throughputPerS: p.throughputPerS, p99: p.latencyMs.p99, cpuMicros: p.cpuMicrosPerDeclaration
      }))
    }
  })
}

/** Each median point's runs, so the spread behind a median is in view. */
export const runsTable = (points: readonly PointResult[]): string => {
  const repeated = points.filter((p) => (p.runs?.length ?? 0) > 1)
  if (repeated.length === 0) return ''
  const list = (values: ReadonlyArray<number | undefined>): string => values.map(int).join(' · ')
  return [
    '| system | offered | runs | achieved/s, each run | p99 ms, each run | CPU µs/declaration, each run |',
    '|---|---:|---:|---|---|---|',
    ...repeated.map((p) => {
      const runs = p.runs ?? []
      const counts = list(runs.map((r) => r.throughputPerS))
      return `| ${p.mode} | ${offeredText(p.offered)} | ${runs.length} | ${counts} | ` +
        `${list(runs.map((r) => r.p99))} | ${list(runs.map((r) => r.cpuMicros))} |`
    })
  ].join('\n')
}

export interface Machine {
  readonly nproc: number
  readonly cpu: string
  readonly memoryGiB: number
  readonly node: string
  readonly kafka: string
  readonly platform: string
  /** 1-minute load average when the bench started. */
  readonly loadAverage: number
}

export const describeMachine = (): Machine => {
  let cpu = 'unknown'
  try {
    cpu = /^model name\s*:\s*(.+)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1]?.trim() ?? cpu
  } catch { /* not Linux */ }
  return {
    nproc: availableParallelism(), cpu, memoryGiB: Math.round(totalmem() / 2 ** 30 * 10) / 10,
    node: process.version,
    kafka: `Apache Kafka ${KAFKA_VERSION} (KRaft, one node)`,
    platform: `${process.platform}-${process.arch}`,
    loadAverage: loadavg()[0] ?? 0
  }
}

const int = (n: number | undefined): string => (n === undefined ? '–' : Math.round(n).toLocaleString('en-US'))
const offeredText = (o: number | 'max'): string => (o === 'max' ? 'max' : `${int(o)}/s`)

export const maxThroughput = (points: readonly PointResult[], mode: Mode): number | undefined =>
  points.find((p) => p.mode === mode && p.offered === 'max')?.throughputPerS

export const atRate = (points: readonly PointResult[], mode: Mode, rate: number): PointResult | undefined =>
  points.find((p) => p.mode === mode && p.offered === rate)

export const table = (points: readonly PointResult[]): string => [
  '| system | offered | achieved/s | p50 ms | p99 ms | p99.9 ms | max ms | process CPU (% of a core) ' +
    '| CPU µs/declaration | machine busy | load generator CPU | load average | drained |',
  '|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|:---:|',
  ...points.map((p) => {
    const cells = [
      p.mode, offeredText(p.offered), int(p.throughputPerS), int(p.latencyMs.p50), int(p.latencyMs.p99),
      int(p.latencyMs.p999), int(p.latencyMs.max), `${p.processCpuPct.toFixed(0)} %`, int(p.cpuMicrosPerDeclaration),
      `${p.machineBusyPct.toFixed(0)} %`, `${p.benchCpuPct.toFixed(0)} %`, p.loadAverage.toFixed(1),
      p.drained ? 'yes' : 'no'
    ]
    return `| ${cells.join(' | ')} |`
  })
].join('\n')

const point = (points: readonly PointResult[], mode: Mode, offered: number | 'max'): PointResult | undefined =>
  points.find((p) => p.mode === mode && p.offered === offered)

/** A rate left out because a lower one was not answered within the drain timeout. */
const missingCell = (points: readonly PointResult[], mode: Mode, rate: number | 'max'): string =>
  points.some((p) =>
    p.mode === mode && typeof p.offered === 'number' && rate !== 'max' && p.offered < rate && !p.drained)
    ? 'not sustained'
    : '–'

/** The three systems side by side: one column each, one row per figure. */
export const comparison = (points: readonly PointResult[], rates: readonly number[]): string => {
  const modes = MODES.filter((m) => points.some((p) => p.mode === m))
  const row = (label: string, cell: (m: Mode) => string): string => `| ${label} | ${modes.map(cell).join(' | ')} |`
  return [
    `| | ${modes.join(' | ')} |`,
    `|---|${modes.map(() => '---:').join('|')}|`,
    row('throughput at max (declarations/s)', (m) => int(maxThroughput(points, m))),
    ...rates.map((r) => row(`p50 / p99 at ${int(r)}/s (ms)`, (m) => {
      const p = point(points, m, r)
      if (p === undefined) return missingCell(points, m, r)
      return `${int(p.latencyMs.p50)} / ${int(p.latencyMs.p99)}${p.drained ? '' : ' (fell behind)'}`
    })),
    ...[...rates, 'max' as const].map((r) => row(`CPU µs/declaration at ${offeredText(r)}`, (m) => {
      const p = point(points, m, r)
      return p === undefined ? missingCell(points, m, r) : int(p.cpuMicrosPerDeclaration)
    }))
  ].join('\n')
}

export const headline = (points: readonly PointResult[]): string => {
  const pass = maxThroughput(points, 'passthrough')
  const share = (mode: Mode): string => {
    const v = maxThroughput(points, mode)
    if (v === undefined) return ''
    const pct = v / (pass ?? v) * 100
    const share = pass === undefined ? '' : `, ${pct.toFixed(pct < 10 ? 1 : 0)} % of the passthrough's ${int(pass)}/s`
    return `${mode} at maximum rate: ${int(v)}/s${share}.`
  }
  return [share('pipeline'), share('naive')].filter((s) => s !== '').join(' ')
}

/** What the verification before timing found (bench/e2e/naive/verify.ts). */
export interface VerificationSummary {
  readonly compared: number
  readonly agreeing: number
  readonly deadLettered: number
  readonly scoreDifferences: number
  readonly fixtures: number
}

export interface SectionInput {
  readonly points: readonly PointResult[]
  readonly machine: Machine
  readonly command: string
  readonly seconds: number
  readonly rates: readonly number[]
  readonly verification: VerificationSummary | null
  /** Load average (1 min) at the end of the run. */
  readonly loadAverageAtEnd: number
  /** Passes of the systems (`--repeat`); the points are then medians (medianPoints). */
  readonly repeat: number
  /** All cores' busy share over a few seconds before the run, with only the stack at rest running. */
  readonly busyBeforePct?: number
}

/** Busy share before the run above which other work is taken to share the machine. */
const BUSY_BEFORE_LIMIT_PCT = 25

const loadNote = (i: SectionInput): string => {
  // The bench's own processes (Kafka, registry, Redis, the system under test, the load
  // generator) keep the load average near the core count while it runs: only what ran before
  // it starts says whether other work shared the machine. The CPU busy share of the seconds
  // before says it now (the stack at rest takes a few percent); a 1-minute load average still
  // carries work that ended a minute ago, so it is the judge only when the share is unknown.
  const busy = i.busyBeforePct === undefined
    ? i.machine.loadAverage > i.machine.nproc
    : i.busyBeforePct > BUSY_BEFORE_LIMIT_PCT
  const warning = busy
    ? ': **measured while other work ran on the machine; these figures show the table works and are not for ' +
      'comparison with other runs**'
    : ''
  const at = `at the start of the run ${i.machine.loadAverage.toFixed(1)}, at its end ${i.loadAverageAtEnd.toFixed(1)}`
  const before = i.busyBeforePct === undefined
    ? ''
    : `; all CPUs ${i.busyBeforePct.toFixed(0)} % busy in the seconds before it`
  return `Load average (1 min) ${at}, on ${i.machine.nproc} CPUs${before}${warning}.`
}

const verificationNote = (i: SectionInput): string => {
  const v = i.verification
  if (v === null) return ''
  return `- Before timing, the naive system and the product's stages decided the first ` +
    `${int(v.compared + v.deadLettered)} declarations of the pool: ${int(v.agreeing)} of ${int(v.compared)} with ` +
    `the same action (${int(v.deadLettered)} dead-lettered by validation, not compared), ` +
    `${int(v.scoreDifferences)} with another score; and the ${int(v.fixtures)} test cases of rules/eu-lvc/tests ` +
    'with the same action and the same rules fired.'
}

/** Outcomes beyond the declarations sent in a fixed-rate window, as a share of them, above which it is noted. */
const BACKLOG_LIMIT = 0.02

/**
 * A fixed-rate point whose window saw more outcomes than declarations sent in it was still
 * answering declarations of its settling period: its latency includes that queue.
 */
export const backlogNote = (points: readonly PointResult[]): string => {
  const behind = points.filter((p) => p.offered !== 'max' && p.sent > 0 && p.outcomes > p.sent * (1 + BACKLOG_LIMIT))
  if (behind.length === 0) return ''
  const list = behind.map((p) => `${p.mode} at ${int(p.offered as number)}/s ` +
    `(${int(p.outcomes - p.sent)} more outcomes than the ${int(p.sent)} sent)`).join(', ')
  return `- **Not settled**: ${list}. The window began with a queue left from the settling period, so its latency ` +
    'counts that queue too; a longer `--settle` measures the steady state.'
}

export const section = (i: SectionInput): string => [
  '## End to end',
  '',
  `Command: \`${i.command}\` (${i.seconds} s measured per point, after a settling period; the JSON is ` +
    'bench/results/e2e.json, the chart bench/results/e2e.svg).',
  i.repeat > 1
    ? `Each figure is the median of ${i.repeat} runs: the systems ran in turn, ${i.repeat} passes, each run a new ` +
      'process with its own topics and warm-up (the naive system, 30 times off the others, ran in the first pass ' +
      'only). The table of runs at the end shows the spread.'
    : '',
  `Machine: ${i.machine.nproc} CPUs (nproc), ${i.machine.cpu}, ${i.machine.memoryGiB} GiB, node ${i.machine.node}, ` +
    `${i.machine.platform}, ${i.machine.kafka}.`,
  loadNote(i),
  `These ${i.machine.nproc} cores are shared by everything at once: Kafka, the schema registry, Redis, the process ` +
    'under test, and the load generator with its measuring consumer (one Node process). The numbers say how the ' +
    'systems compare on one small machine, not what a cluster does. "machine busy" counts every process, including ' +
    'any other work running on the machine at the time; a point where it reads 100 % was starved of CPU.',
  '',
  '- **passthrough**: the no-work baseline (bench/e2e/passthrough.ts): the processor\'s own ingest and publish ' +
    'modules with the same configuration, producing each record unchanged (acks -1, offsets committed after the ' +
    'acknowledgement).',
  '- **pipeline**: `parcel-risk run` as a child process: decode (Avro, registry), validate, enrich (Redis, profiles ' +
    'loaded), score with rules/eu-lvc, publish decisions and dead letters.',
  '- **naive**: the straightforward design (bench/e2e/naive/main.ts): kafkajs `eachMessage` with its defaults, the ' +
    'registry library\'s `decode`, one awaited Redis command after another per declaration (HGETALL per profile, ' +
    'HGET per watchlist field, INCR/INCRBY per counter and an MGET of its window), rules/eu-lvc translated to ' +
    'json-rules-engine from the rules\' syntax trees, `JSON.stringify` of the decision, one send per declaration.',
  verificationNote(i),
  backlogNote(i.points),
  '- Latency: from the declaration\'s producer timestamp to the moment the measuring consumer sees its decision ' +
    '(or copy, or dead letter), so it includes both Kafka hops and the consumer\'s fetch. "max": the generator ' +
    'keeps at most 20,000 declarations unanswered, so latency there is mostly queueing.',
  '- CPU µs/declaration: user + system CPU time of the process under test (/proc/<pid>/stat) over the measured ' +
    'window, divided by the outcomes seen in it.',
  '',
  headline(i.points),
  '',
  comparison(i.points, i.rates),
  '',
  '![throughput, p99 latency and CPU per declaration](results/e2e.svg)',
  '',
  table(i.points),
  '',
  runsTable(i.points)
].filter((line, n, all) => line !== '' || all[n - 1] !== '').join('\n').trimEnd()
