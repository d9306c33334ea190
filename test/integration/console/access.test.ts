// The console's sign-in limit and user administration, through its HTTP routes on the real
// Redis (the publisher is a recording fake passed in, so the audit records can be read back
// without a topic). Two servers share one Redis: a limit reached through one holds on the
// other, as it must behind a load balancer.
import { randomUUID } from 'node:crypto'
import type { FastifyInstance } from 'fastify'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { createAuthStore, type AuthStore } from '../../../src/console/auth.ts'
import type { AuditRecord, ConsolePublisher } from '../../../src/console/publisher.ts'
import { createQueries } from '../../../src/console/queries.ts'
import { buildServer, SESSION_COOKIE } from '../../../src/console/server.ts'
import { createSignInLimiter, type SignInLimitConfig } from '../../../src/console/sign-in-limit.ts'
import { consolePrefix } from '../../../src/console/store.ts'
import { createLogger } from '../../../src/logger.ts'
import { adminClient, dropKeys } from '../redis-admin.ts'

const services = inject('services')
// One server, or the Redis Cluster profile's cluster (the prefix then a hash tag, as the console's).
const redis = adminClient(services)
const base = `it:access-${randomUUID().slice(0, 8)}:`
const prefix = consolePrefix(base, services.redisClusterNodes !== undefined)
const LIMITS: SignInLimitConfig = {
  maxFailuresPerUser: 3, maxFailuresPerAddress: 8, windowMs: 60_000, lockoutMs: 2_000
}
const ADMIN = { name: 'root', password: 'root-password-0001' }
const OFFICER = { name: 'olga', password: 'olga-password-0001' }

const audits: Array<Omit<AuditRecord, 'at'>> = []
const publisher: ConsolePublisher = {
  outcome: async () => {}, deadLetters: async () => {}, stop: async () => {},
  audit: async (r) => { audits.push(r) }
}
let auth: AuthStore
let one: FastifyInstance
let two: FastifyInstance

const server = async (): Promise<FastifyInstance> => await buildServer({
  auth, limiter: createSignInLimiter(redis, prefix, LIMITS), queries: createQueries(redis, prefix, 600_000), publisher,
  yieldCounts: async () => [], log: createLogger({ level: 'silent' }), sessionTtlMs: 600_000
})

/** A sign-in through the form, as a browser does it: the form's token, then the post. */
interface SignedIn { status: number, body: string, cookie: string | undefined, retryAfter: string | undefined }
const signIn = async (
  app: FastifyInstance, user: string, password: string, remoteAddress = '10.0.0.1'
): Promise<SignedIn> => {
  const form = await app.inject({ method: 'GET', url: '/login', remoteAddress })
  const token = /name="_csrf" value="([^"]+)"/.exec(form.body)?.[1] ?? ''
  const res = await app.inject({
    method: 'POST', url: '/login', remoteAddress, cookies: { pr_login_csrf: token },
    payload: new URLSearchParams({ _csrf: token, user, password }).toString(),
    headers: { 'content-type': 'application/x-www-form-urlencoded' }
  })
  const cookie = res.cookies.find((c) => c.name === SESSION_COOKIE)?.value
  return {
    status: res.statusCode, body: res.body, cookie, retryAfter: res.headers['retry-after'] as string | undefined
  }
}

const csrfOf = async (app: FastifyInstance, cookie: string, url = '/admin/users'): Promise<string> =>
  /name="_csrf" value="([^"]+)"/.exec((await app.inject({ method: 'GET', url, cookies: { [SESSION_COOKIE]: cookie } })).body)?.[1] ?? ''

const post = async (
  app: FastifyInstance, cookie: string, url: string, fields: Record<string, string>
): Promise<{ status: number, location: string }> => {
  const res = await app.inject({
    method: 'POST', url, cookies: { [SESSION_COOKIE]: cookie },
    payload: new URLSearchParams(fields).toString(), headers: { 'content-type': 'application/x-www-form-urlencoded' }
  })
  return { status: res.statusCode, location: String(res.headers.location ?? '') }
}

beforeAll(async () => {
  auth = createAuthStore(redis, prefix, 600_000)
  await auth.putUser(ADMIN.name, 'admin', ADMIN.password)
  await auth.putUser(OFFICER.name, 'officer', OFFICER.password)
  one = await server()
  two = await server()
})

afterAll(async () => {
  await one?.close()
  await two?.close()
  await dropKeys(redis, base)
  redis.disconnect()
})

describe('console > sign-in limit on the real Redis', () => {
  it('answers an unknown user and a wrong password alike, then locks both names out alike ' +
    'after the limit', async () => {
    const known: string[] = []
    const unknown: string[] = []
    for (let i = 0; i < LIMITS.maxFailuresPerUser; i++) {
      const a = await signIn(one, OFFICER.name, 'wrong-password-xx', '10.0.1.1')
      const b = await signIn(one, 'nobody-here', 'wrong-password-xx', '10.0.1.2')
      known.push(`${a.status} ${/role="status">([^<]+)/.exec(a.body)?.[1] ?? ''}`)
      unknown.push(`${b.status} ${/role="status">([^<]+)/.exec(b.body)?.[1] ?? ''}`)
    }
    expect(known).toEqual(unknown)
    expect(known[0]).toBe('401 Unknown user or wrong password.')
    expect(known.at(-1)).toMatch(/^429 Too many failed sign-ins/)
    // Locked: the right password is refused too, on the other instance, with the same answer.
    const right = await signIn(two, OFFICER.name, OFFICER.password, '10.0.1.3')
    const none = await signIn(two, 'nobody-here', OFFICER.password, '10.0.1.4')
    expect([right.status, right.cookie]).toEqual([429, undefined])
    expect(right.body).toContain('Too many failed sign-ins')
    expect(Number(right.retryAfter)).toBeGreaterThan(0)
    expect(none.status).toBe(429)
    const failed = audits.filter((r) => r.user === OFFICER.name && r.action === 'login-failed')
    expect(failed.map((r) => r.detail.reason)).toEqual(['wrong-password', 'wrong-password', 'wrong-password'])
    expect(failed.at(-1)?.detail.lockedOut).toBe('user')
    expect(audits.some((r) =>
      r.user === OFFICER.name && r.action === 'login-locked' && r.detail.address === '10.0.1.3')).toBe(true)
    expect(audits.find((r) => r.user === 'nobody-here')?.detail.reason).toBe('unknown-user')
    // The lockout ends by itself.
    await new Promise((resolve) => setTimeout(resolve, LIMITS.lockoutMs + 200))
    const after = await signIn(one, OFFICER.name, OFFICER.password, '10.0.1.5')
    expect([after.status, after.cookie === undefined]).toEqual([303, false])
  })

  it('lets no more guesses through than the limit when they arrive all at once', async () => {
    const answers = await Promise.all(Array.from({ length: 12 }, async (_v, i) =>
      await signIn(i % 2 === 0 ? one : two, 'burst', 'wrong-password-xx', `10.0.5.${i}`)))
    const tried = audits.filter((r) => r.user === 'burst' && r.action === 'login-failed')
    expect(tried).toHaveLength(LIMITS.maxFailuresPerUser)
    expect(audits.filter((r) => r.user === 'burst' && r.action === 'login-locked'))
      .toHaveLength(12 - LIMITS.maxFailuresPerUser)
    expect(answers.filter((a) => a.status === 401)).toHaveLength(LIMITS.maxFailuresPerUser - 1)
  })

  it('locks out an address that tries many names, whatever name it tries next', async () => {
    for (let i = 0; i < LIMITS.maxFailuresPerAddress; i++) {
      await signIn(i % 2 === 0 ? one : two, `guess-${i}`, 'wrong-password-xx', '10.0.2.1')
    }
    const next = await signIn(one, ADMIN.name, ADMIN.password, '10.0.2.1')
    expect(next.status).toBe(429)
    expect(audits.at(-1)).toMatchObject({ action: 'login-locked', user: 'root', detail: { lockedOut: 'address' } })
    expect((await signIn(one, ADMIN.name, ADMIN.password, '10.0.2.2')).status).toBe(303)
  })
})

describe('console > user administration on the real Redis', () => {
  it('lets an admin add a user, change the role and disable and enable them, each audited; ' +
    'a disabled user is signed out and cannot sign in', async () => {
    const admin = (await signIn(one, ADMIN.name, ADMIN.password, '10.0.3.1')).cookie as string
    const csrf = await csrfOf(one, admin)
    const page = await one.inject({ method: 'GET', url: '/admin/users', cookies: { [SESSION_COOKIE]: admin } })
    expect(page.statusCode).toBe(200)
    expect(page.body).toContain('data-user="olga"')

    const home = async (app: FastifyInstance, cookie: string): Promise<string> =>
      (await app.inject({ method: 'GET', url: '/', cookies: { [SESSION_COOKIE]: cookie } })).body
    expect(await post(one, admin, '/admin/users', { _csrf: csrf, name: 'vera', role: 'viewer', password: 'short' }))
      .toMatchObject({ status: 400 })
    expect(await post(one, admin, '/admin/users', {
      _csrf: csrf, name: 'vera', role: 'viewer', password: 'vera-password-0001'
    })).toEqual({ status: 303, location: '/admin/users?done=added' })
    expect(await post(one, admin, '/admin/users', {
      _csrf: csrf, name: 'vera', role: 'admin', password: 'vera-password-0002'
    })).toEqual({ status: 303, location: '/admin/users?done=exists' })
    const vera = (await signIn(two, 'vera', 'vera-password-0001', '10.0.3.2')).cookie as string
    expect(await home(two, vera)).toContain('vera (viewer)')

    expect(await post(one, admin, '/admin/users/vera/role', { _csrf: csrf, role: 'analyst' }))
      .toEqual({ status: 303, location: '/admin/users?done=role' })
    expect(await home(two, vera)).toContain('vera (analyst)')

    expect(await post(one, admin, '/admin/users/vera/disable', { _csrf: csrf }))
      .toEqual({ status: 303, location: '/admin/users?done=disabled' })
    const gone = await two.inject({ method: 'GET', url: '/', cookies: { [SESSION_COOKIE]: vera } })
    expect([gone.statusCode, gone.headers.location]).toEqual([302, '/login'])
    const refused = await signIn(two, 'vera', 'vera-password-0001', '10.0.3.3')
    expect([refused.status, /role="status">([^<]+)/.exec(refused.body)?.[1]]).toEqual([401, 'Unknown user or wrong password.'])
    expect(await auth.listUsers()).toContainEqual({ name: 'vera', role: 'analyst', disabled: true })

    expect(await post(one, admin, '/admin/users/vera/enable', { _csrf: csrf }))
      .toEqual({ status: 303, location: '/admin/users?done=enabled' })
    // Enabling does not revive the sessions that disabling ended.
    expect((await two.inject({ method: 'GET', url: '/', cookies: { [SESSION_COOKIE]: vera } })).statusCode).toBe(302)
    expect((await signIn(two, 'vera', 'vera-password-0001', '10.0.3.4')).status).toBe(303)

    const changes = audits.filter((r) => r.user === ADMIN.name && r.action.startsWith('user-'))
    expect(changes.map((r) => [r.action, r.detail.target, r.detail.role ?? null, r.detail.from ?? null])).toEqual([
      ['user-added', 'vera', 'viewer', null],
      ['user-role-changed', 'vera', 'analyst', 'viewer'],
      ['user-disabled', 'vera', null, null],
      ['user-enabled', 'vera', null, null]
    ])
    expect(audits.find((r) => r.user === 'vera' && r.action === 'login-failed')?.detail.reason).toBe('disabled')
  })

  it('refuses the admin routes to other roles and without the CSRF token, ' +
    'and an admin changing their own account', async () => {
    const officer = (await signIn(one, OFFICER.name, OFFICER.password, '10.0.4.1')).cookie as string
    const officerCsrf = await csrfOf(one, officer, '/queue')
    const adminPage = await one.inject({ method: 'GET', url: '/admin/users', cookies: { [SESSION_COOKIE]: officer } })
    expect(adminPage.statusCode).toBe(403)
    expect((await post(one, officer, '/admin/users/root/disable', { _csrf: officerCsrf })).status).toBe(403)
    const adminSignIn = await signIn(one, ADMIN.name, ADMIN.password, '10.0.4.2')
    expect(adminSignIn.status, adminSignIn.body).toBe(303)
    const admin = adminSignIn.cookie as string
    expect((await post(one, admin, '/admin/users/olga/disable', {})).status).toBe(403)
    const withoutToken = { name: 'mallory', role: 'admin', password: 'mallory-password-1' }
    expect((await post(one, admin, '/admin/users', withoutToken)).status).toBe(403)
    const csrf = await csrfOf(one, admin)
    expect(await post(one, admin, '/admin/users/root/disable', { _csrf: csrf }))
      .toEqual({ status: 303, location: '/admin/users?done=self' })
    expect(await post(one, admin, '/admin/users/ghost/role', { _csrf: csrf, role: 'viewer' }))
      .toEqual({ status: 303, location: '/admin/users?done=unknown' })
    expect((await auth.listUsers()).map((u) => u.name)).not.toContain('mallory')
    expect(await auth.listUsers()).toContainEqual({ name: 'root', role: 'admin', disabled: false })
  })
})
