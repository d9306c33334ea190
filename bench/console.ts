// The console's two budgets (issue: the targeting-centre console), against the real Redis and
// Kafka of the local stack (or KAFKA_BROKERS, SCHEMA_REGISTRY_URL, REDIS_URL):
//   queue      the queue page answers in < 200 ms with 100,000 held parcels in the store:
//              100,000 held decisions written through the console's own writer, then the
//              page fetched over HTTP from the real server (unfiltered, one filter, two
//              filters intersected, the age filter), 30 times each after 5 warm-ups;
//              median, p95 and max per variant
//   freshness  a held parcel appears in the queue within 2 s of its decision at 1,000
//              declarations/s: RiskDecisions (one in five held) produced to a decisions
//              topic at 1,000/s for --seconds (default 20), read by the console's intake in
//              this process; for every held one, the time from its send to its presence in
//              the queue's sorted set (polled every 20 ms); median, p99 and max
// Writes bench/results/console.json. Each run uses its own topics, group and Redis prefix and
// deletes its Redis keys at the end.
import { mkdirSync, writeFileSync } from 'node:fs'
import { randomBytes } from 'node:crypto'
import { Redis } from 'ioredis'
import { registerDecisionEncoder } from '../src/codec/records.ts'
import { createRegistry } from '../src/codec/registry.ts'
import { resolveServices } from '../src/cli/demo/run-demo.ts'
import { servicesConfig } from '../src/cli/demo/run-setup.ts'
import { createAuthStore } from '../src/console/auth.ts'
import { startConsoleIntake } from '../src/console/intake.ts'
import type { ConsolePublisher } from '../src/console/publisher.ts'
import { createQueries } from '../src/console/queries.ts'
import { buildServer, SESSION_COOKIE } from '../src/console/server.ts'
import { createSignInLimiter } from '../src/console/sign-in-limit.ts'
import { createWriter } from '../src/console/store.ts'
import type { Action, RiskDecision } from '../src/declaration.ts'
import { createKafka } from '../src/kafka/client.ts'
import { createMissingTopics } from '../src/kafka/topics.ts'
import { createLogger } from '../src/logger.ts'
import { deleteKeys } from '../src/cli/demo/run-setup.ts'

const say = (line: string): void => {
  process.stderr.write(`${line}\n`)
}
const args = process.argv.slice(2)
const seconds = Number(args[args.indexOf('--seconds') + 1] ?? 20) || 20
const HELD = 100_000
const RATE = 1_000
const services = await resolveServices(say)
const config = servicesConfig(services)
const run = `bench-console-${Date.now().toString(36)}${randomBytes(2).toString('hex')}`
const prefix = `${run}:console:`
const log = createLogger({ level: 'warn' })
const redis = new Redis(services.REDIS_URL)
const writer = createWriter(redis, { prefix, retentionMs: 3_600_000, releasedTtlMs: 3_600_000 })
const queries = createQueries(redis, prefix, 3_600_000)

const LANES: readonly Action[] = ['REQUEST_INFO', 'SCREEN_NII', 'PHYSICAL_EXAM', 'DO_NOT_LOAD']
const RULES = [
  'IND-BRAND-IPR', 'IND-LOW-VALUE-PER-KG', 'IND-HS-MISMATCH-APPAREL', 'GATE-WATCHLIST-SELLER', 'IND-SPLIT-VALUE-24H',
  'IND-NEAR-THRESHOLD'
]

const decision = (n: number, held: boolean, now: number): RiskDecision => ({
  declarationId: `${run}-${n}`,
  version: 1,
  decision: held ? 'HOLD' : 'RELEASE',
  action: held ? LANES[n % LANES.length] as Action : 'RELEASE',
  score: held ? 40 + (n % 60) : n % 40,
  reasons: held
    ? [{
        ruleId: RULES[n % RULES.length] as string,
        title: 'bench rule',
        tier: 'INDICATOR',
        contribution: 40,
        values: [{ name: 'items[0].hsCode', value: '910211' }]
      }]
    : [],
  gates: [], errors: [], randomSelection: false, ruleset: { id: 'eu-lvc', version: 'bench', digest: '0'.repeat(64) },
  enrichment: { status: 'OK', missing: [] },
  rejections: [],
  timings: { receivedAt: now - 2, decidedAt: now - (n % 7_200) * 1_000, latencyMicros: 900 + (n % 500) },
  inputDigest: '0'.repeat(64)
})

const stats = (samples: number[]): { median: number, p95: number, p99: number, max: number, n: number } => {
  const sorted = [...samples].sort((a, b) => a - b)
  const at = (q: number): number =>
    Number((sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)] ?? 0).toFixed(1))
  return { median: at(0.5), p95: at(0.95), p99: at(0.99), max: at(1), n: sorted.length }
}

const queueBench = async (): Promise<Record<string, ReturnType<typeof stats>>> => {
  const now = Date.now()
  for (let n = 0; n < HELD; n += 2_000) {
    await writer.recordDecisions(Array.from({ length: 2_000 }, (_v, i) => decision(n + i, true, now)))
  }
  say(`queue: ${await redis.zcard(`${prefix}q`)} held parcels in the store`)
  const auth = createAuthStore(redis, prefix, 3_600_000)
  await auth.putUser('bench', 'officer', 'bench-password-1')
  const { token } = await auth.createSession({ name: 'bench', role: 'officer' })
  // GET pages publish nothing; the publisher is never called here.
  const publisher: ConsolePublisher = {
    outcome: async () => {}, audit: async () => {}, deadLetters: async () => {}, stop: async () => {}
  }
  const limiter = createSignInLimiter(redis, prefix, {
    maxFailuresPerUser: 5, maxFailuresPerAddress: 20, windowMs: 60_000, lockoutMs: 60_000
  })
  const app = await buildServer({
    auth, limiter, queries, publisher, yieldCounts: async () => [], log, sessionTtlMs: 3_600_000
  })
  await app.listen({ host: '127.0.0.1', port: 0 })
  const address = app.server.address()
  const base = `http://127.0.0.1:${typeof address === 'object' && address !== null ? address.port : 0}`
  const variants: Record<string, string> = {
    unfiltered: '/queue',
    lane: '/queue?lane=SCREEN_NII',
    rule: '/queue?rule=IND-BRAND-IPR',
    'lane and rule': '/queue?lane=SCREEN_NII&rule=IND-LOW-VALUE-PER-KG',
    'held at least 60 min': '/queue?minAge=60',
    'page 100 (offset 4950)': '/queue?offset=4950'
  }
  const out: Record<string, ReturnType<typeof stats>> = {}
  for (const [name, path] of Object.entries(variants)) {
    const samples: number[] = []
    for (let i = 0; i < 35; i++) {
      const started = performance.now()
      const res = await fetch(`${base}${path}`, { headers: { cookie: `${SESSION_COOKIE}=${token}` } })
      const body = await res.text()
      if (res.status !== 200 || !body.includes('id="queue"')) throw new Error(`${path}: ${res.status}`)
      if (i >= 5) samples.push(performance.now() - started)
    }
    out[name] = stats(samples)
    say(`queue ${name}: median ${out[name].median} ms, p95 ${out[name].p95} ms, max ${out[name].max} ms`)
  }
  await app.close()
  return out
}

type Freshness = ReturnType<typeof stats> & { sent: number, held: number, missed: number }
const freshnessBench = async (): Promise<Freshness> => {
  const topics = {
    declarations: `${run}-decl`,
    decisions: `${run}-dec`,
    shadow: `${run}-shadow`,
    dlq: `${run}-dlq`,
    inspectionOutcomes: `${run}-outcomes`,
    consoleDlq: `${run}-console-dlq`
  }
  const kafka = createKafka({ ...config.kafka, clientId: 'bench-console' }, log)
  const plan = Object.values(topics).map((topic) => ({ topic, numPartitions: 12, replicationFactor: 1 }))
  const topicConfig = { topics: { ...config.kafka.topics, ...topics }, topicPartitions: 12, topicReplicationFactor: 1 }
  await createMissingTopics(kafka, topicConfig, log, plan)
  const registry = createRegistry(config.registry)
  const encoder = await registerDecisionEncoder(registry, `${topics.decisions}-value`)
  const intake = await startConsoleIntake({
    topics,
    groupId: run,
    maxRecordBytes: 1 << 20,
    sessionTimeoutMs: 10_000,
    heartbeatIntervalMs: 3_000,
    // The product's defaults: the budget is for the console as shipped.
    fetchMaxWaitMs: config.console.fetchMaxWaitMs,
    fetchMinBytes: config.console.fetchMinBytes
  }, { kafka, registry, writer, deadLetters: async () => {}, log })
  const producer = kafka.producer()
  await producer.connect()
  const sentAt = new Map<string, number>()
  const latencies: number[] = []
  let polling = true
  let stopAt = Number.POSITIVE_INFINITY
  const poller = (async () => {
    while (polling || sentAt.size > 0) {
      const pending = [...sentAt.keys()].slice(0, 5_000)
      if (pending.length > 0) {
        const pipeline = redis.pipeline()
        for (const id of pending) pipeline.zscore(`${prefix}q`, id)
        const replies = await pipeline.exec() ?? []
        const now = performance.now()
        pending.forEach((id, i) => {
          if (replies[i]?.[1] === null || replies[i]?.[1] === undefined) return
          latencies.push(now - (sentAt.get(id) ?? now))
          sentAt.delete(id)
        })
      }
      if (!polling && performance.now() > stopAt) break
      await new Promise((resolve) => setTimeout(resolve, 20))
    }
  })()
  const started = performance.now()
  let sent = 0
  let held = 0
  // 50 decisions every 50 ms: 1,000 per second.
  while (performance.now() - started < seconds * 1_000) {
    const tick = performance.now()
    const batch = Array.from({ length: 50 }, (_v, i) => decision(HELD + sent + i, (sent + i) % 5 === 0, Date.now()))
    const messages = batch.map((d) => {
      const encoded = encoder.encode(d)
      if (!encoded.ok) throw encoded.error
      return { key: d.declarationId, value: encoded.value }
    })
    await producer.send({ topic: topics.decisions, acks: -1, messages })
    const at = performance.now()
    for (const d of batch) {
      if (d.decision === 'HOLD') {
        sentAt.set(d.declarationId, at)
        held++
      }
    }
    sent += batch.length
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, 50 - (performance.now() - tick))))
  }
  say(`freshness: sent ${sent} decisions (${held} held) in ${((performance.now() - started) / 1000).toFixed(1)} s`)
  polling = false
  stopAt = performance.now() + 10_000
  await poller
  await producer.disconnect()
  await intake.stop()
  const admin = kafka.admin()
  await admin.connect()
  await admin.deleteTopics({ topics: Object.values(topics) }).catch(() => {})
  await admin.disconnect()
  const result = { ...stats(latencies), sent, held, missed: sentAt.size }
  say(`freshness: decision → queue median ${result.median} ms, p99 ${result.p99} ms, max ${result.max} ms, ` +
    `missed ${result.missed}`)
  return result
}

try {
  const queue = await queueBench()
  const freshness = await freshnessBench()
  mkdirSync(new URL('./results/', import.meta.url), { recursive: true })
  const report = {
    at: new Date().toISOString(),
    heldParcels: HELD,
    rate: RATE,
    seconds,
    queue,
    freshness,
    budgets: { queuePageMs: 200, freshnessMs: 2_000 }
  }
  writeFileSync(new URL('./results/console.json', import.meta.url), `${JSON.stringify(report, null, 2)}\n`)
  const queueOk = Object.values(queue).every((q) => q.median < 200)
  const freshOk = freshness.p99 < 2_000 && freshness.missed === 0
  say(`budgets: queue page < 200 ms ${queueOk ? 'met' : 'MISSED'}; ` +
    `held parcel in the queue < 2 s (p99) ${freshOk ? 'met' : 'MISSED'}`)
} finally {
  await deleteKeys(redis, `${run}:`)
  redis.disconnect()
}
