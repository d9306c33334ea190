// The pipeline as metrics. Chunks: records consumed, batch size and lag when a chunk arrives;
// where its time went, its decisions, rule hits and dead letters once its output is
// acknowledged (the first chunk's timings are logged: what a cold start cost). At debug each
// dead letter is logged with its code and reason, at trace each decision with its outcome and
// rule ids: never a declared value, so redaction is a second line of defence, not the first
// (test/integration/processor/personal-data.test.ts runs at trace and looks). Enrichment:
// the round trip's latency and the breaker's state, which /readyz follows too.
import type { Logger } from '../logger.ts'
import type { ChunkObserver, DeadLetter, DecidedRecord, Stages } from '../pipeline.ts'
import type { ConsumedRecord } from '../record.ts'
import type { Readiness } from './http.ts'
import type { BreakerState, ChunkStage, Metrics } from './metrics.ts'

const logDeadLetters = (log: Logger, deadLetters: readonly DeadLetter[]): void => {
  for (const { source, code, stage, message } of deadLetters) {
    log.debug({
      key: source.key?.toString() ?? null, topic: source.topic, partition: source.partition, offset: source.offset,
      code, stage, detail: message
    }, 'declaration dead-lettered')
  }
}

const logDecisions = (log: Logger, decided: readonly DecidedRecord[]): void => {
  for (const { source, decision } of decided) {
    log.trace({
      declarationId: decision.declarationId, version: decision.version,
      partition: source.partition, offset: source.offset,
      decision: decision.decision, action: decision.action, score: decision.score,
      rules: decision.reasons.map((r) => r.ruleId)
    }, 'declaration decided')
  }
}

/** Seconds since the oldest record's timestamp (0 for a record stamped in the future: clock skew). */
export const oldestAgeSeconds = (records: readonly ConsumedRecord[], nowMs: number): number => {
  let oldest = nowMs
  for (const r of records) if (r.timestampMs < oldest) oldest = r.timestampMs
  return (nowMs - oldest) / 1_000
}

export const chunkMetrics = (metrics: Metrics, log: Logger): ChunkObserver => {
  let firstChunk = true
  return {
    received: (records, context) => {
      metrics.consumed(context.topic, records.length)
      metrics.batchSize(records.length)
      metrics.consumerLag(context.topic, context.partition, context.lag)
      metrics.consumerLagSeconds(context.topic, context.partition, oldestAgeSeconds(records, Date.now()))
    },
    published: ({ records, result, stageMs, ackedAtMs }) => {
      for (const [stage, ms] of Object.entries(stageMs)) metrics.stageMs(stage as ChunkStage, ms)
      if (firstChunk) {
        firstChunk = false
        log.info({ records: records.length, stageMs }, 'first chunk decided')
      }
      for (const { source, decision } of result.decisions) {
        metrics.decided(decision.action, decision.decision)
        metrics.decisionLatencyMs(ackedAtMs - source.timestampMs)
        if (decision.enrichment.status === 'DEGRADED') metrics.degraded()
        for (const reason of decision.reasons) metrics.ruleHit('active', reason.ruleId)
      }
      for (const { decision } of result.shadowDecisions) {
        for (const reason of decision.reasons) metrics.ruleHit('shadow', reason.ruleId)
      }
      for (const d of result.deadLetters) metrics.deadLettered(d.code)
      // One level check per chunk; below debug these loops are never entered.
      if (result.deadLetters.length > 0 && log.isLevelEnabled('debug')) logDeadLetters(log, result.deadLetters)
      if (log.isLevelEnabled('trace')) logDecisions(log, result.decisions)
    }
  }
}

/** What the enrichment stage's store tells the metrics after each round trip. */
export interface StoreState {
  readonly breakerState: () => BreakerState
  /** The watchlist index: loaded or not, and the fields it holds. */
  readonly watchIndex: () => { readonly ready: boolean, readonly fields: number }
}

/** The enrichment stage, timed; the breaker's and the watchlist index's state reported after each round trip. */
export const observedEnrich = (
  enrich: Stages['enrich'],
  store: StoreState,
  metrics: Metrics,
  readiness: Readiness
): Stages['enrich'] =>
  async (declarations, nowMs) => {
    const started = performance.now()
    const results = await enrich(declarations, nowMs)
    metrics.redisLatencyMs(performance.now() - started)
    const state = store.breakerState()
    metrics.breakerState(state)
    const index = store.watchIndex()
    metrics.watchlistIndexFields(index.ready ? index.fields : null)
    readiness.redis = state === 'closed' ? 'reachable' : 'degraded'
    return results
  }
