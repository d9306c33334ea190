// `stack up|down|status|env --secure`: starts, stops and probes the secured profile
// (secure.ts) with the same process handling as the plain stack (process.ts): detached
// processes with pid files, all or nothing on start-up, `down` stops only what `up` recorded.
// Its run directory is deploy/local/.run-secure, or PARCEL_RISK_SECURE_STACK_RUN_DIR.
import { existsSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { ParcelRiskError } from '../errors.ts'
import {
  isAlive, portFree, readPid, removePid, startDetached, stopProcess, tail, waitFor, portOpen, run, type StartSpec
} from './process.ts'
import {
  prepareMaterial, prepareRegistryFront, prepareSecureKafka, prepareSecureRedis, prepareSecureRegistry, provisionKafka,
  registryFrontReady, SECURE_PORT_SETTINGS, SECURE_SERVICES, secureEnv, secureKafkaReady, securePorts, secureRedisReady,
  secureRegistryBackendReady,
  type SecurePorts, type SecureRole, type SecureService
} from './secure.ts'
import { findJava, isResolved, MIN_JAVA, resolveArtifacts, type Dirs } from './services.ts'
import { materialIn, readSecrets } from './tls-material.ts'

const here = dirname(fileURLToPath(import.meta.url))
const state = join(here, '..', '..', 'deploy', 'local')
export const secureDirs: Dirs = {
  root: here,
  cache: join(state, '.cache'),
  run: process.env.PARCEL_RISK_SECURE_STACK_RUN_DIR ?? join(state, '.run-secure')
}

const readiness: Record<SecureService, (d: Dirs, p: SecurePorts) => Promise<boolean>> = {
  kafka: secureKafkaReady,
  registry: async (_d, p) => await secureRegistryBackendReady(p),
  'registry-front': registryFrontReady,
  redis: secureRedisReady
}
const prepare: Record<SecureService, (d: Dirs, p: SecurePorts) => StartSpec> = {
  kafka: prepareSecureKafka,
  registry: prepareSecureRegistry,
  'registry-front': prepareRegistryFront,
  redis: prepareSecureRedis
}
const startTimeoutMs: Record<SecureService, number> = {
  kafka: 90_000, registry: 120_000, 'registry-front': 130_000, redis: 15_000
}
const servicePorts: Record<SecureService, ReadonlyArray<keyof SecurePorts>> = {
  kafka: ['kafka', 'kafkaController'],
  registry: ['registryBackend', 'registryManagement'],
  'registry-front': ['registry'],
  redis: ['redis']
}

export const secureLogFile = (s: SecureService): string => join(secureDirs.run, s, `${s}.log`)

const checkTools = (): void => {
  const missing: string[] = []
  if (findJava(MIN_JAVA.kafka) === undefined) missing.push('java 17+ (Kafka)')
  if (findJava(MIN_JAVA.registry) === undefined) missing.push('java 21+ (Apicurio Registry; set JAVA_HOME to it)')
  if (!run('openssl', ['version']).ok) missing.push('openssl (the local CA and certificates)')
  if (!run('redis-server', ['--version']).ok) missing.push('redis-server (6.0+ built with TLS)')
  if (!isResolved(secureDirs) && !run('mvn', ['-v']).ok) missing.push('mvn (resolves Kafka and the registry once)')
  if (missing.length > 0) {
    throw new ParcelRiskError('E_STACK_TOOL_MISSING', `the secured stack needs: ${missing.join(', ')}`)
  }
}

export interface SecureUpResult {
  readonly env: Record<string, string>
  readonly started: SecureService[]
}

/** Starts what is not running (all or nothing), waits until each answers, then provisions topics and ACLs. */
export const upSecure = async (say: (line: string) => void = () => {}): Promise<SecureUpResult> => {
  checkTools()
  const p = securePorts()
  if (!isResolved(secureDirs)) resolveArtifacts(secureDirs, say)
  prepareMaterial(secureDirs)
  const toStart = SECURE_SERVICES.filter((s) => {
    const r = readPid(secureDirs.run, s)
    return r === undefined || !isAlive(r.pid)
  })
  const taken: string[] = []
  for (const service of toStart) {
    for (const key of servicePorts[service]) {
      if (!(await portFree(p[key]))) {
        taken.push(`  ${service}: 127.0.0.1:${p[key]} is in use; set ${SECURE_PORT_SETTINGS[key].env} to another port`)
      }
    }
  }
  if (taken.length > 0) {
    throw new ParcelRiskError('E_STACK_PORT_TAKEN',
      `cannot start the secured stack, ports in use:\n${taken.join('\n')}`)
  }
  const started: SecureService[] = []
  try {
    const pending: Array<{ service: SecureService, pid: number, t0: number }> = []
    for (const service of toStart) {
      const spec = prepare[service](secureDirs, p)
      const rec = startDetached(secureDirs.run, spec)
      say(`${service}: starting (pid ${rec.pid}, port ${spec.port}, log ${spec.logFile})`)
      pending.push({ service, pid: rec.pid, t0: Date.now() })
      started.push(service)
    }
    const results = await Promise.allSettled(SECURE_SERVICES.map(async (service) => {
      const pid = readPid(secureDirs.run, service)?.pid ?? -1
      const t0 = pending.find((x) => x.service === service)?.t0 ?? Date.now()
      try {
        await waitFor(service, () => readiness[service](secureDirs, p), startTimeoutMs[service], () => !isAlive(pid))
      } catch (err) {
        throw new Error(`${(err as Error).message}; last log lines:\n${tail(secureLogFile(service), 20)}`,
          { cause: err })
      }
      if (started.includes(service)) say(`${service}: ready in ${((Date.now() - t0) / 1000).toFixed(1)} s`)
    }))
    const failed = results.flatMap((r, i) =>
      r.status === 'rejected' ? [`${SECURE_SERVICES[i]}: ${(r.reason as Error).message}`] : [])
    if (failed.length > 0) throw new Error(failed.join('\n'))
    await provisionKafka(secureDirs, p)
  } catch (err) {
    if (started.length > 0) {
      say(`start-up failed; stopping what this call started: ${started.join(', ')}`)
      await downSecure(say, started)
        .catch((stopErr: unknown) => say(`could not stop everything: ${(stopErr as Error).message}`))
    }
    throw err
  }
  return { env: envSecure(), started }
}

export const downSecure = async (
  say: (line: string) => void = () => {},
  wanted: readonly SecureService[] = SECURE_SERVICES
): Promise<void> => {
  for (const service of [...wanted].reverse()) {
    const record = readPid(secureDirs.run, service)
    if (record === undefined) continue
    const how = await stopProcess(record.pid, service === 'kafka' ? 30_000 : 15_000)
    removePid(secureDirs.run, service)
    await waitFor(`${service} port ${record.port} to be freed`, async () => !(await portOpen(record.port)), 15_000)
    say(`${service}: ${how === 'gone' ? 'was not running' : how}`)
  }
}

type ServiceStatus = { service: SecureService, ready: boolean, pid: number | undefined }
export const statusSecure = async (): Promise<ServiceStatus[]> => {
  const p = securePorts()
  const material = existsSync(materialIn(secureDirs.run).secretsFile)
  return await Promise.all(SECURE_SERVICES.map(async (service) => {
    const record = readPid(secureDirs.run, service)
    const ready = material && await readiness[service](secureDirs, p).catch(() => false)
    return { service, ready, pid: record !== undefined && isAlive(record.pid) ? record.pid : undefined }
  }))
}

/** The environment of a client in `role`; throws when the stack was never started here. */
export const envSecure = (role: SecureRole = 'processor'): Record<string, string> => {
  const m = materialIn(secureDirs.run)
  if (!existsSync(m.secretsFile)) {
    throw new Error(`the secured stack has not been started in ${secureDirs.run} yet ` +
      '(run: npm run stack -- up --secure)')
  }
  return secureEnv(securePorts(), m, readSecrets(m), role)
}
