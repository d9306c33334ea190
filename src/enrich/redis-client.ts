// The Redis connection of the enrichment stage. Options chosen for a store that must never
// hold a batch up:
//   commandTimeout       every command fails after timeoutMs instead of waiting for a reply
//   enableOfflineQueue   false: while disconnected a command fails at once instead of queueing
//   maxRetriesPerRequest 0: a failed command is reported, not resent; the next batch tries again
//   retryStrategy        reconnect forever, backing off to 1 s, so recovery needs no restart
// 'error' events are logged (ioredis emits one per failed reconnect), never left unhandled.
// The one Redis client factory: the processor's two connections, `profiles load`, the demo
// and the tests all connect from the redis configuration slice (URL, ACL credentials, TLS
// files), so a setting cannot be forgotten in one of them.
import { readFileSync } from 'node:fs'
import { Redis } from 'ioredis'
import type { RedisConfig } from '../config.ts'
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
export type RedisConnection = Pick<RedisConfig, 'url' | 'tls' | 'username' | 'password' | 'commandTimeoutMs'>

/**
 * Connects with the slice's settings. `timeoutMs` defaults to redis.commandTimeoutMs (the hot
 * path's bound); writers and tools that may wait longer pass their own.
 */
export const connectRedis = async (
  config: RedisConnection,
  log: Logger,
  timeoutMs: number = config.commandTimeoutMs,
  readFile: (path: string) => Buffer = readFileSync
): Promise<Redis> => {
  const tls = tlsConnectionOptions(config.tls, readFile)
  const redis = new Redis(config.url, {
    lazyConnect: true,
    commandTimeout: timeoutMs,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    connectTimeout: Math.max(1_000, timeoutMs * 10),
    retryStrategy: (times) => Math.min(50 * times, 1_000),
    ...(config.username === undefined ? {} : { username: config.username }),
    ...(config.password === undefined ? {} : { password: config.password }),
    ...(tls === false ? {} : { tls })
  })
  let reported = false
  let first: Error | undefined
  redis.on('error', (err: Error) => {
    first ??= withoutCommand(err)
    // One line per outage, not one per reconnect attempt.
    if (!reported) log.error({ err: withoutCommand(err) }, 'redis connection error')
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
    // ioredis rejects with "Connection is closed."; the reason (NOAUTH, WRONGPASS, a TLS
    // failure) came as an 'error' event before it.
    const failed = first === undefined
      ? err as Error
      : new Error(`${(err as Error).message} (${first.message})`, { cause: first })
    throw Object.assign(failed, { service: 'redis' })
  }
  return redis
}
