// Failed console sign-ins, counted in Redis so the limit holds across console instances and
// restarts. Two counters, each a key that expires on its own:
//
//   <prefix>sign-in:user:<name>     failures for one submitted user name, existing or not
//   <prefix>sign-in:addr:<address>  failures from one client address, any user names
//
// An attempt is counted when it starts, in the same script that checks the limit, and given
// back if the password was right: checking first and counting after the password hash (tens
// of milliseconds) would let a burst of parallel guesses all pass the check before the first
// one was counted. A counter starts with the first attempt and lives `windowMs`; the attempt
// that reaches its limit makes it live `lockoutMs` from then. While either counter is at its
// limit, an attempt is refused before the password is looked at (so the right password is
// refused too, and a locked-out attacker learns nothing more), and it is not counted. A
// successful sign-in clears its user name's counter and gives its address its one attempt
// back: a valid account does not reset an address that is guessing others. Unknown names
// are counted and locked exactly like existing ones, so neither the answer nor the lock
// tells which names exist.
import type { RedisClient } from '../enrich/redis-client.ts'

export interface SignInLimitConfig {
  readonly maxFailuresPerUser: number
  readonly maxFailuresPerAddress: number
  readonly windowMs: number
  readonly lockoutMs: number
}

/** Why an attempt is refused, and for how long yet. */
export interface Lockout { readonly scope: 'user' | 'address', readonly retryAfterMs: number }

/** An attempt refused by a lockout in force, or allowed, with the lockout it starts if it fails. */
export type Attempt = { readonly refused: Lockout } | { readonly ifFailed: Lockout | undefined }

export interface SignInLimiter {
  /** Checks the limits and counts the attempt, in one step. */
  readonly attempt: (name: string, address: string) => Promise<Attempt>
  /** The password was right: clears the name's count and gives the address its attempt back. */
  readonly succeeded: (name: string, address: string) => Promise<void>
}

// KEYS user, address counters; ARGV max user, max address, window, lockout.
// Returns {0, scope, ms} when refused, {1, scope, ms} when this attempt reached a limit, {1} otherwise.
const ATTEMPT = String.raw`
for i = 1, 2 do
  local n = tonumber(redis.call('GET', KEYS[i]) or '0')
  local ttl = redis.call('PTTL', KEYS[i])
  if n >= tonumber(ARGV[i]) and ttl > 0 then return { 0, i, ttl } end
end
local out = { 1 }
for i = 1, 2 do
  local n = redis.call('INCR', KEYS[i])
  if n == 1 then redis.call('PEXPIRE', KEYS[i], ARGV[3]) end
  if n >= tonumber(ARGV[i]) then
    redis.call('PEXPIRE', KEYS[i], ARGV[4])
    if #out == 1 then out = { 1, i, tonumber(ARGV[4]) } end
  end
end
return out`

// KEYS user, address counters.
const SUCCEEDED = String.raw`
redis.call('DEL', KEYS[1])
if tonumber(redis.call('GET', KEYS[2]) or '0') > 0 then redis.call('DECR', KEYS[2]) end
return 1`

const SCOPES = ['user', 'address'] as const

export const createSignInLimiter = (redis: RedisClient, prefix: string, config: SignInLimitConfig): SignInLimiter => {
  // User names arrive as typed (at most 64 characters are kept); addresses from the socket.
  const keys = (name: string, address: string): [string, string] =>
    [`${prefix}sign-in:user:${name.slice(0, 64)}`, `${prefix}sign-in:addr:${address}`]
  const limits = [config.maxFailuresPerUser, config.maxFailuresPerAddress] as const

  const attempt = async (name: string, address: string): Promise<Attempt> => {
    const [allowed, which, ms] = await redis.eval(ATTEMPT, 2, ...keys(name, address),
      limits[0], limits[1], config.windowMs, config.lockoutMs) as number[]
    const lockout = which === undefined || ms === undefined
      ? undefined
      : { scope: SCOPES[which - 1] ?? 'user', retryAfterMs: ms }
    if (allowed === 0 && lockout !== undefined) return { refused: lockout }
    return { ifFailed: lockout }
  }

  const succeeded = async (name: string, address: string): Promise<void> => {
    await redis.eval(SUCCEEDED, 2, ...keys(name, address))
  }

  return { attempt, succeeded }
}

/** The user's message: the same whichever counter locked, and whether the name exists or not. */
export const lockoutMessage = (lockout: Lockout): string => {
  const minutes = Math.max(1, Math.ceil(lockout.retryAfterMs / 60_000))
  return `Too many failed sign-ins. Signing in is paused for ${minutes} minute${minutes === 1 ? '' : 's'}; ` +
    'try again later or ask an administrator.'
}
