// Prometheus metrics of the processor, on a registry of our own (prom-client's global
// default registry is never touched, so two processors in one test process, or a library
// that registers its own metrics, cannot collide). Label children that the hot path uses are
// created once, up front or on first use, and kept in maps: prom-client's labels() builds a
// hash key from its arguments on every call, the cached child costs one Map lookup.
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client'
import { actionSymbols, decisionSymbols, type Action, type Decision } from '../declaration.ts'
import { catalogue } from '../errors.ts'

export type BreakerState = 'closed' | 'half-open' | 'open'
export type RulesetRole = 'active' | 'shadow'

/** Gauge values of the breaker state: what a dashboard threshold compares against. */
export const breakerStateValue: Readonly<Record<BreakerState, number>> = { closed: 0, 'half-open': 1, open: 2 }

export interface RulesetInfo {
  readonly id: string
  readonly version: string
  readonly digest: string
}

export interface MetricsOptions {
  /** Topics whose consumed counter is created up front (shows 0 before the first record). */
  readonly topics?: readonly string[]
  /** Also export Node.js process metrics (CPU, memory, event loop lag, GC). */
  readonly processMetrics?: boolean
}

export interface Metrics {
  readonly registry: Registry
  /** The Prometheus text exposition of every metric. */
  readonly render: () => Promise<string>
  readonly contentType: string
  readonly consumed: (topic: string, count: number) => void
  readonly decided: (action: Action, decision: Decision) => void
  readonly deadLettered: (code: string) => void
  readonly ruleHit: (role: RulesetRole, ruleId: string) => void
  /** From the consumed record's timestamp to the publish acknowledgement. */
  readonly decisionLatencyMs: (ms: number) => void
  readonly batchSize: (records: number) => void
  readonly consumerLag: (topic: string, partition: number, lag: number) => void
  /** Drops a partition's lag series once it is revoked from this instance. */
  readonly forgetPartition: (topic: string, partition: number) => void
  readonly redisLatencyMs: (ms: number) => void
  readonly breakerState: (state: BreakerState) => void
  /** Records the loaded ruleset and bounds the rule-hit series to its rule ids. */
  readonly rulesetLoaded: (role: RulesetRole, info: RulesetInfo, ruleIds: readonly string[]) => void
}

// 0.5 ms … 5 s: the p99 budget is single-digit milliseconds, the tail up to a publish timeout.
export const decisionLatencyBuckets = [0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5]
export const batchSizeBuckets = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1_000, 2_000, 5_000]
// 100 µs … 1 s: a loopback round trip is ~100 µs, the command timeout is 100 ms by default.
export const redisLatencyBuckets = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1]

type Child = { inc: (value?: number) => void }

/** A labelled child per key, created on first use and then reused. */
const cached = <C>(create: (key: string) => C) => {
  const children = new Map<string, C>()
  return {
    get: (key: string): C => {
      let child = children.get(key)
      if (child === undefined) { child = create(key); children.set(key, child) }
      return child
    },
    children
  }
}

export const createMetrics = (options: MetricsOptions = {}): Metrics => {
  const registry = new Registry()
  if (options.processMetrics === true) collectDefaultMetrics({ register: registry })
  const registers = [registry]

  const consumedTotal = new Counter({ name: 'parcel_risk_declarations_consumed_total', help: 'Declaration records consumed, by source topic.', labelNames: ['topic'], registers })
  const decisionsTotal = new Counter({ name: 'parcel_risk_decisions_total', help: 'Decisions published, by action and decision.', labelNames: ['action', 'decision'], registers })
  const deadLettersTotal = new Counter({ name: 'parcel_risk_dead_letters_total', help: 'Records sent to the dead-letter topic, by error code.', labelNames: ['code'], registers })
  const ruleHitsTotal = new Counter({ name: 'parcel_risk_rule_hits_total', help: 'Rules that fired, by ruleset role and rule id.', labelNames: ['role', 'rule'], registers })
  const decisionLatency = new Histogram({ name: 'parcel_risk_decision_latency_seconds', help: 'From the consumed record\'s timestamp to the publish acknowledgement.', buckets: decisionLatencyBuckets, registers })
  const batchSize = new Histogram({ name: 'parcel_risk_batch_size', help: 'Records per processed batch.', buckets: batchSizeBuckets, registers })
  const consumerLag = new Gauge({ name: 'parcel_risk_consumer_lag', help: 'Records between the last processed offset and the partition\'s high watermark.', labelNames: ['topic', 'partition'], registers })
  const redisLatency = new Histogram({ name: 'parcel_risk_redis_latency_seconds', help: 'Redis round trips (one per batch), success or failure.', buckets: redisLatencyBuckets, registers })
  const breakerGauge = new Gauge({ name: 'parcel_risk_redis_breaker_state', help: 'Redis circuit breaker: 0 closed, 1 half-open, 2 open.', registers })
  const rulesetInfo = new Gauge({ name: 'parcel_risk_ruleset_info', help: 'The loaded ruleset (value 1), by role, id, version and digest.', labelNames: ['role', 'id', 'version', 'digest'], registers })

  // labels() alone exports nothing; inc(0) makes the series exist at 0 from the start.
  const consumedBy = cached((topic) => { const c = consumedTotal.labels(topic); c.inc(0); return c })
  for (const topic of options.topics ?? []) consumedBy.get(topic)

  // Every action × decision pair exists from the start, so rates are 0 rather than absent.
  const decisionChildren = new Map<string, Child>()
  for (const action of actionSymbols) {
    for (const decision of decisionSymbols) {
      const child = decisionsTotal.labels(action, decision)
      child.inc(0)
      decisionChildren.set(`${action}|${decision}`, child)
    }
  }

  const deadLetterBy = cached((code) => { const c = deadLettersTotal.labels(code); c.inc(0); return c })
  for (const [code, entry] of Object.entries(catalogue)) {
    if (entry.disposition === 'reject') deadLetterBy.get(code)
  }

  const ruleHitsBy: Record<RulesetRole, ReturnType<typeof cached<Child>>> = {
    active: cached((rule) => { const c = ruleHitsTotal.labels('active', rule); c.inc(0); return c }),
    shadow: cached((rule) => { const c = ruleHitsTotal.labels('shadow', rule); c.inc(0); return c })
  }
  const loadedInfo = new Map<RulesetRole, RulesetInfo>()

  const lagBy = cached((key) => {
    const [topic = '', partition = ''] = key.split('\0')
    return consumerLag.labels(topic, partition)
  })

  breakerGauge.set(breakerStateValue.closed)

  return {
    registry,
    render: async () => await registry.metrics(),
    contentType: registry.contentType,
    consumed: (topic, count) => { consumedBy.get(topic).inc(count) },
    decided: (action, decision) => {
      (decisionChildren.get(`${action}|${decision}`) ?? decisionsTotal.labels(action, decision)).inc()
    },
    deadLettered: (code) => { deadLetterBy.get(code).inc() },
    ruleHit: (role, ruleId) => { ruleHitsBy[role].get(ruleId).inc() },
    decisionLatencyMs: (ms) => { decisionLatency.observe(ms / 1_000) },
    batchSize: (records) => { batchSize.observe(records) },
    consumerLag: (topic, partition, lag) => { lagBy.get(`${topic}\0${partition}`).set(lag) },
    forgetPartition: (topic, partition) => {
      const key = `${topic}\0${partition}`
      if (lagBy.children.delete(key)) consumerLag.remove(topic, String(partition))
    },
    redisLatencyMs: (ms) => { redisLatency.observe(ms / 1_000) },
    breakerState: (state) => { breakerGauge.set(breakerStateValue[state]) },
    rulesetLoaded: (role, info, ruleIds) => {
      const previous = loadedInfo.get(role)
      if (previous !== undefined) rulesetInfo.remove(role, previous.id, previous.version, previous.digest)
      rulesetInfo.set({ role, id: info.id, version: info.version, digest: info.digest }, 1)
      loadedInfo.set(role, info)
      // Rules that left the ruleset stop being exported; rules that stayed keep counting.
      const keep = new Set(ruleIds)
      const hits = ruleHitsBy[role]
      for (const rule of [...hits.children.keys()]) {
        if (!keep.has(rule)) { hits.children.delete(rule); ruleHitsTotal.remove(role, rule) }
      }
      for (const rule of ruleIds) hits.get(rule)
    }
  }
}
