// User administration, for admins only: list the users, add one, change a role, disable or
// enable one (a disabled user cannot sign in and every session of theirs ends at its next
// request, auth.ts). Each change is written to the audit topic before the answer. An admin
// cannot change or disable their own account here, so the console cannot lose its last admin
// by a slip of the mouse (`parcel-risk console user add` remains for that).
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import {
  can, checkPassword, checkUserName, isRole, ROLES, type AuthStore, type Session, type UserEntry
} from './auth.ts'
import { html, type Safe } from './html.ts'
import { csrfField, page } from './layout.ts'
import type { AuditRecord } from './publisher.ts'

export const ADMIN_PATH = '/admin/users'

const FLASHES: Readonly<Record<string, { text: string, error?: boolean }>> = {
  added: { text: 'User added.' },
  exists: { text: 'A user of that name exists already.', error: true },
  role: { text: 'Role changed; it applies from the user\'s next request.' },
  disabled: { text: 'User disabled; their sessions have ended.' },
  enabled: { text: 'User enabled; they can sign in again.' },
  self: { text: 'You cannot change or disable your own account here.', error: true },
  unknown: { text: 'No such user.', error: true }
}

const roleOption = (role: string, selected: string): Safe =>
  html`<option ${role === selected ? 'selected' : ''}>${role}</option>`

const roleSelect = (selected: string): Safe =>
  html`<select name="role">${ROLES.map((r) => roleOption(r, selected))}</select>`

const roleForm = (session: Session, path: string, role: string): Safe => {
  const open = html`<form class="inline" method="post" action="${path}/role">`
  return html`${open}${csrfField(session)}${roleSelect(role)} <button>Change role</button></form>`
}

const disableForm = (session: Session, path: string, disabled: boolean): Safe => {
  const open = html`<form class="inline" method="post" action="${path}/${disabled ? 'enable' : 'disable'}">`
  return html`${open}${csrfField(session)}<button>${disabled ? 'Enable' : 'Disable'}</button></form>`
}

const passwordInput = html`<input name="password" type="password" autocomplete="new-password" minlength="12" required>`

const nameInput = (typed: string): Safe =>
  html`<input name="name" value="${typed}" pattern="[a-z0-9._\-]{1,64}" autocomplete="off" required>`

export const usersPage = (
  session: Session, users: readonly UserEntry[], problem?: string, typed?: { name: string, role: string }
): Safe => html`
<table id="users"><thead><tr><th>User</th><th>Role</th><th>Status</th><th></th></tr></thead><tbody>
${users.map((u) => {
  const path = `${ADMIN_PATH}/${encodeURIComponent(u.name)}`
  const self = u.name === session.name
  return html`<tr data-user="${u.name}"><td>${u.name}</td>
<td>${self ? u.role : roleForm(session, path, u.role)}</td>
<td class="status">${u.disabled ? 'disabled' : 'active'}</td>
<td>${self ? html`<span class="muted">you</span>` : disableForm(session, path, u.disabled)}</td></tr>`
})}
</tbody></table>
<h2>Add a user</h2>
${problem === undefined ? '' : html`<p class="flash err" role="alert">${problem}</p>`}
<form method="post" action="${ADMIN_PATH}" id="add-user">${csrfField(session)}
<p><label>User ${nameInput(typed?.name ?? '')}</label>
<label>Role ${roleSelect(typed?.role ?? 'viewer')}</label>
<label>Initial password ${passwordInput}</label>
<button>Add user</button></p></form>`

type Body = Record<string, string | undefined>
type Audit = (s: Session, action: AuditRecord['action'], detail: AuditRecord['detail']) => Promise<void>

export const registerAdminRoutes = (app: FastifyInstance, deps: {
  readonly auth: AuthStore
  readonly audit: Audit
  readonly send: (reply: FastifyReply, body: { text: string }, code?: number) => Promise<FastifyReply>
  readonly sessionOf: (request: FastifyRequest) => Session
}): void => {
  const { auth, audit, send, sessionOf } = deps
  const nav = (s: Session) => ({ session: s, current: ADMIN_PATH })
  // A reply is a thenable that settles once sent: the caller returns it rather than awaits it.
  const refusal = (s: Session, reply: FastifyReply): FastifyReply | undefined =>
    can.administerUsers(s.role)
      ? undefined
      : reply.code(403).type('text/plain').send(`role ${s.role} may not administer users`)
  const done = async (reply: FastifyReply, flash: string): Promise<FastifyReply> =>
    await reply.redirect(`${ADMIN_PATH}?done=${flash}`, 303)

  app.get(ADMIN_PATH, async (request, reply) => {
    const s = sessionOf(request)
    const flash = FLASHES[(request.query as Body).done ?? '']
    return refusal(s, reply) ?? await send(reply, page('Users', usersPage(s, await auth.listUsers()), nav(s), flash))
  })

  app.post(ADMIN_PATH, async (request, reply) => {
    const s = sessionOf(request)
    const denied = refusal(s, reply)
    if (denied !== undefined) return await denied
    const body = (request.body ?? {}) as Body
    const name = (body.name ?? '').trim().toLowerCase()
    const role = (body.role ?? '').trim()
    const password = body.password ?? ''
    const problem = checkUserName(name) ?? (isRole(role) ? undefined : 'unknown role') ?? checkPassword(password)
    if (problem !== undefined || !isRole(role)) {
      const typed = { name: name.slice(0, 64), role }
      return await send(reply, page('Users', usersPage(s, await auth.listUsers(), problem, typed), nav(s)), 400)
    }
    if (!(await auth.addUser(name, role, password))) return await done(reply, 'exists')
    await audit(s, 'user-added', { target: name, role })
    return await done(reply, 'added')
  })

  const change = (verb: 'role' | 'disable' | 'enable'): void => {
    app.post(`${ADMIN_PATH}/:name/${verb}`, async (request, reply) => {
      const s = sessionOf(request)
      const denied = refusal(s, reply)
      if (denied !== undefined) return await denied
      const { name } = request.params as { name: string }
      if (name === s.name) return await done(reply, 'self')
      if (verb === 'role') {
        const role = ((request.body ?? {}) as Body).role ?? ''
        if (!isRole(role)) return await reply.code(400).type('text/plain').send('unknown role')
        const before = await auth.setRole(name, role)
        if (before === undefined) return await done(reply, 'unknown')
        await audit(s, 'user-role-changed', { target: name, role, from: before })
        return await done(reply, 'role')
      }
      if (!(await auth.setDisabled(name, verb === 'disable'))) return await done(reply, 'unknown')
      await audit(s, verb === 'disable' ? 'user-disabled' : 'user-enabled', { target: name })
      return await done(reply, verb === 'disable' ? 'disabled' : 'enabled')
    })
  }
  change('role')
  change('disable')
  change('enable')
}
