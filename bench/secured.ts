// Secured against plain, in one run: what TLS, SASL (SCRAM-SHA-512), registry HTTPS and Redis
// TLS cost the processor. For each profile (the plain local stack, then `stack up --secure`;
// both must be up): a backlog of declarations is drained by `parcel-risk run` (throughput:
// records over the span from first to last decision), then declarations are produced at a
// fixed rate (end-to-end latency per declaration: the decision's record timestamp minus the
// declaration's, both set by clients on this machine). Commands run as child processes with
// each profile's environment, as a user would run them.
//   npm run bench -- secured [--backlog 20000] [--rate 1000] [--duration 30]
import { spawn } from 'node:child_process'
import { randomBytes, randomUUID } from 'node:crypto'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { loadavg } from 'node:os'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { loadConfig } from '../src/config-load.ts'
import { createKafka } from '../src/kafka/client.ts'
import { silenceKafkajsTimeoutWarning } from '../src/kafka/node-warnings.ts'
import { createLogger } from '../src/logger.ts'
import { envSecure } from '../src/stack/secure-stack.ts'
import { ports, stackEnv } from '../src/stack/services.ts'
import { describeMachine } from './e2e/report.ts'

silenceKafkajsTimeoutWarning()
const { values } = parseArgs({
  options: {
    backlog: { type: 'string', default: '20000' },
    rate: { type: 'string', default: '1000' },
    duration: { type: 'string', default: '30' }
  }
})
const backlog = Number(values.backlog)
const rate = Number(values.rate)
const durationS = Number(values.duration)
const cli = new URL('../src/cli/parcel-risk.ts', import.meta.url).pathname
const work = mkdtempSync(join(tmpdir(), 'parcel-risk-bench-secured-'))
const quiet = createLogger({ level: 'silent' })
const say = (line: string): void => {
  console.error(line)
}

const runCli = async (args: readonly string[], env: Record<string, string>): Promise<void> => {
  const child = spawn(process.execPath, [cli, ...args], {
    env: { ...process.env, ...env }, stdio: ['ignore', 'ignore', 'inherit']
  })
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve))
  if (code !== 0) throw new Error(`parcel-risk ${args[0]} exited ${code}`)
}

const quantile = (sorted: readonly number[], q: number): number =>
  sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? NaN

interface Profile {
  readonly name: string
  readonly processor: Record<string, string>
  readonly feeder: Record<string, string>
  readonly admin: Record<string, string>
}

const plainEnv = {
  ...stackEnv(ports()), PARCEL_RISK_REDIS_IDENTITY_KEY: randomBytes(24).toString('hex')
} as Record<string, string>
const profiles: Profile[] = [
  { name: 'plain', processor: plainEnv, feeder: plainEnv, admin: plainEnv },
  { name: 'secured', processor: envSecure('processor'), feeder: envSecure('feeder'), admin: envSecure('admin') }
]

interface Measurement { throughput: number, p50: number, p99: number, max: number, n: number }
const measure = async (p: Profile): Promise<Measurement> => {
  const id = `bench-${randomUUID().slice(0, 8)}`
  const topics = {
    declarations: `declarations.${id}`,
    decisions: `risk-decisions.${id}`,
    dlq: `declarations-dlq.${id}`,
    shadow: `risk-decisions-shadow.${id}`,
    profileUpdates: `profile-updates.${id}`
  }
  const ns = {
    PARCEL_RISK_TOPIC_DECLARATIONS: topics.declarations,
    PARCEL_RISK_TOPIC_DECISIONS: topics.decisions,
    PARCEL_RISK_TOPIC_DLQ: topics.dlq,
    PARCEL_RISK_TOPIC_SHADOW: topics.shadow,
    PARCEL_RISK_TOPIC_PROFILE_UPDATES: topics.profileUpdates,
    PARCEL_RISK_KAFKA_GROUP_ID: `parcel-risk-${id}`,
    PARCEL_RISK_REDIS_KEY_PREFIX: `pr:${id}:`,
    PARCEL_RISK_HTTP_PORT: '0',
    PARCEL_RISK_LOG_LEVEL: 'warn',
    PARCEL_RISK_KAFKA_CREATE_TOPICS: 'false'
  }
  const kafka = createKafka(loadConfig({ env: p.admin }).kafka, quiet)
  const admin = kafka.admin()
  await admin.connect()
  await admin.createTopics({
    waitForLeaders: true,
    topics: Object.values(topics).map((topic) => ({ topic, numPartitions: 6, replicationFactor: 1 }))
  })
  await admin.disconnect()

  const profilesFile = join(work, `${id}-profiles.ndjson`)
  say(`${p.name}: backlog of ${backlog} declarations, profiles`)
  await runCli([
    'generate', '--count', String(backlog), '--seed', '42',
    '--to-topic', topics.declarations, '--profiles', profilesFile
  ], { ...p.feeder, ...ns })
  await runCli(['profiles', 'load', profilesFile, '--empty', 'consignee'], { ...p.processor, ...ns })

  // Record timestamps by key: declarations as produced, decisions and dead letters as published.
  const produced = new Map<string, number>()
  const answered = new Map<string, number>()
  const reader = kafka.consumer({ groupId: `reader-${id}`, readUncommitted: false })
  await reader.connect()
  await reader.subscribe({ topics: [topics.declarations, topics.decisions, topics.dlq], fromBeginning: true })
  await reader.run({
    eachBatch: async ({ batch }) => {
      const into = batch.topic === topics.declarations ? produced : answered
      for (const m of batch.messages) {
        const key = m.key?.toString() ?? ''
        if (!into.has(key)) into.set(key, Number(m.timestamp))
      }
    }
  })
  const waitFor = async (what: string, done: () => boolean, timeoutMs: number): Promise<void> => {
    const until = Date.now() + timeoutMs
    while (!done()) {
      if (Date.now() > until) throw new Error(`${p.name}: timed out waiting for ${what}`)
      await new Promise((resolve) => setTimeout(resolve, 200))
    }
  }
  say(`${p.name}: draining the backlog`)
  const processor = spawn(process.execPath, [cli, 'run'], {
    env: { ...process.env, ...p.processor, ...ns }, stdio: ['ignore', 'ignore', 'inherit']
  })
  try {
    await waitFor('the backlog', () => answered.size >= backlog, 300_000)
    const times = [...answered.values()].sort((a, b) => a - b)
    const throughput = backlog / (((times.at(-1) ?? 0) - (times[0] ?? 0)) / 1000)
    say(`${p.name}: ${rate}/s for ${durationS} s`)
    const before = new Set(answered.keys())
    const count = rate * durationS
    await runCli([
      'generate', '--count', String(count), '--seed', '43', '--start', '2026-06-01T00:00:00Z',
      '--rate', String(rate), '--to-topic', topics.declarations
    ], { ...p.feeder, ...ns })
    await waitFor('the paced declarations', () => answered.size >= backlog + count, 120_000)
    const latencies = [...answered]
      .filter(([key]) => !before.has(key) && produced.has(key))
      .map(([key, t]) => t - (produced.get(key) ?? t))
      .sort((a, b) => a - b)
    return {
      throughput,
      p50: quantile(latencies, 0.5),
      p99: quantile(latencies, 0.99),
      max: latencies.at(-1) ?? NaN,
      n: latencies.length
    }
  } finally {
    processor.kill('SIGTERM')
    await new Promise((resolve) => processor.once('exit', resolve))
    await reader.disconnect()
  }
}

const rows: string[] = []
const results: Array<{ profile: string } & Awaited<ReturnType<typeof measure>>> = []
const loadAtStart = loadavg()[0]
for (const p of profiles) {
  const r = await measure(p)
  results.push({ profile: p.name, ...r })
  const throughput = Math.round(r.throughput).toLocaleString('en')
  rows.push(`| ${p.name} | ${throughput} | ${r.p50} | ${r.p99} | ${r.max} | ${r.n.toLocaleString('en')} |`)
}
console.log(`backlog ${backlog}, ${rate}/s for ${durationS} s, one processor instance, reference ruleset eu-lvc\n`)
console.log('| profile | backlog drained, declarations/s | p50 ms | p99 ms | max ms | paced declarations measured |')
console.log('|---|---|---|---|---|---|')
for (const row of rows) console.log(row)
// Each run replaces the JSON; quote medians of several runs (the machine is noisy).
writeFileSync(new URL('./results/secured.json', import.meta.url), `${JSON.stringify({
  bench: 'secured',
  at: new Date().toISOString(),
  command: `npm run bench -- secured --backlog ${backlog} --rate ${rate} --duration ${durationS}`,
  backlog, rate, durationS, machine: { ...describeMachine(), loadAverageAtStart: loadAtStart }, results
}, null, 2)}\n`)
