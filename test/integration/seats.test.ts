// The seat script against the real Redis: atomic across clients, idempotent on replay, keys
// that expire, and one hash slot per location.
import { randomUUID } from 'node:crypto'
import { Redis } from 'ioredis'
import { afterAll, describe, expect, inject, it } from 'vitest'
import type { SeatRequest } from '../../src/actions.ts'
import { createLogger } from '../../src/logger.ts'
import { createMemorySeats } from '../../src/enrich/memory-seats.ts'
import { createSeatStore, forcedSeatKey, seatKey, WINDOWS_KEPT } from '../../src/enrich/seats.ts'

const services = inject('services')
const prefix = `it:seats:${randomUUID().slice(0, 8)}:`
const clients: Redis[] = []
const log = createLogger({ level: 'silent' })
const HOUR = 3_600_000
const BELOW = 'RELEASE_POST_AUDIT' as const
const WINDOW = Math.floor(Date.now() / HOUR) * HOUR

const store = () => {
  const redis = new Redis(services.redisUrl, { maxRetriesPerRequest: 1 })
  clients.push(redis)
  const config = {
    keyPrefix: prefix, commandTimeoutMs: 5_000, commandTimeoutPerRecordUs: 100,
    breakerFailureThreshold: 5, breakerCooldownMs: 1_000
  }
  return { redis, seats: createSeatStore(redis, config, { log }) }
}

/** `count` indicator-driven exam candidates named `${name}-i`, each trying exam then NII. */
const request = (location: string, name: string, count: number, forced = 0, reserve = 0): SeatRequest => ({
  location,
  counters: [
    { lane: 'PHYSICAL_EXAM', perWindow: 20, reserve, windowMs: HOUR, windowStartMs: WINDOW },
    { lane: 'SCREEN_NII', perWindow: 30, reserve: 0, windowMs: HOUR, windowStartMs: WINDOW }
  ],
  candidates: [
    ...Array.from({ length: forced }, (_v, i) =>
      ({ decision: i, holder: `${name}-g${i}#1`, forced: true, counters: [0], fallback: 'PHYSICAL_EXAM' as const })),
    ...Array.from({ length: count }, (_v, i) =>
      ({ decision: forced + i, holder: `${name}-${i}#1`, forced: false, counters: [0, 1], fallback: BELOW }))
  ]
})

afterAll(async () => {
  const [first] = clients
  if (first !== undefined) {
    const keys = await first.keys(`${prefix}*`)
    if (keys.length > 0) await first.del(...keys)
  }
  for (const c of clients) c.disconnect()
})

describe('enrich > seats (real Redis)', () => {
  it('never gives more seats than the capacity to batches racing from two clients', async () => {
    const [a, b] = [store(), store()]
    const batches = Array.from({ length: 10 }, (_v, i) => request('RACE', `b${i}`, 10))
    const grants = await Promise.all(batches.map(async (r, i) => await (i % 2 === 0 ? a : b).seats.reserve(r)))
    const seats = grants.flatMap((g) => g?.seats ?? [])
    expect(seats.filter((s) => s === 0)).toHaveLength(20)
    expect(seats.filter((s) => s === 1)).toHaveLength(30)
    expect(seats.filter((s) => s === -1)).toHaveLength(50)
    expect(await a.redis.hlen(seatKey(prefix, 'RACE', 'PHYSICAL_EXAM', WINDOW))).toBe(20)
    expect(grants.at(-1)?.taken).toEqual([20, 30])
  })

  it('seats forced candidates over capacity, and serves a batch in the order given', async () => {
    const { seats } = store()
    const grant = await seats.reserve(request('FORCED', 'f', 25, 3))
    expect(grant?.seats.slice(0, 3)).toEqual([0, 0, 0])
    expect(grant?.seats.slice(3, 20)).toEqual(Array(17).fill(0))
    expect(grant?.seats.slice(20)).toEqual(Array(8).fill(1))
    const over = await seats.reserve(request('FORCED', 'late', 0, 2))
    expect(over?.taken[0]).toBe(22)
  })

  it('keeps the reserve for forced candidates, across racing clients, and overbooks only beyond it', async () => {
    const [a, b] = [store(), store()]
    const batches = Array.from({ length: 6 }, (_v, i) => request('RESERVE', `r${i}`, 5, 0, 5))
    const grants = await Promise.all(batches.map(async (r, i) => await (i % 2 === 0 ? a : b).seats.reserve(r)))
    expect(grants.flatMap((g) => g?.seats ?? []).filter((s) => s === 0)).toHaveLength(15)
    const forced = await a.seats.reserve(request('RESERVE', 'g', 0, 5, 5))
    expect(forced?.seats).toEqual([0, 0, 0, 0, 0])
    expect(forced?.places).toEqual([16, 17, 18, 19, 20])
    expect(forced?.taken[0]).toBe(20)
    const late = await b.seats.reserve(request('RESERVE', 'late', 1, 1, 5))
    expect(late?.seats).toEqual([0, 1])
    expect(late?.places[0]).toBe(21)
    expect(late?.forcedTaken[0]).toBe(6)
    expect(await a.redis.hlen(forcedSeatKey(prefix, 'RESERVE', 'PHYSICAL_EXAM', WINDOW))).toBe(6)
    // A replay finds its place again, beyond capacity as before.
    expect((await a.seats.reserve(request('RESERVE', 'late', 1, 1, 5)))?.places[0]).toBe(21)
  })

  it('serves the same grants as the in-memory counters of the offline backtest', async () => {
    const { seats } = store()
    const memory = createMemorySeats()
    let state = 7
    const next = (n: number): number => {
      state = (state * 1_103_515_245 + 12_345) % 2_147_483_648
      return state % n
    }
    for (let i = 0; i < 40; i++) {
      // Holders from a small pool, so some are replays; reserve fixed per lane as a ruleset has it.
      const r = request('SAME', `s${next(60)}`, next(4), next(3), 6)
      const candidates = r.candidates.map((c, k) => ({ ...c, holder: `h${next(120)}-${k}#1` }))
      const asked = { ...r, candidates }
      expect(await seats.reserve(asked), `request ${i}`).toEqual(memory(asked))
    }
  })

  it('gives a replayed batch the seats it had, taking none more', async () => {
    const { redis, seats } = store()
    const first = await seats.reserve(request('REPLAY', 'r', 60))
    await seats.reserve(request('REPLAY', 'other', 5))
    const again = await seats.reserve(request('REPLAY', 'r', 60))
    expect(again?.seats).toEqual(first?.seats)
    expect(again?.taken).toEqual([20, 30])
    expect(await redis.hlen(seatKey(prefix, 'REPLAY', 'SCREEN_NII', WINDOW))).toBe(30)
  })

  it('lets a counter expire a few windows after its last seat, and keys a location into one slot', async () => {
    const { redis, seats } = store()
    await seats.reserve(request('TTL', 't', 1))
    const ttl = await redis.pttl(seatKey(prefix, 'TTL', 'PHYSICAL_EXAM', WINDOW))
    expect(ttl).toBeGreaterThan((WINDOWS_KEPT - 0.1) * HOUR)
    expect(ttl).toBeLessThanOrEqual(WINDOWS_KEPT * HOUR)
    // Redis Cluster hashes only the first {…} of a key: every lane and window of a location shares it.
    const tagOf = (key: string): string => {
      const open = key.indexOf('{')
      return key.slice(open + 1, key.indexOf('}', open + 1))
    }
    const keys = ['PHYSICAL_EXAM', 'SCREEN_NII'].flatMap((lane) =>
      [seatKey(prefix, 'TTL', lane, WINDOW), seatKey(prefix, 'TTL', lane, WINDOW + HOUR)])
    expect(new Set(keys.map(tagOf))).toEqual(new Set(['TTL']))
  })
})
