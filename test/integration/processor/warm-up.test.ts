// The processor warms up before it takes traffic: /readyz stays 503 (check warmUp) while the
// warm-up runs, and once ready, the first declarations are decided about as fast as later ones.
import { readFileSync } from 'node:fs'
import { Kafka, logLevel } from 'kafkajs'
import { describe, expect, inject, it } from 'vitest'
import { avroType, readSchema } from '../../../src/codec/avro-types.ts'
import { createEncoder } from '../../../src/codec/encoder.ts'
import { createRegistry } from '../../../src/codec/registry.ts'
import type { RiskDecision } from '../../../src/declaration.ts'
import { generateDeclarations } from '../../../src/generate/stream.ts'
import { collect, metric, scenario, startRun, waitUntil, type Running, loadReferenceData } from './harness.ts'
import { stopAfterEach } from './teardown.ts'

const services = inject('services')
const { running, collectors } = stopAfterEach()


/** The operations port, from the log line the HTTP server writes as soon as it listens. */
const operationsUrl = async (r: Running): Promise<string> => {
  let url = ''
  await waitUntil('the operations endpoints', async () => {
    const port = /"port":(\d+),"msg":"operations endpoints listening"/.exec(readFileSync(r.logFile, 'utf8'))?.[1]
    if (port !== undefined) url = `http://127.0.0.1:${port}`
    return port !== undefined
  }, 60_000)
  return url
}

const median = (values: readonly number[]): number => {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.floor(sorted.length / 2)] as number
}

/** Creates the scenario's topics and appends one record to each partition, then deletes it. */
const primePartitions = async (s: ReturnType<typeof scenario>, partitions: number): Promise<void> => {
  const kafka = new Kafka({
    clientId: `it-${s.id}-prime`, brokers: services.kafkaBrokers.split(','), logLevel: logLevel.ERROR
  })
  const topics = [s.topics.declarations, s.topics.decisions, s.topics.dlq]
  const admin = kafka.admin()
  const producer = kafka.producer()
  await Promise.all([admin.connect(), producer.connect()])
  try {
    await admin.createTopics({
      waitForLeaders: true,
      topics: topics.map((topic) => ({
        topic, numPartitions: partitions, replicationFactor: services.replicationFactor ?? 1
      }))
    })
    const each = Array.from({ length: partitions }, (_, partition) => partition)
    await producer.sendBatch({
      acks: -1,
      topicMessages: topics.map((topic) => ({
        topic, messages: each.map((partition) => ({ partition, key: 'prime', value: Buffer.from('prime') }))
      }))
    })
    for (const topic of topics) {
      // Up to the high watermark, not offset 1: a send retried after NOT_LEADER (the topic's
      // leaders are still settling) can append the record twice. deleteTopicRecords also
      // looks the leaders up in the metadata that fetchTopicOffsets loads.
      const offsets = await admin.fetchTopicOffsets(topic)
      const upTo = offsets.map(({ partition, high }) => ({ partition, offset: high }))
      await admin.deleteTopicRecords({ topic, partitions: upTo })
    }
  } finally {
    await Promise.all([admin.disconnect(), producer.disconnect()])
  }
}

describe('processor > warm-up', () => {
  it('is not ready while it warms up, and ready once the warm-up has finished', async () => {
    const s = scenario(services)
    // Reference data loaded, so /readyz waits on the warm-up alone.
    await loadReferenceData(services, s, 1)
    // More declarations than fit in the bound: the warm-up runs for its whole timeout.
    const r = startRun(s, 'warm', {
      PARCEL_RISK_WARM_UP_DECLARATIONS: '1000000', PARCEL_RISK_WARM_UP_TIMEOUT_MS: '4000', PARCEL_RISK_LOG_LEVEL: 'info'
    })
    running.push(r)
    const base = await operationsUrl(r)
    let sawWarmingUp = false
    await waitUntil('/readyz to answer 200', async () => {
      const res = await fetch(`${base}/readyz`)
      const body = await res.json() as { ready: boolean, checks: { warmUp: { done: boolean } } }
      if (res.status === 503 && !body.checks.warmUp.done) sawWarmingUp = true
      // Never ready before the warm-up is done.
      if (res.status === 200) expect(body.checks.warmUp.done).toBe(true)
      return res.status === 200
    }, 90_000)
    expect(sawWarmingUp).toBe(true)
    expect(await metric(base, 'parcel_risk_warm_up_seconds')).toBeGreaterThanOrEqual(3.9)
    expect(readFileSync(r.logFile, 'utf8')).toMatch(/"msg":"warm-up stopped at its time bound"/)
    r.child.kill('SIGTERM')
    expect(await r.exited).toBe(0)
  }, 120_000)

  it('decides the first declarations after start-up within 2x the median latency', async () => {
    // The default warm-up (the harness shortens it for the other suites).
    const s = scenario(services, { PARCEL_RISK_WARM_UP_DECLARATIONS: '10000' })
    // Topics as a running deployment has them: every partition appended to before. The first
    // append to each partition of a brand-new topic is slow on the broker's side whoever sends it
    // (measured here: the first decision 12-16 ms on fresh topics, 6-7 ms on primed ones, the
    // median 3 ms both ways); that is paid once per partition, not by the processor's warm-up.
    await primePartitions(s, 6)
    const r = startRun(s, 'first')
    running.push(r)
    await r.ready
    const c = await collect(services, s)
    collectors.push(c)
    // One declaration at a time, 20 ms apart: each is its own fetch and chunk, so the first
    // one alone shows what a cold path would cost.
    const kafka = new Kafka({
      clientId: `it-${s.id}-paced`, brokers: services.kafkaBrokers.split(','), logLevel: logLevel.ERROR
    })
    const producer = kafka.producer()
    await producer.connect()
    const registry = createRegistry({
      url: services.schemaRegistryUrl, requestTimeoutMs: 10_000, unknownIdTtlMs: 60_000
    })
    const schema = readSchema('ParcelDeclaration')
    const encoder = createEncoder(avroType(schema), await registry.register(`${s.topics.declarations}-value`, schema))
    const ids: string[] = []
    const stream = generateDeclarations({ seed: 31, startMs: Date.now() - 3_600_000 })
    try {
      while (ids.length < 60) {
        const { declaration } = stream.next().value as { declaration: { declarationId: string } }
        const encoded = encoder.encode(declaration as never)
        if (!encoded.ok) continue
        await producer.send({
          topic: s.topics.declarations, acks: -1, messages: [{ key: declaration.declarationId, value: encoded.value }]
        })
        ids.push(declaration.declarationId)
        await new Promise((resolve) => setTimeout(resolve, 20))
      }
    } finally {
      await producer.disconnect()
    }
    await waitUntil('60 answers', async () =>
      ids.every((id) => c.collected.decisions.has(id) || c.collected.deadLetters.has(id)), 60_000)
    // Latency of each decision in the order sent (a generated declaration the validator
    // refuses on purpose has a dead letter instead and no latency to compare).
    const latencies = ids.flatMap((id) => {
      const d = c.collected.decisions.get(id)?.[0] as RiskDecision | undefined
      return d === undefined ? [] : [d.timings.latencyMicros]
    })
    // A cold path costs hundreds of milliseconds (about 450 ms before the warm-up existed).
    // With primed partitions the first decision takes 6-7 ms against a 3 ms median on an idle
    // 2-core machine (its chunk: publish 5-10 ms, enrichment's first Redis round trip 3-4 ms);
    // on a machine shared with other tests both swing by 10 ms or more, so the bound is twice
    // the median, never under the median + 20 ms.
    const first = latencies[0] as number
    const typical = median(latencies)
    process.stderr.write(`[warm-up] first decision ${first} µs, median ${typical} µs, ` +
      `${(first / typical).toFixed(2)}×\n`)
    expect(first).toBeLessThanOrEqual(Math.max(2 * typical, typical + 20_000))
    expect(readFileSync(r.logFile, 'utf8')).toMatch(/"msg":"warm-up (finished|stopped at its time bound)"/)
    r.child.kill('SIGTERM')
    expect(await r.exited).toBe(0)
  }, 120_000)
})
