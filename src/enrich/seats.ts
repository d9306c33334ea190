// Inspection capacity, the shared half: seat counters in Redis, one script call per batch that
// has candidates (src/decide/capacity.ts makes the request and applies the grant).
//
//   {p}seats:{LOCATION}:{LANE}:{windowStartMs}         HASH  holder (declarationId#version) → place
//   {p}seats:{LOCATION}:{LANE}:{windowStartMs}:forced  HASH  the same, for forced holders only
//
// A counter is a hash of the holders of its seats: HLEN is the seats taken, a holder's value is
// its place (1 for the window's first seat), and a holder that is already in it (a batch
// replayed after a crash, or sent twice) gets its seat and place back instead of a second one.
// The second hash counts the seats forced holders took, so the others can be held to
// perWindow − reserve: an indicator-driven candidate takes a seat only while the lane has fewer
// than perWindow seats taken and fewer than perWindow − reserve of them are not forced; a forced
// candidate always takes one, beyond perWindow if need be (an overbooked place). The lane stays
// within capacity as long as forced holds fit the reserve.
//
// The location is the keys' hash tag, so every counter one script touches lies in one Redis
// Cluster slot; the keys are declared (KEYS), never built in Lua. Each counter written lives
// three windows from its last seat (PEXPIRE), long enough for any replay of its window. The
// script runs the candidates in the order given (forced first, then by score descending), so
// the whole batch is served atomically: two instances cannot both take the last seat.
// src/enrich/memory-seats.ts is the same rule in memory, for the offline backtest.
//
// Failure: an error, a timeout or an open breaker gives no grant (null) and the caller keeps
// every hold where it is. A call that timed out may still have run; its seats are then taken
// and a replay finds them.
import type { SeatCounter, SeatGrant, SeatRequest } from '../actions.ts'
import type { RedisConfig } from '../config.ts'
import type { Logger } from '../logger.ts'
import { createBreaker, type BreakerState } from './breaker.ts'
import type { RedisClient } from './redis-client.ts'
import { roundTripBudgetMs } from './round-trip.ts'

/*
 * KEYS  the counters, one per lane and window; then, in the same order, their forced hashes
 * ARGV  per counter: capacity, reserve, ttlMs; then per candidate: holder, forced (1|0), n, n counter indices (1-based)
 * →     per candidate the 1-based index of the counter that seated it (0: none) and its place (0: none),
 *       then per counter HLEN and the forced hash's HLEN
 */
export const SEATS_LUA = `
local nk = #KEYS / 2
local cap, open, ttl, touched = {}, {}, {}, {}
for i = 1, nk do
  cap[i] = tonumber(ARGV[3 * i - 2])
  open[i] = cap[i] - tonumber(ARGV[3 * i - 1])
  ttl[i] = tonumber(ARGV[3 * i])
end
local out = {}
local p = 3 * nk + 1
while p <= #ARGV do
  local holder, forced, n = ARGV[p], ARGV[p + 1] == '1', tonumber(ARGV[p + 2])
  p = p + 3
  local got, place = 0, 0
  for j = 0, n - 1 do
    local k = tonumber(ARGV[p + j])
    local had = redis.call('HGET', KEYS[k], holder)
    if had then got = k place = tonumber(had) break end
  end
  if got == 0 then
    for j = 0, n - 1 do
      local k = tonumber(ARGV[p + j])
      local taken = redis.call('HLEN', KEYS[k])
      if forced or (taken < cap[k] and taken - redis.call('HLEN', KEYS[nk + k]) < open[k]) then
        place = taken + 1
        redis.call('HSET', KEYS[k], holder, place)
        if forced then redis.call('HSET', KEYS[nk + k], holder, place) end
        touched[k] = true
        got = k
        break
      end
    end
  end
  out[#out + 1] = got
  out[#out + 1] = place
  p = p + n
end
for k in pairs(touched) do
  redis.call('PEXPIRE', KEYS[k], ttl[k])
  redis.call('PEXPIRE', KEYS[nk + k], ttl[k])
end
for i = 1, nk do
  out[#out + 1] = redis.call('HLEN', KEYS[i])
  out[#out + 1] = redis.call('HLEN', KEYS[nk + i])
end
return out
`

/** How long a counter lives after its last seat, in windows. */
export const WINDOWS_KEPT = 3

export const seatKey = (prefix: string, location: string, lane: string, windowStartMs: number): string =>
  `${prefix}seats:{${location}}:${lane}:${windowStartMs}`

/** The hash of the forced holders of a counter (the seats they took, the reserve first). */
export const forcedSeatKey = (prefix: string, location: string, lane: string, windowStartMs: number): string =>
  `${seatKey(prefix, location, lane, windowStartMs)}:forced`

export type SeatStoreConfig = Pick<RedisConfig,
  'keyPrefix' | 'commandTimeoutMs' | 'commandTimeoutPerRecordUs' | 'breakerFailureThreshold' | 'breakerCooldownMs'>

export interface SeatStore {
  /** Seats for the request, or null when the counters could not be reached. */
  readonly reserve: (request: SeatRequest) => Promise<SeatGrant | null>
  readonly breakerState: () => BreakerState
}

type SeatsClient = RedisClient & { prSeats: (...args: Array<string | number>) => Promise<number[]> }

/** The script's arguments for a request: [numKeys, ...keys, ...argv]. */
export const seatArgs = (prefix: string, request: SeatRequest): Array<string | number> => {
  const keys = request.counters.map((c) => seatKey(prefix, request.location, c.lane, c.windowStartMs))
  const forced = request.counters.map((c) => forcedSeatKey(prefix, request.location, c.lane, c.windowStartMs))
  const argv: Array<string | number> = []
  for (const c of request.counters) argv.push(c.perWindow, c.reserve, WINDOWS_KEPT * c.windowMs)
  for (const c of request.candidates) {
    argv.push(c.holder, c.forced ? 1 : 0, c.counters.length, ...c.counters.map((i) => i + 1))
  }
  return [keys.length + forced.length, ...keys, ...forced, ...argv]
}

/** The script's reply as a grant (indices back to 0-based, -1 for no seat). */
export const grantOf = (request: SeatRequest, reply: readonly number[]): SeatGrant => {
  const n = request.candidates.length
  const counters = request.counters.length
  if (reply.length !== 2 * (n + counters)) {
    throw new Error(`seat script answered ${reply.length} values for ${n} candidates and ${counters} counters`)
  }
  const pick = (from: number, count: number, offset: number): number[] =>
    Array.from({ length: count }, (_v, i) => Number(reply[from + 2 * i + offset]))
  return {
    seats: pick(0, n, 0).map((k) => k - 1),
    places: pick(0, n, 1),
    taken: pick(2 * n, counters, 0),
    forcedTaken: pick(2 * n, counters, 1)
  }
}

/** Per lane of the request, the places beyond capacity it was given: forced holds overbooking it. */
export const overbookedOf = (
  request: SeatRequest, grant: SeatGrant
): Array<{ counter: number, overbooked: number }> => {
  const over = new Map<number, number>()
  grant.places.forEach((place, k) => {
    const counter = grant.seats[k] ?? -1
    const c = request.counters[counter]
    if (c !== undefined && place > c.perWindow) over.set(counter, (over.get(counter) ?? 0) + 1)
  })
  return [...over].map(([counter, overbooked]) => ({ counter, overbooked }))
}

export interface SeatStoreDeps { readonly log: Logger, readonly now?: () => number }

export const createSeatStore = (redis: RedisClient, config: SeatStoreConfig, deps: SeatStoreDeps): SeatStore => {
  const breaker = createBreaker({
    failureThreshold: config.breakerFailureThreshold, coolDownMs: config.breakerCooldownMs, now: deps.now
  })
  redis.on('ready', () => {
    breaker.probeNow()
  })
  redis.defineCommand('prSeats', { lua: SEATS_LUA })
  const client = redis as SeatsClient

  const call = async (request: SeatRequest): Promise<SeatGrant> => {
    // The budget of an enrichment round trip carrying as many records, so a busy Redis
    // degrades both alike.
    const budgetMs = roundTripBudgetMs(config, request.candidates.length)
    let timer: NodeJS.Timeout | undefined
    const sent = client.prSeats(...seatArgs(config.keyPrefix, request))
    sent.catch(() => {})
    const timeout = new Promise<never>((_resolve, reject) => {
      const late = (): void => {
        reject(new Error(`redis did not answer the seat script within ${budgetMs} ms`))
      }
      // As for enrichment: a reply that arrived while the loop was busy is taken, not counted as late.
      timer = setTimeout(() => {
        setImmediate(late)
      }, budgetMs)
    })
    try {
      return grantOf(request, await Promise.race([sent, timeout]))
    } finally {
      clearTimeout(timer)
    }
  }

  return {
    reserve: async (request) => {
      if (!breaker.allow()) return null
      try {
        const grant = await call(request)
        breaker.success()
        for (const { counter, overbooked } of overbookedOf(request, grant)) {
          const c = request.counters[counter] as SeatCounter
          deps.log.warn({
            location: request.location, lane: c.lane, windowStartMs: c.windowStartMs, capacity: c.perWindow,
            reserve: c.reserve, taken: grant.taken[counter], forcedTaken: grant.forcedTaken[counter], overbooked
          }, 'lane overbooked by holds that are never moved')
        }
        return grant
      } catch (err) {
        breaker.failure()
        const state = breaker.state()
        const location = request.location
        deps.log.error({ err, breaker: state, location }, 'seat counters unavailable; holds kept without a seat')
        return null
      }
    },
    breakerState: () => breaker.state()
  }
}
