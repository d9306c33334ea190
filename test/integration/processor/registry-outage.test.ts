// The schema registry stopped under a running processor: a record written with a schema id the
// processor has not cached waits out registry.unavailableRetryMs, is dead-lettered with
// E_DECODE_SCHEMA_UNAVAILABLE and its partition moves on, while records of cached ids keep
// being decided; with the registry back, `parcel-risk dlq replay` re-drives it once.
import { spawn } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { Kafka, Partitioners, logLevel } from 'kafkajs'
import { describe, expect, inject, it } from 'vitest'
import { avroType, readSchema } from '../../../src/codec/avro-types.ts'
import { createEncoder } from '../../../src/codec/encoder.ts'
import { createRegistry } from '../../../src/codec/registry.ts'
import type { ParcelDeclaration } from '../../../src/declaration.ts'
import { generateDeclarations } from '../../../src/generate/stream.ts'
import { down, up } from '../../../src/stack/stack.ts'
import { collect, produceStream, scenario, startRun, waitUntil, type Scenario } from './harness.ts'
import { stopAfterEach } from './teardown.ts'

const services = inject('services')
const { running, collectors } = stopAfterEach(async () => {
  if (registryStopped) await restartRegistry()
})
let registryStopped = false

// A restarted registry answers reads at once but its first schema registration can take
// longer than a client's 5 s budget (its JVM is cold): one registration with a generous bound
// here, so the suites that run next meet a registry as warm as before this one.
const restartRegistry = async (): Promise<void> => {
  await up(['registry'])
  registryStopped = false
  const warm = createRegistry({ url: services.schemaRegistryUrl, requestTimeoutMs: 60_000, unknownIdTtlMs: 0 })
  await warm.register(`it-registry-outage-warm-${Date.now()}-value`, readSchema('ParcelDeclaration'))
}

const cli = new URL('../../../src/cli/parcel-risk.ts', import.meta.url).pathname

/** Runs `parcel-risk dlq replay ...` as a child process with the scenario's configuration. */
const dlqReplay = async (
  s: Scenario, args: readonly string[]
): Promise<{ code: number | null, out: string, err: string }> => {
  const child = spawn(process.execPath, [cli, 'dlq', 'replay', ...args], {
    env: { ...process.env, ...s.env }, stdio: ['ignore', 'pipe', 'pipe']
  })
  let out = ''
  let err = ''
  child.stdout.on('data', (chunk: Buffer) => {
    out += chunk.toString()
  })
  child.stderr.on('data', (chunk: Buffer) => {
    err += chunk.toString()
  })
  const code = await new Promise<number | null>((resolve) => {
    child.once('exit', (c) => {
      resolve(c)
    })
  })
  return { code, out, err }
}

describe('processor > registry outage', () => {
  it('dead-letters an uncached schema id after the retry budget while cached ids flow; ' +
    'dlq replay re-drives it once', async () => {
    // Stopping the registry needs the project's own stack; with services from the environment
    // or containers there is no registry of ours to stop.
    if (!services.redisControllable) {
      expect(services.source).not.toBe('local-stack')
      return
    }
    const s = scenario(services, { PARCEL_RISK_REGISTRY_UNAVAILABLE_RETRY_MS: '10000' })
    // Warm-up stream: creates the 6-partition topic and gets the current schema id cached.
    const warm = await produceStream(services, s, 30, { seed: 31, poisonEvery: 0 })
    const p = startRun(s, 'registry-outage')
    running.push(p)
    await p.ready
    const c = await collect(services, s)
    collectors.push(c)
    await waitUntil('warm-up decided', async () => warm.keys.every((k) => c.collected.decisions.has(k)), 60_000)

    // A newer (BACKWARD-compatible) schema, registered while the registry is up and never used
    // yet, so the processor has not cached its id.
    // A second version of a subject runs the registry's compatibility check, whose first run in a
    // JVM can take longer than 10 s on a busy machine: this is set-up, not what is measured.
    const registry = createRegistry({ url: services.schemaRegistryUrl, requestTimeoutMs: 60_000, unknownIdTtlMs: 0 })
    const subject = `${s.topics.declarations}-value`
    const v1Schema = readSchema('ParcelDeclaration') as { fields: unknown[] }
    const probe = { name: 'outageProbe', type: ['null', 'string'], default: null, doc: 'Test-only field.' }
    const v2Schema = { ...v1Schema, fields: [...v1Schema.fields, probe] }
    const v1 = createEncoder<ParcelDeclaration>(avroType(v1Schema), await registry.register(subject, v1Schema))
    const v2 = createEncoder<ParcelDeclaration & { outageProbe: string }>(
      avroType(v2Schema), await registry.register(subject, v2Schema)
    )

    const stream = generateDeclarations({ seed: 32, startMs: Date.now() - 3_600_000 })
    const next = (): ParcelDeclaration => (stream.next().value as { declaration: ParcelDeclaration }).declaration
    const bytes = (r: { ok: true, value: Buffer } | { ok: false, error: unknown }): Buffer => {
      if (!r.ok) throw r.error as Error
      return r.value
    }
    const stuck = next()
    const behind = next()
    const elsewhere = Array.from({ length: 10 }, next)

    await down(['registry'])
    registryStopped = true
    const kafka = new Kafka({
      clientId: `it-${s.id}-outage`, brokers: services.kafkaBrokers.split(','), logLevel: logLevel.ERROR
    })
    const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner })
    await producer.connect()
    await producer.send({
      topic: s.topics.declarations, acks: -1,
      messages: [
        { partition: 0, key: stuck.declarationId, value: bytes(v2.encode({ ...stuck, outageProbe: 'new schema id' })) },
        { partition: 0, key: behind.declarationId, value: bytes(v1.encode(behind)) },
        ...elsewhere.map((d, i) => ({ partition: 1 + (i % 5), key: d.declarationId, value: bytes(v1.encode(d)) }))
      ]
    })
    await producer.disconnect()

    // Cached ids on the other partitions are decided while the new id waits for the registry,
    // and the record behind it on its partition waits with it (order holds).
    await waitUntil('other partitions decided during the outage', async () =>
      elsewhere.every((d) => c.collected.decisions.has(d.declarationId)), 30_000)
    expect(c.collected.deadLetters.has(stuck.declarationId)).toBe(false)
    expect(c.collected.decisions.has(stuck.declarationId)).toBe(false)
    expect(c.collected.decisions.has(behind.declarationId)).toBe(false)

    // Then the budget runs out: a dead letter with its code, and the partition moves on.
    await waitUntil('the uncached id dead-lettered', async () =>
      c.collected.deadLetters.has(stuck.declarationId), 60_000)
    expect(c.collected.deadLetters.get(stuck.declarationId)).toEqual(['E_DECODE_SCHEMA_UNAVAILABLE'])
    await waitUntil('the record behind it decided', async () => c.collected.decisions.has(behind.declarationId), 30_000)
    expect(c.collected.decisions.has(stuck.declarationId)).toBe(false)

    await restartRegistry()

    const topics = ['--dlq-topic', s.topics.dlq, '--to-topic', s.topics.declarations]
    const dry = await dlqReplay(s, ['--code', 'E_DECODE_SCHEMA_UNAVAILABLE', '--dry-run', ...topics])
    expect(dry, dry.err).toMatchObject({
      code: 0, out: 'scanned 1, matched 1, would re-drive 1, skipped 0 (already replayed) [dry run]\n'
    })
    const admin = kafka.admin()
    await admin.connect()
    expect(await admin.listTopics()).not.toContain(`${s.topics.dlq}-replayed`)
    await admin.disconnect()

    const first = await dlqReplay(s, ['--code', 'E_DECODE_SCHEMA_UNAVAILABLE,E_DECODE_UNKNOWN_SCHEMA', ...topics])
    expect(first, first.err).toMatchObject({
      code: 0, out: 'scanned 1, matched 1, re-driven 1, skipped 0 (already replayed)\n'
    })
    await waitUntil('the re-driven record decided', async () => c.collected.decisions.has(stuck.declarationId), 60_000)
    expect(c.collected.deadLetters.get(stuck.declarationId)).toEqual(['E_DECODE_SCHEMA_UNAVAILABLE'])

    const second = await dlqReplay(s, ['--code', 'E_DECODE_SCHEMA_UNAVAILABLE', ...topics])
    expect(second, second.err).toMatchObject({
      code: 0, out: 'scanned 1, matched 1, re-driven 0, skipped 1 (already replayed)\n'
    })
    // A window that ends before the dead letter was written matches nothing.
    const before = await dlqReplay(s, ['--to', '2020-01-01T00:00:00Z', ...topics])
    expect(before, before.err).toMatchObject({
      code: 0, out: 'scanned 1, matched 0, re-driven 0, skipped 0 (already replayed)\n'
    })

    expect(readFileSync(p.logFile, 'utf8')).not.toContain('"level":60')
    p.child.kill('SIGTERM')
    expect(await p.exited).toBe(0)
  }, 240_000)
})
