// Failed console sign-ins, counted in Redis so the limit holds across console instances and
// restarts. Two counters, each a key that expires on its own:
//
//   <prefix>sign-in:user:<name>     failures for one submitted user name, existing or not
//   <prefix>sign-in:addr:<address>  failures from one client address, any user names
//
// A counter starts with the first failure and lives `windowMs`; the failure that reaches its
// limit makes it live `lockoutMs` from then. While either counter of an attempt is at its
// limit, the attempt is refused before the password is looked at (so the right password is
// refused too, and a locked-out attacker learns nothing more), and it is not counted. A
// successful sign-in clears its user name's counter, not its address's: a valid account does
// not reset an address that is guessing others. Unknown names are counted and locked exactly
// like existing ones, so neither the answer nor the lock tells which names exist.
import type { Redis } from 'ioredis'

export interface SignInLimitConfig {
  readonly maxFailuresPerUser: number
  readonly maxFailuresPerAddress: number
  readonly windowMs: number
  readonly lockoutMs: number
}

/** Why an attempt is refused, and for how long yet. */
export interface Lockout { readonly scope: 'user' | 'address', readonly retryAfterMs: number }

export interface SignInLimiter {
  /** The lockout in force for this name or address, if any. */
  readonly check: (name: string, address: string) => Promise<Lockout | undefined>
  /** Counts a failure; the lockout it starts, if it reached a limit. */
  readonly failed: (name: string, address: string) => Promise<Lockout | undefined>
  readonly succeeded: (name: string) => Promise<void>
}

/** KEYS user, address counters; ARGV max user, max address, window, lockout. Returns {scope, ms} or {}. */
const FAIL = String.raw`
local out = {}
for i = 1, 2 do
  local n = redis.call('INCR', KEYS[i])
  local max = tonumber(ARGV[i])
  if n == 1 then redis.call('PEXPIRE', KEYS[i], ARGV[3]) end
  if n == max then redis.call('PEXPIRE', KEYS[i], ARGV[4]) end
  if n >= max and #out == 0 then out = { i, redis.call('PTTL', KEYS[i]) } end
end
return out`

const SCOPES = ['user', 'address'] as const

export const createSignInLimiter = (redis: Redis, prefix: string, config: SignInLimitConfig): SignInLimiter => {
  // User names arrive as typed (at most 64 characters are kept); addresses from the socket.
  const keys = (name: string, address: string): [string, string] =>
    [`${prefix}sign-in:user:${name.slice(0, 64)}`, `${prefix}sign-in:addr:${address}`]
  const limits = [config.maxFailuresPerUser, config.maxFailuresPerAddress] as const

  const check = async (name: string, address: string): Promise<Lockout | undefined> => {
    const [user, addr] = keys(name, address)
    const answers = await redis.multi().get(user).pttl(user).get(addr).pttl(addr).exec()
    const [count0, ttl0, count1, ttl1] = (answers ?? []).map(([err, value]) => { if (err !== null) throw err; return Number(value) })
    const counts = [count0 ?? 0, count1 ?? 0]
    const ttls = [ttl0 ?? 0, ttl1 ?? 0]
    for (const i of [0, 1] as const) {
      if ((counts[i] ?? 0) >= limits[i] && (ttls[i] ?? 0) > 0) return { scope: SCOPES[i], retryAfterMs: ttls[i] ?? 0 }
    }
    return undefined
  }

  const failed = async (name: string, address: string): Promise<Lockout | undefined> => {
    const answer = await redis.eval(FAIL, 2, ...keys(name, address), limits[0], limits[1], config.windowMs, config.lockoutMs) as number[]
    const [which, ms] = answer
    return which === undefined || ms === undefined ? undefined : { scope: SCOPES[which - 1] ?? 'user', retryAfterMs: ms }
  }

  const succeeded = async (name: string): Promise<void> => { await redis.del(keys(name, '')[0]) }

  return { check, failed, succeeded }
}

/** The user's message: the same whichever counter locked, and whether the name exists or not. */
export const lockoutMessage = (lockout: Lockout): string => {
  const minutes = Math.max(1, Math.ceil(lockout.retryAfterMs / 60_000))
  return `Too many failed sign-ins. Signing in is paused for ${minutes} minute${minutes === 1 ? '' : 's'}; try again later or ask an administrator.`
}
