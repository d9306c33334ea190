// Outcome intake: two consumers, each in its own group, joined through Redis.
//
//   decisions topic ──► decode ──► count fired/held (once per declarationId+version)
//                                  └─ keep a compact decision record (holds and post-audit
//                                     releases, TTL outcomes.decisionTtlMs)
//   inspection-outcomes ──► decode ──► check ──► join to the decision record ──► count
//                             │          │          │ (missing: wait up to           (once per outcome id)
//                             ▼          ▼          ▼  outcomes.decisionWaitMs)
//                           dead letter (E_DECODE_*, E_OUTCOME_INVALID, E_OUTCOME_DECISION_UNKNOWN)
//
// The decision side is read from what the processor publishes, not written by it: the
// processor's hot path gains no Redis write, and the statistics can be rebuilt by a new group
// reading both topics from the beginning. Two groups, not one consumer of both topics: an
// outcome batch waiting for its decision must not hold up the decisions that would end the
// wait. At start-up the outcomes consumer joins only once the decisions group has read the
// decisions topic up to where it ended at start (bounded by CATCH_UP_BOUND_MS), so a fresh
// group reading both topics from the beginning does not dead-letter outcomes whose decisions
// are merely further back in the queue. Offsets are resolved only after the Redis writes and
// dead letters are acknowledged, so a failure makes kafkajs hand the batch over again; the
// markers make that harmless.
import type { Consumer, EachBatchPayload, Kafka, Producer } from 'kafkajs'
import { avroType, readSchema } from '../codec/avro-types.ts'
import { createDecoder, type Decoder } from '../codec/decoder.ts'
import type { Registry } from '../codec/registry.ts'
import { controllable } from '../actions.ts'
import type { InspectionOutcome, RiskDecision } from '../declaration.ts'
import { ParcelRiskError } from '../errors.ts'
import { fetchTopicEnds } from '../kafka/topics.ts'
import type { Logger } from '../logger.ts'
import type { RedisClient } from '../enrich/redis-client.ts'
import { buildDeadLetter, type FailureStage } from '../publish/dead-letter.ts'
import type { ConsumedRecord, OutgoingRecord } from '../record.ts'
import { createYieldStore, type DecisionWrite, type JoinedDecision, type OutcomeWrite } from './store.ts'
import {
  decisionIncrements, decisionRecord, outcomeId, outcomeIncrements, outcomeProblem, POSITIVE_RESULTS,
  type DecisionRecord
} from './tally.ts'

export interface IntakeConfig {
  readonly decisionsTopic: string
  readonly outcomesTopic: string
  readonly dlqTopic: string
  /** The outcomes group; the decisions consumer joins `<groupId>-decisions`. */
  readonly groupId: string
  readonly keyPrefix: string
  readonly maxRecordBytes: number
  readonly decisionWaitMs: number
  readonly decisionTtlMs: number
  readonly outcomeTtlMs: number
  readonly sessionTimeoutMs: number
  readonly heartbeatIntervalMs: number
  /**
   * outcomes.fetchMaxWaitMs / outcomes.fetchMinBytes, for the decisions consumer: it reads every
   * decision to keep the held ones, off the decision path, so in batches rather than one fetch per record.
   */
  readonly fetchMaxWaitMs: number
  readonly fetchMinBytes: number
  /** How often a waiting outcome batch looks for its decisions again (default 250 ms). */
  readonly pollMs?: number
}

export type OutcomeStatus = 'counted' | 'duplicate' | 'dead-lettered'

/** Told what intake did, for metrics. */
export interface IntakeEvents {
  readonly decisions: (counted: number, duplicates: number) => void
  readonly outcomes: (status: OutcomeStatus, count: number) => void
  readonly deadLettered: (code: string) => void
  readonly waitedMs: (ms: number) => void
  /** A decision or an outcome counted for the first time: the yield metrics it adds, for the decision's rules. */
  readonly counted: (record: DecisionRecord, metrics: readonly YieldMetric[]) => void
  /** Offences listed on profiles for the first time, and positive outcomes with no parties to list them on. */
  readonly offences?: (recorded: number, unattributed: number) => void
}

export type YieldMetric = 'fired' | 'held' | 'controlled' | 'positive'

export interface IntakeDeps {
  readonly kafka: Kafka
  readonly registry: Registry
  readonly redis: RedisClient
  readonly log: Logger
  readonly events: IntakeEvents
}

export interface Intake {
  readonly stop: () => Promise<void>
  /** True once both consumers have joined their groups. */
  readonly joined: () => boolean
}

/** Longest start-up waits for the decisions group to catch up before outcomes are read anyway. */
const CATCH_UP_BOUND_MS = 120_000

const sleep = async (ms: number): Promise<void> => {
  await new Promise((resolve) => setTimeout(resolve, ms))
}

const consumed = (
  topic: string, partition: number, m: EachBatchPayload['batch']['messages'][number]
): ConsumedRecord => ({
  topic, partition, offset: m.offset, timestampMs: Number(m.timestamp), key: m.key, value: m.value, headers: m.headers
})

interface Dead {
  readonly record: ConsumedRecord
  readonly code: string
  readonly stage: FailureStage
  readonly message: string
}

export const startIntake = async (config: IntakeConfig, deps: IntakeDeps): Promise<Intake> => {
  const { kafka, registry, redis, events } = deps
  const log = deps.log.child({ module: 'outcomes' })
  const store = createYieldStore(redis, config)
  const decisionDecoder = createDecoder<RiskDecision>({
    readerType: avroType(readSchema('RiskDecision')), registry, maxRecordBytes: config.maxRecordBytes
  })
  const outcomeDecoder = createDecoder<InspectionOutcome>({
    readerType: avroType(readSchema('InspectionOutcome')), registry, maxRecordBytes: config.maxRecordBytes
  })
  const pollMs = config.pollMs ?? 250
  const group = { sessionTimeout: config.sessionTimeoutMs, heartbeatInterval: config.heartbeatIntervalMs }
  const decisionsConsumer: Consumer = kafka.consumer({
    groupId: `${config.groupId}-decisions`,
    ...group,
    maxWaitTimeInMs: config.fetchMaxWaitMs,
    minBytes: config.fetchMinBytes
  })
  const outcomesConsumer: Consumer = kafka.consumer({ groupId: config.groupId, ...group })
  const producer: Producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 })
  const joinedGroups = new Set<string>()
  for (const [name, c] of [['decisions', decisionsConsumer], ['outcomes', outcomesConsumer]] as const) {
    c.on(c.events.GROUP_JOIN, () => {
      joinedGroups.add(name)
    })
    c.on(c.events.STOP, () => {
      joinedGroups.delete(name)
    })
  }

  const deadLetter = async (dead: readonly Dead[]): Promise<void> => {
    if (dead.length === 0) return
    const messages: OutgoingRecord[] = dead.map((d) =>
      buildDeadLetter(d.record, { code: d.code, stage: d.stage, message: d.message }))
    await producer.send({
      topic: config.dlqTopic,
      acks: -1,
      messages: messages.map((m) => ({ key: m.key, value: m.value, headers: m.headers }))
    })
    for (const d of dead) {
      events.deadLettered(d.code)
      // Never the notes or the value: an officer's remarks may name people.
      log.warn({ topic: d.record.topic, partition: d.record.partition, offset: d.record.offset, code: d.code },
        'record dead-lettered')
    }
  }

  /** Decodes a batch; retriable failures (registry unreachable) throw so the batch comes again. */
  const decodeAll = async <T>(
    decoder: Decoder<T>, records: readonly ConsumedRecord[], dead: Dead[]
  ): Promise<Array<{ record: ConsumedRecord, value: T }>> => {
    const withValue = records.filter((r) => r.value !== null)
    for (const r of records) {
      if (r.value === null) {
        dead.push({ record: r, code: 'E_OUTCOME_INVALID', stage: 'decode', message: 'record without a value' })
      }
    }
    const results = await decoder.decodeBatch(withValue)
    const out: Array<{ record: ConsumedRecord, value: T }> = []
    results.forEach((result, i) => {
      const record = withValue[i] as ConsumedRecord
      if (result.ok) {
        out.push({ record, value: result.value })
        return
      }
      if (result.error.disposition === 'retry') throw result.error
      dead.push({ record, code: result.error.code, stage: 'decode', message: result.error.message })
    })
    return out
  }

  const handleDecisions = async (payload: EachBatchPayload): Promise<void> => {
    const { batch, heartbeat, resolveOffset } = payload
    if (batch.messages.length === 0) return
    const records = batch.messages.map((m) => consumed(batch.topic, batch.partition, m))
    const dead: Dead[] = []
    const decoded = await decodeAll<RiskDecision>(decisionDecoder, records, dead)
    const writes: DecisionWrite[] = decoded.map(({ value: d }) => {
      const record = decisionRecord(d)
      return {
        declarationId: d.declarationId,
        version: d.version,
        record,
        keep: controllable(d),
        increments: decisionIncrements(record)
      }
    })
    const fresh = await store.recordDecisions(writes)
    await deadLetter(dead)
    fresh.forEach((isNew, i) => {
      const record = writes[i]?.record
      if (isNew && record !== undefined) events.counted(record, record.held ? ['fired', 'held'] : ['fired'])
    })
    const counted = fresh.filter(Boolean).length
    events.decisions(counted, writes.length - counted)
    resolveOffset(batch.lastOffset())
    await heartbeat()
  }

  /** Looks the decisions up, again every pollMs for those not there yet, until the wait is over. */
  const join = async (
    outcomes: ReadonlyArray<{ record: ConsumedRecord, value: InspectionOutcome }>, payload: EachBatchPayload
  ): Promise<Array<JoinedDecision | undefined> | null> => {
    const found = await store.readDecisions(outcomes.map((o) => ({
      declarationId: o.value.declarationId, version: o.value.version
    })))
    const started = Date.now()
    const deadline = started + config.decisionWaitMs
    let waited = false
    for (;;) {
      const missing = found.flatMap((f, i) => f === undefined ? [i] : [])
      if (missing.length === 0 || Date.now() >= deadline) break
      if (!payload.isRunning() || payload.isStale()) return null
      waited = true
      await sleep(Math.min(pollMs, Math.max(0, deadline - Date.now())))
      await payload.heartbeat()
      const again = await store.readDecisions(missing.map((i) => ({
        declarationId: outcomes[i]?.value.declarationId ?? '', version: outcomes[i]?.value.version ?? 0
      })))
      missing.forEach((i, n) => {
        found[i] = again[n]
      })
    }
    if (waited) events.waitedMs(Date.now() - started)
    return found
  }

  const handleOutcomes = async (payload: EachBatchPayload): Promise<void> => {
    const { batch, heartbeat, resolveOffset } = payload
    if (batch.messages.length === 0) return
    const records = batch.messages.map((m) => consumed(batch.topic, batch.partition, m))
    const dead: Dead[] = []
    const valid = (await decodeAll<InspectionOutcome>(outcomeDecoder, records, dead)).filter(({ record, value }) => {
      const problem = outcomeProblem(value)
      if (problem !== undefined) {
        const message = `${problem.path ?? ''}: ${problem.message}`
        dead.push({ record, code: problem.code, stage: 'validate', message })
      }
      return problem === undefined
    })
    const joined = await join(valid, payload)
    // Stopping, or the partition moved: leave the batch unresolved for its next owner.
    if (joined === null) return
    const writes: OutcomeWrite[] = []
    const positives: boolean[] = []
    let unattributed = 0
    valid.forEach(({ record, value }, i) => {
      const decision = joined[i]
      if (decision === undefined) {
        const err = decisionUnknown(value, config.decisionWaitMs)
        dead.push({ record, code: err.code, stage: 'join', message: err.message })
        return
      }
      const positive = POSITIVE_RESULTS.has(value.result)
      // A positive control is an offence of the parcel's seller and consignee, when the
      // processor kept who they were (decisions before it did, or whose history expired, have none).
      const parties = positive ? decision.parties : null
      if (positive && parties === null) unattributed++
      writes.push({
        declarationId: value.declarationId,
        outcomeId: outcomeId(value),
        record: decision,
        increments: outcomeIncrements(decision, value),
        offence: parties === null ? undefined : { parties, at: value.inspectedAt }
      })
      positives.push(positive)
    })
    const { fresh, offences } = await store.recordOutcomes(writes)
    if (offences > 0 || unattributed > 0) events.offences?.(offences, unattributed)
    await deadLetter(dead)
    fresh.forEach((isNew, i) => {
      const record = writes[i]?.record
      if (isNew && record !== undefined) {
        events.counted(record, positives[i] === true ? ['controlled', 'positive'] : ['controlled'])
      }
    })
    const counted = fresh.filter(Boolean).length
    events.outcomes('counted', counted)
    events.outcomes('duplicate', fresh.length - counted)
    events.outcomes('dead-lettered', dead.length)
    resolveOffset(batch.lastOffset())
    await heartbeat()
  }

  await producer.connect()
  await decisionsConsumer.connect()
  await outcomesConsumer.connect()
  await decisionsConsumer.subscribe({ topic: config.decisionsTopic, fromBeginning: true })
  await outcomesConsumer.subscribe({ topic: config.outcomesTopic, fromBeginning: true })
  await decisionsConsumer.run({ eachBatchAutoResolve: false, eachBatch: handleDecisions })
  await decisionsCaughtUp(kafka, `${config.groupId}-decisions`, config.decisionsTopic, log)
  await outcomesConsumer.run({ eachBatchAutoResolve: false, eachBatch: handleOutcomes })
  log.info({ decisions: config.decisionsTopic, outcomes: config.outcomesTopic, groupId: config.groupId },
    'outcome intake running')
  return {
    stop: async () => {
      await Promise.allSettled([outcomesConsumer.disconnect(), decisionsConsumer.disconnect()])
      await producer.disconnect()
    },
    joined: () => joinedGroups.size === 2
  }
}

/** Waits until the group's committed offsets reach the topic's end offsets as of now. */
const decisionsCaughtUp = async (kafka: Kafka, groupId: string, topic: string, log: Logger): Promise<void> => {
  const admin = kafka.admin()
  await admin.connect()
  try {
    const ends = (await fetchTopicEnds(admin, topic, log)).map((e) => ({
      partition: e.partition, low: BigInt(e.low), high: BigInt(e.high)
    }))
    const deadline = Date.now() + CATCH_UP_BOUND_MS
    while (Date.now() < deadline) {
      const offsets = (await admin.fetchOffsets({ groupId, topics: [topic] }))[0]?.partitions ?? []
      const committed = new Map(offsets.map((p) => [p.partition, BigInt(p.offset)]))
      const behind = ends.filter((e) => e.high > e.low && (committed.get(e.partition) ?? -1n) < e.high)
      if (behind.length === 0) return
      await sleep(500)
    }
    log.warn({ topic, boundMs: CATCH_UP_BOUND_MS }, 'decisions not caught up at start-up; reading outcomes anyway')
  } finally {
    await admin.disconnect()
  }
}

export const decisionUnknown = (
  o: Pick<InspectionOutcome, 'declarationId' | 'version'>, waitedMs: number
): ParcelRiskError =>
  new ParcelRiskError('E_OUTCOME_DECISION_UNKNOWN',
    `no decision for declaration ${o.declarationId} version ${o.version} within ${waitedMs} ms ` +
    '(never decided, decided as a plain release, or its record expired)')
