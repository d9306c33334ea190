// Soak: the full pipeline (`parcel-risk run`, reference ruleset, profiles loaded) fed at a
// steady rate for a long time, to show that its memory does not grow. Every --sample seconds
// it records the processor's resident set (from /proc), its V8 heap in use and external memory
// (from its /metrics), the outcomes seen and the backlog (sent, not yet answered). Writes
// bench/results/soak.json, bench/results/soak.svg and the "Soak" section of bench/RESULTS.md.
//   npm run bench -- soak [--duration 1800] [--rate 2000] [--sample 10]
// The verdict compares the last third of the run with the middle third (the first third is
// start-up, caches filling and the heap finding its size): a leak shows as a level that keeps
// rising; the slope of a least-squares line over the last two thirds is given per hour (for
// the heap, over each minute's lowest sample: the level after a collection).
// Declarations come from the seeded generator (seed 42) as they are sent, never repeated, so
// every parcel is new to the windowed counters and the caches (about 20 µs of the load
// generator's CPU per declaration).
import { randomBytes } from 'node:crypto'
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { dirs } from '../src/stack/stack.ts'
import { avroType } from '../src/codec/avro-types.ts'
import { createEncoder } from '../src/codec/encoder.ts'
import { createRegistry } from '../src/codec/registry.ts'
import type { ParcelDeclaration } from '../src/declaration.ts'
import { generateDeclarations, type Generated } from '../src/generate/stream.ts'
import { silenceKafkajsTimeoutWarning } from '../src/kafka/node-warnings.ts'
import { spawnProcessor } from '../src/cli/demo/processor-child.ts'
import { resolveServices } from '../src/cli/demo/run-demo.ts'
import {
  cleanUp, loadProfiles, processorEnv, runNames, servicesConfig, type Services
} from '../src/cli/demo/run-setup.ts'
import { startLoad, type Encoded } from './e2e/load.ts'
import { describeMachine } from './e2e/report.ts'
import { createTopics, declarationSchema } from './e2e/setup.ts'

silenceKafkajsTimeoutWarning()
const { values } = parseArgs({
  options: {
    duration: { type: 'string', default: '1800' },
    rate: { type: 'string', default: '2000' },
    sample: { type: 'string', default: '10' }
  }
})
const durationS = Number(values.duration)
const rate = Number(values.rate)
const sampleS = Number(values.sample)
if (!(durationS > 0) || !(rate > 0) || !(sampleS > 0)) {
  console.error('usage: npm run bench -- soak [--duration S] [--rate R] [--sample S]')
  process.exit(2)
}
const SEED = 42
const say = (line: string): void => {
  console.error(line)
}

interface Sample {
  /** Seconds since the steady feed started. */
  readonly t: number
  readonly rssMb: number
  readonly heapUsedMb: number
  readonly externalMb: number
  readonly sent: number
  readonly outcomes: number
  readonly backlog: number
}

const rssMb = (pid: number): number => {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8')
  return Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1] ?? Number.NaN) / 1024
}

const metricMb = (text: string, name: string): number => {
  let sum = 0
  for (const line of text.split('\n')) if (line.startsWith(name)) sum += Number(line.split(' ').pop())
  return sum / 1024 / 1024
}

/** Least-squares slope of y over t, per hour. */
const slopePerHour = (points: ReadonlyArray<readonly [number, number]>): number => {
  const n = points.length
  if (n < 2) return Number.NaN
  const mt = points.reduce((a, [t]) => a + t, 0) / n
  const my = points.reduce((a, [, y]) => a + y, 0) / n
  const num = points.reduce((a, [t, y]) => a + (t - mt) * (y - my), 0)
  const den = points.reduce((a, [t]) => a + (t - mt) ** 2, 0)
  return den === 0 ? Number.NaN : num / den * 3600
}

const median = (xs: readonly number[]): number => {
  const s = [...xs].sort((a, b) => a - b)
  if (s.length === 0) return Number.NaN
  return ((s[Math.floor((s.length - 1) / 2)] as number) + (s[Math.ceil((s.length - 1) / 2)] as number)) / 2
}

const services: Services = await resolveServices(say)
const registry = createRegistry(servicesConfig(services).registry)
const machine = describeMachine()
const names = runNames('bench-soak')
const env = {
  ...processorEnv(services, names, 'rules/eu-lvc', randomBytes(24).toString('hex')), PARCEL_RISK_LOG_LEVEL: 'warn'
}
say(`soak: run ${names.runId}, ${rate}/s for ${durationS} s, a sample every ${sampleS} s`)
await createTopics(services, env)
const schemaId = await registry.register(`${names.topics.declarations}-value`, declarationSchema)
say(`loaded ${await loadProfiles(services, names.redisPrefix, SEED)} profiles (seed ${SEED})`)
mkdirSync(dirs.run, { recursive: true })
const child = await spawnProcessor({ env, logFile: join(dirs.run, `${names.runId}.log`) })
say(`processor pid ${child.pid}, log ${child.logFile}`)

const encoder = createEncoder<ParcelDeclaration>(avroType(declarationSchema), schemaId)
const stream = generateDeclarations({ seed: SEED })
const source = (): Encoded => {
  const { declaration } = stream.next().value as Generated
  const r = encoder.encode(declaration)
  if (!r.ok) throw r.error
  return { key: declaration.declarationId, value: Buffer.from(r.value) }
}
const load = await startLoad({
  brokers: services.KAFKA_BROKERS.split(','), registry, declarations: names.topics.declarations,
  outputs: { main: names.topics.decisions, dlq: names.topics.dlq },
  output: 'decision',
  groupId: `${names.groupId}-measure`
}, source, 20_000)

const samples: Sample[] = []
let exitCode = 0
try {
  await child.ready(120_000)
  await load.offer(1_000, performance.now() + 5_000)
  if (!(await load.drain(120_000))) throw new Error(`warm-up records did not all come back (log: ${child.logFile})`)
  const window = load.openWindow()
  const t0 = performance.now()
  const sent0 = load.sent()
  const take = async (): Promise<void> => {
    const text = await fetch(`${child.httpUrl}/metrics`, { signal: AbortSignal.timeout(5_000) })
      .then(async (r) => await r.text(), () => '')
    const s: Sample = {
      t: Math.round((performance.now() - t0) / 100) / 10,
      rssMb: rssMb(child.pid),
      heapUsedMb: metricMb(text, 'nodejs_heap_size_used_bytes'),
      externalMb: metricMb(text, 'nodejs_external_memory_bytes'),
      sent: load.sent() - sent0,
      outcomes: window.outcomes,
      backlog: load.sent() - load.received()
    }
    samples.push(s)
    say(`[${String(Math.round(s.t)).padStart(5)} s] rss ${s.rssMb.toFixed(1)} MB  ` +
      `heap ${s.heapUsedMb.toFixed(1)} MB  external ${s.externalMb.toFixed(1)} MB  ` +
      `outcomes ${s.outcomes}  backlog ${s.backlog}`)
  }
  await take()
  const timer = setInterval(() => {
    take().catch((err: unknown) => {
      say(`sample failed: ${(err as Error).message}`)
    })
  }, sampleS * 1_000)
  await load.offer(rate, t0 + durationS * 1_000)
  clearInterval(timer)
  await take()
  load.closeWindow()
  if (!(await load.drain(120_000))) {
    say('not every declaration came back after the feed stopped')
    exitCode = 1
  }
} finally {
  const code = await child.stop(60_000)
  say(`processor exited with code ${String(code)}`)
  await load.close()
  await cleanUp(services, names).catch((err: unknown) => {
    say(`clean-up failed: ${(err as Error).message}`)
  })
}

/** The lowest heap sample of each minute, as [t, MB] points. */
const floors = (list: readonly Sample[]): Array<[number, number]> => {
  const byMinute = new Map<number, [number, number]>()
  for (const s of list) {
    const m = Math.floor(s.t / 60)
    const cur = byMinute.get(m)
    if (cur === undefined || s.heapUsedMb < cur[1]) byMinute.set(m, [s.t, s.heapUsedMb])
  }
  return [...byMinute.values()]
}

const third = durationS / 3
const middle = samples.filter((s) => s.t >= third && s.t < 2 * third)
const last = samples.filter((s) => s.t >= 2 * third)
const steady = samples.filter((s) => s.t >= third)
const lastSample = samples.at(-1)
const summary = {
  achievedPerS: lastSample === undefined ? 0 : lastSample.outcomes / lastSample.t,
  rss: {
    middleMedianMb: median(middle.map((s) => s.rssMb)),
    lastMedianMb: median(last.map((s) => s.rssMb)),
    maxMb: Math.max(...samples.map((s) => s.rssMb)),
    slopeMbPerHour: slopePerHour(steady.map((s) => [s.t, s.rssMb]))
  },
  // The heap in use saw-tooths with every collection; its floor (lowest sample per minute) is
  // what a leak would lift.
  heapFloor: {
    middleMb: Math.min(...middle.map((s) => s.heapUsedMb)),
    lastMb: Math.min(...last.map((s) => s.heapUsedMb)),
    maxMb: Math.max(...samples.map((s) => s.heapUsedMb)),
    slopeMbPerHour: slopePerHour(floors(steady))
  },
  maxBacklog: Math.max(...samples.map((s) => s.backlog))
}
const command = `npm run bench -- soak --duration ${durationS} --rate ${rate}`
const f1 = (n: number): string => n.toFixed(1)
const lines = [
  '## Soak',
  '',
  `Command: \`${command}\`. The full pipeline (reference ruleset eu-lvc, profiles loaded) fed ${rate} ` +
  `declarations/s for ${durationS} s; machine: ${machine.nproc} CPUs (nproc), ${machine.cpu}, node ${machine.node}, ` +
  `${machine.platform}, shared by Kafka, the registry, Redis, the processor and the load generator. ` +
  `Achieved ${Math.round(summary.achievedPerS)} decisions/s; largest backlog ${summary.maxBacklog} declarations.`,
  '',
  '| memory of the processor | middle third | last third | maximum | slope over the last two thirds |',
  '|---|---:|---:|---:|---:|',
  `| resident set (RSS), median | ${f1(summary.rss.middleMedianMb)} MB | ${f1(summary.rss.lastMedianMb)} MB ` +
    `| ${f1(summary.rss.maxMb)} MB | ${f1(summary.rss.slopeMbPerHour)} MB/h |`,
  `| V8 heap in use, floor (lowest sample) | ${f1(summary.heapFloor.middleMb)} MB ` +
    `| ${f1(summary.heapFloor.lastMb)} MB | ${f1(summary.heapFloor.maxMb)} MB ` +
    `| ${f1(summary.heapFloor.slopeMbPerHour)} MB/h (per-minute floors) |`,
  '',
  '![RSS and heap over time](results/soak.svg)'
]
console.log(`\n${lines.join('\n')}\n`)

// The chart: RSS and heap in use over time (MB), one line each.
const W = 900
const H = 360
const L = 60
const R = 860
const T = 50
const B = 300
const top = Math.max(1, ...samples.map((s) => s.rssMb)) * 1.1
const x = (t: number): number => L + (R - L) * t / Math.max(1, durationS)
const y = (mb: number): number => B - (B - T) * mb / top
const path = (pick: (s: Sample) => number): string =>
  samples.map((s, i) => `${i === 0 ? 'M' : 'L'}${x(s.t).toFixed(1)},${y(pick(s)).toFixed(1)}`).join(' ')
const ticks = [0, 0.25, 0.5, 0.75, 1].map((f) => Math.round(top * f))
const svg = [
  `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif">`,
  `<rect width="${W}" height="${H}" fill="#fff"/>`,
  `<text x="${W / 2}" y="20" text-anchor="middle" font-size="13">` +
    `parcel-risk soak: ${rate} declarations/s for ${durationS} s, processor memory (MB)</text>`,
  `<line x1="${L}" y1="${B}" x2="${R}" y2="${B}" stroke="#333"/>` +
    `<line x1="${L}" y1="${T}" x2="${L}" y2="${B}" stroke="#333"/>`,
  ...ticks.map((v) => `<text x="${L - 6}" y="${y(v) + 4}" text-anchor="end" font-size="11">${v}</text>` +
    `<line x1="${L}" y1="${y(v)}" x2="${R}" y2="${y(v)}" stroke="#eee"/>`),
  ...[0, 0.25, 0.5, 0.75, 1].map((f) => `<text x="${x(durationS * f)}" y="${B + 16}" text-anchor="middle" ` +
    `font-size="11">${Math.round(durationS * f / 60)} min</text>`),
  `<path d="${path((s) => s.rssMb)}" fill="none" stroke="#1f77b4" stroke-width="2"/>`,
  `<path d="${path((s) => s.heapUsedMb)}" fill="none" stroke="#ff7f0e" stroke-width="2"/>`,
  `<rect x="${W / 2 - 120}" y="${H - 30}" width="12" height="12" fill="#1f77b4"/>` +
    `<text x="${W / 2 - 104}" y="${H - 20}" font-size="12">resident set</text>`,
  `<rect x="${W / 2 + 10}" y="${H - 30}" width="12" height="12" fill="#ff7f0e"/>` +
    `<text x="${W / 2 + 26}" y="${H - 20}" font-size="12">V8 heap in use</text>`,
  '</svg>'
].join('\n')

mkdirSync(new URL('./results/', import.meta.url), { recursive: true })
const report = {
  bench: 'soak', at: new Date().toISOString(), command, durationS, rate, sampleS, seed: SEED, machine, summary, samples
}
writeFileSync(new URL('./results/soak.json', import.meta.url), `${JSON.stringify(report, null, 2)}\n`)
writeFileSync(new URL('./results/soak.svg', import.meta.url), `${svg}\n`)
const resultsFile = new URL('./RESULTS.md', import.meta.url)
const START = '<!-- soak:start -->'
const END = '<!-- soak:end -->'
const block = `${START}\n${lines.join('\n')}\n${END}`
const existing = existsSync(resultsFile) ? readFileSync(resultsFile, 'utf8') : '# Benchmark results\n'
const updated = existing.includes(START)
  ? existing.replace(new RegExp(`${START}[\\s\\S]*?${END}`), block)
  : `${existing.trimEnd()}\n\n${block}\n`
writeFileSync(resultsFile, updated)
process.exit(exitCode)
