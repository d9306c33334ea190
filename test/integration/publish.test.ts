import { randomUUID } from 'node:crypto'
import { Writable } from 'node:stream'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { ConfigResourceTypes, type Admin, type Consumer, type IHeaders, type Kafka, type Producer } from 'kafkajs'
import type { KafkaConfig } from '../../src/config.ts'
import { loadConfig } from '../../src/config-load.ts'
import { ParcelRiskError } from '../../src/errors.ts'
import { createLogger } from '../../src/logger.ts'
import { buildDeadLetter } from '../../src/publish/dead-letter.ts'
import { createKafka } from '../../src/kafka/client.ts'
import { createProducer, createPublisher, type Publisher } from '../../src/publish/producer.ts'
import { openChunkSender } from '../../src/publish/sender.ts'
import type { ConsumedRecord, OutgoingRecord } from '../../src/record.ts'
import { ensureTopics } from '../../src/kafka/topics.ts'

const services = inject('services')
const run = randomUUID().slice(0, 8)
const config: KafkaConfig = loadConfig({
  env: {
    KAFKA_BROKERS: services.kafkaBrokers,
    PARCEL_RISK_KAFKA_CLIENT_ID: `publish-test-${run}`,
    PARCEL_RISK_TOPIC_DECLARATIONS: `declarations-${run}`,
    PARCEL_RISK_TOPIC_DECISIONS: `risk-decisions-${run}`,
    PARCEL_RISK_TOPIC_SHADOW: `risk-decisions-shadow-${run}`,
    PARCEL_RISK_TOPIC_DLQ: `declarations-dlq-${run}`,
    PARCEL_RISK_TOPIC_PROFILE_UPDATES: `profile-updates-${run}`,
    PARCEL_RISK_TOPIC_INSPECTION_OUTCOMES: `inspection-outcomes-${run}`,
    PARCEL_RISK_KAFKA_TOPIC_PARTITIONS: '3'
  }
}).kafka
// The processor's topics; the outcomes dead-letter topic is created by `parcel-risk outcomes`.
const topicNames = Object.values(config.topics).filter((t) => t !== config.topics.outcomesDlq)
const logger = createLogger({ level: 'warn' }, new Writable({
  write: (_c, _e, done) => {
    done()
  }
}))

interface Received {
  readonly key: Buffer | null
  readonly value: Buffer | null
  readonly headers: IHeaders
  readonly partition: number
}

/** Reads `want` records from `topic` from the beginning, with a fresh group. */
const readBack = async (kafka: Kafka, consumers: Consumer[], topic: string, want: number): Promise<Received[]> => {
  const consumer = kafka.consumer({ groupId: `publish-test-${randomUUID()}` })
  consumers.push(consumer)
  await consumer.connect()
  await consumer.subscribe({ topics: [topic], fromBeginning: true })
  const seen: Received[] = []
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      reject(new Error(`read ${seen.length} of ${want} from ${topic}`))
    }, 30_000)
    void consumer.run({
      eachMessage: async ({ message, partition }) => {
        seen.push({ key: message.key, value: message.value, headers: message.headers ?? {}, partition })
        if (seen.length >= want) {
          clearTimeout(timer)
          resolve()
        }
      }
    })
  })
  await consumer.stop()
  return seen
}

const bytesOf = (value: IHeaders[string]): Buffer | Buffer[] | undefined =>
  value === undefined ? undefined : Array.isArray(value) ? value.map((v) => Buffer.from(v)) : Buffer.from(value)

describe('publish > kafka', () => {
  let kafka: Kafka
  let admin: Admin
  let producer: Producer
  let publisher: Publisher
  const consumers: Consumer[] = []

  beforeAll(async () => {
    kafka = createKafka(config, logger)
    admin = kafka.admin()
    producer = createProducer(kafka)
    await Promise.all([admin.connect(), producer.connect()])
    publisher = createPublisher({ producer, topics: config.topics, publishTimeoutMs: config.publishTimeoutMs })
  })

  afterAll(async () => {
    await Promise.all(consumers.map(async (c) => {
      await c.disconnect()
    }))
    await producer.disconnect()
    await admin.deleteTopics({ topics: topicNames }).catch(() => undefined)
    await admin.disconnect()
  })

  it('creates every topic with the configured partitions, profile updates compacted, and is idempotent', async () => {
    const first = await ensureTopics(admin, config)
    expect([...first.created].sort()).toEqual([...topicNames].sort())
    expect(first.existing).toEqual([])

    const second = await ensureTopics(admin, config)
    expect(second.created).toEqual([])
    expect(second.existing.map((t) => t.topic).sort()).toEqual([...topicNames].sort())
    for (const t of second.existing) expect(t.partitions, t.topic).toBe(3)

    const meta = await admin.fetchTopicMetadata({ topics: topicNames })
    for (const t of meta.topics) expect(t.partitions, t.name).toHaveLength(3)

    const described = await admin.describeConfigs({
      includeSynonyms: false,
      resources: [config.topics.profileUpdates, config.topics.decisions].map((name) => ({
        type: ConfigResourceTypes.TOPIC, name, configNames: ['cleanup.policy']
      }))
    })
    const policy = (name: string) => described.resources.find((r) => r.resourceName === name)
      ?.configEntries.find((e) => e.configName === 'cleanup.policy')?.configValue
    expect(policy(config.topics.profileUpdates)).toBe('compact')
    expect(policy(config.topics.decisions)).toBe('delete')
  })

  it('publishes decisions, shadow decisions and dead letters in one batch, ' +
    'read back key, bytes and headers exact', async () => {
    const decisions: OutgoingRecord[] = Array.from({ length: 20 }, (_, i) => ({
      key: `decl-${run}-${i}`,
      value: Buffer.from([0x00, 0x00, 0x00, 0x00, 0x07, i, 0xff, 0x80]),
      headers: { 'content-type': 'application/vnd.parcel-risk.decision+avro', 'parcel-risk.ruleset': `eu-lvc@${i}` }
    }))
    const shadow: OutgoingRecord[] = decisions.slice(0, 3).map((d) => ({
      ...d, headers: { 'parcel-risk.ruleset': 'challenger' }
    }))
    // Not UTF-8 anywhere: a lone continuation byte, an overlong encoding, a lone surrogate.
    const sources: ConsumedRecord[] = [
      {
        topic: config.topics.declarations,
        partition: 2,
        offset: '41',
        timestampMs: 1780000000000,
        key: Buffer.from([0xc0, 0xaf, 0x00]),
        value: Buffer.from([0x80, 0xfe, 0xed, 0xa0, 0x80, 0x00, 0xff]),
        headers: { 'x-trace': Buffer.from([0xff, 0x00, 0x01]) }
      },
      {
        topic: config.topics.declarations,
        partition: 0,
        offset: '7',
        timestampMs: 1780000000001,
        key: null,
        value: Buffer.from('{"declarationId": 1', 'utf8'),
        headers: { 'content-type': Buffer.from('application/json'), multi: [Buffer.from('a'), Buffer.from('b')] }
      },
      {
        topic: config.topics.declarations,
        partition: 1,
        offset: '0',
        timestampMs: 1780000000002,
        key: Buffer.from('k3'),
        value: Buffer.alloc(0)
      }
    ]
    const deadLetters = [
      buildDeadLetter(sources[0] as ConsumedRecord, {
        code: 'E_DECODE_MAGIC_BYTE', stage: 'decode', message: 'first byte is 0x80, not the wire-format magic byte 0'
      }, 1_780_000_000_100),
      buildDeadLetter(sources[1] as ConsumedRecord, {
        code: 'E_DECODE_JSON_SYNTAX', stage: 'decode', message: 'unexpected end of JSON input at 19'
      }, 1_780_000_000_200),
      buildDeadLetter(sources[2] as ConsumedRecord, {
        code: 'E_DECODE_TRUNCATED', stage: 'decode', message: 'record is 0 bytes'
      }, 1_780_000_000_300)
    ]

    const acks = await publisher.publishBatch({ decisions, deadLetters, shadow })
    expect(acks.map((a) => a.topicName).sort())
      .toEqual(expect.arrayContaining([config.topics.decisions, config.topics.dlq, config.topics.shadow]))
    for (const ack of acks) expect(ack.errorCode).toBe(0)

    const gotDecisions = await readBack(kafka, consumers, config.topics.decisions, decisions.length)
    expect(gotDecisions).toHaveLength(decisions.length)
    for (const sent of decisions) {
      const got = gotDecisions.find((r) => r.key?.toString() === sent.key)
      expect(got, String(sent.key)).toBeDefined()
      expect(Buffer.compare(got?.value as Buffer, sent.value as Buffer)).toBe(0)
      const headers = Object.fromEntries(Object.entries(got?.headers ?? {}).map(([k, v]) => [k, String(v)]))
      expect(headers).toEqual(sent.headers)
    }
    // Keyed by declarationId: each key's partition is the Java partitioner's, stable per key.
    expect(new Set(gotDecisions.map((r) => r.partition)).size).toBeGreaterThan(1)

    const gotShadow = await readBack(kafka, consumers, config.topics.shadow, shadow.length)
    expect(gotShadow.map((r) => r.key?.toString()).sort()).toEqual(shadow.map((r) => String(r.key)).sort())

    const gotDead = await readBack(kafka, consumers, config.topics.dlq, deadLetters.length)
    expect(gotDead).toHaveLength(3)
    for (const [i, source] of sources.entries()) {
      const got = gotDead.find((r) => r.headers['parcel-risk.source.offset']?.toString() === source.offset)
      expect(got, `dead letter of offset ${source.offset}`).toBeDefined()
      // Original bytes, byte for byte; a null key stays null.
      if (source.key === null) expect(got?.key).toBeNull()
      else expect(Buffer.compare(got?.key as Buffer, source.key)).toBe(0)
      expect(Buffer.compare(got?.value as Buffer, source.value as Buffer)).toBe(0)
      // Every header that was sent arrives with the same bytes, and no other.
      const sent = deadLetters[i]?.headers ?? {}
      expect(Object.keys(got?.headers ?? {}).sort()).toEqual(Object.keys(sent).sort())
      for (const [name, value] of Object.entries(sent)) {
        expect(bytesOf(got?.headers[name]), name).toEqual(bytesOf(value))
      }
    }
    const first = gotDead.find((r) => r.headers['parcel-risk.source.offset']?.toString() === '41')
    expect(first?.headers['parcel-risk.error.code']?.toString()).toBe('E_DECODE_MAGIC_BYTE')
    expect(first?.headers['parcel-risk.error.stage']?.toString()).toBe('decode')
    expect(first?.headers['parcel-risk.source.topic']?.toString()).toBe(config.topics.declarations)
    expect(first?.headers['parcel-risk.source.partition']?.toString()).toBe('2')
    expect(first?.headers['x-trace']).toEqual(Buffer.from([0xff, 0x00, 0x01]))
  })

  it('fails a batch the broker refuses with E_PUBLISH_REJECTED (crash), not a retry', async () => {
    // Above the broker's default message.max.bytes (about 1 MiB): MESSAGE_TOO_LARGE.
    const huge = { key: 'too-big', value: Buffer.alloc(2 * 1024 * 1024, 1) }
    const failure = await publisher.publishBatch({ decisions: [huge], deadLetters: [] }).catch((err: unknown) => err)
    expect(failure).toBeInstanceOf(ParcelRiskError)
    expect((failure as ParcelRiskError).code).toBe('E_PUBLISH_REJECTED')
    expect((failure as ParcelRiskError).disposition).toBe('crash')
    expect((failure as ParcelRiskError).message).toContain('MESSAGE_TOO_LARGE')
  })

  it('fails a batch for a topic that does not exist with a retriable E_PUBLISH_BROKER_UNAVAILABLE', async () => {
    const quick = kafka.producer({
      allowAutoTopicCreation: false, retry: { retries: 1, initialRetryTime: 50, maxRetryTime: 200 }
    })
    await quick.connect()
    try {
      const missing = createPublisher({
        producer: quick, topics: { ...config.topics, decisions: `missing-${run}` }, publishTimeoutMs: 2_000
      })
      const batch = { decisions: [{ key: 'k', value: Buffer.from('v') }], deadLetters: [] }
      const failure = await missing.publishBatch(batch).catch((err: unknown) => err)
      expect(failure).toBeInstanceOf(ParcelRiskError)
      expect((failure as ParcelRiskError).code).toBe('E_PUBLISH_BROKER_UNAVAILABLE')
      expect((failure as ParcelRiskError).disposition).toBe('retry')
      expect((failure as ParcelRiskError).message).toContain('UNKNOWN_TOPIC_OR_PARTITION')
    } finally {
      await quick.disconnect()
    }
  })

  it('opens the chunk sender with the output topics described: nothing written, ' +
    'and the first chunk asks for no metadata', async () => {
    const outputs = [config.topics.decisions, config.topics.dlq]
    const written = async (): Promise<number> => {
      let total = 0
      for (const topic of outputs) for (const p of await admin.fetchTopicOffsets(topic)) total += Number(p.high)
      return total
    }
    const before = await written()
    // The sender makes its producer from this client; its requests are watched from the start.
    const watched = createKafka(config, logger)
    const requests: string[] = []
    const makeProducer = watched.producer.bind(watched)
    watched.producer = (options) => {
      const made = makeProducer(options)
      made.on(made.events.REQUEST, (e) => {
        requests.push(e.payload.apiName)
      })
      return made
    }
    const sender = await openChunkSender(watched, config, logger)
    try {
      expect(requests).toContain('Metadata')
      expect(await written()).toBe(before)
      requests.length = 0
      await sender.send(
        { decisions: [{ key: `first-${run}`, value: Buffer.from('first chunk') }], deadLetters: [] },
        { topic: config.topics.declarations, partition: 0, nextOffset: '1' }
      )
      expect(requests).toContain('Produce')
      expect(requests).not.toContain('Metadata')
      expect(await written()).toBe(before + 1)
    } finally {
      await sender.close()
    }
  })
})
