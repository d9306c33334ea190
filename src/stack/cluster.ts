// The three-broker profile of the local stack (`stack up --brokers 3`): three Kafka nodes in
// KRaft mode, each broker and controller at once (a static quorum of three voters, so losing
// any one node keeps both the quorum and the partitions available), with every internal topic
// at replication factor 3 and min.insync.replicas 2, as a production cluster runs. Three
// combined nodes rather than three brokers plus three controllers: half the JVMs on a
// two-core machine, and the failure a test cares about (the partition leader dies) is the same.
//
// The schema registry and Redis are the default profile's (started by `stack up` or here when
// they are down): this profile is about Kafka's replication, and the suites that stop Redis
// or the registry mid-test do it through the default stack, so they run here unchanged.
// Run directory: deploy/local/.run-cluster, or PARCEL_RISK_CLUSTER_STACK_RUN_DIR.
import { execFile } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { promisify } from 'node:util'
import { fileURLToPath } from 'node:url'
import { loadConfig } from '../config-load.ts'
import { ParcelRiskError } from '../errors.ts'
import { createKafka } from '../kafka/client.ts'
import { createLogger } from '../logger.ts'
import {
  isAlive, portFree, portOpen, readPid, removePid, startDetached, stopProcess, tail, waitFor, type StartSpec
} from './process.ts'
import { findJava, javaFor, kafkaLibs, kafkaLog4j, MIN_JAVA, ports, stackEnv, type Dirs } from './services.ts'
import { checkTools, up, type Service } from './stack.ts'

export const CLUSTER_NODES = [1, 2, 3] as const
export type NodeId = typeof CLUSTER_NODES[number]

// Node n listens on base + n - 1. The defaults sit beside the other profiles' ports, below
// every operating system's ephemeral range (README "Ports").
export const CLUSTER_PORT_SETTINGS = {
  kafka: { env: 'PARCEL_RISK_CLUSTER_KAFKA_PORT', fallback: 19101 },
  controller: { env: 'PARCEL_RISK_CLUSTER_CONTROLLER_PORT', fallback: 19111 }
} as const

export interface ClusterPorts {
  readonly kafka: Record<NodeId, number>
  readonly controller: Record<NodeId, number>
}

const base = (setting: { env: string, fallback: number }): number => {
  const raw = process.env[setting.env]
  if (raw === undefined || raw === '') return setting.fallback
  const port = Number(raw)
  if (!Number.isInteger(port) || port < 1 || port > 65533) {
    throw new Error(`${setting.env} must be a TCP port (the first of three), got '${raw}'`)
  }
  return port
}

export const clusterPorts = (): ClusterPorts => {
  const k = base(CLUSTER_PORT_SETTINGS.kafka)
  const c = base(CLUSTER_PORT_SETTINGS.controller)
  return { kafka: { 1: k, 2: k + 1, 3: k + 2 }, controller: { 1: c, 2: c + 1, 3: c + 2 } }
}

const here = dirname(fileURLToPath(import.meta.url))
const state = join(here, '..', '..', 'deploy', 'local')
export const clusterDirs: Dirs = {
  root: here,
  cache: join(state, '.cache'),
  run: process.env.PARCEL_RISK_CLUSTER_STACK_RUN_DIR ?? join(state, '.run-cluster')
}

export const nodeName = (n: NodeId): string => `kafka-${n}`
export const nodeLogFile = (n: NodeId): string => join(clusterDirs.run, nodeName(n), 'kafka.log')

/** The processor's environment on this profile: three bootstrap brokers, topics created with three replicas. */
export const clusterEnv = (p: ClusterPorts = clusterPorts()): Record<string, string> => {
  const plain = stackEnv(ports())
  return {
    KAFKA_BROKERS: CLUSTER_NODES.map((n) => `127.0.0.1:${p.kafka[n]}`).join(','),
    SCHEMA_REGISTRY_URL: plain.SCHEMA_REGISTRY_URL,
    REDIS_URL: plain.REDIS_URL,
    PARCEL_RISK_KAFKA_TOPIC_REPLICATION_FACTOR: '3'
  }
}

export const clusterNodeProperties = (n: NodeId, p: ClusterPorts, dataDir: string): string => [
  'process.roles=broker,controller',
  `node.id=${n}`,
  `controller.quorum.voters=${CLUSTER_NODES.map((v) => `${v}@127.0.0.1:${p.controller[v]}`).join(',')}`,
  `listeners=PLAINTEXT://127.0.0.1:${p.kafka[n]},CONTROLLER://127.0.0.1:${p.controller[n]}`,
  `advertised.listeners=PLAINTEXT://127.0.0.1:${p.kafka[n]}`,
  'controller.listener.names=CONTROLLER',
  'inter.broker.listener.name=PLAINTEXT',
  'listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT',
  `log.dirs=${dataDir}`,
  'num.partitions=1',
  'default.replication.factor=3',
  'min.insync.replicas=2',
  'offsets.topic.replication.factor=3',
  // One partition each, as in the single-node profile: created at the first group or
  // transaction, fifty replicated partitions would take seconds on two cores.
  'offsets.topic.num.partitions=1',
  'transaction.state.log.replication.factor=3',
  'transaction.state.log.min.isr=2',
  'transaction.state.log.num.partitions=1',
  'share.coordinator.state.topic.replication.factor=3',
  'share.coordinator.state.topic.min.isr=2',
  'unclean.leader.election.enable=false',
  // A node that dies without a controlled shutdown keeps leading its partitions and the group
  // and transaction coordinators until the controller fences it, when its broker session
  // expires: 6 s instead of 9 s (heartbeats every second instead of two), a third less of
  // every failover's wait; still beyond a loaded machine's pauses (README "Leader-kill suite").
  'broker.session.timeout.ms=6000',
  'broker.heartbeat.interval.ms=1000',
  'group.initial.rebalance.delay.ms=0',
  'log.segment.delete.delay.ms=0',
  'auto.create.topics.enable=false',
  ''
].join('\n')

const exec = promisify(execFile)

// Start-up on the two-core machine, nothing else running: see README "The Kafka cluster";
// under load (other JVMs, tests) a node took up to 150 s to see all three, hence 180 s.
// A cluster id of our own (16 random bytes, base64url: what `StorageTool random-uuid`
// prints) spares one JVM start; the three nodes are formatted with it in parallel.
const clusterId = (): string => {
  const file = join(clusterDirs.run, 'cluster.id')
  if (existsSync(file)) return readFileSync(file, 'utf8').trim()
  mkdirSync(clusterDirs.run, { recursive: true })
  const id = randomBytes(16).toString('base64url')
  writeFileSync(file, `${id}\n`)
  return id
}

const jvmArgs = (home: string): string[] => [
  // Three brokers share two cores and the machine's memory with the registry and Redis.
  '-Xms128m', '-Xmx384m', `-Dlog4j2.configurationFile=${join(home, 'log4j2.properties')}`,
  '-cp', join(kafkaLibs(clusterDirs), '*')
]

/** Writes node n's configuration, formats its storage when new, and says how to start it. */
export const prepareNode = async (n: NodeId, p: ClusterPorts): Promise<StartSpec> => {
  const home = join(clusterDirs.run, nodeName(n))
  const dataDir = join(home, 'data')
  mkdirSync(home, { recursive: true })
  const props = join(home, 'server.properties')
  writeFileSync(props, clusterNodeProperties(n, p, dataDir))
  writeFileSync(join(home, 'log4j2.properties'), kafkaLog4j)
  const java = javaFor(MIN_JAVA.kafka)
  if (!existsSync(join(dataDir, 'meta.properties'))) {
    // A static quorum (controller.quorum.voters): formatted without --standalone.
    const format = ['kafka.tools.StorageTool', 'format', '-t', clusterId(), '-c', props, '--ignore-formatted']
    await exec(java, [...jvmArgs(home), ...format])
      .catch((err: Error & { stdout?: string, stderr?: string }) => {
        throw new Error(`kafka storage format of node ${n} failed:\n${err.stdout ?? ''}${err.stderr ?? err.message}`)
      })
  }
  return {
    service: nodeName(n), command: java, args: [...jvmArgs(home), 'kafka.Kafka', props], port: p.kafka[n],
    logFile: nodeLogFile(n)
  }
}

// --- readiness -------------------------------------------------------------------------------

const quiet = createLogger({ level: 'silent' })

/** The broker ids the cluster reports as alive (unfenced), asked through the given brokers. */
export const liveBrokers = async (brokers: string): Promise<number[]> => {
  const { kafka } = loadConfig({ env: { KAFKA_BROKERS: brokers } })
  const admin = createKafka(kafka, quiet, { connectionTimeout: 1000, requestTimeout: 3000, retry: { retries: 0 } })
    .admin()
  try {
    await admin.connect()
    const cluster = await admin.describeCluster()
    return cluster.controller === null ? [] : cluster.brokers.map((b) => b.nodeId).sort()
  } finally {
    await admin.disconnect().catch(() => undefined)
  }
}

/** True when node n answers and the cluster it reports has all three brokers alive. */
export const nodeReady = async (n: NodeId, p: ClusterPorts = clusterPorts()): Promise<boolean> => {
  if (!(await portOpen(p.kafka[n]))) return false
  return (await liveBrokers(`127.0.0.1:${p.kafka[n]}`)).length === CLUSTER_NODES.length
}

// --- lifecycle ---------------------------------------------------------------------------------

/** Starts node n (formatted if new) and records its pid; does not wait. */
export const startNode = async (n: NodeId, p: ClusterPorts = clusterPorts()): Promise<number> =>
  startDetached(clusterDirs.run, await prepareNode(n, p)).pid

/** The pid of node n when it runs from this profile. */
export const nodePid = (n: NodeId): number | undefined => {
  const record = readPid(clusterDirs.run, nodeName(n))
  return record !== undefined && isAlive(record.pid) ? record.pid : undefined
}

export const waitNodeReady = async (n: NodeId, timeoutMs = 180_000): Promise<number> => {
  const pid = nodePid(n) ?? -1
  try {
    return await waitFor(nodeName(n), async () => await nodeReady(n), timeoutMs, () => !isAlive(pid))
  } catch (err) {
    throw new Error(`${(err as Error).message}; last log lines:\n${tail(nodeLogFile(n), 20)}`, { cause: err })
  }
}

export interface ClusterUpResult {
  readonly env: Record<string, string>
  /** Kafka nodes and default-profile services this call started. */
  readonly startedNodes: NodeId[]
  readonly startedServices: Service[]
  readonly timingsMs: Record<string, number>
}

const checkClusterPorts = async (nodes: readonly NodeId[], p: ClusterPorts): Promise<void> => {
  const taken: string[] = []
  for (const n of nodes) {
    const nodePorts = [
      [p.kafka[n], CLUSTER_PORT_SETTINGS.kafka], [p.controller[n], CLUSTER_PORT_SETTINGS.controller]
    ] as const
    for (const [port, setting] of nodePorts) {
      if (!(await portFree(port))) {
        taken.push(`  ${nodeName(n)}: 127.0.0.1:${port} is in use; ` +
          `set ${setting.env} to another first port (three consecutive ports are used)`)
      }
    }
  }
  if (taken.length > 0) {
    throw new ParcelRiskError('E_STACK_PORT_TAKEN',
      `cannot start the Kafka cluster, ports in use:\n${taken.join('\n')}`)
  }
}

/**
 * Starts the nodes that are not running (all three in parallel) and the default profile's
 * registry and Redis when they are down; waits until the cluster reports three live
 * brokers. All or nothing for the nodes: when one fails, the nodes this call started stop.
 */
export const upCluster = async (say: (line: string) => void = () => {}): Promise<ClusterUpResult> => {
  checkTools(['kafka', 'registry', 'redis'])
  if (findJava(MIN_JAVA.kafka) === undefined) {
    throw new ParcelRiskError('E_STACK_TOOL_MISSING', 'java 17+ is required for Kafka')
  }
  const p = clusterPorts()
  const t0 = Date.now()
  const timingsMs: Record<string, number> = {}
  // The registry and Redis (and the artifacts, on a first run) come from the default profile.
  const plain = up(['registry', 'redis'], say)
  plain.catch(() => undefined)
  const toStart = CLUSTER_NODES.filter((n) => nodePid(n) === undefined)
  await checkClusterPorts(toStart, p)
  const startedNodes: NodeId[] = []
  try {
    // Kafka's jars are resolved by the default profile's first `up` (above): wait for them
    // only when this machine never ran the stack.
    if (!existsSync(join(kafkaLibs(clusterDirs), '.complete'))) await plain
    const specs = await Promise.all(toStart.map(async (n) => await prepareNode(n, p)))
    for (const spec of specs) {
      const rec = startDetached(clusterDirs.run, spec)
      say(`${spec.service}: starting (pid ${rec.pid}, port ${spec.port}, log ${spec.logFile})`)
      startedNodes.push(Number(spec.service.slice(-1)) as NodeId)
    }
    const results = await Promise.allSettled(CLUSTER_NODES.map(async (n) => {
      await waitNodeReady(n)
      timingsMs[nodeName(n)] = Date.now() - t0
    }))
    const failed = results.flatMap((r, i) =>
      r.status === 'rejected' ? [`${nodeName(CLUSTER_NODES[i] as NodeId)}: ${(r.reason as Error).message}`] : [])
    if (failed.length > 0) throw new Error(failed.join('\n'))
    if (startedNodes.length > 0) say(`kafka cluster: three brokers ready in ${((Date.now() - t0) / 1000).toFixed(1)} s`)
  } catch (err) {
    if (startedNodes.length > 0) {
      say(`start-up failed; stopping the nodes this call started: ${startedNodes.map(nodeName).join(', ')}`)
      await downCluster(say, startedNodes)
        .catch((stopErr: unknown) => say(`could not stop everything: ${(stopErr as Error).message}`))
    }
    await plain.catch(() => undefined)
    throw err
  }
  const { started } = await plain
  return { env: clusterEnv(p), startedNodes, startedServices: started, timingsMs }
}

/** Stops the cluster's nodes (all three in parallel); the registry and Redis stay up. */
export const downCluster = async (
  say: (line: string) => void = () => {},
  nodes: readonly NodeId[] = CLUSTER_NODES
): Promise<void> => {
  await Promise.all(nodes.map(async (n) => {
    const record = readPid(clusterDirs.run, nodeName(n))
    if (record === undefined) return
    const how = await stopProcess(record.pid, 30_000)
    removePid(clusterDirs.run, nodeName(n))
    await waitFor(`${nodeName(n)} port ${record.port} to be freed`, async () => !(await portOpen(record.port)), 15_000)
    say(`${nodeName(n)}: ${how === 'gone' ? 'was not running' : how}`)
  }))
}

type NodeStatus = { node: NodeId, port: number, pid: number | undefined, ready: boolean }
export const statusCluster = async (): Promise<NodeStatus[]> => {
  const p = clusterPorts()
  return await Promise.all(CLUSTER_NODES.map(async (n) =>
    ({ node: n, port: p.kafka[n], pid: nodePid(n), ready: await nodeReady(n, p).catch(() => false) })))
}
