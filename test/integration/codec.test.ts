import { randomUUID } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { Kafka, logLevel } from 'kafkajs'
import { afterAll, describe, expect, inject, it } from 'vitest'
import { main as generate } from '../../src/cli/generate.ts'
import { avroType, readSchema } from '../../src/codec/avro-types.ts'
import { createDecoder, type IncomingRecord } from '../../src/codec/decoder.ts'
import { createEncoder } from '../../src/codec/encoder.ts'
import { createDeclarationDecoder, registerDecisionEncoder } from '../../src/codec/records.ts'
import { createRegistry } from '../../src/codec/registry.ts'
import { loadConfig } from '../../src/config-load.ts'
import type { ParcelDeclaration, RiskDecision } from '../../src/declaration.ts'
import { generateDeclarations } from '../../src/generate/stream.ts'

const services = inject('services')
const registryUrl = services.schemaRegistryUrl.replace(/\/+$/, '')
const registryConfig = loadConfig({ env: { SCHEMA_REGISTRY_URL: registryUrl } }).registry
const registry = createRegistry(registryConfig)
const run = randomUUID()
const subject = (name: string): string => `codec-it-${run}-${name}-value`

const v1Schema = readSchema('ParcelDeclaration') as { fields: object[] }
// A BACKWARD-compatible evolution: one new optional field with a default.
const v2Schema = {
  ...v1Schema,
  fields: [
    ...v1Schema.fields, { name: 'customsOfficeRef', type: ['null', 'string'], default: null, doc: 'Office of entry.' }
  ]
}
const v1 = avroType(v1Schema)
const v2 = avroType(v2Schema)

const declarations = (n: number, seed: number): ParcelDeclaration[] => {
  const out: ParcelDeclaration[] = []
  for (const g of generateDeclarations({ seed })) {
    if (out.length === n) break
    out.push(g.declaration)
  }
  return out
}
const plain = (value: unknown): unknown => JSON.parse(JSON.stringify(value))

describe('codec > registry (Apicurio, ccompat API)', () => {
  it('lets instances that start together register the same subject (one id, no start-up failure)', async () => {
    // The race (both read "no config", both create the rule) is narrow; several rounds of
    // six instances make it likely that at least one round meets it.
    for (let round = 0; round < 8; round++) {
      const name = subject(`concurrent-${round}`)
      const instances = Array.from({ length: 6 }, () => createRegistry(registryConfig))
      const ids = await Promise.all(instances.map((r) => r.register(name, v1Schema)))
      expect(new Set(ids).size).toBe(1)
      expect(ids[0]).toBeGreaterThan(0)
    }
  })

  it('registers a schema with BACKWARD compatibility and returns the same id when registered again', async () => {
    const name = subject('register')
    const id = await registry.register(name, v1Schema)
    expect(id).toBeGreaterThan(0)
    expect(await registry.register(name, v1Schema)).toBe(id)
    const response = await fetch(`${registryUrl}/config/${encodeURIComponent(name)}`)
    const config = await response.json() as { compatibilityLevel: string }
    expect(config.compatibilityLevel).toBe('BACKWARD')
  })

  it('encodes and decodes generated declarations, Avro and JSON alike, unchanged', async () => {
    const id = await registry.register(subject('roundtrip'), v1Schema)
    const encoder = createEncoder<ParcelDeclaration>(v1, id)
    const decoder = createDecoder<ParcelDeclaration>({ readerType: v1, registry, maxRecordBytes: 1 << 20 })
    const input = declarations(500, 11)
    const records: IncomingRecord[] = input.flatMap((d) => {
      const encoded = encoder.encode(d)
      if (!encoded.ok) throw encoded.error
      return [
        { value: encoded.value },
        { value: Buffer.from(JSON.stringify(d)), headers: { 'content-type': 'application/json' } }
      ]
    })
    const results = await decoder.decodeBatch(records)
    expect(results.filter((r) => !r.ok)).toEqual([])
    expect(results.map((r) => r.ok && plain(r.value))).toEqual(input.flatMap((d) => [plain(d), plain(d)]))
    expect(decoder.knownSchemaIds()).toEqual([id])
  })

  it('registers RiskDecision at start-up and encodes decisions that decode back through the registry', async () => {
    const encoder = await registerDecisionEncoder(registry, subject('decisions'))
    const type = avroType(readSchema('RiskDecision'))
    const decisions = Array.from({ length: 20 }, () => type.random() as unknown as RiskDecision)
    const encoded = decisions.map((d) => encoder.encode(d))
    expect(encoded.filter((r) => !r.ok)).toEqual([])
    expect(encoded.every((r) => r.ok && r.value.readInt32BE(1) === encoder.schemaId)).toBe(true)
    const decoder = createDecoder<RiskDecision>({ readerType: type, registry, maxRecordBytes: 1 << 20 })
    const decoded = await decoder.decodeBatch(encoded.map((r) => ({ value: r.ok ? r.value : null })))
    expect(decoded.map((r) => r.ok && plain(r.value))).toEqual(decisions.map(plain))
  })

  it('decodes declarations with the declaration decoder the processor uses', async () => {
    const id = await registry.register(subject('declarations'), v1Schema)
    const [d] = declarations(1, 13) as [ParcelDeclaration]
    const encoded = createEncoder(v1, id).encode(d)
    const decoder = createDeclarationDecoder(registry, 1 << 20)
    const [result] = await decoder.decodeBatch([{ value: encoded.ok ? encoded.value : null }])
    expect(result?.ok && plain(result.value)).toEqual(plain(d))
  })

  it('rejects a schema id the registry never issued as E_DECODE_UNKNOWN_SCHEMA (reject)', async () => {
    const result = await registry.writerType(2_000_000_000)
    expect(result.ok ? 'ok' : [result.error.code, result.error.disposition])
      .toEqual(['E_DECODE_UNKNOWN_SCHEMA', 'reject'])
  })

  it('asks to retry (E_DECODE_REGISTRY_UNAVAILABLE) when the registry cannot be reached', async () => {
    const unreachable = createRegistry({ url: 'http://127.0.0.1:9/apis/ccompat/v7', requestTimeoutMs: 2000, unknownIdTtlMs: 1000 })
    const result = await unreachable.writerType(1)
    expect(result.ok ? 'ok' : [result.error.code, result.error.disposition])
      .toEqual(['E_DECODE_REGISTRY_UNAVAILABLE', 'retry'])
  })

  it('decodes old records with the evolved reader and new records with the old reader', async () => {
    const name = subject('evolution')
    const oldId = await registry.register(name, v1Schema)
    const newId = await registry.register(name, v2Schema)
    expect(newId).not.toBe(oldId)
    const [d] = declarations(1, 12) as [ParcelDeclaration]
    const oldRecord = createEncoder(v1, oldId).encode(d)
    const newRecord = createEncoder(v2, newId).encode({ ...d, customsOfficeRef: 'DE004851' })
    if (!oldRecord.ok || !newRecord.ok) throw new Error('encoding failed')

    const newReader = createDecoder<Record<string, unknown>>({ readerType: v2, registry, maxRecordBytes: 1 << 20 })
    const [oldAsNew, newAsNew] = await newReader.decodeBatch([{ value: oldRecord.value }, { value: newRecord.value }])
    expect(oldAsNew?.ok && oldAsNew.value.customsOfficeRef).toBeNull()
    expect(newAsNew?.ok && newAsNew.value.customsOfficeRef).toBe('DE004851')

    const oldReader = createDecoder<Record<string, unknown>>({ readerType: v1, registry, maxRecordBytes: 1 << 20 })
    const [newAsOld] = await oldReader.decodeBatch([{ value: newRecord.value }])
    expect(newAsOld?.ok && plain(newAsOld.value)).toEqual(plain(d))
    expect(newAsOld?.ok && 'customsOfficeRef' in newAsOld.value).toBe(false)
  })

  it('has the registry refuse an incompatible change under BACKWARD', async () => {
    const name = subject('incompatible')
    await registry.register(name, v1Schema)
    // A new required field without a default: new readers could not read old records.
    const breaking = { ...v1Schema, fields: [...v1Schema.fields, { name: 'officeRef', type: 'string' }] }
    await expect(registry.register(name, breaking)).rejects.toMatchObject({ code: 'E_PUBLISH_SCHEMA_REGISTRATION', disposition: 'crash', message: expect.stringMatching(/incompatible/i) as unknown })
  })

  it('turns every case of the bad-input corpus into its coded rejection against the real registry', async () => {
    const id = await registry.register(subject('corpus'), v1Schema)
    const dir = new URL('../fixtures/codec/', import.meta.url)
    const cases = JSON.parse(readFileSync(new URL('cases.json', dir), 'utf8')) as Array<{
      file: string, contentType: string | null, code: string
    }>
    const records = cases.map((c): IncomingRecord => {
      const value = Buffer.from(readFileSync(new URL(c.file, dir)))
      // Schema id 1 in the corpus stands for "the declaration schema": use the registered id.
      if (value.length >= 5 && value[0] === 0 && value.readInt32BE(1) === 1) value.writeInt32BE(id, 1)
      return { value, headers: c.contentType === null ? {} : { 'content-type': c.contentType } }
    })
    const decoder = createDecoder({ readerType: v1, registry, maxRecordBytes: 64 * 1024 })
    const results = await decoder.decodeBatch(records)
    expect(results.map((r) => r.ok ? 'ok' : r.error.code)).toEqual(cases.map((c) => c.code))
  })
})

describe('codec > generate --to-topic', () => {
  const topic = `codec-it-generate-${run}`
  const kafka = new Kafka({
    clientId: 'codec-it', brokers: services.kafkaBrokers.split(','), logLevel: logLevel.NOTHING
  })
  const admin = kafka.admin()

  afterAll(async () => {
    await admin.connect()
    await admin.deleteTopics({ topics: [topic] }).catch(() => undefined)
    await admin.disconnect()
  })

  it('produces Confluent-framed Avro that decodes back to the generated declarations', async () => {
    process.env.KAFKA_BROKERS = services.kafkaBrokers
    process.env.SCHEMA_REGISTRY_URL = services.schemaRegistryUrl
    expect(await generate(['--count', '300', '--seed', '21', '--to-topic', topic])).toBe(0)
    const consumer = kafka.consumer({ groupId: `codec-it-${run}` })
    await consumer.connect()
    await consumer.subscribe({ topics: [topic], fromBeginning: true })
    const received: IncomingRecord[] = []
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        reject(new Error(`received ${received.length} of 300`))
      }, 30_000)
      void consumer.run({
        eachMessage: async ({ message }) => {
          received.push({ value: message.value, headers: message.headers })
          if (received.length === 300) {
            clearTimeout(timer)
            resolve()
          }
        }
      })
    })
    await consumer.disconnect()
    const decoder = createDecoder<ParcelDeclaration>({ readerType: v1, registry, maxRecordBytes: 1 << 20 })
    const results = await decoder.decodeBatch(received)
    const ids = results.map((r) => r.ok ? r.value.declarationId : r.error.code).sort()
    expect(ids).toEqual(declarations(300, 21).map((d) => d.declarationId).sort())
  })
})
