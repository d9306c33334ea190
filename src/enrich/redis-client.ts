// The Redis connection of the enrichment stage. Options chosen for a store that must never
// hold a batch up:
//   commandTimeout       every command fails after timeoutMs instead of waiting for a reply
//   enableOfflineQueue   false: while disconnected a command fails at once instead of queueing
//   maxRetriesPerRequest 0: a failed command is reported, not resent; the next batch tries again
//   retryStrategy        reconnect forever, backing off to 1 s, so recovery needs no restart
// 'error' events are logged (ioredis emits one per failed reconnect), never left unhandled.
import type { ConnectionOptions } from 'node:tls'
import { Redis } from 'ioredis'
import type { Logger } from '../logger.ts'

export interface RedisClientConfig {
  readonly url: string
  readonly timeoutMs: number
  /** ACL credentials; from the environment only. */
  readonly username?: string
  readonly password?: string
  /** TLS options (CA, client certificate); a rediss:// URL turns TLS on by itself. */
  readonly tls?: ConnectionOptions
}

export const connectRedis = async (config: RedisClientConfig, log: Logger): Promise<Redis> => {
  const redis = new Redis(config.url, {
    lazyConnect: true,
    commandTimeout: config.timeoutMs,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    connectTimeout: Math.max(1_000, config.timeoutMs * 10),
    retryStrategy: (times) => Math.min(50 * times, 1_000),
    ...(config.username === undefined ? {} : { username: config.username }),
    ...(config.password === undefined ? {} : { password: config.password }),
    ...(config.tls === undefined ? {} : { tls: config.tls })
  })
  let reported = false
  redis.on('error', (err: Error) => {
    // One line per outage, not one per reconnect attempt.
    if (!reported) log.error({ err }, 'redis connection error')
    reported = true
  })
  redis.on('ready', () => {
    if (reported) log.info('redis connection restored')
    reported = false
  })
  try {
    await redis.connect()
  } catch (err) {
    // A first connection that fails is a configuration problem: stop retrying in the background.
    redis.disconnect()
    throw err
  }
  return redis
}
