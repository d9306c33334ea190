import { readFileSync } from 'node:fs'
import { createOutcomeMetrics } from './outcome-metrics.ts'
import { describe, expect, it } from 'vitest'
import { register as globalRegistry, Registry } from 'prom-client'
import { createCapacityMetrics } from './capacity-metrics.ts'
import { createMetrics } from './metrics.ts'

const sample = (text: string, series: string): number | undefined => {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `))
  return line === undefined ? undefined : Number(line.slice(series.length + 1))
}

describe('observe > metrics', () => {
  it('keeps its metrics on its own registry, so two instances do not collide', async () => {
    const a = createMetrics()
    const b = createMetrics()
    a.consumed('declarations', 3)
    expect(sample(await a.render(), 'parcel_risk_declarations_consumed_total{topic="declarations"}')).toBe(3)
    expect(sample(await b.render(), 'parcel_risk_declarations_consumed_total{topic="declarations"}')).toBeUndefined()
    expect(globalRegistry.getSingleMetric('parcel_risk_decisions_total')).toBeUndefined()
  })

  it('exports every metric name the README lists, with its type', async () => {
    const text = await createMetrics().render()
    const types = Object.fromEntries([...text.matchAll(/^# TYPE (\S+) (\S+)$/gm)].map((m) => [m[1], m[2]]))
    expect(types).toEqual({
      parcel_risk_declarations_consumed_total: 'counter',
      parcel_risk_decisions_total: 'counter',
      parcel_risk_dead_letters_total: 'counter',
      parcel_risk_rule_hits_total: 'counter',
      parcel_risk_decision_latency_seconds: 'histogram',
      parcel_risk_batch_size: 'histogram',
      parcel_risk_consumer_lag: 'gauge',
      parcel_risk_consumer_lag_seconds: 'gauge',
      parcel_risk_degraded_decisions_total: 'counter',
      parcel_risk_ruleset_reloads_total: 'counter',
      parcel_risk_redis_latency_seconds: 'histogram',
      parcel_risk_redis_breaker_state: 'gauge',
      parcel_risk_watchlist_index_fields: 'gauge',
      parcel_risk_stage_seconds: 'histogram',
      parcel_risk_warm_up_seconds: 'gauge',
      parcel_risk_reference_data_age_seconds: 'gauge',
      parcel_risk_reference_data_entries: 'gauge',
      parcel_risk_reference_data_max_age_seconds: 'gauge',
      parcel_risk_reference_data_fresh: 'gauge',
      parcel_risk_reference_data_read: 'gauge',
      parcel_risk_ruleset_info: 'gauge',
      parcel_risk_scoring_overruns_total: 'counter'
    })
  })

  it('counts scoring overruns by role and whether a reload was reverted, from 0', async () => {
    const metrics = createMetrics()
    expect(sample(await metrics.render(), 'parcel_risk_scoring_overruns_total{role="active",reverted="true"}')).toBe(0)
    metrics.scoringOverrun('active', true)
    metrics.scoringOverrun('shadow', false)
    const text = await metrics.render()
    expect(sample(text, 'parcel_risk_scoring_overruns_total{role="active",reverted="true"}')).toBe(1)
    expect(sample(text, 'parcel_risk_scoring_overruns_total{role="active",reverted="false"}')).toBe(0)
    expect(sample(text, 'parcel_risk_scoring_overruns_total{role="shadow",reverted="false"}')).toBe(1)
  })

  it('pre-creates configured topics, every action × decision pair and every reject code at 0', async () => {
    const text = await createMetrics({ topics: ['declarations'] }).render()
    expect(sample(text, 'parcel_risk_declarations_consumed_total{topic="declarations"}')).toBe(0)
    expect(sample(text, 'parcel_risk_decisions_total{action="SCREEN_NII",decision="HOLD"}')).toBe(0)
    expect(sample(text, 'parcel_risk_dead_letters_total{code="E_DECODE_MAGIC_BYTE"}')).toBe(0)
    expect(sample(text, 'parcel_risk_redis_breaker_state')).toBe(0)
    expect(sample(text, 'parcel_risk_watchlist_index_fields')).toBe(-1)
  })

  it('reports the watchlist index\'s fields, and -1 again when it is not loaded', async () => {
    const m = createMetrics()
    m.watchlistIndexFields(1_234)
    expect(sample(await m.render(), 'parcel_risk_watchlist_index_fields')).toBe(1_234)
    m.watchlistIndexFields(null)
    expect(sample(await m.render(), 'parcel_risk_watchlist_index_fields')).toBe(-1)
  })

  it('counts decisions, dead letters and rule hits', async () => {
    const m = createMetrics()
    m.decided('RELEASE', 'RELEASE')
    m.decided('RELEASE', 'RELEASE')
    m.decided('PHYSICAL_EXAM', 'HOLD')
    m.deadLettered('E_VALIDATE_HS_CODE')
    m.deadLettered('E_PUBLISH_ENCODE')
    m.ruleHit('active', 'hs-prohibited')
    const text = await m.render()
    expect(sample(text, 'parcel_risk_decisions_total{action="RELEASE",decision="RELEASE"}')).toBe(2)
    expect(sample(text, 'parcel_risk_decisions_total{action="PHYSICAL_EXAM",decision="HOLD"}')).toBe(1)
    expect(sample(text, 'parcel_risk_dead_letters_total{code="E_VALIDATE_HS_CODE"}')).toBe(1)
    expect(sample(text, 'parcel_risk_dead_letters_total{code="E_PUBLISH_ENCODE"}')).toBe(1)
    expect(sample(text, 'parcel_risk_rule_hits_total{role="active",rule="hs-prohibited"}')).toBe(1)
  })

  it('hands each increment to prom-client once, however often it is scraped', async () => {
    const m = createMetrics()
    m.consumed('declarations', 5)
    expect(sample(await m.render(), 'parcel_risk_declarations_consumed_total{topic="declarations"}')).toBe(5)
    expect(sample(await m.render(), 'parcel_risk_declarations_consumed_total{topic="declarations"}')).toBe(5)
    m.consumed('declarations', 2)
    m.decided('REQUEST_INFO', 'HOLD')
    const text = await m.render()
    expect(sample(text, 'parcel_risk_declarations_consumed_total{topic="declarations"}')).toBe(7)
    expect(sample(text, 'parcel_risk_decisions_total{action="REQUEST_INFO",decision="HOLD"}')).toBe(1)
  })

  it('observes latencies in seconds into buckets from 0.5 ms to 5 s', async () => {
    const m = createMetrics()
    m.decisionLatencyMs(0.4)
    m.decisionLatencyMs(3)
    m.decisionLatencyMs(7_000)
    m.redisLatencyMs(0.2)
    m.batchSize(64)
    const text = await m.render()
    expect(sample(text, 'parcel_risk_decision_latency_seconds_bucket{le="0.0005"}')).toBe(1)
    expect(sample(text, 'parcel_risk_decision_latency_seconds_bucket{le="0.005"}')).toBe(2)
    expect(sample(text, 'parcel_risk_decision_latency_seconds_bucket{le="5"}')).toBe(2)
    expect(sample(text, 'parcel_risk_decision_latency_seconds_count')).toBe(3)
    expect(sample(text, 'parcel_risk_redis_latency_seconds_bucket{le="0.00025"}')).toBe(1)
    expect(sample(text, 'parcel_risk_batch_size_bucket{le="50"}')).toBe(0)
    expect(sample(text, 'parcel_risk_batch_size_bucket{le="100"}')).toBe(1)
  })

  it('sets lag per partition and forgets a revoked partition', async () => {
    const m = createMetrics()
    m.consumerLag('declarations', 0, 12)
    m.consumerLag('declarations', 1, 5)
    m.consumerLag('declarations', 0, 4)
    m.forgetPartition('declarations', 1)
    const text = await m.render()
    expect(sample(text, 'parcel_risk_consumer_lag{topic="declarations",partition="0"}')).toBe(4)
    expect(sample(text, 'parcel_risk_consumer_lag{topic="declarations",partition="1"}')).toBeUndefined()
  })

  it('sets lag in seconds per partition and forgets it with the partition', async () => {
    const m = createMetrics()
    m.consumerLagSeconds('declarations', 0, 2.5)
    m.consumerLagSeconds('declarations', 1, 0.25)
    m.forgetPartition('declarations', 1)
    const text = await m.render()
    expect(sample(text, 'parcel_risk_consumer_lag_seconds{topic="declarations",partition="0"}')).toBe(2.5)
    expect(sample(text, 'parcel_risk_consumer_lag_seconds{topic="declarations",partition="1"}')).toBeUndefined()
  })

  it('counts DEGRADED decisions from 0', async () => {
    const m = createMetrics()
    expect(sample(await m.render(), 'parcel_risk_degraded_decisions_total')).toBe(0)
    m.degraded()
    m.degraded()
    expect(sample(await m.render(), 'parcel_risk_degraded_decisions_total')).toBe(2)
  })

  it('counts ruleset reloads by role and result, the active ones from 0', async () => {
    const m = createMetrics()
    expect(sample(await m.render(), 'parcel_risk_ruleset_reloads_total{role="active",result="refused"}')).toBe(0)
    m.rulesetReload('active', 'swapped')
    m.rulesetReload('active', 'refused')
    m.rulesetReload('active', 'refused')
    m.rulesetReload('shadow', 'swapped')
    const text = await m.render()
    expect(sample(text, 'parcel_risk_ruleset_reloads_total{role="active",result="swapped"}')).toBe(1)
    expect(sample(text, 'parcel_risk_ruleset_reloads_total{role="active",result="refused"}')).toBe(2)
    expect(sample(text, 'parcel_risk_ruleset_reloads_total{role="shadow",result="swapped"}')).toBe(1)
  })

  const breakerStates = [['closed', 0], ['half-open', 1], ['open', 2]] as const
  it.each(breakerStates)('reports breaker state %s as %i', async (state, value) => {
    const m = createMetrics()
    m.breakerState(state)
    expect(sample(await m.render(), 'parcel_risk_redis_breaker_state')).toBe(value)
  })

  it('exports each reference data set\'s age, size, limit and freshness; ' +
    'a data set never loaded has no age', async () => {
    const m = createMetrics()
    m.referenceData([
      { dataSet: 'ioss', ageMs: 7_200_000, entries: 1_200, maxAgeMs: 172_800_000, fresh: true, read: true },
      { dataSet: 'watchlist', ageMs: undefined, entries: 0, maxAgeMs: 172_800_000, fresh: false, read: true }
    ])
    let text = await m.render()
    expect(sample(text, 'parcel_risk_reference_data_age_seconds{data_set="ioss"}')).toBe(7_200)
    expect(sample(text, 'parcel_risk_reference_data_entries{data_set="ioss"}')).toBe(1_200)
    expect(sample(text, 'parcel_risk_reference_data_max_age_seconds{data_set="ioss"}')).toBe(172_800)
    expect(sample(text, 'parcel_risk_reference_data_fresh{data_set="ioss"}')).toBe(1)
    expect(sample(text, 'parcel_risk_reference_data_age_seconds{data_set="watchlist"}')).toBeUndefined()
    expect(sample(text, 'parcel_risk_reference_data_fresh{data_set="watchlist"}')).toBe(0)
    expect(sample(text, 'parcel_risk_reference_data_read{data_set="watchlist"}')).toBe(1)
    // Redis lost the IOSS registry: its age disappears with it.
    m.referenceData([
      { dataSet: 'ioss', ageMs: undefined, entries: 0, maxAgeMs: 172_800_000, fresh: false, read: true }
    ])
    text = await m.render()
    expect(sample(text, 'parcel_risk_reference_data_age_seconds{data_set="ioss"}')).toBeUndefined()
    expect(sample(text, 'parcel_risk_reference_data_fresh{data_set="ioss"}')).toBe(0)
  })

  it('shows only the current ruleset and bounds rule-hit series to its rules', async () => {
    const m = createMetrics()
    m.rulesetLoaded('active', { id: 'eu-lvc', version: '1', digest: 'aaa' }, ['r1', 'r2'])
    m.ruleHit('active', 'r1')
    m.ruleHit('active', 'r2')
    m.rulesetLoaded('active', { id: 'eu-lvc', version: '2', digest: 'bbb' }, ['r1', 'r3'])
    m.rulesetLoaded('shadow', { id: 'eu-lvc-challenger', version: '1', digest: 'ccc' }, ['r9'])
    const text = await m.render()
    expect(sample(text, 'parcel_risk_ruleset_info{role="active",id="eu-lvc",version="1",digest="aaa"}')).toBeUndefined()
    expect(sample(text, 'parcel_risk_ruleset_info{role="active",id="eu-lvc",version="2",digest="bbb"}')).toBe(1)
    const shadowInfo = 'parcel_risk_ruleset_info{role="shadow",id="eu-lvc-challenger",version="1",digest="ccc"}'
    expect(sample(text, shadowInfo)).toBe(1)
    expect(sample(text, 'parcel_risk_rule_hits_total{role="active",rule="r1"}')).toBe(1)
    expect(sample(text, 'parcel_risk_rule_hits_total{role="active",rule="r2"}')).toBeUndefined()
    expect(sample(text, 'parcel_risk_rule_hits_total{role="active",rule="r3"}')).toBe(0)
    expect(sample(text, 'parcel_risk_rule_hits_total{role="shadow",rule="r9"}')).toBe(0)
  })

  it('adds Node.js process metrics only when asked', async () => {
    expect(await createMetrics().render()).not.toContain('process_cpu_user_seconds_total')
    expect(await createMetrics({ processMetrics: true }).render()).toContain('process_cpu_user_seconds_total')
  })
})

describe('observe > metrics > README', () => {
  it('lists every metric with its type, and no other ' +
    '(the processor\'s, lane capacity\'s and outcome intake\'s)', async () => {
    const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8')
    const documented = Object.fromEntries([...readme.matchAll(/^\| `(parcel_risk_[a-z_]+)` \| (counter|gauge|histogram) \|/gm)].map((m) => [m[1], m[2]]))
    const capacity = new Registry()
    createCapacityMetrics(capacity)
    const rendered = [
      await createMetrics().render(), await createOutcomeMetrics().render(), await capacity.metrics()
    ].join('\n')
    const exported = Object.fromEntries([...rendered.matchAll(/^# TYPE (\S+) (\S+)$/gm)].map((m) => [m[1], m[2]]))
    expect(documented).toEqual(exported)
  })
})
