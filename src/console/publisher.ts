// What the console writes to Kafka: the inspection outcomes officers record (Avro, the
// InspectionOutcome schema registered under `<outcomes topic>-value`, keyed by declarationId,
// exactly what `parcel-risk outcomes` reads) and the audit trail (who claimed, released,
// recorded or changed what, and when), one JSON record per action keyed by the user, on the
// audit topic. Both are sent with acks=all by an idempotent producer before the page answers,
// so an action the officer saw succeed is on the topic. The same producer writes the intake's
// dead letters (records it cannot decode) to the console's dead-letter topic.
// `startAuditPublisher` is the audit alone, for `parcel-risk console user ...`.
import type { Kafka, Producer } from 'kafkajs'
import { avroType, readSchema } from '../codec/avro-types.ts'
import { createEncoder, type Encoder } from '../codec/encoder.ts'
import type { Registry } from '../codec/registry.ts'
import type { InspectionOutcome } from '../declaration.ts'
import type { OutgoingRecord } from '../record.ts'

export type AuditAction = 'login' | 'login-failed' | 'login-locked' | 'logout' | 'claim' | 'unclaim' | 'record-outcome'
  | 'user-added' | 'user-changed' | 'user-role-changed' | 'user-disabled' | 'user-enabled'

export interface AuditRecord {
  readonly at: string
  readonly user: string
  readonly role: string
  readonly action: AuditAction
  readonly declarationId: string | null
  readonly version: number | null
  /** What changed, without personal data (an outcome's result and method, never its notes). */
  readonly detail: Readonly<Record<string, string | number | boolean | null>>
}

export interface AuditPublisher {
  readonly audit: (record: Omit<AuditRecord, 'at'>) => Promise<void>
  readonly stop: () => Promise<void>
}

export interface ConsolePublisher extends AuditPublisher {
  readonly outcome: (outcome: InspectionOutcome) => Promise<void>
  /** Dead letters built with buildDeadLetter(), to the console's dead-letter topic. */
  readonly deadLetters: (records: readonly OutgoingRecord[]) => Promise<void>
}

const auditSender = (producer: Producer, topic: string) => async (record: Omit<AuditRecord, 'at'>): Promise<void> => {
  const value: AuditRecord = { at: new Date().toISOString(), ...record }
  await producer.send({
    topic, acks: -1,
    messages: [{ key: record.user, value: JSON.stringify(value), headers: { 'content-type': 'application/json' } }]
  })
}

export const startAuditPublisher = async (kafka: Kafka, topic: string): Promise<AuditPublisher> => {
  const producer: Producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 })
  await producer.connect()
  return {
    audit: auditSender(producer, topic),
    stop: async () => {
      await producer.disconnect()
    }
  }
}

export const startPublisher = async (
  kafka: Kafka, registry: Registry, topics: { inspectionOutcomes: string, audit: string, dlq: string }
): Promise<ConsolePublisher> => {
  const schema = readSchema('InspectionOutcome')
  const schemaId = await registry.register(`${topics.inspectionOutcomes}-value`, schema)
  const encoder: Encoder<InspectionOutcome> = createEncoder<InspectionOutcome>(avroType(schema), schemaId)
  const producer: Producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 })
  await producer.connect()

  const outcome = async (o: InspectionOutcome): Promise<void> => {
    const encoded = encoder.encode(o)
    if (!encoded.ok) throw encoded.error
    await producer.send({
      topic: topics.inspectionOutcomes, acks: -1, messages: [{ key: o.declarationId, value: encoded.value }]
    })
  }

  const deadLetters = async (records: readonly OutgoingRecord[]): Promise<void> => {
    if (records.length === 0) return
    await producer.send({
      topic: topics.dlq, acks: -1, messages: records.map((r) => ({ key: r.key, value: r.value, headers: r.headers }))
    })
  }

  return {
    outcome,
    audit: auditSender(producer, topics.audit),
    deadLetters,
    stop: async () => {
      await producer.disconnect()
    }
  }
}
