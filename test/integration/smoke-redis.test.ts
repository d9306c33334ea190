import { randomUUID } from 'node:crypto'
import { afterAll, describe, expect, inject, it } from 'vitest'
import { Redis } from 'ioredis'

const services = inject('services')
const redis = new Redis(services.redisUrl, { lazyConnect: true, maxRetriesPerRequest: 1 })
const prefix = `smoke:${randomUUID()}`

describe('stack > redis', () => {
  afterAll(async () => {
    const keys = await redis.keys(`${prefix}:*`)
    if (keys.length > 0) await redis.del(...keys)
    redis.disconnect()
  })

  it('answers PING, SET and GET', async () => {
    await redis.connect()
    expect(await redis.ping()).toBe('PONG')
    expect(await redis.set(`${prefix}:k`, 'v', 'EX', 60)).toBe('OK')
    expect(await redis.get(`${prefix}:k`)).toBe('v')
  })

  it('runs a Lua script atomically (increment once per id)', async () => {
    // The shape of the windowed counters: add a parcel's value once, keyed by its id.
    const script = `
      if redis.call('SADD', KEYS[1], ARGV[1]) == 1 then
        return redis.call('INCRBY', KEYS[2], ARGV[2])
      end
      return tonumber(redis.call('GET', KEYS[2]))`
    const keys = [`${prefix}:seen`, `${prefix}:sum`]
    expect(await redis.eval(script, 2, ...keys, 'D-1', 1890)).toBe(1890)
    expect(await redis.eval(script, 2, ...keys, 'D-2', 110)).toBe(2000)
    expect(await redis.eval(script, 2, ...keys, 'D-1', 1890)).toBe(2000)
  })
})
