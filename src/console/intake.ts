// The console's intake: one consumer group reading the declarations, decisions, shadow
// decisions, dead-letter and inspection-outcome topics into the console store (store.ts).
//
//   topic ──► decode (registry) ──► one Lua script per record (marker + writes) ──► resolve offset
//
// At least once: offsets are resolved only after the store has acknowledged the batch; a
// batch handed over again finds each record's marker (decisions by declarationId+version,
// outcomes by outcome id, dead letters by topic/partition/offset) and changes nothing.
// A record the console cannot decode becomes E_CONSOLE_UNDECODABLE (the decoder's code and
// message in its message) and is dead-lettered to the console's own dead-letter topic, not to
// the processor's or the outcome loop's, whose replays re-drive into their own input topics;
// the dead letter is acknowledged before the batch's offset is resolved, and the intake goes
// on with the rest. The intake reads that topic back like the processor's, so the overview
// counts these dead letters by code. A registry that does not answer throws, so kafkajs hands
// the batch over again.
import type { Consumer, EachBatchPayload, Kafka } from 'kafkajs'
import { avroType, readSchema } from '../codec/avro-types.ts'
import { createDecoder, type Decoder } from '../codec/decoder.ts'
import type { Registry } from '../codec/registry.ts'
import type { InspectionOutcome, ParcelDeclaration, RiskDecision } from '../declaration.ts'
import { ParcelRiskError } from '../errors.ts'
import type { Logger } from '../logger.ts'
import { buildDeadLetter, deadLetterHeaders } from '../publish/dead-letter.ts'
import type { ConsumedRecord, OutgoingRecord } from '../record.ts'
import type { ConsoleWriter, DeadLetterSeen } from './store.ts'

export interface IntakeTopics {
  readonly declarations: string
  readonly decisions: string
  readonly shadow: string
  readonly dlq: string
  readonly inspectionOutcomes: string
  /** Where the intake's own dead letters go; read back for the overview's counts. */
  readonly consoleDlq: string
}

export interface ConsoleIntakeConfig {
  readonly topics: IntakeTopics
  readonly groupId: string
  readonly maxRecordBytes: number
  readonly sessionTimeoutMs: number
  readonly heartbeatIntervalMs: number
  /** console.fetchMaxWaitMs / console.fetchMinBytes: the console is off the decision path. */
  readonly fetchMaxWaitMs: number
  readonly fetchMinBytes: number
}

export interface ConsoleIntake {
  readonly stop: () => Promise<void>
  readonly joined: () => boolean
  /** Records dead-lettered because they did not decode, by the decoder's code, since start. */
  readonly skipped: () => ReadonlyMap<string, number>
}

/** Longest start-up waits for the consumer group to be joined before serving anyway. */
const JOIN_BOUND_MS = 60_000

const consumed = (
  topic: string, partition: number, m: EachBatchPayload['batch']['messages'][number]
): ConsumedRecord => ({
  topic, partition, offset: m.offset, timestampMs: Number(m.timestamp), key: m.key, value: m.value, headers: m.headers
})

const header = (record: ConsumedRecord, name: string): string | undefined => {
  const value = record.headers?.[name]
  const first = Array.isArray(value) ? value[0] : value
  return first === undefined ? undefined : first.toString()
}

export const startConsoleIntake = async (config: ConsoleIntakeConfig, deps: {
  kafka: Kafka
  registry: Registry
  writer: ConsoleWriter
  deadLetters: (records: readonly OutgoingRecord[]) => Promise<void>
  log: Logger
}): Promise<ConsoleIntake> => {
  const { kafka, registry, writer } = deps
  const log = deps.log.child({ module: 'console-intake' })
  const decoder = <T>(name: 'RiskDecision' | 'ParcelDeclaration' | 'InspectionOutcome'): Decoder<T> =>
    createDecoder<T>({ readerType: avroType(readSchema(name)), registry, maxRecordBytes: config.maxRecordBytes })
  const decisions = decoder<RiskDecision>('RiskDecision')
  const declarations = decoder<ParcelDeclaration>('ParcelDeclaration')
  const outcomes = decoder<InspectionOutcome>('InspectionOutcome')
  const skipped = new Map<string, number>()
  const { topics } = config

  const decodeAll = async <T>(d: Decoder<T>, records: readonly ConsumedRecord[]): Promise<T[]> => {
    const withValue = records.filter((r) => r.value !== null)
    const out: T[] = []
    const dead: OutgoingRecord[] = []
    const results = await d.decodeBatch(withValue)
    for (const [i, result] of results.entries()) {
      if (result.ok) {
        out.push(result.value)
        continue
      }
      if (result.error.disposition === 'retry') throw result.error
      const record = withValue[i] as ConsumedRecord
      const err = new ParcelRiskError('E_CONSOLE_UNDECODABLE', `${result.error.code}: ${result.error.message}`,
        { cause: result.error })
      skipped.set(result.error.code, (skipped.get(result.error.code) ?? 0) + 1)
      log.warn({
        code: err.code,
        cause: result.error.code,
        topic: record.topic,
        partition: record.partition,
        offset: record.offset
      }, 'record dead-lettered')
      dead.push(buildDeadLetter(record, { code: err.code, stage: 'decode', message: err.message }))
    }
    await deps.deadLetters(dead)
    return out
  }

  const apply = async (topic: string, records: readonly ConsumedRecord[]): Promise<void> => {
    if (topic === topics.decisions) await writer.recordDecisions(await decodeAll(decisions, records))
    else if (topic === topics.declarations) await writer.recordDeclarations(await decodeAll(declarations, records))
    else if (topic === topics.shadow) await writer.recordShadow(await decodeAll(decisions, records))
    else if (topic === topics.inspectionOutcomes) await writer.recordOutcomes(await decodeAll(outcomes, records))
    else if (topic === topics.dlq || topic === topics.consoleDlq) {
      await writer.recordDeadLetters(records.map((r): DeadLetterSeen => ({
        marker: `${r.topic}/${r.partition}/${r.offset}`,
        code: header(r, deadLetterHeaders.code) ?? 'UNKNOWN',
        atMs: r.timestampMs
      })))
    }
  }

  const consumer: Consumer = kafka.consumer({
    groupId: config.groupId,
    sessionTimeout: config.sessionTimeoutMs,
    heartbeatInterval: config.heartbeatIntervalMs,
    // Batches, not one fetch per record: each fetch costs the brokers (and the processor sharing
    // them) about as much whether it carries one record or a hundred.
    maxWaitTimeInMs: config.fetchMaxWaitMs,
    minBytes: config.fetchMinBytes
  })
  let joined = false
  let firstJoin: () => void = () => {}
  const joinedOnce = new Promise<void>((resolve) => {
    firstJoin = resolve
  })
  consumer.on(consumer.events.GROUP_JOIN, (event) => {
    joined = true
    firstJoin()
    log.info({ groupId: config.groupId, memberAssignment: event.payload.memberAssignment },
      'console intake joined its group')
  })
  consumer.on(consumer.events.STOP, () => {
    joined = false
  })
  await consumer.connect()
  // Declarations first in the list: on a fresh group their batches tend to land before the
  // decisions that need their seller and route (store.ts copes with either order).
  await consumer.subscribe({
    topics: [
      topics.declarations, topics.decisions, topics.shadow, topics.dlq, topics.inspectionOutcomes, topics.consoleDlq
    ],
    fromBeginning: true
  })
  await consumer.run({
    eachBatchAutoResolve: false,
    partitionsConsumedConcurrently: 4,
    eachBatch: async ({ batch, resolveOffset, heartbeat }) => {
      if (batch.messages.length === 0) return
      await apply(batch.topic, batch.messages.map((m) => consumed(batch.topic, batch.partition, m)))
      resolveOffset(batch.lastOffset())
      await heartbeat()
    }
  })
  // Start-up waits for the first join (bounded), so "console running" means the queue fills.
  const bound = new Promise<void>((resolve) => {
    setTimeout(resolve, JOIN_BOUND_MS).unref()
  })
  await Promise.race([joinedOnce, bound])
  if (!joined) {
    log.warn({ groupId: config.groupId, boundMs: JOIN_BOUND_MS }, 'console intake not joined yet; serving anyway')
  }
  log.info({ groupId: config.groupId, topics: Object.values(topics) }, 'console intake running')
  return {
    stop: async () => {
      await consumer.disconnect()
    },
    joined: () => joined,
    skipped: () => skipped
  }
}
