// Drives `parcel-risk run` as a real child process against the real stack: produce a
// generated stream (with poison records) to a fresh topic, start/kill/restart processors,
// and read back everything on the decisions and dead-letter topics.
import { spawn, type ChildProcess } from 'node:child_process'
import { randomUUID } from 'node:crypto'
import { createWriteStream, mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Kafka, Partitioners, logLevel, type Consumer, type Producer } from 'kafkajs'
import { run as profilesCli } from '../../../src/cli/profiles.ts'
import { avroType, readSchema } from '../../../src/codec/avro-types.ts'
import { createDecoder } from '../../../src/codec/decoder.ts'
import { createEncoder } from '../../../src/codec/encoder.ts'
import { createRegistry } from '../../../src/codec/registry.ts'
import type { InspectionOutcome, ParcelDeclaration, ProfileUpdate, RiskDecision } from '../../../src/declaration.ts'
import { installReadCommittedFilter } from '../../../src/kafka/read-committed.ts'
import { javaPartitioner, unacknowledged } from '../../../src/publish/producer.ts'
import { generateDeclarations, generateProfiles } from '../../../src/generate/stream.ts'
import { redisEnv, withRedisEnv } from '../redis-admin.ts'
import type { ServiceUrls } from '../services.ts'

const cli = new URL('../../../src/cli/parcel-risk.ts', import.meta.url).pathname

export interface Scenario {
  readonly id: string
  readonly topics: { declarations: string, decisions: string, dlq: string, shadow: string }
  readonly groupId: string
  readonly env: NodeJS.ProcessEnv
}

export const scenario = (services: ServiceUrls, extra: NodeJS.ProcessEnv = {}): Scenario => {
  const id = randomUUID().slice(0, 8)
  const topics = {
    declarations: `it-${id}-decl`, decisions: `it-${id}-dec`, dlq: `it-${id}-dlq`, shadow: `it-${id}-shadow`
  }
  return {
    id,
    topics,
    groupId: `it-${id}`,
    env: {
      KAFKA_BROKERS: services.kafkaBrokers,
      SCHEMA_REGISTRY_URL: services.schemaRegistryUrl,
      ...redisEnv(services),
      PARCEL_RISK_REDIS_IDENTITY_KEY: 'integration-identity-key',
      PARCEL_RISK_REDIS_KEY_PREFIX: `it:${id}:`,
      // The test machine is shared with the brokers; a Redis reply can take longer than the
      // production default under that load, and this suite is not about degradation.
      PARCEL_RISK_REDIS_COMMAND_TIMEOUT_MS: '2000',
      PARCEL_RISK_KAFKA_GROUP_ID: `it-${id}`,
      PARCEL_RISK_TOPIC_DECLARATIONS: topics.declarations,
      PARCEL_RISK_TOPIC_DECISIONS: topics.decisions,
      PARCEL_RISK_TOPIC_DLQ: topics.dlq,
      PARCEL_RISK_TOPIC_SHADOW: topics.shadow,
      PARCEL_RISK_TOPIC_PROFILE_UPDATES: `it-${id}-profiles`,
      PARCEL_RISK_TOPIC_INSPECTION_OUTCOMES: `it-${id}-outcomes`,
      PARCEL_RISK_KAFKA_TOPIC_PARTITIONS: '6',
      PARCEL_RISK_KAFKA_TOPIC_REPLICATION_FACTOR: String(services.replicationFactor ?? 1),
      PARCEL_RISK_KAFKA_TRANSACTIONAL_ID_PREFIX: `it-${id}`,
      // A SIGKILLed member holds its partitions until the session times out; keep that short.
      PARCEL_RISK_KAFKA_SESSION_TIMEOUT_MS: '6000',
      PARCEL_RISK_KAFKA_HEARTBEAT_INTERVAL_MS: '1000',
      PARCEL_RISK_HTTP_PORT: '0',
      PARCEL_RISK_LOG_LEVEL: 'info',
      // The start-up warm-up runs, on 1,000 generated declarations rather than the default
      // 10,000: those took each processor start 3-10 s (its 10 s bound on a loaded machine),
      // some 30 starts across the suites. warm-up.test.ts measures the default's effect.
      PARCEL_RISK_WARM_UP_DECLARATIONS: '1000',
      ...extra
    }
  }
}

export interface Running {
  readonly child: ChildProcess
  readonly logFile: string
  /** Resolves with the exit code (or the signal name). */
  readonly exited: Promise<number | string>
  /** The /metrics and /readyz base URL, once the process has said where it listens. */
  readonly ready: Promise<string>
}

const logDir = mkdtempSync(join(tmpdir(), 'parcel-risk-it-'))

export const startRun = (s: Scenario, name: string, extra: NodeJS.ProcessEnv = {}): Running => {
  const logFile = join(logDir, `${s.id}-${name}.log`)
  const log = createWriteStream(logFile)
  const child = spawn(process.execPath, [cli, 'run'], {
    env: { ...process.env, ...s.env, ...extra }, stdio: ['ignore', 'pipe', 'pipe']
  })
  child.stderr?.pipe(log)
  let buffered = ''
  const ready = new Promise<string>((resolve, reject) => {
    child.stdout?.on('data', (chunk: Buffer) => {
      log.write(chunk)
      buffered += chunk.toString()
      const match = /"msg":"processor running"/.test(buffered) ? /"http":"http:\/\/[^:]+:(\d+)"/.exec(buffered) : null
      if (match !== null) resolve(`http://127.0.0.1:${match[1]}`)
    })
    child.once('exit', () => {
      reject(new Error(`processor ${name} exited before it was running; log: ${logFile}`))
    })
  })
  ready.catch(() => undefined)
  const exited = new Promise<number | string>((resolve) => {
    child.once('exit', (code, signal) => {
      resolve(code ?? signal ?? -1)
    })
  })
  return { child, logFile, exited, ready }
}

export const metric = async (base: string, name: string): Promise<number> => {
  const text = await (await fetch(`${base}/metrics`)).text()
  let sum = 0
  for (const line of text.split('\n')) if (line.startsWith(name)) sum += Number(line.split(' ').pop())
  return sum
}

export const waitUntil = async (what: string, check: () => Promise<boolean>, timeoutMs: number): Promise<void> => {
  const started = Date.now()
  while (Date.now() - started < timeoutMs) {
    if (await check().catch(() => false)) return
    await new Promise((resolve) => setTimeout(resolve, 200))
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`)
}

const sleep = async (ms: number): Promise<void> => {
  await new Promise((resolve) => setTimeout(resolve, ms))
}

/** Produces `rate` declarations a second until stopped, resending whatever a broker outage refused. */
export const pacedProducer = async (
  services: ServiceUrls, s: Scenario, rate: number, seed: number
): Promise<{ keys: string[], schemaId: number, stop: () => Promise<void> }> => {
  const kafka = new Kafka({
    clientId: `chaos-${s.id}-producer`,
    brokers: services.kafkaBrokers.split(','),
    logLevel: logLevel.NOTHING,
    retry: { retries: 2, maxRetryTime: 1_000 }
  })
  const admin = kafka.admin()
  await admin.connect()
  await admin.createTopics({
    waitForLeaders: true,
    topics: [{ topic: s.topics.declarations, numPartitions: 6, replicationFactor: services.replicationFactor ?? 1 }]
  })
  await admin.disconnect()
  const registry = createRegistry({ url: services.schemaRegistryUrl, requestTimeoutMs: 10_000, unknownIdTtlMs: 60_000 })
  const schema = readSchema('ParcelDeclaration')
  const schemaId = await registry.register(`${s.topics.declarations}-value`, schema)
  const encoder = createEncoder(avroType(schema), schemaId)
  const connectProducer = async (): Promise<Producer> => {
    const created = kafka.producer({ createPartitioner: javaPartitioner, idempotent: true, maxInFlightRequests: 1 })
    await created.connect()
    return created
  }
  let producer = await connectProducer()
  const stream = generateDeclarations({ seed, startMs: Date.now() - 3_600_000 })
  const keys: string[] = []
  let pending: Array<{ key: string, value: Buffer }> = []
  let running = true
  const loop = (async () => {
    const tickMs = 100
    while (running || pending.length > 0) {
      const started = Date.now()
      if (running) {
        for (let i = 0; i < rate * tickMs / 1_000; i++) {
          const { declaration } = stream.next().value as { declaration: { declarationId: string } }
          const encoded = encoder.encode(declaration as never)
          if (!encoded.ok) throw encoded.error
          pending.push({ key: declaration.declarationId, value: encoded.value })
          keys.push(declaration.declarationId)
        }
      }
      try {
        const acks = await producer.send({ topic: s.topics.declarations, acks: -1, messages: pending })
        // kafkajs can resolve a send without writing a partition whose leader moved during it
        // (see unacknowledged): resend everything, as after a failed send.
        const missing = unacknowledged([{ topic: s.topics.declarations, messages: pending }], acks)
        if (missing.length > 0) throw new Error(`not acknowledged: ${missing.join(', ')}`)
        pending = []
      } catch {
        await sleep(500)
        // After a broker restart kafkajs' idempotent producer can keep sequence numbers the
        // broker never saw and be refused with OutOfOrderSequence on every resend: a new
        // producer (new id, sequences from zero) resends what is pending. A batch the broker
        // had taken before the failure comes twice; the report counts duplicates.
        await producer.disconnect().catch(() => {})
        producer = await connectProducer().catch(() => producer)
      }
      await sleep(Math.max(0, tickMs - (Date.now() - started)))
    }
  })()
  const stop = async (): Promise<void> => {
    running = false
    await loop
    await producer.disconnect()
  }
  return { keys, schemaId, stop }
}

/** Poison records mixed into the stream, one of each kind in turn. */
const poison = (n: number): { value: Buffer, headers?: Record<string, string> } => {
  switch (n % 5) {
    case 0: return { value: Buffer.from([0x07, 1, 2, 3, 4, 5]) } // wrong magic byte
    case 1: return { value: Buffer.from([0, 0, 0]) } // truncated header
    case 2:
      return { value: Buffer.from('{"declarationId": "x", ', 'utf8'), headers: { 'content-type': 'application/json' } }
    case 3:
      return {
        value: Buffer.from('{"__proto__": {"polluted": true}}', 'utf8'), headers: { 'content-type': 'application/json' }
      }
    default: return { value: Buffer.from([0xff, 0xfe, 0xfd]), headers: { 'content-type': 'application/json' } }
  }
}

/**
 * Generated declarations with no risk pattern, bound for Germany, under `ids` (version 1): a
 * clean background that a test's one signal stands out against. `keep` narrows the choice,
 * `change` adapts each one (its seller, consignee, items).
 */
export const cleanDeclarations = (
  ids: readonly string[],
  options: {
    seed: number
    keep?: (d: ParcelDeclaration) => boolean
    change?: (d: ParcelDeclaration) => ParcelDeclaration
  }
): ParcelDeclaration[] => {
  const out: ParcelDeclaration[] = []
  const stream = generateDeclarations({ seed: options.seed, startMs: Date.now() - 3_600_000 })
  while (out.length < ids.length) {
    const next = stream.next().value as { declaration: ParcelDeclaration, patterns: readonly string[] }
    const { declaration, patterns } = next
    if (patterns.length > 0 || declaration.destinationCountry !== 'DE') continue
    if (options.keep !== undefined && !options.keep(declaration)) continue
    const named = { ...declaration, declarationId: ids[out.length] as string, version: 1 }
    out.push(options.change === undefined ? named : options.change(named))
  }
  return out
}

/** The declaration as sent by `sellerId` to a consignee who declares `eori`. */
export const fromSellerTo = (sellerId: string, eori: string) => (d: ParcelDeclaration): ParcelDeclaration => ({
  ...d, sellerId, consignee: { ...d.consignee, identifiers: { ...d.consignee.identifiers, eori } }
})

export interface Produced {
  /** Keys of every record produced: declaration ids, and `poison-N` for poison records. */
  readonly keys: string[]
  readonly poisonKeys: string[]
}

export const produceStream = async (
  services: ServiceUrls, s: Scenario, count: number, options: { seed: number, poisonEvery: number, partitions?: number }
): Promise<Produced> => {
  const kafka = new Kafka({
    clientId: `it-${s.id}-producer`, brokers: services.kafkaBrokers.split(','), logLevel: logLevel.ERROR
  })
  const admin = kafka.admin()
  await admin.connect()
  if (!(await admin.listTopics()).includes(s.topics.declarations)) {
    await admin.createTopics({
      waitForLeaders: true,
      topics: [{
        topic: s.topics.declarations,
        numPartitions: options.partitions ?? 6,
        replicationFactor: services.replicationFactor ?? 1
      }]
    })
  }
  await admin.disconnect()
  const registry = createRegistry({ url: services.schemaRegistryUrl, requestTimeoutMs: 10_000, unknownIdTtlMs: 60_000 })
  const schema = readSchema('ParcelDeclaration')
  const encoder = createEncoder(avroType(schema), await registry.register(`${s.topics.declarations}-value`, schema))
  const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner })
  await producer.connect()
  const keys: string[] = []
  const poisonKeys: string[] = []
  const stream = generateDeclarations({ seed: options.seed, startMs: Date.now() - 3_600_000 })
  let batch: Array<{ key: string, value: Buffer, headers?: Record<string, string> }> = []
  for (let i = 0; i < count; i++) {
    if (options.poisonEvery > 0 && i % options.poisonEvery === options.poisonEvery - 1) {
      const key = `poison-${i}`
      batch.push({ key, ...poison(poisonKeys.length) })
      poisonKeys.push(key)
      keys.push(key)
    } else {
      const { declaration } = stream.next().value as { declaration: { declarationId: string } }
      const encoded = encoder.encode(declaration as never)
      if (!encoded.ok) throw encoded.error
      batch.push({ key: declaration.declarationId, value: encoded.value })
      keys.push(declaration.declarationId)
    }
    if (batch.length === 500) {
      await producer.send({ topic: s.topics.declarations, acks: -1, messages: batch })
      batch = []
    }
  }
  if (batch.length > 0) await producer.send({ topic: s.topics.declarations, acks: -1, messages: batch })
  await producer.disconnect()
  return { keys, poisonKeys }
}

export interface Collected {
  /** Decisions by declarationId, in the order they were read. */
  readonly decisions: Map<string, RiskDecision[]>
  /** Dead letters by original key, with their error code header. */
  readonly deadLetters: Map<string, string[]>
  /** Dead letters by original key: every header as text, and the value bytes. */
  readonly deadLetterRecords: Map<string, Array<{ headers: Record<string, string>, value: Buffer | null }>>
}

export interface Collector {
  readonly collected: Collected
  /** Distinct keys seen on either topic. */
  distinct (): number
  /** Records read again after the reader's own consumer restarted, and not counted again. */
  rereads (): number
  stop (): Promise<void>
}

/** Reads the decisions and dead-letter topics from the beginning, read_committed. */
export const collect = async (services: ServiceUrls, s: Scenario): Promise<Collector> => {
  const kafka = new Kafka({
    clientId: `it-${s.id}-reader`, brokers: services.kafkaBrokers.split(','), logLevel: logLevel.ERROR
  })
  const registry = createRegistry({ url: services.schemaRegistryUrl, requestTimeoutMs: 10_000, unknownIdTtlMs: 60_000 })
  const decoder = createDecoder<RiskDecision>({
    readerType: avroType(readSchema('RiskDecision')), registry, maxRecordBytes: 1 << 20
  })
  const collected: Collected = { decisions: new Map(), deadLetters: new Map(), deadLetterRecords: new Map() }
  const seen = new Set<string>()
  // The reader's own consumer restarts when a broker dies under it (kafkajs gives up on a
  // coordinator it cannot find and rejoins), and then it reads again from its last committed
  // offset: a record is counted once, by where it is, so a reread is not taken for a duplicate.
  const read = new Set<string>()
  let rereads = 0
  const unread = (topic: string, partition: number, offset: string): boolean => {
    if (!read.has(`${topic}/${partition}/${offset}`)) return true
    rereads++
    return false
  }
  const markRead = (topic: string, partition: number, offset: string): void => {
    read.add(`${topic}/${partition}/${offset}`)
  }
  // kafkajs alone shows records of aborted transactions when several producers' transactions overlap.
  installReadCommittedFilter()
  const consumer: Consumer = kafka.consumer({ groupId: `it-${s.id}-reader-${randomUUID()}`, readUncommitted: false })
  await consumer.connect()
  const admin = kafka.admin()
  await admin.connect()
  const existing = await admin.listTopics()
  const missing = [s.topics.decisions, s.topics.dlq].filter((t) => !existing.includes(t))
  if (missing.length > 0) {
    await admin.createTopics({
      waitForLeaders: true,
      topics: missing.map((topic) => ({ topic, numPartitions: 6, replicationFactor: services.replicationFactor ?? 1 }))
    })
  }
  await admin.disconnect()
  await consumer.subscribe({ topics: [s.topics.decisions, s.topics.dlq], fromBeginning: true })
  await consumer.run({
    eachBatch: async ({ batch }) => {
      if (batch.topic === s.topics.dlq) {
        for (const m of batch.messages) {
          if (!unread(batch.topic, batch.partition, m.offset)) continue
          markRead(batch.topic, batch.partition, m.offset)
          const key = m.key?.toString() ?? ''
          const list = collected.deadLetters.get(key) ?? []
          list.push(m.headers?.['parcel-risk.error.code']?.toString() ?? '?')
          collected.deadLetters.set(key, list)
          const headers = Object.fromEntries(
            Object.entries(m.headers ?? {}).map(([name, v]) => [name, v?.toString() ?? ''])
          )
          const records = collected.deadLetterRecords.get(key) ?? []
          collected.deadLetterRecords.set(key, [...records, { headers, value: m.value }])
          seen.add(key)
        }
        return
      }
      const fresh = batch.messages.filter((m) => unread(batch.topic, batch.partition, m.offset))
      const decoded = await decoder.decodeBatch(fresh.map((m) => ({ value: m.value })))
      decoded.forEach((r, i) => {
        if (!r.ok) throw r.error
        const m = fresh[i]
        if (m !== undefined) markRead(batch.topic, batch.partition, m.offset)
        const key = m?.key?.toString() ?? ''
        const list = collected.decisions.get(key) ?? []
        list.push(r.value)
        collected.decisions.set(key, list)
        seen.add(key)
      })
    }
  })
  const stop = async (): Promise<void> => {
    await consumer.disconnect()
  }
  return { collected, distinct: () => seen.size, rereads: () => rereads, stop }
}

/** What must be identical between two decisions of the same declaration (timings aside). */
export const decisionCore = (d: RiskDecision): unknown => ({
  declarationId: d.declarationId, version: d.version, decision: d.decision, action: d.action, score: d.score,
  reasons: d.reasons.map((r) => r.ruleId), gates: d.gates, ruleset: d.ruleset, inputDigest: d.inputDigest
})

/** Reads `count` decisions from the shadow topic (from the beginning). */
export const readShadow = async (services: ServiceUrls, topic: string, count: number): Promise<RiskDecision[]> => {
  const kafka = new Kafka({
    clientId: 'it-shadow-reader', brokers: services.kafkaBrokers.split(','), logLevel: logLevel.ERROR
  })
  const registry = createRegistry({ url: services.schemaRegistryUrl, requestTimeoutMs: 10_000, unknownIdTtlMs: 60_000 })
  const decoder = createDecoder<RiskDecision>({
    readerType: avroType(readSchema('RiskDecision')), registry, maxRecordBytes: 1 << 20
  })
  const consumer = kafka.consumer({ groupId: `it-shadow-${randomUUID()}` })
  await consumer.connect()
  await consumer.subscribe({ topics: [topic], fromBeginning: true })
  const out: RiskDecision[] = []
  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        reject(new Error(`read ${out.length} of ${count} shadow decisions`))
      }, 60_000)
      void consumer.run({
        eachBatch: async ({ batch }) => {
          for (const r of await decoder.decodeBatch(batch.messages.map((m) => ({ value: m.value })))) {
            if (!r.ok) throw r.error
            out.push(r.value)
          }
          if (out.length >= count) {
            clearTimeout(timer)
            resolve()
          }
        }
      })
    })
  } finally {
    await consumer.disconnect()
  }
  return out
}

/** A generated EU-bound declaration from a trusted (AEO, MRA partner) seller, and that seller's AEO record. */
export const findTrustedAeo = (seed: number): { declaration: ParcelDeclaration, profile: ProfileUpdate } => {
  const stream = generateDeclarations({ seed, startMs: Date.now() - 3_600_000 })
  for (let i = 0; i < 10_000; i++) {
    const next = stream.next().value as { declaration: ParcelDeclaration, patterns: readonly string[] }
    const { declaration, patterns } = next
    if (!patterns.includes('trusted-aeo') || declaration.destinationCountry === 'US') continue
    const profile = generateProfiles({ seed }).find((u) => u.kind === 'AEO' && u.aeo?.id === declaration.aeoCertRef)
    if (profile !== undefined) return { declaration, profile }
  }
  throw new Error(`no trusted-aeo declaration in the first 10,000 of seed ${seed}`)
}

const produceEncoded = async (
  services: ServiceUrls,
  topic: string,
  schemaName: 'ParcelDeclaration' | 'ProfileUpdate' | 'InspectionOutcome',
  records: ReadonlyArray<{ key: string, value: unknown }>
): Promise<void> => {
  const registry = createRegistry({ url: services.schemaRegistryUrl, requestTimeoutMs: 10_000, unknownIdTtlMs: 60_000 })
  const schema = readSchema(schemaName)
  const encoder = createEncoder(avroType(schema), await registry.register(`${topic}-value`, schema))
  const kafka = new Kafka({
    clientId: 'it-writer', brokers: services.kafkaBrokers.split(','), logLevel: logLevel.ERROR
  })
  const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner })
  await producer.connect()
  try {
    await producer.send({
      topic, acks: -1,
      messages: records.map(({ key, value }) => {
        const encoded = encoder.encode(value as never)
        if (!encoded.ok) throw encoded.error
        return { key, value: encoded.value }
      })
    })
  } finally {
    await producer.disconnect()
  }
}

/** Produces records exactly as given (bytes and headers): for input the codec must refuse. */
export const produceRaw = async (
  services: ServiceUrls,
  topic: string,
  records: ReadonlyArray<{ key: string, value: Buffer, headers?: Record<string, string> }>
): Promise<void> => {
  const kafka = new Kafka({
    clientId: 'it-raw-writer', brokers: services.kafkaBrokers.split(','), logLevel: logLevel.ERROR
  })
  const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner })
  await producer.connect()
  try {
    await producer.send({ topic, acks: -1, messages: [...records] })
  } finally {
    await producer.disconnect()
  }
}

export const produceDeclarations = async (
  services: ServiceUrls, s: Scenario, declarations: readonly ParcelDeclaration[]
): Promise<void> => {
  const records = declarations.map((d) => ({ key: d.declarationId, value: d }))
  await produceEncoded(services, s.topics.declarations, 'ParcelDeclaration', records)
}

export const produceOutcomes = async (
  services: ServiceUrls, topic: string, outcomes: readonly InspectionOutcome[]
): Promise<void> => {
  const records = outcomes.map((o) => ({ key: o.declarationId, value: o }))
  await produceEncoded(services, topic, 'InspectionOutcome', records)
}

export const produceProfiles = async (
  services: ServiceUrls, topic: string, updates: readonly ProfileUpdate[]
): Promise<void> => {
  const records = updates.map((u) => ({ key: `${u.kind}:${u.aeo?.id ?? u.seller?.sellerId ?? ''}`, value: u }))
  await produceEncoded(services, topic, 'ProfileUpdate', records)
}

/**
 * `parcel-risk profiles load` of the generated profiles of `seed` under the scenario's prefix:
 * every reference data set marked loaded (consignee histories: known to be empty), with
 * `extra` updates (e.g. watchlist entries) loaded in the same run.
 */
export const loadReferenceData = async (
  services: ServiceUrls, s: Scenario, seed: number, extra: readonly ProfileUpdate[] = []
): Promise<void> => {
  const file = join(logDir, `${s.id}-profiles-${seed}.ndjson`)
  const profiles = [...generateProfiles({ seed, startMs: Date.now() - 3_600_000 }), ...extra]
  writeFileSync(file, profiles.map((u) => JSON.stringify(u)).join('\n'))
  const out: string[] = []
  const io = { stdout: { write: (t: string) => out.push(t) }, stderr: { write: (t: string) => out.push(t) } }
  const prefix = s.env.PARCEL_RISK_REDIS_KEY_PREFIX as string
  const code = await withRedisEnv(services, async () => await profilesCli(
    ['load', file, '--redis', services.redisUrl, '--prefix', prefix, '--empty', 'consignee'], io
  ))
  if (code !== 0) throw new Error(`profiles load exited ${code}: ${out.join('')}`)
}
