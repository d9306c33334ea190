// bench/e2e.ts results: the machine they were measured on, the Markdown section of
// bench/RESULTS.md and the point records saved to bench/results/e2e.json.
import { readFileSync } from 'node:fs'
import { availableParallelism, totalmem } from 'node:os'
import { KAFKA_VERSION } from '../../src/stack/services.ts'

export type Mode = 'passthrough' | 'pipeline'

export interface PointResult {
  readonly mode: Mode
  /** Declarations per second offered, or 'max': as fast as outcomes come back. */
  readonly offered: number | 'max'
  readonly seconds: number
  readonly sent: number
  readonly outcomes: number
  readonly throughputPerS: number
  readonly latencyMs: { readonly p50?: number, readonly p99?: number, readonly p999?: number, readonly max?: number, readonly mean?: number }
  /** CPU of the process under test, in % of one core. */
  readonly processCpuPct: number
  /** All cores busy, in % of the machine. */
  readonly machineBusyPct: number
  /** The load generator and measuring consumer (this process), in % of one core. */
  readonly benchCpuPct: number
  /** Every record sent had its outcome within the drain timeout after the point. */
  readonly drained: boolean
}

export interface Machine {
  readonly nproc: number
  readonly cpu: string
  readonly memoryGiB: number
  readonly node: string
  readonly kafka: string
  readonly platform: string
}

export const describeMachine = (): Machine => {
  let cpu = 'unknown'
  try { cpu = /^model name\s*:\s*(.+)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1]?.trim() ?? cpu } catch { /* not Linux */ }
  return {
    nproc: availableParallelism(), cpu, memoryGiB: Math.round(totalmem() / 2 ** 30 * 10) / 10,
    node: process.version, kafka: `Apache Kafka ${KAFKA_VERSION} (KRaft, one node)`, platform: `${process.platform}-${process.arch}`
  }
}

const int = (n: number | undefined): string => (n === undefined ? '–' : Math.round(n).toLocaleString('en-US'))
const offeredText = (o: number | 'max'): string => (o === 'max' ? 'max' : `${int(o)}/s`)

export const maxThroughput = (points: readonly PointResult[], mode: Mode): number | undefined =>
  points.find((p) => p.mode === mode && p.offered === 'max')?.throughputPerS

export const atRate = (points: readonly PointResult[], mode: Mode, rate: number): PointResult | undefined =>
  points.find((p) => p.mode === mode && p.offered === rate)

export const table = (points: readonly PointResult[]): string => [
  '| system | offered | achieved/s | p50 ms | p99 ms | p99.9 ms | max ms | process CPU (% of a core) | machine busy | load generator CPU | drained |',
  '|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|:---:|',
  ...points.map((p) => `| ${p.mode} | ${offeredText(p.offered)} | ${int(p.throughputPerS)} | ${int(p.latencyMs.p50)} | ${int(p.latencyMs.p99)} | ${int(p.latencyMs.p999)} | ${int(p.latencyMs.max)} | ${p.processCpuPct.toFixed(0)} % | ${p.machineBusyPct.toFixed(0)} % | ${p.benchCpuPct.toFixed(0)} % | ${p.drained ? 'yes' : 'no'} |`)
].join('\n')

export const headline = (points: readonly PointResult[]): string => {
  const pass = maxThroughput(points, 'passthrough')
  const pipe = maxThroughput(points, 'pipeline')
  const share = pass !== undefined && pipe !== undefined ? `Pipeline at maximum rate: ${int(pipe)}/s, ${(pipe / pass * 100).toFixed(0)} % of the passthrough's ${int(pass)}/s.` : ''
  const p99 = (rate: number): string => {
    const a = atRate(points, 'passthrough', rate)?.latencyMs.p99
    const b = atRate(points, 'pipeline', rate)?.latencyMs.p99
    return b === undefined ? '' : `p99 at ${int(rate)}/s: pipeline ${int(b)} ms, passthrough ${int(a)} ms.`
  }
  return [share, p99(1_000), p99(5_000)].filter((s) => s !== '').join(' ')
}

export const section = (points: readonly PointResult[], machine: Machine, command: string, seconds: number): string => [
  '## End to end',
  '',
  `Command: \`${command}\` (${seconds} s measured per point, after a settling period; the JSON is bench/results/e2e.json, the chart bench/results/e2e.svg).`,
  `Machine: ${machine.nproc} CPUs (nproc), ${machine.cpu}, ${machine.memoryGiB} GiB, node ${machine.node}, ${machine.platform}, ${machine.kafka}.`,
  `These ${machine.nproc} cores are shared by everything at once: Kafka, the schema registry, Redis, the process under test, and the load generator with its measuring consumer (one Node process). The numbers say how the systems compare on one small machine, not what a cluster does. "machine busy" counts every process, including any other work running on the machine at the time; a point where it reads 100 % was starved of CPU.`,
  '',
  '- **passthrough**: the no-work baseline (bench/e2e/passthrough.ts): the processor\'s own ingest and publish modules with the same configuration, producing each record unchanged (acks -1, offsets committed after the acknowledgement).',
  '- **pipeline**: `parcel-risk run` as a child process: decode (Avro, registry), validate, enrich (Redis, profiles loaded), score with rules/eu-lvc, publish decisions and dead letters.',
  '- Latency: from the declaration\'s producer timestamp to the moment the measuring consumer sees its decision (or copy, or dead letter), so it includes both Kafka hops and the consumer\'s fetch. "max": the generator keeps at most 20,000 declarations unanswered, so latency there is mostly queueing.',
  '',
  headline(points),
  '',
  table(points)
].join('\n')
