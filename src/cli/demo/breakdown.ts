// `demo --verbose`: where the processor's time went, read from what it exports: the mean
// time per chunk of each stage (parcel_risk_stage_seconds on /metrics), the first chunk after
// start-up ('first chunk decided' in its log) and the warm-up (parcel_risk_warm_up_seconds).
const STAGES = ['fetchWait', 'decode', 'enrich', 'score', 'publish'] as const
type StageName = typeof STAGES[number]

export type StageTimes = Partial<Record<StageName, number>>

export interface Breakdown {
  readonly chunks: number
  /** Mean milliseconds per chunk, by stage. */
  readonly meanMs: StageTimes
  /** The first chunk after start-up, milliseconds by stage, when its log line was found. */
  readonly firstChunkMs: StageTimes | undefined
  readonly warmUpS: number | undefined
}

const sampleOf = (metrics: string, name: string, stage?: string): number | undefined => {
  const label = stage === undefined ? '' : `{stage="${stage}"}`
  const line = metrics.split('\n').find((l) => l.startsWith(`${name}${label} `))
  return line === undefined ? undefined : Number(line.slice(line.lastIndexOf(' ') + 1))
}

export const breakdownOf = (metrics: string, processorLog: string): Breakdown => {
  const meanMs: StageTimes = {}
  let chunks = 0
  for (const stage of STAGES) {
    const sum = sampleOf(metrics, 'parcel_risk_stage_seconds_sum', stage)
    const count = sampleOf(metrics, 'parcel_risk_stage_seconds_count', stage)
    if (sum === undefined || count === undefined || count === 0) continue
    meanMs[stage] = sum * 1_000 / count
    chunks = Math.max(chunks, count)
  }
  let firstChunkMs: StageTimes | undefined
  for (const line of processorLog.split('\n')) {
    if (!line.includes('"msg":"first chunk decided"')) continue
    try {
      firstChunkMs = (JSON.parse(line) as { stageMs?: StageTimes }).stageMs
    } catch {
      firstChunkMs = undefined
    }
    break
  }
  return { chunks, meanMs, firstChunkMs, warmUpS: sampleOf(metrics, 'parcel_risk_warm_up_seconds') }
}

const stages = (t: StageTimes): string =>
  STAGES.map((s) => `${s} ${t[s] === undefined ? '–' : `${(t[s] as number).toFixed(1)} ms`}`).join('   ')

export const renderBreakdown = (b: Breakdown): string[] => [
  `where a chunk's time goes (processor, mean of ${b.chunks.toLocaleString('en-US')} chunks):`,
  `  ${stages(b.meanMs)}`,
  `first chunk after start-up:`,
  `  ${b.firstChunkMs === undefined ? 'not found in the processor log' : stages(b.firstChunkMs)}`,
  `warm-up before joining the group: ${b.warmUpS === undefined ? '–' : `${b.warmUpS.toFixed(2)} s`}`
]
