// The Redis Cluster profile of the local stack (`stack up --redis-cluster`): six redis-server
// processes with cluster-enabled yes, made into three primaries with one replica each by
// `redis-cli --cluster create --cluster-replicas 1`. A node timeout of 2 s lets a replica
// take over from a killed primary within a few seconds, as a test of failover wants; in
// production the default (15 s) trades a longer gap for fewer false failovers.
// Kafka and the registry are the default profile's: this profile is only about Redis.
// Ports: node n (1–6) listens on base + n - 1 and talks to the other nodes (the cluster bus)
// on base + 10 + n - 1, set with `cluster-port` rather than Redis's default of port + 10000,
// which would land in the operating system's ephemeral range.
// Run directory: deploy/local/.run-redis-cluster, or PARCEL_RISK_REDIS_CLUSTER_RUN_DIR.
import { mkdirSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { ParcelRiskError } from '../errors.ts'
import {
  isAlive, portFree, readPid, removePid, run, startDetached, stopProcess, tail, waitFor, portOpen, type StartSpec
} from './process.ts'
import { checkTools } from './stack.ts'

export const REDIS_CLUSTER_NODES = [1, 2, 3, 4, 5, 6] as const
export type RedisNodeId = typeof REDIS_CLUSTER_NODES[number]

export const REDIS_CLUSTER_PORT_SETTING = { env: 'PARCEL_RISK_REDIS_CLUSTER_PORT', fallback: 17401 } as const
/** The cluster bus of node n is its port plus this. */
export const BUS_OFFSET = 10

export const redisClusterBase = (): number => {
  const raw = process.env[REDIS_CLUSTER_PORT_SETTING.env]
  if (raw === undefined || raw === '') return REDIS_CLUSTER_PORT_SETTING.fallback
  const port = Number(raw)
  if (!Number.isInteger(port) || port < 1 || port > 65535 - 16) {
    throw new Error(`${REDIS_CLUSTER_PORT_SETTING.env} must be a TCP port (the first of sixteen), got '${raw}'`)
  }
  return port
}

export const nodePort = (n: RedisNodeId, base = redisClusterBase()): number => base + n - 1

const here = dirname(fileURLToPath(import.meta.url))
export const redisClusterRunDir = process.env.PARCEL_RISK_REDIS_CLUSTER_RUN_DIR ??
  join(here, '..', '..', 'deploy', 'local', '.run-redis-cluster')

export const redisNodeName = (n: RedisNodeId): string => `redis-${n}`
export const redisNodeLog = (n: RedisNodeId): string => join(redisClusterRunDir, redisNodeName(n), 'redis.log')

/** The processor's Redis settings on this profile (Kafka and the registry: the default profile's). */
export const redisClusterEnv = (base = redisClusterBase()): Record<string, string> => ({
  REDIS_URL: `redis://127.0.0.1:${nodePort(1, base)}`,
  PARCEL_RISK_REDIS_CLUSTER_NODES: REDIS_CLUSTER_NODES.map((n) => `127.0.0.1:${nodePort(n, base)}`).join(',')
})

export const redisNodeSpec = (n: RedisNodeId, base = redisClusterBase()): StartSpec => {
  const home = join(redisClusterRunDir, redisNodeName(n))
  mkdirSync(home, { recursive: true })
  const port = nodePort(n, base)
  return {
    service: redisNodeName(n),
    command: 'redis-server',
    args: [
      '--port', String(port), '--bind', '127.0.0.1',
      '--cluster-enabled', 'yes', '--cluster-port', String(port + BUS_OFFSET),
      '--cluster-config-file', 'nodes.conf', '--cluster-node-timeout', '2000', '--save', '', '--appendonly', 'yes',
      '--appendfsync', 'everysec', '--dir', home, '--daemonize', 'no'
    ],
    port,
    logFile: redisNodeLog(n)
  }
}

const cli = (port: number, ...args: string[]): { ok: boolean, output: string } =>
  run('redis-cli', ['-p', String(port), ...args])

/** CLUSTER INFO of one node, as a map; empty when it does not answer. */
export const clusterInfo = (port: number): Map<string, string> => {
  const { ok, output } = cli(port, 'cluster', 'info')
  if (!ok) return new Map()
  return new Map(output.split(/\r?\n/).filter((l) => l.includes(':'))
    .map((l) => l.trim().split(':', 2) as [string, string]))
}

/** True when the node answers, the cluster is formed (16384 slots assigned) and its state is ok. */
export const clusterOk = (port: number): boolean => {
  const info = clusterInfo(port)
  return info.get('cluster_state') === 'ok' && info.get('cluster_slots_assigned') === '16384'
}

export const redisNodePid = (n: RedisNodeId): number | undefined => {
  const record = readPid(redisClusterRunDir, redisNodeName(n))
  return record !== undefined && isAlive(record.pid) ? record.pid : undefined
}

/** Starts node n (a killed primary comes back as a replica of the node that took over). */
export const startRedisNode = (n: RedisNodeId, base = redisClusterBase()): number =>
  startDetached(redisClusterRunDir, redisNodeSpec(n, base)).pid

export interface RedisClusterUpResult {
  readonly env: Record<string, string>
  readonly startedNodes: RedisNodeId[]
  readonly ms: number
}

const checkPorts = async (nodes: readonly RedisNodeId[], base: number): Promise<void> => {
  const taken: string[] = []
  for (const n of nodes) {
    for (const port of [nodePort(n, base), nodePort(n, base) + BUS_OFFSET]) {
      if (!(await portFree(port))) {
        taken.push(`  ${redisNodeName(n)}: 127.0.0.1:${port} is in use; ` +
          `set ${REDIS_CLUSTER_PORT_SETTING.env} to another first port (16 ports from it are used)`)
      }
    }
  }
  if (taken.length > 0) {
    throw new ParcelRiskError('E_STACK_PORT_TAKEN',
      `cannot start the Redis Cluster, ports in use:\n${taken.join('\n')}`)
  }
}

/**
 * Starts the nodes that are not running, creates the cluster when it was never created, and
 * waits until every node reports it ok. All or nothing: a failure stops the nodes this call started.
 */
export const upRedisCluster = async (say: (line: string) => void = () => {}): Promise<RedisClusterUpResult> => {
  checkTools(['redis'])
  const base = redisClusterBase()
  const t0 = Date.now()
  const toStart = REDIS_CLUSTER_NODES.filter((n) => redisNodePid(n) === undefined)
  await checkPorts(toStart, base)
  const startedNodes: RedisNodeId[] = []
  try {
    for (const n of toStart) {
      const pid = startRedisNode(n, base)
      startedNodes.push(n)
      say(`${redisNodeName(n)}: starting (pid ${pid}, port ${nodePort(n, base)}, log ${redisNodeLog(n)})`)
    }
    for (const n of REDIS_CLUSTER_NODES) {
      await waitFor(redisNodeName(n), async () => await portOpen(nodePort(n, base)), 15_000,
        () => redisNodePid(n) === undefined)
    }
    // A new cluster (every node still alone, no slots): create it. Known nodes come back from nodes.conf.
    if (clusterInfo(nodePort(1, base)).get('cluster_slots_assigned') === '0') {
      const addresses = REDIS_CLUSTER_NODES.map((n) => `127.0.0.1:${nodePort(n, base)}`)
      const created = run('redis-cli',
        ['--cluster', 'create', ...addresses, '--cluster-replicas', '1', '--cluster-yes'])
      if (!created.ok) throw new Error(`redis-cli --cluster create failed:\n${created.output}`)
      say('redis cluster: created (3 primaries, 3 replicas)')
    }
    for (const n of REDIS_CLUSTER_NODES) {
      await waitFor(`${redisNodeName(n)} cluster state ok`, async () => clusterOk(nodePort(n, base)), 30_000)
    }
  } catch (err) {
    if (startedNodes.length > 0) {
      say(`start-up failed; stopping the nodes this call started: ${startedNodes.map(redisNodeName).join(', ')}`)
      await downRedisCluster(say, startedNodes).catch(() => undefined)
    }
    const logs = REDIS_CLUSTER_NODES.map((n) => `${redisNodeName(n)}:\n${tail(redisNodeLog(n), 5)}`).join('\n')
    throw new Error(`${(err as Error).message}; last log lines:\n${logs}`, { cause: err })
  }
  const ms = Date.now() - t0
  if (startedNodes.length > 0) say(`redis cluster: ready in ${(ms / 1000).toFixed(1)} s`)
  return { env: redisClusterEnv(base), startedNodes, ms }
}

/** Stops the nodes (all in parallel). Their data and nodes.conf stay: `up` brings the same cluster back. */
export const downRedisCluster = async (
  say: (line: string) => void = () => {},
  nodes: readonly RedisNodeId[] = REDIS_CLUSTER_NODES
): Promise<void> => {
  await Promise.all(nodes.map(async (n) => {
    const record = readPid(redisClusterRunDir, redisNodeName(n))
    if (record === undefined) return
    const how = await stopProcess(record.pid, 15_000)
    removePid(redisClusterRunDir, redisNodeName(n))
    say(`${redisNodeName(n)}: ${how === 'gone' ? 'was not running' : how}`)
  }))
}

export interface RedisNodeStatus {
  readonly node: RedisNodeId
  readonly port: number
  readonly pid: number | undefined
  readonly role: string
  readonly ok: boolean
}

export const statusRedisCluster = (): RedisNodeStatus[] => {
  const base = redisClusterBase()
  return REDIS_CLUSTER_NODES.map((n) => {
    const port = nodePort(n, base)
    const role = cli(port, 'role')
    const firstLine = role.ok ? (role.output.split(/\r?\n/)[0] ?? '') : 'down'
    return { node: n, port, pid: redisNodePid(n), role: firstLine, ok: clusterOk(port) }
  })
}
