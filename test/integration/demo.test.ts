// `parcel-risk demo` end to end: processor child, seeded stream with poison, live summary.
// Every declaration sent must come back as exactly one decision or dead letter.
import { Kafka, logLevel } from 'kafkajs'
import { describe, expect, inject, it } from 'vitest'
import { defaultDemoOptions } from '../../src/cli/demo/options.ts'
import { runDemo } from '../../src/cli/demo/run-demo.ts'
import { cleanUp } from '../../src/cli/demo/run-setup.ts'

describe('integration > demo', () => {
  it('accounts for every declaration sent: decisions + dead letters = sent, then a clean shutdown', async () => {
    const urls = inject('services')
    const services = {
      KAFKA_BROKERS: urls.kafkaBrokers, SCHEMA_REGISTRY_URL: urls.schemaRegistryUrl, REDIS_URL: urls.redisUrl
    }
    let out = ''
    let err = ''
    const result = await runDemo(
      {
        ...defaultDemoOptions,
        rate: 40,
        durationS: 10,
        seed: 5,
        poisonRate: 0.05,
        drainTimeoutS: 30,
        keep: true,
        console: false
      },
      {
        out: {
          write: (t: string) => {
            out += t
          },
          isTTY: false
        },
        err: {
          write: (t: string) => {
            err += t
          }
        },
        interrupt: new AbortController().signal
      },
      services
    )
    const s = result.summary
    expect(s.sent, err).toBeGreaterThan(300)
    expect(s.decisions + s.deadLetters).toBe(s.sent)
    expect(s.pending).toBe(0)
    expect(s.poisonSent).toBeGreaterThan(0)
    expect(s.deadLetters).toBeGreaterThanOrEqual(s.poisonSent)
    expect(s.decisions).toBeGreaterThan(s.sent * 0.9)
    expect(result.unreadable).toBe(0)
    expect(result.processorExitCode).toBe(0)
    expect(result.ok).toBe(true)
    expect(s.latencyMs.p50).toBeDefined()
    expect(out).toContain('final summary')
    expect(out).toMatch(/\[ {3}\d s\] sent /)

    // After the clean shutdown the processor's group has committed every declaration, so a
    // restart would not replay any.
    const kafka = new Kafka({
      clientId: 'demo-test', brokers: services.KAFKA_BROKERS.split(','), logLevel: logLevel.NOTHING
    })
    const admin = kafka.admin()
    await admin.connect()
    try {
      const topic = result.names.topics.declarations
      const ends = await admin.fetchTopicOffsets(topic)
      const [committed] = await admin.fetchOffsets({ groupId: result.names.groupId, topics: [topic] })
      const total = (offsets: ReadonlyArray<{ offset: string }>): number =>
        offsets.reduce((sum, o) => sum + Math.max(0, Number(o.offset)), 0)
      expect(total(ends)).toBe(s.sent)
      expect(total(committed?.partitions ?? [])).toBe(s.sent)
    } finally {
      await admin.disconnect()
      await cleanUp(services, result.names)
    }
  }, 180_000)
})
