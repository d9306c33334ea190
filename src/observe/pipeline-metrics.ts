// The pipeline as metrics. Chunks: records consumed, batch size and lag when a chunk arrives;
// where its time went, its decisions, rule hits and dead letters once its output is
// acknowledged (the first chunk's timings are logged: what a cold start cost). Enrichment:
// the round trip's latency and the breaker's state, which /readyz follows too.
import type { Logger } from '../logger.ts'
import type { ChunkObserver, Stages } from '../pipeline.ts'
import type { Readiness } from './http.ts'
import type { BreakerState, ChunkStage, Metrics } from './metrics.ts'

export const chunkMetrics = (metrics: Metrics, log: Logger): ChunkObserver => {
  let firstChunk = true
  return {
    received: (records, context) => {
      metrics.consumed(context.topic, records.length)
      metrics.batchSize(records.length)
      metrics.consumerLag(context.topic, context.partition, context.lag)
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
        for (const reason of decision.reasons) metrics.ruleHit('active', reason.ruleId)
      }
      for (const { decision } of result.shadowDecisions) for (const reason of decision.reasons) metrics.ruleHit('shadow', reason.ruleId)
      for (const d of result.deadLetters) metrics.deadLettered(d.code)
    }
  }
}

/** The enrichment stage, timed, with the breaker's state reported after each round trip. */
export const observedEnrich = (enrich: Stages['enrich'], breakerState: () => BreakerState, metrics: Metrics, readiness: Readiness): Stages['enrich'] =>
  async (declarations, nowMs) => {
    const started = performance.now()
    const results = await enrich(declarations, nowMs)
    metrics.redisLatencyMs(performance.now() - started)
    const state = breakerState()
    metrics.breakerState(state)
    readiness.redis = state === 'closed' ? 'reachable' : 'degraded'
    return results
  }
