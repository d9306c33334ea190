// The offence script (src/enrich/offences.ts) and the profile put that must keep its fields,
// on the real Redis: idempotent per outcome id, bounded by the 180-day window and 64 entries,
// and a replay of an entry pruned for room is not listed again.
import { randomUUID } from 'node:crypto'
import { Redis } from 'ioredis'
import { afterAll, describe, expect, inject, it } from 'vitest'
import { OFFENCE_LUA, OFFENCE_MAX, OFFENCE_WINDOW_MS, offencesSince } from '../../src/enrich/offences.ts'
import { createProfileWriter } from '../../src/enrich/redis-writer.ts'

const services = inject('services')
const redis = new Redis(services.redisUrl, { maxRetriesPerRequest: 1 })
const prefix = `it:offences:${randomUUID()}:`
const NOW = Date.UTC(2026, 10, 20, 12)
const DAY = 86_400_000

const offence = async (key: string, id: string, at: number, now = NOW): Promise<number> =>
  await redis.eval(OFFENCE_LUA, 1, key, id, at, now - OFFENCE_WINDOW_MS, OFFENCE_MAX) as number

const fields = async (key: string): Promise<Record<string, string>> => await redis.hgetall(key)

afterAll(async () => {
  const keys = await redis.keys(`${prefix}*`)
  if (keys.length > 0) await redis.del(...keys)
  redis.disconnect()
})

describe('offences > on redis', () => {
  it('lists an outcome once, oldest first, and keeps the latest as lastOffenceAt', async () => {
    const key = `${prefix}seller:A`
    expect(await offence(key, 'o2', NOW - DAY)).toBe(1)
    expect(await offence(key, 'o1', NOW - 2 * DAY)).toBe(1)
    expect(await offence(key, 'o2', NOW - DAY)).toBe(0)
    expect(await fields(key)).toEqual({
      offences: `${NOW - 2 * DAY},${NOW - DAY}`, offenceIds: 'o1,o2', lastOffenceAt: String(NOW - DAY)
    })
  })

  it('does not list an offence older than the window, prunes the ones that left it, keeps lastOffenceAt', async () => {
    const key = `${prefix}consignee:B`
    expect(await offence(key, 'old', NOW - 181 * DAY)).toBe(0)
    expect(await fields(key)).toEqual({ lastOffenceAt: String(NOW - 181 * DAY) })
    expect(await offence(key, 'o1', NOW - 100 * DAY)).toBe(1)
    // 100 days later the first one has left the window: pruned with the next write.
    expect(await offence(key, 'o2', NOW, NOW + 100 * DAY)).toBe(1)
    expect(await fields(key)).toEqual({ offences: String(NOW), offenceIds: 'o2', lastOffenceAt: String(NOW) })
    expect(offencesSince((await fields(key)).offences, NOW + 100 * DAY - OFFENCE_WINDOW_MS)).toBe(1)
  })

  it('keeps the newest 64; replaying every outcome lists nothing again', async () => {
    const key = `${prefix}seller:C`
    const n = OFFENCE_MAX + 6
    for (let i = 0; i < n; i++) expect(await offence(key, `o${i}`, NOW - (n - i) * 60_000)).toBe(1)
    const kept = await fields(key)
    expect(kept.offences?.split(',')).toHaveLength(OFFENCE_MAX)
    expect(kept.offenceIds?.split(',')[0]).toBe('o6')
    for (let i = 0; i < n; i++) expect(await offence(key, `o${i}`, NOW - (n - i) * 60_000)).toBe(0)
    expect(await fields(key)).toEqual(kept)
  })

  it('a profile update replaces the profile fields and keeps the offences', async () => {
    const key = `${prefix}seller:D`
    await offence(key, 'o1', NOW - DAY)
    const before = await fields(key)
    const writer = createProfileWriter(redis, prefix)
    expect(await writer.write([{ kind: 'put', key, updatedAt: NOW, fields: { updatedAt: String(NOW), flags: 'x' } }]))
      .toEqual({ applied: 1, stale: 0, deleted: 0 })
    expect(await fields(key)).toEqual({ updatedAt: String(NOW), flags: 'x', ...before })
  })
})
