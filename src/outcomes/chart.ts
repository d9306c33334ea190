// The weekly hit rate of the report (report.ts trend) as an SVG line chart: one line per rule
// with the most controls, and every decision's line drawn heavier. Plain SVG 1.1 text with
// its own axes and legend, readable by a browser or any image tool. Pure: no I/O.
import type { RulesetReport, TrendPoint } from './report.ts'

const WIDTH = 860
const HEIGHT = 420
const PLOT = { left: 60, right: 230, top: 40, bottom: 60 }
const COLOURS = ['#1f77b4', '#ff7f0e', '#2ca02c', '#d62728', '#9467bd', '#8c564b', '#e377c2', '#17becf']

const escape = (s: string): string =>
  s.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;').replaceAll('"', '&quot;')

const controlsOf = (points: readonly TrendPoint[]): number => points.reduce((s, p) => s + p.controls, 0)

/** The rules to draw: every decision first, then the rules with the most controls. */
const series = (report: RulesetReport, rules: number): Array<[string, readonly TrendPoint[]]> => {
  const ranked = Object.entries(report.trend)
    .filter(([rule, points]) => rule !== '*' && controlsOf(points) > 0)
    .sort(([ra, a], [rb, b]) => controlsOf(b) - controlsOf(a) || ra.localeCompare(rb))
    .slice(0, rules)
  const all = report.trend['*']
  return all === undefined ? ranked : [['(all decisions)', all], ...ranked]
}

const axes = (weeks: readonly string[], x: (i: number) => number, y: (rate: number) => number): string[] => {
  const out: string[] = []
  for (const rate of [0, 0.25, 0.5, 0.75, 1]) {
    out.push(`<line x1="${PLOT.left}" x2="${WIDTH - PLOT.right}" y1="${y(rate)}" y2="${y(rate)}" stroke="#ddd"/>`)
    out.push(`<text x="${PLOT.left - 8}" y="${y(rate) + 4}" text-anchor="end">${rate * 100} %</text>`)
  }
  const step = Math.max(1, Math.ceil(weeks.length / 12))
  weeks.forEach((week, i) => {
    if (i % step !== 0) return
    out.push(`<text x="${x(i)}" y="${HEIGHT - PLOT.bottom + 18}" text-anchor="middle">${escape(week)}</text>`)
  })
  return out
}

/** An SVG chart of the hit rate per ISO week for one ruleset version; `rules` lines besides every decision's. */
export const trendChart = (report: RulesetReport, rules = 7): string => {
  const lines = series(report, rules)
  const weeks = [...new Set(lines.flatMap(([, points]) => points.map((p) => p.week)))].sort()
  const plotWidth = WIDTH - PLOT.left - PLOT.right
  const plotHeight = HEIGHT - PLOT.top - PLOT.bottom
  const x = (i: number): number =>
    PLOT.left + (weeks.length <= 1 ? plotWidth / 2 : (i * plotWidth) / (weeks.length - 1))
  const y = (rate: number): number => PLOT.top + plotHeight * (1 - rate)
  const title = `Hit rate per week of decision — ${report.rulesetId} ${report.version}`
  const out = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${HEIGHT}" viewBox="0 0 ${WIDTH} ${HEIGHT}"`,
    ' font-family="sans-serif" font-size="12">',
    `<title>${escape(title)}</title>`,
    `<rect width="${WIDTH}" height="${HEIGHT}" fill="#fff"/>`,
    `<text x="${PLOT.left}" y="22" font-size="15">${escape(title)}</text>`,
    ...axes(weeks, x, y)
  ]
  if (weeks.length === 0) out.push(`<text x="${PLOT.left + 10}" y="${y(0.5)}">no controls counted yet</text>`)
  lines.forEach(([label, points], n) => {
    const colour = n === 0 && label === '(all decisions)' ? '#000' : COLOURS[n % COLOURS.length] ?? '#000'
    const heavy = colour === '#000' ? 3 : 1.8
    const drawn = points.filter((p) => p.hitRate !== null)
    const at = drawn.map((p) => `${x(weeks.indexOf(p.week)).toFixed(1)},${y(p.hitRate ?? 0).toFixed(1)}`)
    if (at.length > 1) {
      out.push(`<polyline fill="none" stroke="${colour}" stroke-width="${heavy}" points="${at.join(' ')}"/>`)
    }
    for (const point of at) {
      const [cx, cy] = point.split(',')
      out.push(`<circle cx="${cx}" cy="${cy}" r="3" fill="${colour}"/>`)
    }
    const legendY = PLOT.top + 10 + n * 20
    out.push(`<rect x="${WIDTH - PLOT.right + 16}" y="${legendY - 9}" width="12" height="12" fill="${colour}"/>`)
    const controls = controlsOf(points)
    out.push(`<text x="${WIDTH - PLOT.right + 34}" y="${legendY + 1}">${escape(label)} (${controls} controls)</text>`)
  })
  out.push('</svg>')
  return `${out.join('\n')}\n`
}
