// The Redis connection of the enrichment stage. Options chosen for a store that must never
// hold a batch up:
//   commandTimeout       every command fails after timeoutMs instead of waiting for a reply
//   enableOfflineQueue   false: while disconnected a command fails at once instead of queueing
//   maxRetriesPerRequest 0: a failed command is reported, not resent; the next batch tries again
//   retryStrategy        reconnect forever, backing off to 1 s, so recovery needs no restart
//   maxLoadingRetryTime  200 ms: a Redis still loading its data after a restart is asked again
//                        every 200 ms, not after its own estimate of the load (ioredis waits
//                        loading_eta_seconds, up to 10 s): a load's estimate of a few seconds
//                        kept the processor degraded ~4 s after Redis was ready
// 'error' events are logged (ioredis emits one per failed reconnect), never left unhandled.
// The one Redis client factory: the processor's two connections, `profiles load`, the demo
// and the tests all connect from the redis configuration slice (URL, ACL credentials, TLS
// files), so a setting cannot be forgotten in one of them.
// Redis Cluster (`redis.clusterNodes` set): an ioredis Cluster with the same options, given to
// every node connection (commandTimeout, credentials, TLS) or to the cluster (no offline queue,
// a cluster retry strategy backing off to 1 s); a node that is lost is found again through
// the slot map (MOVED, a refresh), which is how a promoted replica takes over. Only the users
// that keep each pipeline's and script's keys on one node take a cluster (connectRedisClient);
// the others (connectRedis) refuse one with a configuration error rather than fail per command.
import { readFileSync } from 'node:fs'
import { Cluster, Redis } from 'ioredis'
import type { RedisConfig } from '../config.ts'
import { ParcelRiskError } from '../errors.ts'
import { tlsConnectionOptions } from '../tls.ts'
import type { Logger } from '../logger.ts'

/**
 * The error without ioredis's `command` field: a failed HELLO or AUTH carries the user name
 * and password among its arguments, and an error is logged with all its fields.
 */
export const withoutCommand = (err: Error): Error => {
  if (!('command' in err)) return err
  const copy = new Error(err.message)
  copy.name = err.name
  return copy
}

/** The part of the redis slice that says how to connect. */
export type RedisConnection = Pick<RedisConfig, 'url' | 'tls' | 'username' | 'password' | 'commandTimeoutMs'> &
  Partial<Pick<RedisConfig, 'clusterNodes'>>

/** One Redis server or a Redis Cluster, as connectRedisClient gives it. */
export type RedisClient = Redis | Cluster

/** Whether the client is a Redis Cluster (its pipelines must keep to one node). */
export const isCluster = (redis: RedisClient): redis is Cluster => redis instanceof Cluster

/** A seed node's host:port (config checked the form; an IPv6 host comes in brackets). */
export const seedNode = (entry: string): { host: string, port: number } => {
  const at = entry.lastIndexOf(':')
  return { host: entry.slice(0, at).replace(/^\[(.*)\]$/, '$1'), port: Number(entry.slice(at + 1)) }
}

/**
 * Connects to one Redis server with the slice's settings; refuses a cluster configuration (the
 * caller's pipelines and scripts are not kept to one node). `timeoutMs` defaults to
 * redis.commandTimeoutMs (the hot path's bound); writers and tools that may wait longer pass
 * their own.
 */
export const connectRedis = async (
  config: RedisConnection,
  log: Logger,
  timeoutMs: number = config.commandTimeoutMs,
  readFile: (path: string) => Buffer = readFileSync
): Promise<Redis> => {
  if ((config.clusterNodes ?? []).length > 0) {
    const message = 'this command does not support a Redis Cluster yet: unset redis.clusterNodes ' +
      '(PARCEL_RISK_REDIS_CLUSTER_NODES) and point redis.url at one server'
    throw new ParcelRiskError('E_CONFIG_INVALID', message, { path: 'redis.clusterNodes' })
  }
  return await connectRedisClient(config, log, timeoutMs, readFile) as Redis
}

/** How often a connection to a Redis still loading its data asks whether it is done. */
export const LOADING_RECHECK_MS = 200

/**
 * Connects with the slice's settings: a Redis Cluster when `clusterNodes` names seed nodes,
 * else the one server at `url`. For users whose pipelines and scripts keep to one node.
 */
export const connectRedisClient = async (
  config: RedisConnection,
  log: Logger,
  timeoutMs: number = config.commandTimeoutMs,
  readFile: (path: string) => Buffer = readFileSync
): Promise<RedisClient> => {
  const tls = tlsConnectionOptions(config.tls, readFile)
  const nodeOptions = {
    commandTimeout: timeoutMs,
    maxRetriesPerRequest: 0,
    maxLoadingRetryTime: LOADING_RECHECK_MS,
    connectTimeout: Math.max(1_000, timeoutMs * 10),
    ...(config.username === undefined ? {} : { username: config.username }),
    ...(config.password === undefined ? {} : { password: config.password }),
    ...(tls === false ? {} : { tls })
  }
  const backOff = (times: number): number => Math.min(50 * times, 1_000)
  const nodes = config.clusterNodes ?? []
  const redis: RedisClient = nodes.length > 0
    ? new Cluster(nodes.map(seedNode), {
      lazyConnect: true,
      enableOfflineQueue: false,
      clusterRetryStrategy: backOff,
      slotsRefreshTimeout: Math.max(1_000, timeoutMs * 10),
      redisOptions: nodeOptions
    })
    : new Redis(config.url, { ...nodeOptions, lazyConnect: true, enableOfflineQueue: false, retryStrategy: backOff })
  let reported = false
  let first: Error | undefined
  const onError = (err: Error): void => {
    first ??= withoutCommand(err)
    // One line per outage, not one per reconnect attempt.
    if (!reported) log.error({ err: withoutCommand(err) }, 'redis connection error')
    reported = true
  }
  redis.on('error', onError)
  // A cluster reports a lost node here, beside its own 'error' events.
  redis.on('node error', onError)
  redis.on('ready', () => {
    if (reported) log.info('redis connection restored')
    reported = false
  })
  try {
    await redis.connect()
  } catch (err) {
    // A first connection that fails is a configuration problem: stop retrying in the background.
    redis.disconnect()
    // ioredis rejects with "Connection is closed."; the reason (NOAUTH, WRONGPASS, a TLS
    // failure) came as an 'error' event before it.
    const failed = first === undefined
      ? err as Error
      : new Error(`${(err as Error).message} (${first.message})`, { cause: first })
    throw Object.assign(failed, { service: 'redis' })
  }
  if (isCluster(redis)) await refuseOldCluster(redis, log)
  return redis
}

/** The version a Redis Cluster needs: the scripts declare `allow-cross-slot-keys` (Redis 7.0). */
export const CLUSTER_MIN_VERSION = '7.0'

/**
 * The first primary whose INFO server section names a Redis older than 7.0, as a sentence;
 * undefined when all are 7.0 or later (or say no version).
 */
export const oldClusterNode = (infos: ReadonlyArray<{ node: string, info: string }>): string | undefined => {
  for (const { node, info } of infos) {
    const version = /^redis_version:(\d+)\.(\d+)\S*/m.exec(info)
    if (version !== null && Number(version[1]) < 7) {
      return `Redis Cluster node ${node} runs Redis ${version[0].slice('redis_version:'.length)}; ` +
        `parcel-risk needs Redis ${CLUSTER_MIN_VERSION} or later on a cluster (its scripts use allow-cross-slot-keys)`
    }
  }
  return undefined
}

/**
 * Refuses a cluster whose primaries run Redis < 7.0 at start-up (E_CONFIG_INVALID) rather than
 * failing every batch's script call. A node that does not answer INFO (an ACL without it) is
 * not checked: the first script call says it then.
 */
const refuseOldCluster = async (redis: Cluster, log: Logger): Promise<void> => {
  const infos = await Promise.all(redis.nodes('master').map(async (node) => ({
    node: `${node.options.host ?? '?'}:${node.options.port ?? '?'}`,
    info: await node.info('server').catch((err: unknown) => {
      log.warn({ err: withoutCommand(err as Error) },
        'Redis Cluster node did not answer INFO; its version is not checked')
      return ''
    })
  })))
  const problem = oldClusterNode(infos)
  if (problem === undefined) return
  redis.disconnect()
  throw new ParcelRiskError('E_CONFIG_INVALID', problem, { path: 'redis.clusterNodes' })
}
