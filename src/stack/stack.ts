// The local stack: real Apache Kafka (KRaft), Apicurio Registry (Confluent-compatible API)
// and redis-server on loopback, started without Docker.
//
//   parcel-risk stack up|down|status|logs|env [kafka|registry|redis ...]   (src/cli/stack.ts)
//
// `up` is idempotent: a service whose recorded process is alive and answers is left alone.
// `up` is all or nothing: a service that fails to start stops the ones this call started.
// `down` stops only processes recorded by `up`. Exit codes: 0 ok, 1 a service is down
// (status) or failed to start, 2 usage error or a required tool is missing, 3 a port the
// stack needs is in use (E_STACK_PORT_TAKEN; the message names the port and its holder).
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { ParcelRiskError } from '../errors.ts'
import {
  isAlive, readPid, removePid, startDetached, stopProcess, tail, portFree, portHolder, portOpen, waitFor, run
} from './process.ts'
import {
  findJava, isResolved, kafkaReady, MIN_JAVA, PORT_SETTINGS, ports, prepareKafka, prepareRedis, prepareRegistry,
  redisReady, registryReady,
  resolveArtifacts, stackEnv, type Dirs, type Ports, type StackEnv
} from './services.ts'

export const SERVICES = ['kafka', 'registry', 'redis'] as const
export type Service = typeof SERVICES[number]

// Code and the Maven pom live here; what the stack downloads and runs (artifacts, data,
// logs, pid files) lives under deploy/local/ at the package root, outside the code.
// PARCEL_RISK_STACK_RUN_DIR moves the pid files, logs and data of the services, so a second
// stack (other ports, other run directory) can live beside the first one.
const here = dirname(fileURLToPath(import.meta.url))
const state = join(here, '..', '..', 'deploy', 'local')
export const dirs: Dirs = {
  root: here, cache: join(state, '.cache'), run: process.env.PARCEL_RISK_STACK_RUN_DIR ?? join(state, '.run')
}

const readiness: Record<Service, (p: Ports) => Promise<boolean>> = {
  kafka: kafkaReady, registry: registryReady, redis: redisReady
}
const startTimeoutMs: Record<Service, number> = { kafka: 90_000, registry: 120_000, redis: 15_000 }
export const logFile = (s: Service): string => join(dirs.run, s, `${s}.log`)
const portOf = (s: Service, p: Ports): number => ({ kafka: p.kafka, registry: p.registry, redis: p.redis })[s]


const install: Record<string, { debian: string, macos: string }> = {
  java: { debian: 'apt-get install -y openjdk-17-jre-headless', macos: 'brew install openjdk@17' },
  java21: {
    debian: 'apt-get install -y openjdk-21-jre-headless (Debian 13+/Ubuntu 24.04+; elsewhere a Temurin 21+ JDK)',
    macos: 'brew install openjdk@21'
  },
  mvn: { debian: 'apt-get install -y maven', macos: 'brew install maven' },
  'redis-server': { debian: 'apt-get install -y redis-server', macos: 'brew install redis' }
}

const missing = (tool: string, why: string): ParcelRiskError => {
  const how = install[tool]
  return new ParcelRiskError('E_STACK_TOOL_MISSING', `${tool === 'java21' ? 'java' : tool} ${why}. Install it:\n` +
    `  Debian/Ubuntu: ${how?.debian}\n  macOS:         ${how?.macos}`)
}

/** Checks the tools the wanted services need; throws E_STACK_TOOL_MISSING naming the first gap. */
export const checkTools = (wanted: readonly Service[]): void => {
  if (wanted.includes('kafka') || wanted.includes('registry')) {
    if (wanted.includes('kafka') && findJava(MIN_JAVA.kafka) === undefined) {
      throw missing('java', 'is required (Java 17 or newer for Kafka) and was not found')
    }
    if (wanted.includes('registry') && findJava(MIN_JAVA.registry) === undefined) {
      throw missing('java21',
        'is required (Java 21 or newer for Apicurio Registry 3.3; set JAVA_HOME to it) and was not found')
    }
    if (!isResolved(dirs) && !run('mvn', ['-v']).ok) {
      throw missing('mvn', 'is required once, to resolve Kafka and the registry from Maven Central, and was not found')
    }
  }
  if (wanted.includes('redis') && !run('redis-server', ['--version']).ok) {
    throw missing('redis-server', 'is required and was not found')
  }
}

export interface ServiceStatus {
  readonly service: Service
  readonly port: number
  readonly pid: number | undefined
  readonly ours: boolean
  readonly ready: boolean
}

export const status = async (wanted: readonly Service[] = SERVICES): Promise<ServiceStatus[]> => {
  const p = ports()
  return await Promise.all(wanted.map(async (service) => {
    const record = readPid(dirs.run, service)
    const ours = record !== undefined && isAlive(record.pid)
    const ready = await readiness[service](p).catch(() => false)
    return { service, port: portOf(service, p), pid: ours ? record?.pid : undefined, ours, ready }
  }))
}

export interface UpResult {
  readonly env: StackEnv
  /** Services this call started (the rest were already running). */
  readonly started: Service[]
  readonly timingsMs: Record<string, number>
}

const servicePorts: Record<Service, ReadonlyArray<keyof Ports>> = {
  kafka: ['kafka', 'kafkaController'],
  registry: ['registry', 'registryManagement'],
  redis: ['redis']
}

const describeHolder = (port: number): string => {
  const holder = portHolder(port)
  if (holder === undefined) return 'held by a process this user cannot see, or by a connection that has just closed'
  const who = holder.pid === undefined
    ? 'a process this user cannot see'
    : `pid ${holder.pid}${holder.command === undefined ? '' : ` (${holder.command})`}`
  return holder.listening
    ? `${who} listens on it`
    : `${who} uses it as the local end of a connection ` +
      '(a transient outgoing connection: try again, or choose another port)'
}

/** Fails with E_STACK_PORT_TAKEN naming every port of `toStart` that cannot be bound now. */
const checkPorts = async (toStart: readonly Service[], p: Ports): Promise<void> => {
  const taken: string[] = []
  for (const service of toStart) {
    for (const key of servicePorts[service]) {
      const port = p[key]
      if (await portFree(port)) continue
      taken.push(`  ${service}: 127.0.0.1:${port} is in use: ${describeHolder(port)}; ` +
        `set ${PORT_SETTINGS[key].env} to another port`)
    }
  }
  if (taken.length > 0) {
    throw new ParcelRiskError('E_STACK_PORT_TAKEN', `cannot start the stack, ports in use:\n${taken.join('\n')}`)
  }
}

/** Which wanted services this call has to start: not running from this stack and not answering. */
const servicesToStart = async (
  wanted: readonly Service[],
  p: Ports,
  say: (line: string) => void
): Promise<Service[]> => {
  const toStart: Service[] = []
  for (const service of wanted) {
    const record = readPid(dirs.run, service)
    if (record !== undefined && isAlive(record.pid)) continue
    if (await readiness[service](p).catch(() => false)) {
      say(`${service}: already answering on port ${portOf(service, p)} (not started by this stack; using it)`)
      continue
    }
    toStart.push(service)
  }
  return toStart
}

const waitReady = async (service: Service, pid: number, p: Ports): Promise<void> => {
  try {
    await waitFor(service, () => readiness[service](p), startTimeoutMs[service], () => !isAlive(pid))
  } catch (err) {
    throw new Error(`${(err as Error).message}; last log lines:\n${tail(logFile(service), 20)}`, { cause: err })
  }
}

/**
 * Starts the wanted services that are not running yet and waits until each answers.
 * All or nothing: when one fails, the services this call started are stopped again before
 * the error (naming each failed service, with its last log lines) is thrown.
 */
export const up = async (
  wanted: readonly Service[] = SERVICES,
  say: (line: string) => void = () => {}
): Promise<UpResult> => {
  checkTools(wanted)
  const p = ports()
  const timingsMs: Record<string, number> = {}
  if ((wanted.includes('kafka') || wanted.includes('registry')) && !isResolved(dirs)) {
    const t0 = Date.now()
    resolveArtifacts(dirs, say)
    timingsMs.resolve = Date.now() - t0
  }
  const toStart = await servicesToStart(wanted, p, say)
  await checkPorts(toStart, p)
  const prepare = { kafka: prepareKafka, registry: prepareRegistry, redis: prepareRedis }
  const started: Service[] = []
  try {
    // Start all first, then wait: the JVMs boot in parallel.
    const pending: Array<{ service: Service, pid: number, t0: number }> = []
    for (const service of toStart) {
      const spec = prepare[service](dirs, p)
      const t0 = Date.now()
      const rec = startDetached(dirs.run, spec)
      say(`${service}: starting (pid ${rec.pid}, port ${spec.port}, log ${spec.logFile})`)
      pending.push({ service, pid: rec.pid, t0 })
      started.push(service)
    }
    const results = await Promise.allSettled(pending.map(async ({ service, pid, t0 }) => {
      await waitReady(service, pid, p)
      timingsMs[service] = Date.now() - t0
      say(`${service}: ready in ${((Date.now() - t0) / 1000).toFixed(1)} s`)
    }))
    const failed = results.flatMap((r, i) =>
      r.status === 'rejected' ? [`${pending[i]?.service}: ${(r.reason as Error).message}`] : [])
    if (failed.length > 0) throw new Error(failed.join('\n'))
    for (const service of wanted) {
      const record = readPid(dirs.run, service)
      if (record !== undefined && isAlive(record.pid) && !started.includes(service)) {
        await waitFor(service, () => readiness[service](p), startTimeoutMs[service], () => !isAlive(record.pid))
      }
    }
  } catch (err) {
    if (started.length > 0) {
      say(`start-up failed; stopping what this call started: ${started.join(', ')}`)
      await down(started, say)
        .catch((stopErr: unknown) => say(`could not stop everything: ${(stopErr as Error).message}`))
    }
    throw err
  }
  return { env: stackEnv(p), started, timingsMs }
}

export const down = async (
  wanted: readonly Service[] = SERVICES,
  say: (line: string) => void = () => {}
): Promise<void> => {
  // Reverse order: clients of Kafka and the registry go first, Kafka last.
  for (const service of [...wanted].reverse()) {
    const record = readPid(dirs.run, service)
    if (record === undefined) continue
    const how = await stopProcess(record.pid, service === 'kafka' ? 30_000 : 15_000)
    removePid(dirs.run, service)
    await waitFor(`${service} port ${record.port} to be freed`, async () => !(await portOpen(record.port)), 15_000)
    say(`${service}: ${how === 'gone' ? 'was not running' : how}`)
  }
}
