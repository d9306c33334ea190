// The chaos suite: the faults an operator meets, scripted against the local stack while a
// paced stream of declarations flows through `parcel-risk run` (real child processes).
//
//   npm run chaos                         every fault, full length
//   npm run chaos -- --quick              the CI variant: every fault, shorter streams and pauses
//   npm run chaos -- --faults sigkill,redis
//
// Faults: broker (Kafka stopped and restarted), registry (stopped and restarted), redis
// (stopped and restarted), sigkill (the processor killed and started again at once), sigstop
// (one of two instances paused past its session, then continued). For each fault the suite
// asserts: nothing lost (every declaration answered), duplicates identical (timings aside),
// no DEGRADED decision outside a Redis outage, and recovery (fault over → decisions flowing
// again) within its bound; and prints one line per fault with the numbers. Exit 0 when every
// assertion held, 1 otherwise. It needs the local stack (`npm run stack -- up`) and stops and
// starts its services, so run it on a stack nobody else uses.
import { readFileSync } from 'node:fs'
import { Kafka, logLevel } from 'kafkajs'
import { down, up, type Service } from '../../src/stack/stack.ts'
import { ports, stackEnv } from '../../src/stack/services.ts'
import { readSchema } from '../../src/codec/avro-types.ts'
import { createRegistry } from '../../src/codec/registry.ts'
import type { RiskDecision } from '../../src/declaration.ts'
import { loadProfiles } from '../../src/cli/demo/run-setup.ts'
import {
  collect, decisionCore, pacedProducer, scenario, startRun, waitUntil, type Running
} from '../integration/processor/harness.ts'
import type { ServiceUrls } from '../integration/services.ts'

export type Fault = 'broker' | 'registry' | 'redis' | 'sigkill' | 'sigstop'
export const FAULTS: readonly Fault[] = ['sigkill', 'sigstop', 'redis', 'broker', 'registry']

export interface FaultReport {
  readonly fault: Fault
  readonly produced: number
  readonly lost: number
  readonly duplicates: number
  readonly differing: number
  readonly degradedOutsideRedisOutage: number
  readonly degraded: number
  /** The last DEGRADED decision after the fault was over, in ms after it (Redis fault only). */
  readonly degradedTailMs: number
  /** Fault over → the first decision made after it, in ms. */
  readonly recoveryMs: number
  readonly faultMs: number
  readonly failures: readonly string[]
}

interface Options { readonly quick: boolean }

const sleep = async (ms: number): Promise<void> => {
  await new Promise((resolve) => setTimeout(resolve, ms))
}

// Recovery bounds: a restart of the broker or the processor waits for the old member's session
// (kafka.sessionTimeoutMs, 6 s) at most; the rest is start-up and one fetch.
const RECOVERY_BOUND_MS: Record<Fault, number> = {
  broker: 10_000, registry: 5_000, redis: 5_000, sigkill: 10_000, sigstop: 10_000
}

const coordinatorReady = async (services: ServiceUrls, groupId: string): Promise<void> => {
  const kafka = new Kafka({
    clientId: 'chaos-probe',
    brokers: services.kafkaBrokers.split(','),
    logLevel: logLevel.NOTHING,
    retry: { retries: 0 }
  })
  const admin = kafka.admin()
  await waitUntil('the group coordinator', async () => {
    await admin.connect()
    await admin.describeGroups([groupId])
    return true
  }, 120_000)
  await admin.disconnect()
}

const firstLogLineAt = async (file: string): Promise<number> => {
  let at = Number.NaN
  await waitUntil(`a first log line in ${file}`, async () => {
    const first = readFileSync(file, 'utf8').split('\n')[0] ?? ''
    at = Number(/"time":(\d+)/.exec(first)?.[1])
    return Number.isFinite(at)
  }, 120_000)
  return at
}

const decidedAt = (d: RiskDecision): number => Number(d.timings.decidedAt)

/** Runs one fault through a fresh scenario (own topics, group and Redis prefix). */
export const runFault = async (services: ServiceUrls, fault: Fault, options: Options): Promise<FaultReport> => {
  const s = scenario(services, { PARCEL_RISK_LOG_LEVEL: 'info' })
  // The product's defaults, not the integration suite's shortened ones.
  const env = s.env as Record<string, string | undefined>
  delete env.PARCEL_RISK_KAFKA_SESSION_TIMEOUT_MS
  delete env.PARCEL_RISK_KAFKA_HEARTBEAT_INTERVAL_MS
  delete env.PARCEL_RISK_REDIS_COMMAND_TIMEOUT_MS
  const rate = options.quick ? 300 : 1_000
  const before = options.quick ? 4_000 : 8_000
  const after = options.quick ? 4_000 : 8_000
  const failures: string[] = []

  // Reference data loaded and marked, as in a real deployment: without it every decision is
  // DEGRADED (data sets unknown), which would hide the degradation the faults cause.
  const urls = {
    KAFKA_BROKERS: services.kafkaBrokers, SCHEMA_REGISTRY_URL: services.schemaRegistryUrl, REDIS_URL: services.redisUrl
  }
  await loadProfiles(urls, `it:${s.id}:`, 41)
  const processors: Running[] = [startRun(s, `${fault}-a`)]
  if (fault === 'sigstop') processors.push(startRun(s, `${fault}-b`))
  await Promise.all(processors.map(async (p) => await p.ready))
  const producer = await pacedProducer(services, s, rate, 41)
  const collector = await collect(services, s)
  await sleep(before)

  const restart = async (service: Service): Promise<void> => {
    await down([service])
    await up([service])
  }
  let faultStart = Date.now()
  let faultEnd = faultStart
  switch (fault) {
    case 'broker':
      faultStart = Date.now()
      await restart('kafka')
      // Over when the broker serves groups again: its group coordinator has loaded the offsets
      // topic (seconds after the broker answers metadata, on a busy machine).
      await coordinatorReady(services, s.groupId)
      faultEnd = Date.now()
      break
    case 'registry': {
      faultStart = Date.now()
      await restart('registry')
      faultEnd = Date.now()
      // The registry kept its schemas: the same subject and schema give the same id.
      // A restarted registry is cold: its first registration can take several seconds.
      const registry = createRegistry({ url: services.schemaRegistryUrl, requestTimeoutMs: 60_000, unknownIdTtlMs: 0 })
      const again = await registry.register(`${s.topics.declarations}-value`, readSchema('ParcelDeclaration'))
      if (again !== producer.schemaId) {
        failures.push(`the restarted registry gave schema id ${again}, not ${producer.schemaId}`)
      }
      break
    }
    case 'redis':
      faultStart = Date.now()
      await down(['redis'])
      await sleep(options.quick ? 3_000 : 10_000)
      await up(['redis'])
      faultEnd = Date.now()
      break
    case 'sigkill': {
      const victim = processors[0] as Running
      faultStart = Date.now()
      victim.child.kill('SIGKILL')
      await victim.exited
      processors[0] = startRun(s, `${fault}-a2`)
      // Over when the replacement process is up (its first log line): what follows is the
      // group's doing; the start-up of Node before it is the machine's.
      faultEnd = await firstLogLineAt((processors[0] as Running).logFile)
      break
    }
    case 'sigstop': {
      const victim = processors[0] as Running
      faultStart = Date.now()
      victim.child.kill('SIGSTOP')
      await sleep(options.quick ? 20_000 : 40_000)
      victim.child.kill('SIGCONT')
      faultEnd = Date.now()
      break
    }
  }
  await sleep(after)
  await producer.stop()
  const produced = producer.keys
  try {
    await waitUntil('every declaration answered', async () => collector.distinct() >= new Set(produced).size, 120_000)
  } catch (err) {
    failures.push((err as Error).message)
  }
  // Late duplicates (a zombie's output) arrive after the last answer; give them time to show.
  await sleep(3_000)
  await collector.stop()
  for (const p of processors) {
    p.child.kill('SIGCONT')
    p.child.kill('SIGTERM')
  }
  const exits = await Promise.all(processors.map(async (p) => await p.exited))
  if (exits.some((code) => code !== 0)) failures.push(`processors exited with ${exits.join(', ')} after SIGTERM`)

  const { decisions, deadLetters } = collector.collected
  let lost = 0
  let duplicates = 0
  let differing = 0
  let degraded = 0
  let degradedOutside = 0
  let firstAfter = Number.POSITIVE_INFINITY
  let degradedTailMs = 0
  // A Redis outage may show as DEGRADED until the breaker's next probe after Redis is back.
  const degradedWindow = fault === 'redis' ? [faultStart, faultEnd + 2_000] : [0, -1]
  for (const key of new Set(produced)) {
    const list = decisions.get(key) ?? []
    const dead = deadLetters.get(key)?.length ?? 0
    if (list.length + dead === 0) {
      lost++
      continue
    }
    duplicates += list.length + dead - 1
    const first = list[0]
    for (const d of list) {
      if (first !== undefined && JSON.stringify(decisionCore(d)) !== JSON.stringify(decisionCore(first))) differing++
      if (d.enrichment.status === 'DEGRADED') {
        degraded++
        const at = decidedAt(d)
        if (at < (degradedWindow[0] as number) || at > (degradedWindow[1] as number)) degradedOutside++
        if (fault === 'redis') degradedTailMs = Math.max(degradedTailMs, at - faultEnd)
      }
      const at = decidedAt(d)
      if (at >= faultEnd && at < firstAfter) firstAfter = at
    }
  }
  const recoveryMs = firstAfter === Number.POSITIVE_INFINITY ? Number.NaN : firstAfter - faultEnd
  if (lost > 0) failures.push(`${lost} declarations never answered`)
  if (differing > 0) failures.push(`${differing} duplicate decisions differ from the first`)
  if (degradedOutside > 0) failures.push(`${degradedOutside} DEGRADED decisions outside a Redis outage`)
  if (!(recoveryMs <= RECOVERY_BOUND_MS[fault])) {
    failures.push(`recovery took ${recoveryMs} ms (bound ${RECOVERY_BOUND_MS[fault]} ms)`)
  }
  if (fault === 'sigstop' && duplicates > 6 * 500) {
    failures.push(`${duplicates} duplicates after a pause: more than one chunk per partition`)
  }
  return {
    fault,
    produced: produced.length,
    lost,
    duplicates,
    differing,
    degradedOutsideRedisOutage: degradedOutside,
    degraded,
    degradedTailMs,
    recoveryMs,
    faultMs: faultEnd - faultStart,
    failures
  }
}

const main = async (argv: readonly string[]): Promise<number> => {
  const quick = argv.includes('--quick')
  const listed = argv[argv.indexOf('--faults') + 1]
  // The CI variant runs every fault with shorter streams and pauses: about 3 minutes on a
  // 2-core machine (broker and registry restarts take 9-15 s each there).
  const faults = argv.includes('--faults') && listed !== undefined ? listed.split(',') as Fault[] : [...FAULTS]
  const unknown = faults.filter((f) => !FAULTS.includes(f))
  if (unknown.length > 0) {
    process.stderr.write(`chaos: unknown fault ${unknown.join(', ')} (known: ${FAULTS.join(', ')})\n`)
    return 2
  }
  const env = stackEnv(ports())
  await up()
  const services: ServiceUrls = {
    kafkaBrokers: env.KAFKA_BROKERS,
    schemaRegistryUrl: env.SCHEMA_REGISTRY_URL,
    redisUrl: env.REDIS_URL,
    source: 'local-stack',
    redisControllable: true
  }
  const reports: FaultReport[] = []
  for (const fault of faults) {
    const started = Date.now()
    const report = await runFault(services, fault, { quick })
    reports.push(report)
    process.stdout.write(`${JSON.stringify({ ...report, wallMs: Date.now() - started })}\n`)
  }
  process.stdout.write('\nfault     produced  lost  duplicates  differing  degraded  ' +
    'degraded outside outage  fault ms  recovery ms\n')
  for (const r of reports) {
    const cells = [
      r.fault.padEnd(9), String(r.produced).padStart(8), String(r.lost).padStart(5), String(r.duplicates).padStart(11),
      String(r.differing).padStart(10), String(r.degraded).padStart(9),
      String(r.degradedOutsideRedisOutage).padStart(24), String(r.faultMs).padStart(9),
      String(r.recoveryMs).padStart(12)
    ]
    process.stdout.write(`${cells.join(' ')}\n`)
  }
  const failed = reports.filter((r) => r.failures.length > 0)
  for (const r of failed) process.stdout.write(`FAILED ${r.fault}: ${r.failures.join('; ')}\n`)
  return failed.length === 0 ? 0 : 1
}

process.exitCode = await main(process.argv.slice(2))
process.exit()
