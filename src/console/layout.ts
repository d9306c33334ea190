// The page frame every console page shares: head, a small stylesheet served from the console
// itself (no external assets and no inline style or script, so the pages work offline and the
// Content-Security-Policy allows nothing but the console's own origin), navigation by role,
// the signed-in user and a logout form that carries the CSRF token like every other form.
import { can, type Session } from './auth.ts'
import { html, type Safe } from './html.ts'

export const STYLESHEET = `
body{font:14px/1.4 system-ui,sans-serif;margin:0;color:#1b1f24;background:#f6f7f9}
header{background:#16324f;color:#fff;padding:.5em 1em;display:flex;gap:1.2em;align-items:center}
header a{color:#fff;text-decoration:none}header a.on{text-decoration:underline}
header .who{margin-left:auto;opacity:.9}header form{display:inline}
main{padding:1em 1.5em;max-width:1200px}
table{border-collapse:collapse;background:#fff;margin:.5em 0 1.2em}
th,td{border:1px solid #d6dae0;padding:.25em .6em;text-align:left;vertical-align:top}
th{background:#eef1f5}td.n{text-align:right;font-variant-numeric:tabular-nums}
.tiles{display:flex;flex-wrap:wrap;gap:.8em}
.tile{background:#fff;border:1px solid #d6dae0;padding:.6em 1em;min-width:9em}
.tile b{display:block;font-size:1.6em}
.flash{background:#fff4d6;border:1px solid #e6c66a;padding:.5em 1em}.err{background:#fde2e2;border-color:#e09b9b}
form.inline{display:inline}button{cursor:pointer}
.filters input,.filters select{width:9em}
.muted{color:#66707a}.pd{filter:blur(0)}code{font-size:.95em}
svg.trend{background:#fff;border:1px solid #d6dae0}
`

export interface Nav { readonly session: Session, readonly current: string }

const link = (href: string, label: string, current: string): Safe =>
  html`<a href="${href}" class="${current === href ? 'on' : ''}">${label}</a>`

/** The navigation links, one space apart; Users only for a role that administers them. */
const navLinks = (nav: Nav): Safe => {
  const links = [
    link('/', 'Overview', nav.current),
    link('/queue', 'Queue', nav.current),
    link('/rules', 'Rule performance', nav.current),
    link('/shadow', 'Shadow vs active', nav.current),
    ...(can.administerUsers(nav.session.role) ? [link('/admin/users', 'Users', nav.current)] : [])
  ]
  return html`${links.map((l, i) => i === 0 ? l : html` ${l}`)}`
}

export const csrfField = (session: Session): Safe => html`<input type="hidden" name="_csrf" value="${session.csrf}">`

export const page = (
  title: string, body: Safe, nav?: Nav, flash?: { text: string, error?: boolean }
): Safe => html`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width">
<title>${title} · parcel-risk console</title><link rel="stylesheet" href="/console.css"></head>
<body><header><strong>parcel-risk</strong>
${nav === undefined
  ? ''
  : html`${navLinks(nav)}
<span class="who">${nav.session.name} (${nav.session.role})
<form method="post" action="/logout">${csrfField(nav.session)}<button>Log out</button></form></span>`}
</header><main>
${flash === undefined
  ? ''
  : html`<p class="flash ${flash.error === true ? 'err' : ''}" role="status">${flash.text}</p>`}
<h1>${title}</h1>
${body}
</main></body></html>`

export const time = (ms: number): string =>
  Number.isFinite(ms) && ms > 0 ? new Date(ms).toISOString().replace('T', ' ').slice(0, 19) : '—'

export const age = (ms: number, now: number): string => {
  const minutes = Math.max(0, Math.floor((now - ms) / 60_000))
  return minutes < 60
    ? `${minutes} min`
    : minutes < 2_880 ? `${Math.floor(minutes / 60)} h` : `${Math.floor(minutes / 1_440)} d`
}
