// Users, passwords, sessions and CSRF tokens of the console, kept in Redis.
//
// Passwords: scrypt (node:crypto), memory-hard, N=2^15 r=8 p=1 (32 MiB, ~60 ms on one core of
// the shared CI machine), 16-byte random salt, 32-byte key; the parameters are stored with the
// hash so they can be raised later without invalidating old hashes. Compared with
// timingSafeEqual. A login for an unknown user still runs one scrypt, so the answer time does
// not tell which user names exist.
// Sessions: 32 random bytes (base64url) in the cookie; Redis keeps only their SHA-256, so a
// read of the store does not yield usable cookies. Each session carries its own CSRF token
// (synchronizer-token pattern); every form posts it back and every POST compares it.
// Users: one hash field per user name holding {role, hash, disabled, notBefore}. Every
// request reads its user again, so a role change applies at once; disabling a user, or
// setting a new password, moves notBefore to now and every session created before it ends
// (re-enabling the user does not bring those sessions back). Changes to a user run as one
// Lua script, so two admins changing the same user do not overwrite each other's change.
import { createHash, randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto'
import type { RedisClient } from '../enrich/redis-client.ts'

export const ROLES = ['viewer', 'officer', 'analyst', 'admin'] as const
export type Role = typeof ROLES[number]
export const isRole = (value: string): value is Role => (ROLES as readonly string[]).includes(value)

/** What each role may do; personal data only to those who work parcels. */
export const can = {
  recordOutcome: (role: Role): boolean => role === 'officer' || role === 'admin',
  claim: (role: Role): boolean => role === 'officer' || role === 'admin',
  seePersonalData: (role: Role): boolean => role === 'officer' || role === 'admin',
  administerUsers: (role: Role): boolean => role === 'admin'
} as const

export interface User { readonly name: string, readonly role: Role }
export interface UserEntry extends User { readonly disabled: boolean }
export interface Session extends User { readonly csrf: string, readonly createdAt: number }

const SCRYPT: ScryptOptions & { keylen: number } = { N: 1 << 15, r: 8, p: 1, maxmem: 64 << 20, keylen: 32 }

const derive = async (password: string, salt: Buffer, params: ScryptOptions & { keylen: number }): Promise<Buffer> =>
  await new Promise((resolve, reject) => {
    scrypt(password.normalize('NFC'), salt, params.keylen, params, (err, key) => {
      if (err !== null) reject(err)
      else resolve(key)
    })
  })

/** `scrypt$N$r$p$salt$key`, salt and key base64url. */
export const hashPassword = async (password: string): Promise<string> => {
  const salt = randomBytes(16)
  const key = await derive(password, salt, SCRYPT)
  return ['scrypt', SCRYPT.N, SCRYPT.r, SCRYPT.p, salt.toString('base64url'), key.toString('base64url')].join('$')
}

export const verifyPassword = async (password: string, stored: string): Promise<boolean> => {
  const [kind, n, r, p, salt, key] = stored.split('$')
  if (kind !== 'scrypt' || salt === undefined || key === undefined) return false
  const expected = Buffer.from(key, 'base64url')
  const params = { N: Number(n), r: Number(r), p: Number(p), maxmem: 256 << 20, keylen: expected.length }
  const actual = await derive(password, Buffer.from(salt, 'base64url'), params)
  return actual.length === expected.length && timingSafeEqual(actual, expected)
}

export const MIN_PASSWORD_LENGTH = 12

/** Why a sign-in failed: for the audit record only, the user is told the same in each case. */
export type LoginFailure = 'unknown-user' | 'wrong-password' | 'disabled'
export type LoginAnswer = { readonly user: User } | { readonly failure: LoginFailure }

export interface AuthStore {
  /** Creates or changes a user (the CLI's `user add`); a changed password ends the user's sessions. */
  readonly putUser: (name: string, role: Role, password: string) => Promise<void>
  /** Creates a user; false when the name is taken. */
  readonly addUser: (name: string, role: Role, password: string) => Promise<boolean>
  readonly listUsers: () => Promise<UserEntry[]>
  /** Changes a user's role; the role before, or undefined when there is no such user. */
  readonly setRole: (name: string, role: Role) => Promise<string | undefined>
  /** Disables (ending every session of) or enables a user; false when there is no such user. */
  readonly setDisabled: (name: string, disabled: boolean) => Promise<boolean>
  /** The user when name and password match and the user is enabled (same work either way). */
  readonly login: (name: string, password: string) => Promise<LoginAnswer>
  readonly createSession: (user: User) => Promise<{ token: string, session: Session }>
  readonly readSession: (token: string) => Promise<Session | undefined>
  readonly endSession: (token: string) => Promise<void>
}

const tokenKey = (token: string): string => createHash('sha256').update(token).digest('base64url')

/** A hash no password matches, for the unknown-user path. */
let decoy: Promise<string> | undefined

/** What a user's hash field holds; entries written before disabling existed lack the last two. */
interface Stored { role: string, hash: string, disabled?: boolean, notBefore?: number }

/**
 * KEYS[1] users hash; ARGV name, role ('' keeps it), disabled ('1', '0' or '' keeps it), now.
 * Returns the role before, or 0.
 */
const CHANGE_USER = String.raw`
local raw = redis.call('HGET', KEYS[1], ARGV[1])
if not raw then return 0 end
local e = cjson.decode(raw)
local before = e.role
if ARGV[2] ~= '' then e.role = ARGV[2] end
if ARGV[3] == '1' then
  e.disabled = true
  e.notBefore = tonumber(ARGV[4])
elseif ARGV[3] == '0' then
  e.disabled = false
end
redis.call('HSET', KEYS[1], ARGV[1], cjson.encode(e))
return before`

/** KEYS[1] users hash; ARGV name, role, hash, now: sets the password, keeps the disabled flag. */
const PUT_USER = String.raw`
local raw = redis.call('HGET', KEYS[1], ARGV[1])
local disabled = false
if raw then disabled = cjson.decode(raw).disabled == true end
redis.call('HSET', KEYS[1], ARGV[1],
  cjson.encode({ role = ARGV[2], hash = ARGV[3], disabled = disabled, notBefore = tonumber(ARGV[4]) }))
return 1`

export const checkUserName = (name: string): string | undefined =>
  /^[a-z0-9._-]{1,64}$/.test(name) ? undefined : 'user names are 1–64 characters of a-z 0-9 . _ -'
export const checkPassword = (password: string): string | undefined =>
  password.length < MIN_PASSWORD_LENGTH ? `passwords have at least ${MIN_PASSWORD_LENGTH} characters` : undefined

export const createAuthStore = (redis: RedisClient, prefix: string, sessionTtlMs: number): AuthStore => {
  const users = `${prefix}users`
  const sessionKey = (token: string): string => `${prefix}session:${tokenKey(token)}`

  const checked = (name: string, password: string): void => {
    const problem = checkUserName(name) ?? checkPassword(password)
    if (problem !== undefined) throw new Error(problem)
  }

  const putUser = async (name: string, role: Role, password: string): Promise<void> => {
    checked(name, password)
    await redis.eval(PUT_USER, 1, users, name, role, await hashPassword(password), Date.now())
  }

  const addUser = async (name: string, role: Role, password: string): Promise<boolean> => {
    checked(name, password)
    const entry: Stored = { role, hash: await hashPassword(password), disabled: false, notBefore: 0 }
    return await redis.hsetnx(users, name, JSON.stringify(entry)) === 1
  }

  const listUsers = async (): Promise<UserEntry[]> =>
    Object.entries(await redis.hgetall(users)).flatMap(([name, raw]) => {
      const e = JSON.parse(raw) as Stored
      return isRole(e.role) ? [{ name, role: e.role, disabled: e.disabled === true }] : []
    }).sort((a, b) => a.name.localeCompare(b.name))

  const setRole = async (name: string, role: Role): Promise<string | undefined> => {
    const before = await redis.eval(CHANGE_USER, 1, users, name, role, '', Date.now())
    return typeof before === 'string' ? before : undefined
  }

  const setDisabled = async (name: string, disabled: boolean): Promise<boolean> =>
    typeof await redis.eval(CHANGE_USER, 1, users, name, '', disabled ? '1' : '0', Date.now()) === 'string'

  const login = async (name: string, password: string): Promise<LoginAnswer> => {
    const raw = await redis.hget(users, name)
    if (raw === null) {
      decoy ??= hashPassword(randomBytes(16).toString('hex'))
      await verifyPassword(password, await decoy)
      return { failure: 'unknown-user' }
    }
    const entry = JSON.parse(raw) as Stored
    if (!isRole(entry.role) || !(await verifyPassword(password, entry.hash))) return { failure: 'wrong-password' }
    if (entry.disabled === true) return { failure: 'disabled' }
    return { user: { name, role: entry.role } }
  }

  const createSession = async (user: User): Promise<{ token: string, session: Session }> => {
    const token = randomBytes(32).toString('base64url')
    const session: Session = {
      name: user.name, role: user.role, csrf: randomBytes(32).toString('base64url'), createdAt: Date.now()
    }
    await redis.set(sessionKey(token), JSON.stringify(session), 'PX', sessionTtlMs)
    return { token, session }
  }

  const readSession = async (token: string): Promise<Session | undefined> => {
    if (!/^[A-Za-z0-9_-]{43}$/.test(token)) return undefined
    const raw = await redis.get(sessionKey(token))
    if (raw === null) return undefined
    const session = JSON.parse(raw) as Session
    // The user is read again: one removed, disabled or demoted loses the old rights at once.
    const current = await redis.hget(users, session.name)
    const entry = current === null ? undefined : JSON.parse(current) as Stored
    const ended = entry === undefined || entry.disabled === true || session.createdAt <= (entry.notBefore ?? 0)
    if (ended || !isRole(entry.role)) {
      await redis.del(sessionKey(token))
      return undefined
    }
    return { ...session, role: entry.role }
  }

  const endSession = async (token: string): Promise<void> => {
    await redis.del(sessionKey(token))
  }

  return { putUser, addUser, listUsers, setRole, setDisabled, login, createSession, readSession, endSession }
}

/** Constant-time comparison of a posted CSRF token with the session's. */
export const csrfMatches = (expected: string, posted: unknown): boolean => {
  if (typeof posted !== 'string') return false
  const a = Buffer.from(expected)
  const b = Buffer.from(posted)
  return a.length === b.length && timingSafeEqual(a, b)
}
