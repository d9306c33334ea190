import type { Redis } from 'ioredis'
import { describe, expect, it } from 'vitest'
import type { SeatRequest } from '../actions.ts'
import { createLogger } from '../logger.ts'
import { createSeatStore, forcedSeatKey, grantOf, overbookedOf, seatArgs, seatKey } from './seats.ts'

const HOUR = 3_600_000
const REQUEST: SeatRequest = {
  location: 'LGG',
  counters: [
    { lane: 'PHYSICAL_EXAM', perWindow: 20, reserve: 5, windowMs: HOUR, windowStartMs: 0 },
    { lane: 'SCREEN_NII', perWindow: 100, reserve: 0, windowMs: HOUR, windowStartMs: 0 }
  ],
  candidates: [
    { decision: 3, holder: 'g#1', forced: true, counters: [0], fallback: 'PHYSICAL_EXAM' },
    { decision: 0, holder: 'a#2', forced: false, counters: [0, 1], fallback: 'RELEASE_POST_AUDIT' }
  ]
}

/** A Redis client whose seat script fails the way a dead connection does, counting its calls. */
const deadRedis = (): { redis: Redis, calls: () => number } => {
  let calls = 0
  const fake = {
    on: () => fake,
    defineCommand: () => {},
    prSeats: async () => {
      calls++
      throw new Error('Connection is closed.')
    }
  }
  return { redis: fake as unknown as Redis, calls: () => calls }
}

const silent = createLogger({ level: 'silent' })
const CONFIG = {
  keyPrefix: 'pr:', commandTimeoutMs: 100, commandTimeoutPerRecordUs: 10,
  breakerFailureThreshold: 2, breakerCooldownMs: 60_000
}

describe('enrich > seats', () => {
  it('keys every counter of a location under one hash tag (one Redis Cluster slot)', () => {
    expect(seatKey('pr:', 'LGG', 'PHYSICAL_EXAM', 1_000)).toBe('pr:seats:{LGG}:PHYSICAL_EXAM:1000')
    expect(forcedSeatKey('pr:', 'LGG', 'PHYSICAL_EXAM', 1_000)).toBe('pr:seats:{LGG}:PHYSICAL_EXAM:1000:forced')
  })

  it('passes the counters as KEYS and the candidates in order, 1-based', () => {
    expect(seatArgs('pr:', REQUEST)).toEqual([
      4, 'pr:seats:{LGG}:PHYSICAL_EXAM:0', 'pr:seats:{LGG}:SCREEN_NII:0',
      'pr:seats:{LGG}:PHYSICAL_EXAM:0:forced', 'pr:seats:{LGG}:SCREEN_NII:0:forced',
      20, 5, 3 * HOUR, 100, 0, 3 * HOUR,
      'g#1', 1, 1, 1,
      'a#2', 0, 2, 1, 2
    ])
  })

  it('reads the reply back 0-based (-1: no seat), and refuses a reply of the wrong length', () => {
    expect(grantOf(REQUEST, [1, 21, 0, 0, 21, 6, 7, 0]))
      .toEqual({ seats: [0, -1], places: [21, 0], taken: [21, 7], forcedTaken: [6, 0] })
    expect(() => grantOf(REQUEST, [1, 0, 21, 7])).toThrow(/answered 4 values/)
  })

  it('finds the seats given beyond capacity, per counter', () => {
    const grant = grantOf(REQUEST, [1, 21, 0, 0, 21, 6, 7, 0])
    expect(overbookedOf(REQUEST, grant)).toEqual([{ counter: 0, overbooked: 1 }])
    expect(overbookedOf(REQUEST, { ...grant, places: [20, 0] })).toEqual([])
  })

  it('answers null (holds kept) when Redis fails, and stops asking once the breaker opens', async () => {
    const { redis, calls } = deadRedis()
    const store = createSeatStore(redis, CONFIG, { log: silent })
    expect(await store.reserve(REQUEST)).toBeNull()
    expect(await store.reserve(REQUEST)).toBeNull()
    expect(store.breakerState()).toBe('open')
    expect(await store.reserve(REQUEST)).toBeNull()
    expect(calls()).toBe(2)
  })

  it('answers null when Redis does not answer within the budget', async () => {
    const fake = { on: () => fake, defineCommand: () => {}, prSeats: async () => await new Promise(() => {}) }
    const store = createSeatStore(fake as unknown as Redis, { ...CONFIG, commandTimeoutMs: 20 }, { log: silent })
    expect(await store.reserve(REQUEST)).toBeNull()
  })
})
