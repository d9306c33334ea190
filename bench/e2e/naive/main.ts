// The third system of bench/e2e.ts: the straightforward design a team writes first, with
// none of the product's design choices. kafkajs `eachMessage` with the library's defaults
// (auto-commit, one message at a time per partition), the registry client library's
// `decode`, enrichment one awaited Redis command after another (enrich.ts), the reference
// ruleset on json-rules-engine (translate.ts), and the decision as JSON.stringify of a plain
// object, one `send` (acks -1) per declaration. No validation, no dead letters, no cache.
// The Kafka client itself is built as the processor builds it (src/kafka/client.ts, same
// brokers, client id and retry settings), so only the design differs.
//   node bench/e2e/naive/main.ts        runs until SIGTERM, then exits 0 (env as `parcel-risk run`)
import { SchemaRegistry } from '@kafkajs/confluent-schema-registry'
import { Redis } from 'ioredis'
import { Partitioners } from 'kafkajs'
import type { ParcelDeclaration } from '../../../src/declaration.ts'
import { startChild } from '../child.ts'
import { createNaiveEnricher } from './enrich.ts'
import { loadNaiveRuleset } from './ruleset.ts'
import { createNaiveDecider } from './translate.ts'

const RULES = process.env.PARCEL_RISK_RULES_DIR ?? 'rules/eu-lvc'
const { config, log, kafka } = await startChild()
const k = config.kafka

const ruleset = await loadNaiveRuleset(RULES)
const decider = createNaiveDecider(ruleset)
const registry = new SchemaRegistry({ host: config.registry.url })
const redis = new Redis(config.redis.url)
const identityKey = config.redis.identityKey ?? ''
const enrich = createNaiveEnricher(redis, config.redis.keyPrefix, identityKey, ruleset.enrichmentFields)
// The product's partitioner (murmur2, as Java's), so decisions land where the pipeline's would.
const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner })
await producer.connect()
const consumer = kafka.consumer({ groupId: k.groupId })
await consumer.connect()
await consumer.subscribe({ topic: k.topics.declarations, fromBeginning: true })
await consumer.run({
  eachMessage: async ({ message }) => {
    const declaration = await registry.decode(message.value as Buffer) as ParcelDeclaration
    const now = Date.now()
    const enrichment = await enrich(declaration, now)
    const verdict = await decider.decide(declaration as unknown as Record<string, unknown>, enrichment, now)
    const decision = {
      declarationId: declaration.declarationId,
      action: verdict.action,
      score: verdict.score,
      rules: verdict.rules,
      ruleset: `${ruleset.id}@${ruleset.version}`,
      timings: { receivedAt: Number(message.timestamp), decidedAt: Date.now() }
    }
    const out = { key: declaration.declarationId, value: JSON.stringify(decision) }
    await producer.send({ topic: k.topics.decisions, acks: -1, messages: [out] })
  }
})
log.info('naive system running')
process.once('SIGTERM', () => {
  void (async () => {
    await consumer.disconnect()
    await producer.disconnect()
    redis.disconnect()
    process.exit(0)
  })()
})
