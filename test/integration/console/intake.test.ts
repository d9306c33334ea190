// The console's intake on the real stack, the console started as `parcel-risk console` starts
// it: a record it cannot decode, on a topic it reads, becomes a dead letter with
// E_CONSOLE_UNDECODABLE on the console's dead-letter topic (original bytes, the decoder's code
// in the message, where it came from in headers), the overview counts it, and the decision
// after it in the same partition still reaches the queue.
import { randomUUID } from 'node:crypto'
import { Kafka, logLevel, type KafkaMessage } from 'kafkajs'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { startConsole } from '../../../src/cli/console.ts'
import { registerDecisionEncoder } from '../../../src/codec/records.ts'
import { createRegistry } from '../../../src/codec/registry.ts'
import { loadConfig } from '../../../src/config-load.ts'
import { createAuthStore } from '../../../src/console/auth.ts'
import { SESSION_COOKIE } from '../../../src/console/server.ts'
import { consolePrefix } from '../../../src/console/store.ts'
import type { RiskDecision } from '../../../src/declaration.ts'
import { createLogger } from '../../../src/logger.ts'
import { deadLetterHeaders } from '../../../src/publish/dead-letter.ts'
import { waitUntil } from '../processor/harness.ts'
import { adminClient, dropKeys, redisEnv } from '../redis-admin.ts'

const services = inject('services')
const id = randomUUID().slice(0, 8)
const prefix = `it:console-intake:${id}:`
const topics = {
  declarations: `it-ci-${id}-decl`,
  decisions: `it-ci-${id}-dec`,
  shadow: `it-ci-${id}-shadow`,
  dlq: `it-ci-${id}-dlq`,
  outcomes: `it-ci-${id}-outcomes`,
  consoleDlq: `it-ci-${id}-console-dlq`
}
const config = loadConfig({
  env: {
    KAFKA_BROKERS: services.kafkaBrokers,
    SCHEMA_REGISTRY_URL: services.schemaRegistryUrl,
    ...redisEnv(services),
    PARCEL_RISK_REDIS_KEY_PREFIX: prefix,
    PARCEL_RISK_TOPIC_DECLARATIONS: topics.declarations,
    PARCEL_RISK_TOPIC_DECISIONS: topics.decisions,
    PARCEL_RISK_TOPIC_SHADOW: topics.shadow,
    PARCEL_RISK_TOPIC_DLQ: topics.dlq,
    PARCEL_RISK_TOPIC_INSPECTION_OUTCOMES: topics.outcomes,
    PARCEL_RISK_CONSOLE_DLQ_TOPIC: topics.consoleDlq,
    PARCEL_RISK_CONSOLE_AUDIT_TOPIC: `it-ci-${id}-audit`,
    PARCEL_RISK_CONSOLE_GROUP_ID: `it-ci-${id}`,
    PARCEL_RISK_CONSOLE_PORT: '0',
    PARCEL_RISK_KAFKA_TOPIC_PARTITIONS: '1',
    PARCEL_RISK_KAFKA_TOPIC_REPLICATION_FACTOR: String(services.replicationFactor ?? 1),
    PARCEL_RISK_KAFKA_SESSION_TIMEOUT_MS: '6000',
    PARCEL_RISK_KAFKA_HEARTBEAT_INTERVAL_MS: '1000'
  }
})
const redis = adminClient(services)
const kafka = new Kafka({
  clientId: 'it-console-intake', brokers: services.kafkaBrokers.split(','), logLevel: logLevel.ERROR
})
let console_: Awaited<ReturnType<typeof startConsole>>
let cookie: string

const decision = (declarationId: string): RiskDecision => ({
  declarationId, version: 1, decision: 'HOLD', action: 'SCREEN_NII', score: 75,
  reasons: [{
    ruleId: 'IND-BRAND-IPR', title: 't', tier: 'INDICATOR', contribution: 30,
    values: [{ name: 'items[0].hsCode', value: '910211' }]
  }],
  gates: [], errors: [], randomSelection: false, ruleset: { id: 'eu-lvc', version: 'it', digest: 'a'.repeat(64) },
  enrichment: { status: 'OK', missing: [] },
  rejections: [],
  timings: { receivedAt: 1, decidedAt: Date.now(), latencyMicros: 1_000 },
  inputDigest: 'b'.repeat(64)
})

const get = async (path: string): Promise<{ status: number, body: string }> => {
  const res = await fetch(new URL(path, console_.url), {
    headers: { cookie: `${SESSION_COOKIE}=${cookie}` }, redirect: 'manual'
  })
  return { status: res.status, body: await res.text() }
}

beforeAll(async () => {
  console_ = await startConsole(config, createLogger({ level: 'silent' }))
  const auth = createAuthStore(redis, consolePrefix(prefix, services.redisClusterNodes !== undefined), 600_000)
  await auth.putUser('ana', 'analyst', 'ana-password-0001')
  cookie = (await auth.createSession({ name: 'ana', role: 'analyst' })).token
})

afterAll(async () => {
  await console_?.stop()
  await dropKeys(redis, prefix)
  redis.disconnect()
})

describe('console > intake of undecodable records on the real stack', () => {
  it('dead-letters a record it cannot decode with E_CONSOLE_UNDECODABLE, counts it on the overview, ' +
    'and reads on', async () => {
    const good = `CI-${id}-GOOD`
    const encoder = await registerDecisionEncoder(createRegistry(config.registry), `${topics.decisions}-value`)
    const encoded = encoder.encode(decision(good))
    if (!encoded.ok) throw encoded.error
    const garbage = Buffer.from('not a wire-format record')
    const producer = kafka.producer()
    await producer.connect()
    await producer.send({
      topic: topics.decisions,
      acks: -1,
      messages: [{ key: 'bad', value: garbage, headers: { origin: 'it' } }, { key: good, value: encoded.value }]
    })
    await producer.disconnect()

    const dead: KafkaMessage[] = []
    const consumer = kafka.consumer({ groupId: `it-ci-read-${id}` })
    await consumer.connect()
    await consumer.subscribe({ topic: topics.consoleDlq, fromBeginning: true })
    await consumer.run({
      eachMessage: async ({ message }) => {
        dead.push(message)
      }
    })
    try {
      await waitUntil('a dead letter on the console dead-letter topic', async () => dead.length > 0, 30_000)
    } finally {
      await consumer.disconnect()
    }
    const [letter] = dead
    const header = (name: string): string | undefined => letter?.headers?.[name]?.toString()
    expect(dead).toHaveLength(1)
    expect(letter?.value).toEqual(garbage)
    expect(letter?.key?.toString()).toBe('bad')
    expect(header(deadLetterHeaders.code)).toBe('E_CONSOLE_UNDECODABLE')
    expect(header(deadLetterHeaders.stage)).toBe('decode')
    expect(header(deadLetterHeaders.message)).toMatch(/^E_DECODE_MAGIC_BYTE: /)
    expect(header(deadLetterHeaders.sourceTopic)).toBe(topics.decisions)
    expect(header(deadLetterHeaders.sourceOffset)).toBe('0')
    expect(header('origin')).toBe('it')

    // Intake went on: the decision after the bad record is in the queue.
    await waitUntil('the good decision in the store', async () => (await get(`/parcel/${good}`)).status === 200, 30_000)
    // The console reads its own dead letters back: the overview counts them by code.
    await waitUntil('the dead letter on the overview', async () => /E_CONSOLE_UNDECODABLE/.test((await get('/')).body), 30_000)
  })
})
