// The officer's pages: the held-parcel queue (filters, claim/unclaim) and the parcel detail
// (declaration, enrichment, every reason with the values that fired it, prior decisions and
// outcomes of the same seller and consignee, the outcome form). Personal data — names,
// addresses, phones, e-mails of the parties, officers' notes — only for roles that need it
// (auth.ts `can.seePersonalData`); the others see it masked.
import { can, type Session } from './auth.ts'
import { html, type Safe } from './html.ts'
import { age, csrfField, time } from './layout.ts'
import type { InspectionOutcome, ParcelDeclaration, Party, RiskDecision } from '../declaration.ts'
import { inspectionMethodSymbols, inspectionResultSymbols, niiResultSymbols } from '../declaration.ts'
import type { ParcelDetail, PartyEntry, QueueFilter, QueuePage } from './queries.ts'
import { PAGE_SIZE } from './queries.ts'

const LANES = [
  'REQUEST_INFO', 'SCREEN_NII', 'PHYSICAL_EXAM', 'DO_NOT_LOAD', 'REJECT_DATA', 'REDIRECT_FULL_DECLARATION',
  'RELEASE_POST_AUDIT'
]

const parcelLink = (id: string): Safe => html`<a href="/parcel/${encodeURIComponent(id)}">${id}</a>`

const backField = (back: string): Safe => html`<input type="hidden" name="back" value="${back}">`

const claimForm = (session: Session, id: string, claimedBy: string | null, back: string): Safe => {
  if (!can.claim(session.role)) return html`${claimedBy ?? ''}`
  if (claimedBy === null) {
    const open = html`<form class="inline" method="post" action="/parcel/${encodeURIComponent(id)}/claim">`
    return html`${open}${csrfField(session)}${backField(back)}<button>Claim</button></form>`
  }
  const mine = claimedBy === session.name
  const open = html`<form class="inline" method="post" action="/parcel/${encodeURIComponent(id)}/unclaim">`
  return html`${claimedBy}${mine || session.role === 'admin'
    ? html` ${open}${csrfField(session)}${backField(back)}<button>Unclaim</button></form>`
    : ''}`
}

const laneOption = (lane: string, selected: string | undefined): Safe =>
  html`<option ${selected === lane ? 'selected' : ''}>${lane}</option>`

export const queuePage = (
  session: Session, filter: QueueFilter, result: QueuePage, query: string, now: number
): Safe => {
  const nextQuery = new URLSearchParams(query)
  nextQuery.set('offset', String(result.offset + PAGE_SIZE))
  const back = `/queue${query === '' ? '' : `?${query}`}`
  const lanes = LANES.map((l) => laneOption(l, filter.lane))
  const beforeAge = filter.minAgeMinutes === undefined ? '' : ' (before the age filter)'
  return html`
<form class="filters" method="get" action="/queue">
  <label>Lane <select name="lane"><option value="">any</option>${lanes}</select></label>
  <label>Rule <input name="rule" value="${filter.rule ?? ''}"></label>
  <label>Route country <input name="route" value="${filter.route ?? ''}" size="3"></label>
  <label>Seller <input name="seller" value="${filter.seller ?? ''}"></label>
  <label>Held ≥ <input name="minAge" type="number" min="0" value="${filter.minAgeMinutes ?? ''}"> min</label>
  <button>Filter</button> <a href="/queue">clear</a>
</form>
<p>${result.total} held parcels${beforeAge}; highest score first, then oldest.</p>
<table id="queue"><thead><tr><th>Declaration</th><th>Score</th><th>Lane</th><th>Rules</th><th>Seller</th><th>Route</th>
<th>Held for</th><th>Officer</th></tr></thead><tbody>
${result.rows.map((r) => html`<tr data-id="${r.declarationId}">
<td>${parcelLink(r.declarationId)} <span class="muted">v${r.version}</span></td>
<td class="n">${r.score}</td><td>${r.lane}</td><td>${r.rules.join(', ')}</td><td>${r.seller}</td>
<td>${r.route.join(' → ')}</td>
<td>${age(r.decidedAt, now)}</td><td>${claimForm(session, r.declarationId, r.claimedBy, back)}</td></tr>`)}
</tbody></table>
${result.more ? html`<a href="/queue?${nextQuery.toString()}">next ${PAGE_SIZE} →</a>` : ''}`
}

const MASK = '•••'

const partyRows = (label: string, party: Party, show: boolean): Safe => {
  const address = show ? `${party.address.street}, ${party.address.postcode ?? ''} ${party.address.city}` : MASK
  return html`
<tr><th>${label}</th><td>${show ? party.name : MASK}<br>${address}, ${party.address.country}
${show ? html`<br><span class="muted">${[party.phone, party.email].filter(Boolean).join(' · ')}</span>` : ''}
<br><span class="muted">EORI ${party.identifiers.eori ?? '—'} · VAT ${party.identifiers.vat ?? '—'}</span></td></tr>`
}

const itemRow = (i: ParcelDeclaration['items'][number]): Safe => html`<tr><td>${i.hsCode}</td><td>${i.description}</td>
<td class="n">${i.quantity}</td><td class="n">${i.intrinsicValue}</td><td>${i.originCountry}</td></tr>`

const declarationTable = (d: ParcelDeclaration, show: boolean): Safe => html`
<table><tbody>
<tr><th>Type / source</th><td>${d.declarationType} · ${d.source.kind} ${d.source.sourceId}</td></tr>
<tr><th>Transport document</th><td>${d.houseTransportDocId} ${d.postalItemId ?? ''}</td></tr>
<tr><th>Seller id</th><td>${d.sellerId}</td></tr>
${partyRows('Seller', d.seller, show)}
${partyRows('Consignee', d.consignee, show)}
<tr><th>Route</th><td>${[d.originCountry, ...d.route, d.destinationCountry].join(' → ')} · ${d.transportMode}</td></tr>
<tr><th>Value</th><td>${d.totalValue} ${d.currency} · ${d.pieces} pieces · ${d.grossMassKg} kg ·
${d.itemCategory}</td></tr>
<tr><th>Items</th><td><table><thead><tr><th>HS</th><th>Description</th><th>Qty</th><th>Value</th><th>Origin</th></tr>
</thead><tbody>
${d.items.map(itemRow)}
</tbody></table></td></tr>
</tbody></table>`

const reasons = (d: RiskDecision): Safe => html`
<table id="reasons"><thead><tr><th>Rule</th><th>Tier</th><th>Contribution</th><th>Values that fired it</th></tr></thead>
<tbody>
${d.reasons.map((r) => html`<tr><td><b>${r.ruleId}</b><br>${r.title}</td><td>${r.tier}</td>
<td class="n">${r.contribution}</td>
<td>${r.values.map((v) => html`<code>${v.name}</code> = <code>${v.value}</code><br>`)}</td></tr>`)}
</tbody></table>`

const decisionLine = (d: RiskDecision): Safe => {
  const ruleset = `${d.ruleset.id}@${d.ruleset.version}`
  const decided = time(Number(d.timings.decidedAt))
  const random = d.randomSelection ? ' · random selection' : ''
  return html`<b>${d.decision}</b> · ${d.action} · score ${d.score} · ruleset ${ruleset} · decided ${decided}${random}`
}

const historyTable = (entries: readonly PartyEntry[]): Safe => entries.length === 0
  ? html`<p class="muted">none kept</p>`
  : html`<table><thead><tr><th>Declaration</th><th>Decision</th><th>Decided</th><th>Outcomes</th></tr></thead><tbody>
${entries.map((e) => html`<tr><td>${parcelLink(e.declarationId)}</td><td>${e.summary.replace('|', ' · ')}</td>
<td>${time(e.decidedAt)}</td>
<td>${e.outcomes.map((o) => o.result).join(', ') || '—'}</td></tr>`)}</tbody></table>`

const outcomeForm = (session: Session, p: ParcelDetail): Safe => {
  const action = `/parcel/${encodeURIComponent(p.declarationId)}/outcome`
  const methods = inspectionMethodSymbols.map((m) => html`<option ${m === 'NII' ? 'selected' : ''}>${m}</option>`)
  const niiResults = niiResultSymbols.map((n) => html`<option>${n}</option>`)
  return html`
<form method="post" action="${action}" id="outcome-form">${csrfField(session)}
<input type="hidden" name="version" value="${p.version}">
<label>Result <select name="result">${inspectionResultSymbols.map((r) => html`<option>${r}</option>`)}</select></label>
<label>Method <select name="method">${methods}</select></label><br>
<label>NII result <select name="nii"><option value="">—</option>${niiResults}</select></label>
<label>Image reference <input name="image" size="30" maxlength="200"></label><br>
<label>Revenue <input name="revenueAmount" size="10" placeholder="12.50"></label>
<label>currency <input name="revenueCurrency" size="3" maxlength="3" placeholder="EUR"></label><br>
<label>Notes <textarea name="notes" rows="2" cols="60" maxlength="2000"></textarea></label><br>
<button>Record outcome</button></form>`
}

const outcomeItem = (o: InspectionOutcome, show: boolean): Safe => {
  const nii = o.niiResult === null ? '' : html` · NII ${o.niiResult}`
  const image = o.imageRef === null ? '' : html` · image ${o.imageRef}`
  const revenue = o.revenueAmount === null ? '' : html` · ${o.revenueAmount} ${o.revenueCurrency ?? ''}`
  const notes = show && o.notes !== null ? html` · ${o.notes}` : ''
  return html`<li>${o.result} · ${o.method}${nii}${image} · ${time(Number(o.inspectedAt))}${revenue}${notes}</li>`
}

export const parcelPage = (session: Session, p: ParcelDetail): Safe => {
  const show = can.seePersonalData(session.role)
  const d = p.decision
  const claim = claimForm(session, p.declarationId, p.claimedBy, `/parcel/${encodeURIComponent(p.declarationId)}`)
  const missing = d.enrichment.missing.length > 0 ? html` · missing: ${d.enrichment.missing.join(', ')}` : ''
  const gates = d.gates.length > 0 ? html` · gates: ${d.gates.join(', ')}` : ''
  const errors = d.errors.length > 0 ? html` · rule errors: ${d.errors.join(', ')}` : ''
  const declaration = p.declaration === null
    ? html`<p class="muted">not (yet) read from the declarations topic</p>`
    : declarationTable(p.declaration, show)
  const outcomes = p.outcomes.length === 0
    ? html`<p class="muted">none recorded</p>`
    : html`<ul id="outcomes">${p.outcomes.map((o) => outcomeItem(o, show))}</ul>`
  const form = can.recordOutcome(session.role) && p.status !== 'released'
    ? html`<h2>Record outcome</h2>${outcomeForm(session, p)}`
    : ''
  return html`
<p>${decisionLine(d)} · status <b id="status">${p.status}</b> · officer ${claim}</p>
<h2>Reasons</h2>${reasons(d)}
<h2>Enrichment</h2><p>${d.enrichment.status}${missing}
${gates}${errors}</p>
<h2>Declaration</h2>${declaration}
${p.shadow === null ? '' : html`<h2>Shadow decision</h2><p>${decisionLine(p.shadow)}</p>`}
<h2>Outcomes</h2>${outcomes}
${form}
<h2>Same seller: earlier parcels</h2>${historyTable(p.sellerHistory)}
<h2>Same consignee: earlier parcels</h2>${historyTable(p.consigneeHistory)}`
}
