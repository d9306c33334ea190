// `parcel-risk demo` end to end: processor child, seeded stream with poison, live summary.
// Every declaration sent must come back as exactly one decision or dead letter.
import { describe, expect, inject, it } from 'vitest'
import { defaultDemoOptions } from '../../src/cli/demo/options.ts'
import { runDemo } from '../../src/cli/demo/run-demo.ts'

describe('integration > demo', () => {
  it('accounts for every declaration sent: decisions + dead letters = sent, then a clean shutdown', async () => {
    const services = inject('services')
    let out = ''
    let err = ''
    const result = await runDemo(
      { ...defaultDemoOptions, rate: 40, durationS: 10, seed: 5, poisonRate: 0.05, drainTimeoutS: 30 },
      { out: { write: (t: string) => { out += t }, isTTY: false }, err: { write: (t: string) => { err += t } }, interrupt: new AbortController().signal },
      { KAFKA_BROKERS: services.kafkaBrokers, SCHEMA_REGISTRY_URL: services.schemaRegistryUrl, REDIS_URL: services.redisUrl }
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
  }, 180_000)
})
