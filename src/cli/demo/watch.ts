// The demo's consumer of what the processor publishes: decisions (Avro, decoded with the
// registry) and dead letters (the reason in headers). Reads this run's topics from the
// beginning with its own group; every outcome goes to `onDecision` / `onDeadLetter` with its
// end-to-end latency: the moment it was consumed minus the declaration's produce timestamp
// (timings.receivedAt of a decision, the source-timestamp header of a dead letter).
import type { Consumer, Kafka, KafkaMessage } from 'kafkajs'
import { avroType, readSchema } from '../../codec/avro-types.ts'
import { createDecoder } from '../../codec/decoder.ts'
import type { Registry } from '../../codec/registry.ts'
import type { RiskDecision } from '../../declaration.ts'
import { deadLetterHeaders } from '../../publish/dead-letter.ts'
import type { DeadLetterSeen, DecisionSeen } from './summary.ts'

export interface WatchOptions {
  /** From the one client factory (src/kafka/client.ts). */
  readonly kafka: Kafka
  readonly registry: Pick<Registry, 'writerType' | 'register'>
  readonly groupId: string
  readonly decisionsTopic: string
  readonly dlqTopic: string
  readonly onDecision: (d: DecisionSeen) => void
  readonly onDeadLetter: (d: DeadLetterSeen) => void
  /** A record that could not be read (should not happen; counted, not fatal). */
  readonly onUnreadable: (reason: string) => void
}

export interface Watch { readonly stop: () => Promise<void> }

const header = (m: KafkaMessage, name: string): string | undefined => {
  const v = m.headers?.[name]
  const first = Array.isArray(v) ? v[0] : v
  return first === undefined ? undefined : first.toString()
}

export const toDecisionSeen = (d: RiskDecision, nowMs: number): DecisionSeen => ({
  action: d.action,
  decision: d.decision,
  ruleIds: d.reasons.map((r) => r.ruleId),
  degraded: d.enrichment.status === 'DEGRADED',
  latencyMs: nowMs - Number(d.timings.receivedAt)
})

export const startWatch = async (options: WatchOptions): Promise<Watch> => {
  const readerType = readSchema('RiskDecision')
  const decoder = createDecoder<RiskDecision>({
    readerType: avroType(readerType), registry: options.registry, maxRecordBytes: 1 << 20
  })
  // Ready before the first declaration is sent, so the first seconds' latencies are the
  // processor's and not this consumer's start: the decision schema's writer type is fetched
  // (the processor registered it; registering the same schema again returns its id) and the
  // group is joined.
  const decisionSchemaId = await options.registry.register(`${options.decisionsTopic}-value`, readerType)
  await options.registry.writerType(decisionSchemaId)
  const consumer: Consumer = options.kafka.consumer({ groupId: options.groupId, maxWaitTimeInMs: 50 })
  let onJoin = (): void => {}
  const joined = new Promise<void>((resolve) => {
    onJoin = resolve
  })
  const removeJoin = consumer.on(consumer.events.GROUP_JOIN, () => {
    onJoin()
  })
  await consumer.connect()
  await consumer.subscribe({ topics: [options.decisionsTopic, options.dlqTopic], fromBeginning: true })
  // No offset commits: the group is new for every run and reads from the beginning, and a
  // commit per batch would hold this consumer's next fetch ~5 ms per partition (Kafka 4's
  // group coordinator lingers before appending), adding tens of ms to every latency seen.
  await consumer.run({
    autoCommit: false,
    partitionsConsumedConcurrently: 4,
    eachBatch: async ({ batch }) => {
      const nowMs = Date.now()
      if (batch.topic === options.dlqTopic) {
        for (const m of batch.messages) {
          options.onDeadLetter({
            code: header(m, deadLetterHeaders.code) ?? 'unknown',
            latencyMs: nowMs - Number(header(m, deadLetterHeaders.sourceTimestamp) ?? nowMs)
          })
        }
        return
      }
      const decoded = await decoder.decodeBatch(batch.messages)
      for (const result of decoded) {
        if (result.ok) options.onDecision(toDecisionSeen(result.value, nowMs))
        else options.onUnreadable(`${result.error.code}: ${result.error.message}`)
      }
    }
  })
  let timer: NodeJS.Timeout | undefined
  await Promise.race([joined, new Promise((resolve) => {
    timer = setTimeout(resolve, 30_000)
  })])
  clearTimeout(timer)
  removeJoin()
  return {
    stop: async () => {
      await consumer.disconnect()
    }
  }
}
