// The e2e chart as a self-made SVG (no chart library): for each offered rate, achieved
// throughput (linear), p99 latency and CPU per declaration (logarithmic), the systems side by side.
import { MODES, type Mode, type PointResult } from './report.ts'

const W = 1340
const H = 380
const PANEL = { top: 60, bottom: 310, width: 380 }
const COLOURS: Record<Mode, string> = { passthrough: '#8c8c8c', pipeline: '#1f77b4', naive: '#d62728' }

const esc = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;')
const label = (o: number | 'max'): string => (o === 'max' ? 'max' : `${o / 1000}k/s`)
const short = (n: number): string => (n >= 10_000 ? `${(n / 1000).toFixed(0)}k` : n >= 1000 ? `${(n / 1000).toFixed(1).replace(/\.0$/, '')}k` : `${Math.round(n)}`)

/** 1, 2 or 5 times a power of ten, at least `x`. */
const niceStep = (x: number): number => {
  const power = 10 ** Math.floor(Math.log10(Math.max(1, x)))
  return [1, 2, 5, 10].map((m) => m * power).find((s) => s >= x) ?? 10 * power
}

interface Panel {
  readonly x0: number
  readonly title: string
  readonly value: (p: PointResult) => number | undefined
  readonly log: boolean
  readonly unit: string
}

const panel = (points: readonly PointResult[], offered: ReadonlyArray<number | 'max'>, p: Panel): string[] => {
  const values = points.map(p.value).filter((v): v is number => v !== undefined && v > 0)
  const top = Math.max(1, ...values)
  const logTop = Math.ceil(Math.log10(top))
  const step = niceStep(top / 4)
  const linearTop = Math.ceil(top / step) * step
  const y = (v: number): number => {
    const share = p.log ? Math.max(0, Math.log10(Math.max(1, v))) / Math.max(1, logTop) : v / linearTop
    return PANEL.bottom - share * (PANEL.bottom - PANEL.top)
  }
  const out: string[] = [
    `<text x="${p.x0 + PANEL.width / 2}" y="40" text-anchor="middle" font-weight="bold">${esc(p.title)}</text>`
  ]
  const ticks = p.log
    ? Array.from({ length: logTop + 1 }, (_, i) => 10 ** i)
    : Array.from({ length: Math.round(linearTop / step) + 1 }, (_, i) => i * step)
  for (const t of ticks) {
    const ty = y(t).toFixed(1)
    out.push(`<line x1="${p.x0}" y1="${ty}" x2="${p.x0 + PANEL.width}" y2="${ty}" stroke="#ddd"/>`)
    out.push(`<text x="${p.x0 - 4}" y="${(y(t) + 4).toFixed(1)}" text-anchor="end" font-size="11">` +
      `${short(t)}${p.unit}</text>`)
  }
  out.push(`<line x1="${p.x0}" y1="${PANEL.bottom}" x2="${p.x0 + PANEL.width}" y2="${PANEL.bottom}" stroke="#333"/>`)
  const group = PANEL.width / offered.length
  const modes = MODES.filter((m) => points.some((q) => q.mode === m))
  const bar = group / (modes.length + 1)
  offered.forEach((o, i) => {
    const gx = p.x0 + i * group
    out.push(`<text x="${gx + group / 2}" y="${PANEL.bottom + 18}" text-anchor="middle" font-size="12">` +
      `${label(o)}</text>`)
    modes.forEach((mode, j) => {
      const point = points.find((q) => q.mode === mode && q.offered === o)
      const v = point === undefined ? undefined : p.value(point)
      if (v === undefined) return
      const x = gx + bar / 2 + j * bar
      const yy = y(v)
      out.push(`<rect x="${x.toFixed(1)}" y="${yy.toFixed(1)}" width="${(bar - 2).toFixed(1)}" ` +
        `height="${(PANEL.bottom - yy).toFixed(1)}" fill="${COLOURS[mode]}"/>`)
      out.push(`<text x="${(x + bar / 2 - 1).toFixed(1)}" y="${(yy - 3).toFixed(1)}" text-anchor="middle" ` +
        `font-size="10">${short(v)}</text>`)
    })
  })
  out.push(`<text x="${p.x0 + PANEL.width / 2}" y="${PANEL.bottom + 36}" text-anchor="middle" font-size="12">` +
    'offered declarations per second</text>')
  return out
}

export const chart = (points: readonly PointResult[], subtitle: string): string => {
  const offered = [...new Set(points.map((p) => p.offered))]
  const legend = MODES.filter((m) => points.some((q) => q.mode === m)).map((m, i) =>
    `<rect x="${W / 2 - 120 + i * 130}" y="${H - 22}" width="12" height="12" fill="${COLOURS[m]}"/>` +
    `<text x="${W / 2 - 104 + i * 130}" y="${H - 12}" font-size="12">${m}</text>`)
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif">`,
    `<rect width="${W}" height="${H}" fill="#fff"/>`,
    `<text x="${W / 2}" y="18" text-anchor="middle" font-size="13">${esc(subtitle)}</text>`,
    ...panel(points, offered, {
      x0: 60, title: 'achieved throughput (declarations/s)', value: (p) => p.throughputPerS, log: false, unit: ''
    }),
    ...panel(points, offered, {
      x0: 500, title: 'p99 end-to-end latency (ms, log scale)', value: (p) => p.latencyMs.p99, log: true, unit: ''
    }),
    ...panel(points, offered, {
      x0: 940,
      title: 'CPU per declaration (µs, log scale)',
      value: (p) => p.cpuMicrosPerDeclaration,
      log: true,
      unit: ''
    }),
    ...legend,
    '</svg>',
    ''
  ].join('\n')
}
