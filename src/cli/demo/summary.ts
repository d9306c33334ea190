// What the demo has seen so far, aggregated from the decisions and dead letters it consumes:
// counts by action, rule hits, dead letters by code, degraded enrichments and the end-to-end
// latency (the declaration's produce timestamp to the moment the outcome was consumed).
// Pure: the caller passes the clock; view() turns the state into the numbers shown.
import { createLatencyHistogram, type LatencyHistogram } from './latency.ts'

export interface DecisionSeen {
  readonly action: string
  readonly decision: 'RELEASE' | 'HOLD'
  readonly ruleIds: readonly string[]
  readonly degraded: boolean
  readonly latencyMs: number
}

export interface DeadLetterSeen {
  readonly code: string
  readonly latencyMs: number
}

export interface Summary {
  readonly startedMs: number
  sent: number
  poisonSent: number
  decisions: number
  holds: number
  deadLetters: number
  degraded: number
  readonly byAction: Map<string, number>
  readonly ruleHits: Map<string, number>
  readonly deadLettersByCode: Map<string, number>
  readonly latency: LatencyHistogram
  /** Decisions and dead letters at the previous tick, for the per-second rate. */
  lastTick: { atMs: number, outcomes: number }
  outcomesPerS: number
}

export const createSummary = (startedMs: number): Summary => ({
  startedMs, sent: 0, poisonSent: 0, decisions: 0, holds: 0, deadLetters: 0, degraded: 0,
  byAction: new Map(), ruleHits: new Map(), deadLettersByCode: new Map(),
  latency: createLatencyHistogram(), lastTick: { atMs: startedMs, outcomes: 0 }, outcomesPerS: 0
})

const bump = (map: Map<string, number>, key: string): void => { map.set(key, (map.get(key) ?? 0) + 1) }

export const recordDecision = (s: Summary, d: DecisionSeen): void => {
  s.decisions++
  if (d.decision === 'HOLD') s.holds++
  if (d.degraded) s.degraded++
  bump(s.byAction, d.action)
  for (const id of d.ruleIds) bump(s.ruleHits, id)
  s.latency.record(d.latencyMs)
}

export const recordDeadLetter = (s: Summary, d: DeadLetterSeen): void => {
  s.deadLetters++
  bump(s.deadLettersByCode, d.code)
  s.latency.record(d.latencyMs)
}

/** Called once a second: the outcome rate since the previous tick. */
export const tick = (s: Summary, nowMs: number): void => {
  const outcomes = s.decisions + s.deadLetters
  const dt = (nowMs - s.lastTick.atMs) / 1000
  if (dt > 0) s.outcomesPerS = (outcomes - s.lastTick.outcomes) / dt
  s.lastTick = { atMs: nowMs, outcomes }
}

export interface Share { readonly name: string, readonly count: number, readonly share: number }

export interface SummaryView {
  readonly elapsedS: number
  readonly sent: number
  readonly poisonSent: number
  readonly decisions: number
  readonly deadLetters: number
  /** Sent but neither decided nor dead-lettered yet. */
  readonly pending: number
  readonly outcomesPerS: number
  readonly meanOutcomesPerS: number
  /** HOLD decisions / decisions. */
  readonly holdRate: number
  readonly byAction: readonly Share[]
  readonly topRules: readonly Share[]
  readonly deadLettersByCode: readonly Share[]
  readonly degraded: number
  readonly latencyMs: { readonly p50?: number, readonly p99?: number, readonly max?: number }
}

/** Largest first, ties by name; `share` is of `total`. */
export const ranked = (map: ReadonlyMap<string, number>, total: number, limit = Infinity): Share[] =>
  [...map].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).slice(0, limit)
    .map(([name, count]) => ({ name, count, share: total === 0 ? 0 : count / total }))

export const view = (s: Summary, nowMs: number, topRules = 8): SummaryView => {
  const elapsedS = Math.max(0, (nowMs - s.startedMs) / 1000)
  const outcomes = s.decisions + s.deadLetters
  const p50 = s.latency.percentile(0.5)
  const p99 = s.latency.percentile(0.99)
  const max = s.latency.max()
  return {
    elapsedS,
    sent: s.sent,
    poisonSent: s.poisonSent,
    decisions: s.decisions,
    deadLetters: s.deadLetters,
    pending: Math.max(0, s.sent - outcomes),
    outcomesPerS: s.outcomesPerS,
    meanOutcomesPerS: elapsedS === 0 ? 0 : outcomes / elapsedS,
    holdRate: s.decisions === 0 ? 0 : s.holds / s.decisions,
    byAction: ranked(s.byAction, s.decisions),
    topRules: ranked(s.ruleHits, s.decisions, topRules),
    deadLettersByCode: ranked(s.deadLettersByCode, s.deadLetters),
    degraded: s.degraded,
    latencyMs: {
      ...(p50 === undefined ? {} : { p50 }),
      ...(p99 === undefined ? {} : { p99 }),
      ...(max === undefined ? {} : { max })
    }
  }
}
