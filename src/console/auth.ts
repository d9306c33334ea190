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
import { createHash, randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto'
import type { Redis } from 'ioredis'

export const ROLES = ['viewer', 'officer', 'analyst', 'admin'] as const
export type Role = typeof ROLES[number]
export const isRole = (value: string): value is Role => (ROLES as readonly string[]).includes(value)

/** What each role may do; personal data only to those who work parcels. */
export const can = {
  recordOutcome: (role: Role): boolean => role === 'officer' || role === 'admin',
  claim: (role: Role): boolean => role === 'officer' || role === 'admin',
  seePersonalData: (role: Role): boolean => role === 'officer' || role === 'admin'
} as const

export interface User { readonly name: string, readonly role: Role }
export interface Session extends User { readonly csrf: string, readonly createdAt: number }

const SCRYPT: ScryptOptions & { keylen: number } = { N: 1 << 15, r: 8, p: 1, maxmem: 64 << 20, keylen: 32 }

const derive = async (password: string, salt: Buffer, params: ScryptOptions & { keylen: number }): Promise<Buffer> =>
  await new Promise((resolve, reject) => {
    scrypt(password.normalize('NFC'), salt, params.keylen, params, (err, key) => { if (err !== null) reject(err); else resolve(key) })
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

export interface AuthStore {
  readonly putUser: (name: string, role: Role, password: string) => Promise<void>
  readonly listUsers: () => Promise<User[]>
  /** The user when name and password match, else undefined (same work either way). */
  readonly login: (name: string, password: string) => Promise<User | undefined>
  readonly createSession: (user: User) => Promise<{ token: string, session: Session }>
  readonly readSession: (token: string) => Promise<Session | undefined>
  readonly endSession: (token: string) => Promise<void>
}

const tokenKey = (token: string): string => createHash('sha256').update(token).digest('base64url')

/** A hash no password matches, for the unknown-user path. */
let decoy: Promise<string> | undefined

export const createAuthStore = (redis: Redis, prefix: string, sessionTtlMs: number): AuthStore => {
  const users = `${prefix}users`
  const sessionKey = (token: string): string => `${prefix}session:${tokenKey(token)}`

  const putUser = async (name: string, role: Role, password: string): Promise<void> => {
    if (!/^[a-z0-9._-]{1,64}$/.test(name)) throw new Error('user names are 1–64 characters of a-z 0-9 . _ -')
    if (password.length < MIN_PASSWORD_LENGTH) throw new Error(`passwords have at least ${MIN_PASSWORD_LENGTH} characters`)
    await redis.hset(users, name, JSON.stringify({ role, hash: await hashPassword(password) }))
  }

  const listUsers = async (): Promise<User[]> =>
    Object.entries(await redis.hgetall(users)).map(([name, raw]) => ({ name, role: (JSON.parse(raw) as { role: Role }).role }))
      .sort((a, b) => a.name.localeCompare(b.name))

  const login = async (name: string, password: string): Promise<User | undefined> => {
    const raw = await redis.hget(users, name)
    if (raw === null) {
      decoy ??= hashPassword(randomBytes(16).toString('hex'))
      await verifyPassword(password, await decoy)
      return undefined
    }
    const entry = JSON.parse(raw) as { role: string, hash: string }
    if (!isRole(entry.role) || !(await verifyPassword(password, entry.hash))) return undefined
    return { name, role: entry.role }
  }

  const createSession = async (user: User): Promise<{ token: string, session: Session }> => {
    const token = randomBytes(32).toString('base64url')
    const session: Session = { name: user.name, role: user.role, csrf: randomBytes(32).toString('base64url'), createdAt: Date.now() }
    await redis.set(sessionKey(token), JSON.stringify(session), 'PX', sessionTtlMs)
    return { token, session }
  }

  const readSession = async (token: string): Promise<Session | undefined> => {
    if (!/^[A-Za-z0-9_-]{43}$/.test(token)) return undefined
    const raw = await redis.get(sessionKey(token))
    if (raw === null) return undefined
    const session = JSON.parse(raw) as Session
    // The role is read again: a user removed or demoted loses the old rights at once.
    const current = await redis.hget(users, session.name)
    if (current === null) return undefined
    const role = (JSON.parse(current) as { role: string }).role
    return isRole(role) ? { ...session, role } : undefined
  }

  const endSession = async (token: string): Promise<void> => { await redis.del(sessionKey(token)) }

  return { putUser, listUsers, login, createSession, readSession, endSession }
}

/** Constant-time comparison of a posted CSRF token with the session's. */
export const csrfMatches = (expected: string, posted: unknown): boolean => {
  if (typeof posted !== 'string') return false
  const a = Buffer.from(expected)
  const b = Buffer.from(posted)
  return a.length === b.length && timingSafeEqual(a, b)
}
