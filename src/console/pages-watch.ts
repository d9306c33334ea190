// The pages that watch the stream: the live overview, rule performance (the outcome loop's
// yield report, src/outcomes/report.ts, with an hourly trend per rule) and shadow vs active.
import { html, trusted, type Safe } from './html.ts'
import { time } from './layout.ts'
import type { RiskDecision } from '../declaration.ts'
import { ALL_LANES, type Figures, type RulesetReport } from '../outcomes/report.ts'
import type { Overview, TrendPoint } from './queries.ts'

const pct = (x: number | null): string => x === null ? '—' : `${(100 * x).toFixed(1)} %`
const micros = (us: number | null): string =>
  us === null ? '—' : us >= 1_000 ? `${(us / 1_000).toFixed(1)} ms` : `${us} µs`

const tile = (label: string, value: string, id: string): Safe =>
  html`<div class="tile" id="${id}"><b>${value}</b>${label}</div>`

const countRow = ([k, v]: readonly [string, number]): Safe => html`<tr><td>${k}</td><td class="n">${v}</td></tr>`

const counts = (map: ReadonlyMap<string, number>, empty: string): Safe => map.size === 0
  ? html`<p class="muted">${empty}</p>`
  : html`<table><tbody>${[...map].sort((a, b) => b[1] - a[1]).map(countRow)}</tbody></table>`

const laneRow = (lane: string, n: number, decisions: number): Safe =>
  html`<tr><td>${lane}</td><td class="n">${n}</td><td class="n">${pct(n / decisions)}</td></tr>`

export const overviewPage = (o: Overview, now: number): Safe => {
  const lanes = [...o.lanes].sort((a, b) => b[1] - a[1])
  return html`
<p class="muted">Last ${o.windowSeconds} s of decisions as read from the decisions topic, at ${time(now)} UTC.
<a href="/">refresh</a></p>
<div class="tiles">
${tile('decisions/s', o.decisionsPerSecond.toFixed(1), 'rate')}
${tile('hold rate', pct(o.decisions === 0 ? null : o.held / o.decisions), 'hold-rate')}
${tile('p50 latency', micros(o.p50Micros), 'p50')}
${tile('p99 latency', micros(o.p99Micros), 'p99')}
${tile('DEGRADED share', pct(o.decisions === 0 ? null : o.degraded / o.decisions), 'degraded')}
${tile('in the queue', String(o.queued), 'queued')}
</div>
<h2>Lanes</h2>
${lanes.length === 0
  ? html`<p class="muted">no decisions in the window</p>`
  : html`<table><thead><tr><th>Lane (action)</th><th>Decisions</th><th>Share</th></tr></thead><tbody>
${lanes.map(([lane, n]) => laneRow(lane, n, o.decisions))}</tbody></table>`}
<h2>Dead letters by code</h2>
<h3>In the window</h3>${counts(o.deadLettersWindow, 'none')}
<h3>Since the console's store began</h3>${counts(o.deadLettersTotal, 'none')}
<h2>Ruleset versions in force</h2>
<table><thead><tr><th>Ruleset</th><th>Role</th><th>Last decision</th></tr></thead><tbody>
${o.rulesets.map((r) =>
  html`<tr><td>${r.ruleset}</td><td>${r.shadow ? 'shadow' : 'active'}</td><td>${time(r.lastSeen)}</td></tr>`)}
</tbody></table>`
}

/** A 24-point sparkline of hits (blue) and positives (red), scaled to the larger. */
export const trendSvg = (points: readonly TrendPoint[]): Safe => {
  const w = 240
  const h = 40
  const max = Math.max(1, ...points.map((p) => p.hits))
  const x = (i: number): string => (i * w / Math.max(1, points.length - 1)).toFixed(1)
  const y = (value: number): string => (h - 2 - value * (h - 4) / max).toFixed(1)
  const line = (pick: (p: TrendPoint) => number): string => points.map((p, i) => `${x(i)},${y(pick(p))}`).join(' ')
  return trusted(`<svg class="trend" width="${w}" height="${h}" viewBox="0 0 ${w} ${h}" role="img" ` +
    `aria-label="hourly hits and positives, last ${points.length} h">` +
    `<polyline fill="none" stroke="#2b6cb0" stroke-width="1.5" points="${line((p) => p.hits)}"/>` +
    `<polyline fill="none" stroke="#c53030" stroke-width="1.5" points="${line((p) => p.positives)}"/></svg>`)
}

const interval = (f: Figures): string => f.hitRateLow === null || f.hitRateHigh === null
  ? '—'
  : `${(100 * f.hitRateLow).toFixed(1)}–${(100 * f.hitRateHigh).toFixed(1)} %`

const figureCells = (f: Figures): Safe => html`<td class="n">${f.hits}</td><td class="n">${f.holds}</td>
<td class="n">${f.controls}</td><td class="n">${f.positives}</td>
<td class="n">${pct(f.hitRate)}</td><td class="n">${interval(f)}</td>
<td class="n">${f.lift === null ? '—' : `${f.lift.toFixed(2)}×`}</td>`

const ruleRow = (row: Figures & { readonly ruleId: string }, trend: readonly TrendPoint[]): Safe =>
  html`<tr data-rule="${row.ruleId}"><td>${row.ruleId}</td>${figureCells(row)}<td>${trendSvg(trend)}</td></tr>`

export const rulesPage = (
  reports: readonly RulesetReport[], trends: ReadonlyMap<string, readonly TrendPoint[]>
): Safe => reports.length === 0
  ? html`<p class="muted">No decisions counted yet: the figures come from <code>parcel-risk outcomes</code>
(the outcome loop), reading the same topics into the same Redis prefix.</p>`
  : html`<p class="muted">Hit rate = positives ÷ controls (95 % Wilson interval); lift = hit rate ÷ hit rate of the
random-selection slice. Trend: hits (blue) and positives (red) per hour, last 24 h.</p>
${reports.map((r) => html`<h2>${r.rulesetId} ${r.version}</h2>
<table class="rules" data-ruleset="${r.rulesetId}@${r.version}"><thead><tr><th>Rule</th><th>Hits</th><th>Holds</th>
<th>Controls</th><th>Positives</th><th>Hit rate</th><th>95 % CI</th><th>Lift</th><th>Trend</th></tr></thead><tbody>
<tr><td>(all decisions)</td>${figureCells(r.total)}<td></td></tr>
<tr><td>(random slice)</td>${figureCells(r.random)}<td></td></tr>
${r.rules.filter((row) => row.lane === ALL_LANES).map((row) => ruleRow(row, trends.get(row.ruleId) ?? []))}
</tbody></table>`)}`

const side = (d: RiskDecision): Safe => {
  const rules = d.reasons.map((r) => r.ruleId).join(', ') || 'no rule fired'
  return html`<b>${d.decision}</b> ${d.action} · ${d.score}<br><span class="muted">${rules}</span>`
}

export const shadowPage = (
  pairs: ReadonlyArray<{ active: RiskDecision, shadow: RiskDecision }>
): Safe => pairs.length === 0
  ? html`<p class="muted">No disagreement between the active and the shadow ruleset seen
(or no shadow ruleset running: <code>PARCEL_RISK_RULES_SHADOW_DIR</code>).</p>`
  : html`<p>The latest ${pairs.length} declarations where the two rulesets decided differently (decision or action).</p>
<table id="shadow"><thead><tr><th>Declaration</th><th>Active</th><th>Shadow</th><th>Decided</th></tr></thead><tbody>
${pairs.map(({ active, shadow }) => html`<tr>
<td><a href="/parcel/${encodeURIComponent(active.declarationId)}">${active.declarationId}</a> v${active.version}</td>
<td>${side(active)}<br><span class="muted">${active.ruleset.id}@${active.ruleset.version}</span></td>
<td>${side(shadow)}<br><span class="muted">${shadow.ruleset.id}@${shadow.ruleset.version}</span></td>
<td>${time(Number(active.timings.decidedAt))}</td></tr>`)}</tbody></table>`
