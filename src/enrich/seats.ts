// Inspection capacity, the shared half: seat counters in Redis, one script call per batch that
// has candidates (src/decide/capacity.ts makes the request and applies the grant).
//
//   {p}seats:{LOCATION}:{LANE}:{windowStartMs}   HASH  holder (declarationId#version) → 1
//
// A counter is a hash of the holders of its seats: HLEN is the seats taken, and a holder
// that is already in it (a batch replayed after a crash, or sent twice) gets its seat back
// instead of a second one. The location is the key's hash tag, so every counter one script
// touches lies in one Redis Cluster slot; the keys are declared (KEYS), never built in Lua.
// Each counter written lives three windows from its last seat (PEXPIRE), long enough for any
// replay of its window. The script runs the candidates in the order given (forced first,
// then by score descending), so the whole batch is served atomically: two instances cannot
// both take the last seat.
//
// Failure: an error, a timeout or an open breaker gives no grant (null) and the caller keeps
// every hold where it is. A call that timed out may still have run; its seats are then taken
// and a replay finds them.
import type { Redis } from 'ioredis'
import type { SeatGrant, SeatRequest } from '../actions.ts'
import type { RedisConfig } from '../config.ts'
import type { Logger } from '../logger.ts'
import { createBreaker, type BreakerState } from './breaker.ts'
import { roundTripBudgetMs } from './redis-store.ts'

/*
 * KEYS  the counters, one per lane and window
 * ARGV  per counter: capacity, ttlMs; then per candidate: holder, forced (1|0), n, n counter indices (1-based)
 * →     per candidate the 1-based index of the counter that seated it (0: none), then per counter HLEN
 */
export const SEATS_LUA = `
local nk = #KEYS
local cap, ttl, touched = {}, {}, {}
for i = 1, nk do
  cap[i] = tonumber(ARGV[2 * i - 1])
  ttl[i] = tonumber(ARGV[2 * i])
end
local out = {}
local p = 2 * nk + 1
while p <= #ARGV do
  local holder, forced, n = ARGV[p], ARGV[p + 1] == '1', tonumber(ARGV[p + 2])
  p = p + 3
  local got = 0
  for j = 0, n - 1 do
    local k = tonumber(ARGV[p + j])
    if redis.call('HEXISTS', KEYS[k], holder) == 1 then got = k break end
  end
  if got == 0 then
    for j = 0, n - 1 do
      local k = tonumber(ARGV[p + j])
      if forced or redis.call('HLEN', KEYS[k]) < cap[k] then
        redis.call('HSET', KEYS[k], holder, 1)
        touched[k] = true
        got = k
        break
      end
    end
  end
  out[#out + 1] = got
  p = p + n
end
for k in pairs(touched) do redis.call('PEXPIRE', KEYS[k], ttl[k]) end
for i = 1, nk do out[#out + 1] = redis.call('HLEN', KEYS[i]) end
return out
`

/** How long a counter lives after its last seat, in windows. */
export const WINDOWS_KEPT = 3

export const seatKey = (prefix: string, location: string, lane: string, windowStartMs: number): string =>
  `${prefix}seats:{${location}}:${lane}:${windowStartMs}`

export type SeatStoreConfig = Pick<RedisConfig,
  'keyPrefix' | 'commandTimeoutMs' | 'commandTimeoutPerRecordUs' | 'breakerFailureThreshold' | 'breakerCooldownMs'>

export interface SeatStore {
  /** Seats for the request, or null when the counters could not be reached. */
  readonly reserve: (request: SeatRequest) => Promise<SeatGrant | null>
  readonly breakerState: () => BreakerState
}

type SeatsClient = Redis & { prSeats: (...args: Array<string | number>) => Promise<number[]> }

/** The script's arguments for a request: [numKeys, ...keys, ...argv]. */
export const seatArgs = (prefix: string, request: SeatRequest): Array<string | number> => {
  const keys = request.counters.map((c) => seatKey(prefix, request.location, c.lane, c.windowStartMs))
  const argv: Array<string | number> = []
  for (const c of request.counters) argv.push(c.perWindow, WINDOWS_KEPT * c.windowMs)
  for (const c of request.candidates) {
    argv.push(c.holder, c.forced ? 1 : 0, c.counters.length, ...c.counters.map((i) => i + 1))
  }
  return [keys.length, ...keys, ...argv]
}

/** The script's reply as a grant (indices back to 0-based, -1 for no seat). */
export const grantOf = (request: SeatRequest, reply: readonly number[]): SeatGrant => {
  const n = request.candidates.length
  if (reply.length !== n + request.counters.length) {
    const counters = request.counters.length
    throw new Error(`seat script answered ${reply.length} values for ${n} candidates and ${counters} counters`)
  }
  return { seats: reply.slice(0, n).map((k) => Number(k) - 1), taken: reply.slice(n).map(Number) }
}

export interface SeatStoreDeps { readonly log: Logger, readonly now?: () => number }

export const createSeatStore = (redis: Redis, config: SeatStoreConfig, deps: SeatStoreDeps): SeatStore => {
  const breaker = createBreaker({
    failureThreshold: config.breakerFailureThreshold, coolDownMs: config.breakerCooldownMs, now: deps.now
  })
  redis.on('ready', () => { breaker.probeNow() })
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
      const late = (): void => { reject(new Error(`redis did not answer the seat script within ${budgetMs} ms`)) }
      // As for enrichment: a reply that arrived while the loop was busy is taken, not counted as late.
      timer = setTimeout(() => { setImmediate(late) }, budgetMs)
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
