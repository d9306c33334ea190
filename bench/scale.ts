// Scale-out on one machine: the same backlog drained by one `parcel-risk run` and by two in the
// same consumer group, in one run, with what each declaration costs Redis. For each instance
// count, a fresh set of topics (12 partitions) gets the backlog (`generate --to-topic`, seed
// 42) and the profiles (`profiles load`); then the instances start together and the bench
// reads the decisions topic until every declaration is answered. Throughput: declarations over
// the span from the first to the last decision. Redis: INFO commandstats before and after the
// drain (calls per command) divided by the declarations, so the figures include every read,
// the aggregate script and its writes. It needs the local stack (`npm run stack -- up`).
//   npm run bench -- scale [--backlog 60000] [--runs 3]
// Writes bench/results/scale.json and prints a table; docs for capacity planning quote it.
import { spawn, type ChildProcess } from 'node:child_process'
import { randomBytes, randomUUID } from 'node:crypto'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { loadavg, tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { Redis } from 'ioredis'
import { loadConfig } from '../src/config-load.ts'
import { createKafka } from '../src/kafka/client.ts'
import { silenceKafkajsTimeoutWarning } from '../src/kafka/node-warnings.ts'
import { createLogger } from '../src/logger.ts'
import { ports, stackEnv } from '../src/stack/services.ts'
import { processCpuSecondsOrZero } from './e2e/cpu.ts'
import { describeMachine } from './e2e/report.ts'

silenceKafkajsTimeoutWarning()
const { values } = parseArgs({
  options: { backlog: { type: 'string', default: '60000' }, runs: { type: 'string', default: '3' } }
})
const backlog = Number(values.backlog)
const runs = Number(values.runs)
const PARTITIONS = 12
const cli = new URL('../src/cli/parcel-risk.ts', import.meta.url).pathname
const work = mkdtempSync(join(tmpdir(), 'parcel-risk-bench-scale-'))
const quiet = createLogger({ level: 'silent' })
const env = {
  ...stackEnv(ports()), PARCEL_RISK_REDIS_IDENTITY_KEY: randomBytes(24).toString('hex')
} as Record<string, string>

const runCli = async (args: readonly string[], extra: Record<string, string>): Promise<void> => {
  const child = spawn(process.execPath, [cli, ...args], {
    env: { ...process.env, ...env, ...extra }, stdio: ['ignore', 'ignore', 'inherit']
  })
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve))
  if (code !== 0) throw new Error(`parcel-risk ${args[0]} exited ${code}`)
}

/** Calls per Redis command since the server started (INFO commandstats). */
const commandCalls = async (redis: Redis): Promise<Map<string, number>> => {
  const calls = new Map<string, number>()
  for (const line of (await redis.info('commandstats')).split('\n')) {
    const m = /^cmdstat_([^:]+):calls=(\d+)/.exec(line.trim())
    if (m !== null) calls.set(m[1] as string, Number(m[2]))
  }
  return calls
}

/** Redis's own CPU seconds (INFO cpu). */
const redisCpu = async (redis: Redis): Promise<number> => {
  const info = await redis.info('cpu')
  const field = (name: string): number => Number(new RegExp(`^${name}:([\\d.]+)`, 'm').exec(info)?.[1] ?? NaN)
  return field('used_cpu_user') + field('used_cpu_sys')
}

interface Drain {
  readonly instances: number
  readonly declarations: number
  readonly seconds: number
  readonly perSecond: number
  /** Processor CPU (all instances) per declaration, µs, from the first decision to the last. */
  readonly processorCpuMicros: number
  /** Redis server CPU per declaration, µs, over the same span. */
  readonly redisCpuMicros: number
  readonly redisCallsPerDeclaration: Record<string, number>
}

const drain = async (instances: number): Promise<Drain> => {
  const id = `scale-${randomUUID().slice(0, 8)}`
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
  const kafka = createKafka(loadConfig({ env }).kafka, quiet)
  const admin = kafka.admin()
  await admin.connect()
  await admin.createTopics({
    waitForLeaders: true,
    topics: Object.values(topics).map((topic) => ({ topic, numPartitions: PARTITIONS, replicationFactor: 1 }))
  })
  await admin.disconnect()
  const profilesFile = join(work, `${id}-profiles.ndjson`)
  await runCli([
    'generate', '--count', String(backlog), '--seed', '42',
    '--to-topic', topics.declarations, '--profiles', profilesFile
  ], ns)
  await runCli(['profiles', 'load', profilesFile, '--empty', 'consignee'], ns)

  const answered = new Map<string, number>()
  const reader = kafka.consumer({ groupId: `reader-${id}` })
  await reader.connect()
  await reader.subscribe({ topics: [topics.decisions, topics.dlq], fromBeginning: true })
  await reader.run({
    eachBatch: async ({ batch }) => {
      for (const m of batch.messages) {
        const key = m.key?.toString() ?? ''
        if (!answered.has(key)) answered.set(key, Number(m.timestamp))
      }
    }
  })
  const redis = new Redis(env.REDIS_URL as string, { lazyConnect: true })
  await redis.connect()
  const before = await commandCalls(redis)
  const children: ChildProcess[] = Array.from({ length: instances }, () =>
    spawn(process.execPath, [cli, 'run'], {
      env: { ...process.env, ...env, ...ns }, stdio: ['ignore', 'ignore', 'inherit']
    }))
  try {
    const until = Date.now() + 600_000
    // CPU is counted from the first answer on: start-up and warm-up are not per-declaration work.
    while (answered.size === 0) {
      if (Date.now() > until) throw new Error(`${instances} instance(s): no answer after 10 minutes`)
      await new Promise((resolve) => setTimeout(resolve, 5))
    }
    const startAnswered = answered.size
    const cpu0 = children.reduce((sum, c) => sum + processCpuSecondsOrZero(c.pid), 0)
    const redis0 = await redisCpu(redis)
    while (answered.size < backlog) {
      if (Date.now() > until) {
        throw new Error(`${instances} instance(s): ${answered.size} of ${backlog} answered after 10 minutes`)
      }
      await new Promise((resolve) => setTimeout(resolve, 20))
    }
    const cpu1 = children.reduce((sum, c) => sum + processCpuSecondsOrZero(c.pid), 0)
    const redis1 = await redisCpu(redis)
    const counted = backlog - startAnswered
    const after = await commandCalls(redis)
    const times = [...answered.values()].sort((a, b) => a - b)
    const seconds = ((times.at(-1) ?? 0) - (times[0] ?? 0)) / 1000
    const perDeclaration: Record<string, number> = {}
    for (const [command, calls] of after) {
      const delta = calls - (before.get(command) ?? 0)
      // INFO itself and the bench's own reads are not the processor's.
      if (delta > 0 && command !== 'info') perDeclaration[command] = Math.round(delta / backlog * 1000) / 1000
    }
    return {
      instances, declarations: backlog, seconds, perSecond: backlog / seconds,
      processorCpuMicros: (cpu1 - cpu0) / counted * 1e6,
      redisCpuMicros: (redis1 - redis0) / counted * 1e6,
      redisCallsPerDeclaration: perDeclaration
    }
  } finally {
    for (const child of children) child.kill('SIGTERM')
    await Promise.all(children.map(async (child) => await new Promise((resolve) => {
      if (child.exitCode !== null) resolve(null)
      else child.once('exit', resolve)
    })))
    await reader.disconnect()
    redis.disconnect()
  }
}

const loadAtStart = loadavg()[0]
const results: Drain[] = []
for (let run = 1; run <= runs; run++) {
  // One instance, then two, in each run: the machine's state is as close as it gets for both.
  for (const instances of [1, 2]) {
    const r = await drain(instances)
    results.push(r)
    console.error(`run ${run}: ${instances} instance(s) drained ${r.declarations} in ${r.seconds.toFixed(1)} s: ` +
      `${Math.round(r.perSecond)}/s, processor CPU ${Math.round(r.processorCpuMicros)} µs and ` +
      `Redis CPU ${Math.round(r.redisCpuMicros)} µs per declaration`)
  }
}
const median = (xs: readonly number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN
const one = median(results.filter((r) => r.instances === 1).map((r) => r.perSecond))
const two = median(results.filter((r) => r.instances === 2).map((r) => r.perSecond))
console.log(`backlog ${backlog} declarations, ${PARTITIONS} partitions, reference ruleset eu-lvc, ${runs} runs; ` +
  'medians:\n')
console.log('| instances | declarations/s (median) | per run | processor CPU µs/declaration (median) ' +
  '| Redis CPU µs/declaration (median) | Redis calls per declaration (last run) |')
console.log('|---|---:|---|---:|---:|---|')
for (const n of [1, 2]) {
  const mine = results.filter((r) => r.instances === n)
  const calls = Object.entries(mine.at(-1)?.redisCallsPerDeclaration ?? {}).map(([c, v]) => `${c} ${v}`).join(', ')
  const cells = [
    Math.round(n === 1 ? one : two).toLocaleString('en'),
    mine.map((r) => Math.round(r.perSecond).toLocaleString('en')).join(' / '),
    Math.round(median(mine.map((r) => r.processorCpuMicros))),
    Math.round(median(mine.map((r) => r.redisCpuMicros))),
    calls
  ]
  console.log(`| ${n} | ${cells.join(' | ')} |`)
}
console.log(`\ntwo instances ÷ one: ${(two / one).toFixed(2)}`)
writeFileSync(new URL('./results/scale.json', import.meta.url), `${JSON.stringify({
  bench: 'scale', at: new Date().toISOString(), command: `npm run bench -- scale --backlog ${backlog} --runs ${runs}`,
  backlog,
  partitions: PARTITIONS,
  runs,
  machine: { ...describeMachine(), loadAverageAtStart: loadAtStart },
  results,
  medians: { one, two, ratio: two / one }
}, null, 2)}\n`)
