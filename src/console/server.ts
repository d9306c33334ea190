// The console's web server (fastify): server-rendered pages, one route per page or action.
//
// Every request but /login, /healthz and the stylesheet needs a session (cookie
// `pr_session`: HttpOnly, Secure, SameSite=Strict). Every POST carries the session's CSRF
// token in `_csrf` and is refused (403) without it; the login form, which has no session yet,
// uses a double-submit cookie instead. Actions are checked against the role (auth.ts `can`)
// on the server, whatever the page showed; each one is written to the audit topic before the
// answer. Responses carry a Content-Security-Policy that allows only the console's own origin.
// Sign-in failures are counted per user name and per client address (sign-in-limit.ts); a
// locked-out attempt is answered 429 with the same message whether the name exists or not.
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify'
import fastifyCookie from '@fastify/cookie'
import fastifyFormbody from '@fastify/formbody'
import { randomBytes } from 'node:crypto'
import type { InspectionMethod, InspectionOutcome, InspectionResult, NiiResult } from '../declaration.ts'
import { inspectionMethodSymbols, inspectionResultSymbols, niiResultSymbols } from '../declaration.ts'
import type { Logger } from '../logger.ts'
import { buildReport } from '../outcomes/report.ts'
import type { RulesetCounts } from '../outcomes/store.ts'
import { can, csrfMatches, type AuthStore, type Session } from './auth.ts'
import { registerAdminRoutes } from './pages-admin.ts'
import { lockoutMessage, type Lockout, type SignInLimiter } from './sign-in-limit.ts'
import { html } from './html.ts'
import { page, STYLESHEET } from './layout.ts'
import type { ConsolePublisher } from './publisher.ts'
import type { ConsoleQueries, QueueFilter } from './queries.ts'
import { overviewPage, rulesPage, shadowPage } from './pages-watch.ts'
import { parcelPage, queuePage } from './pages-work.ts'

export const SESSION_COOKIE = 'pr_session'
const LOGIN_COOKIE = 'pr_login_csrf'

export interface ServerDeps {
  readonly auth: AuthStore
  readonly limiter: SignInLimiter
  readonly queries: ConsoleQueries
  readonly publisher: ConsolePublisher
  /** The outcome loop's counters (src/outcomes/store.ts readCounts). */
  readonly yieldCounts: () => Promise<RulesetCounts[]>
  readonly log: Logger
  readonly sessionTtlMs: number
}

declare module 'fastify' {
  interface FastifyRequest { session: Session | undefined }
}

type Body = Record<string, string | undefined>

const SECURITY_HEADERS = {
  'content-security-policy': "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; " +
    "frame-ancestors 'none'; base-uri 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'cache-control': 'no-store'
}

const PUBLIC = new Set(['/login', '/healthz', '/console.css', '/favicon.ico'])

const FLASHES: Readonly<Record<string, { text: string, error?: boolean }>> = {
  claimed: { text: 'Claimed: the parcel is yours.' },
  unclaimed: { text: 'Released your claim.' },
  taken: { text: 'Another officer has claimed this parcel.', error: true },
  closed: { text: 'This parcel is no longer in the queue.', error: true },
  recorded: {
    text: 'Outcome recorded and published; the queue and the figures follow as it comes back from the topic.'
  }
}

const cookieOptions = (maxAgeMs: number) => ({
  path: '/', httpOnly: true, secure: true, sameSite: 'strict' as const, maxAge: Math.floor(maxAgeMs / 1000)
})

const text = (body: Body, name: string): string => (body[name] ?? '').trim()
const optional = (value: string): string | undefined => value === '' ? undefined : value.slice(0, 100)

const queueFilter = (q: Record<string, string | undefined>): QueueFilter => {
  const minAge = Number(q.minAge)
  const offset = Number(q.offset)
  return {
    lane: optional(q.lane ?? ''),
    rule: optional(q.rule ?? ''),
    seller: optional(q.seller ?? ''),
    route: optional((q.route ?? '').toUpperCase()),
    minAgeMinutes: q.minAge !== undefined && q.minAge !== '' && Number.isFinite(minAge) && minAge >= 0
      ? minAge
      : undefined,
    offset: Number.isSafeInteger(offset) && offset > 0 ? offset : undefined
  }
}

/** The outcome form as an InspectionOutcome, or what is wrong with it. */
export const outcomeFromForm = (
  declarationId: string, body: Body, ruleIds: string[], now: number
): InspectionOutcome | string => {
  const version = Number(text(body, 'version'))
  const result = text(body, 'result') as InspectionResult
  const method = text(body, 'method') as InspectionMethod
  const nii = text(body, 'nii')
  const amount = text(body, 'revenueAmount')
  const currency = text(body, 'revenueCurrency').toUpperCase()
  const image = text(body, 'image')
  if (!Number.isSafeInteger(version) || version < 1) return 'version must be a positive integer'
  if (!inspectionResultSymbols.includes(result)) return 'unknown result'
  if (!inspectionMethodSymbols.includes(method)) return 'unknown method'
  if (nii !== '' && !niiResultSymbols.includes(nii as NiiResult)) return 'unknown NII result'
  if (amount !== '' && !/^(0|[1-9][0-9]{0,11})(\.[0-9]{1,4})?$/.test(amount)) return 'revenue must be a decimal such as 12.50'
  if (amount !== '' && !/^[A-Z]{3}$/.test(currency)) return 'revenue needs a three-letter currency'
  if (image.length > 200) return 'image reference too long'
  return {
    declarationId,
    version,
    result,
    inspectedAt: now,
    method,
    ruleIds,
    revenueAmount: amount === '' ? null : amount,
    revenueCurrency: amount === '' ? null : currency,
    notes: text(body, 'notes') === '' ? null : text(body, 'notes').slice(0, 2_000),
    niiResult: nii === '' ? null : nii as NiiResult,
    imageRef: image === '' ? null : image
  }
}

const safeBack = (back: string | undefined, fallback: string): string => back !== undefined && /^\/(queue|parcel\/)[^\\]*$/.test(back) && !back.startsWith('//') ? back : fallback

export const buildServer = async (deps: ServerDeps): Promise<FastifyInstance> => {
  const { auth, queries, publisher, log } = deps
  const app = Fastify({ logger: false, bodyLimit: 64 * 1024, trustProxy: false })
  await app.register(fastifyCookie)
  await app.register(fastifyFormbody)
  app.decorateRequest('session', undefined)

  app.addHook('onRequest', async (request, reply) => {
    void reply.headers(SECURITY_HEADERS)
    const path = request.url.split('?')[0] ?? ''
    if (PUBLIC.has(path)) return
    const token = request.cookies[SESSION_COOKIE]
    request.session = token === undefined ? undefined : await auth.readSession(token)
    if (request.session === undefined) {
      if (request.method === 'GET') return await reply.redirect('/login')
      return await reply.code(401).type('text/plain').send('not signed in')
    }
  })
  app.addHook('preHandler', async (request, reply) => {
    if (request.method !== 'POST' || request.url === '/login') return
    const body = (request.body ?? {}) as Body
    if (request.session === undefined || !csrfMatches(request.session.csrf, body._csrf)) {
      log.warn({ path: request.url.split('?')[0], user: request.session?.name },
        'form refused: CSRF token missing or wrong')
      return await reply.code(403).type('text/plain').send('CSRF token missing or wrong')
    }
  })
  app.setErrorHandler(async (err, _request, reply) => {
    log.error({ err }, 'console request failed')
    const body = page('Error', html`<p>The request failed; it is logged.</p>`)
    return await reply.code(500).type('text/html').send(body.text)
  })

  const send = async (reply: FastifyReply, body: { text: string }, code = 200): Promise<FastifyReply> =>
    await reply.code(code).type('text/html; charset=utf-8').send(body.text)
  const sessionOf = (request: FastifyRequest): Session => request.session as Session
  const flashOf = (request: FastifyRequest): { text: string, error?: boolean } | undefined =>
    FLASHES[(request.query as Record<string, string>).done ?? '']
  const audit = async (
    s: Session,
    action: Parameters<ConsolePublisher['audit']>[0]['action'],
    declarationId: string | null,
    version: number | null,
    detail: Record<string, string | number | boolean | null> = {}
  ): Promise<void> => {
    await publisher.audit({ user: s.name, role: s.role, action, declarationId, version, detail })
  }

  app.get('/healthz', async () => ({ ok: true }))
  app.get('/console.css', async (_request, reply) =>
    await reply.type('text/css').header('cache-control', 'max-age=3600').send(STYLESHEET))

  // The token is kept while its cookie lives: a second sign-in page (another tab, a
  // browser's own requests) must not invalidate the form already shown.
  const loginForm = async (
    request: FastifyRequest, reply: FastifyReply, message?: string, code = 401
  ): Promise<FastifyReply> => {
    const current = request.cookies[LOGIN_COOKIE]
    const token = current !== undefined && /^[A-Za-z0-9_-]{32}$/.test(current) ? current : randomBytes(24).toString('base64url')
    void reply.setCookie(LOGIN_COOKIE, token, cookieOptions(600_000))
    const form = html`<form method="post" action="/login" id="login">
<input type="hidden" name="_csrf" value="${token}">
<p><label>User <input name="user" autocomplete="username" required></label></p>
<p><label>Password <input name="password" type="password" autocomplete="current-password" required></label></p>
<button>Sign in</button></form>`
    const flash = message === undefined ? undefined : { text: message, error: true }
    return await send(reply, page('Sign in', form, undefined, flash), message === undefined ? 200 : code)
  }
  app.get('/login', async (request, reply) => await loginForm(request, reply))
  app.get('/favicon.ico', async (_request, reply) => await reply.code(204).send())
  app.post('/login', async (request, reply) => {
    const body = (request.body ?? {}) as Body
    const expected = request.cookies[LOGIN_COOKIE]
    if (expected === undefined || !csrfMatches(expected, body._csrf)) {
      return await reply.code(403).type('text/plain').send('CSRF token missing or wrong')
    }
    const name = text(body, 'user').toLowerCase().slice(0, 64)
    const address = request.ip
    // Audited with the reason; the user sees one message for an unknown name, a wrong password
    // and a disabled account, and one (429) for a lockout.
    const refuse = async (
      action: 'login-failed' | 'login-locked', reason: string | null, lockout: Lockout | undefined
    ): Promise<FastifyReply> => {
      await publisher.audit({
        user: name, role: '', action, declarationId: null, version: null,
        detail: { address, reason, lockedOut: lockout?.scope ?? null, retryAfterMs: lockout?.retryAfterMs ?? null }
      })
      if (lockout === undefined) return await loginForm(request, reply, 'Unknown user or wrong password.')
      void reply.header('retry-after', String(Math.ceil(lockout.retryAfterMs / 1000)))
      return await loginForm(request, reply, lockoutMessage(lockout), 429)
    }
    const attempt = await deps.limiter.attempt(name, address)
    if ('refused' in attempt) return await refuse('login-locked', null, attempt.refused)
    const answer = await auth.login(name, body.password ?? '')
    if (!('user' in answer)) return await refuse('login-failed', answer.failure, attempt.ifFailed)
    const { user } = answer
    await deps.limiter.succeeded(name, address)
    const { token, session } = await auth.createSession(user)
    await audit(session, 'login', null, null)
    void reply.clearCookie(LOGIN_COOKIE, { path: '/' })
      .setCookie(SESSION_COOKIE, token, cookieOptions(deps.sessionTtlMs))
    return await reply.redirect(user.role === 'officer' ? '/queue' : '/', 303)
  })
  app.post('/logout', async (request, reply) => {
    const token = request.cookies[SESSION_COOKIE]
    if (token !== undefined) await auth.endSession(token)
    await audit(sessionOf(request), 'logout', null, null)
    return await reply.clearCookie(SESSION_COOKIE, { path: '/' }).redirect('/login', 303)
  })

  app.get('/', async (request, reply) => {
    const now = Date.now()
    const nav = { session: sessionOf(request), current: '/' }
    return await send(reply, page('Overview', overviewPage(await queries.overview(now), now), nav))
  })
  app.get('/queue', async (request, reply) => {
    const q = request.query as Record<string, string | undefined>
    const filter = queueFilter(q)
    const query = request.url.includes('?') ? request.url.slice(request.url.indexOf('?') + 1) : ''
    const now = Date.now()
    const result = await queries.queue(filter, now)
    const body = queuePage(sessionOf(request), filter, result, query.replace(/(^|&)done=[^&]*/g, ''), now)
    const nav = { session: sessionOf(request), current: '/queue' }
    return await send(reply, page('Held parcels', body, nav, flashOf(request)))
  })
  app.get('/parcel/:id', async (request, reply) => {
    const { id } = request.params as { id: string }
    const detail = await queries.parcel(id)
    const nav = { session: sessionOf(request), current: '' }
    if (detail === undefined) {
      return await send(reply, page('Not found', html`<p>No parcel ${id} in the console's store.</p>`, nav), 404)
    }
    return await send(reply, page(`Parcel ${id}`, parcelPage(sessionOf(request), detail), nav, flashOf(request)))
  })

  const withFlash = (path: string, flash: string): string =>
    `${path}${path.includes('?') ? '&' : '?'}done=${flash}`
  app.post('/parcel/:id/claim', async (request, reply) => {
    const s = sessionOf(request)
    const { id } = request.params as { id: string }
    const back = safeBack(((request.body ?? {}) as Body).back, `/parcel/${encodeURIComponent(id)}`)
    if (!can.claim(s.role)) return await reply.code(403).type('text/plain').send(`role ${s.role} may not claim parcels`)
    const answer = await queries.claim(id, s.name)
    if (answer === 'ok') await audit(s, 'claim', id, null)
    const flash = answer === 'ok' || answer === s.name ? 'claimed' : answer === 'closed' ? 'closed' : 'taken'
    return await reply.redirect(withFlash(back, flash), 303)
  })
  app.post('/parcel/:id/unclaim', async (request, reply) => {
    const s = sessionOf(request)
    const { id } = request.params as { id: string }
    const back = safeBack(((request.body ?? {}) as Body).back, `/parcel/${encodeURIComponent(id)}`)
    if (!can.claim(s.role)) {
      return await reply.code(403).type('text/plain').send(`role ${s.role} may not release claims`)
    }
    if (await queries.unclaim(id, s.name, s.role === 'admin')) await audit(s, 'unclaim', id, null)
    return await reply.redirect(withFlash(back, 'unclaimed'), 303)
  })
  app.post('/parcel/:id/outcome', async (request, reply) => {
    const s = sessionOf(request)
    const { id } = request.params as { id: string }
    if (!can.recordOutcome(s.role)) {
      return await reply.code(403).type('text/plain').send(`role ${s.role} may not record outcomes`)
    }
    const detail = await queries.parcel(id)
    if (detail === undefined) return await reply.code(404).type('text/plain').send('no such parcel')
    if (detail.claimedBy !== null && detail.claimedBy !== s.name) {
      return await reply.code(409).type('text/plain').send(`claimed by ${detail.claimedBy}`)
    }
    const ruleIds = [...new Set(detail.decision.reasons.map((r) => r.ruleId))]
    const outcome = outcomeFromForm(id, (request.body ?? {}) as Body, ruleIds, Date.now())
    if (typeof outcome === 'string') return await reply.code(400).type('text/plain').send(outcome)
    await publisher.outcome(outcome)
    await audit(s, 'record-outcome', id, outcome.version, {
      result: outcome.result, method: outcome.method, niiResult: outcome.niiResult, imageRef: outcome.imageRef !== null
    })
    return await reply.redirect(`/parcel/${encodeURIComponent(id)}?done=recorded`, 303)
  })

  app.get('/rules', async (request, reply) => {
    const reports = (await deps.yieldCounts()).map(buildReport)
    const rules = [...new Set(reports.flatMap((r) => r.rules.map((row) => row.ruleId)))]
    const body = rulesPage(reports, await queries.trend(rules, 24))
    return await send(reply, page('Rule performance', body, { session: sessionOf(request), current: '/rules' }))
  })
  registerAdminRoutes(app, {
    auth,
    send,
    sessionOf,
    audit: async (s, action, detail) => {
      await audit(s, action, null, null, detail)
    }
  })
  app.get('/shadow', async (request, reply) =>
    await send(reply, page('Shadow vs active', shadowPage(await queries.disagreements()), {
      session: sessionOf(request), current: '/shadow'
    })))
  return app
}
