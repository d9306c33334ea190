import { describe, expect, it } from 'vitest'
import { createSummary, recordDeadLetter, recordDecision, view } from './summary.ts'
import { redraw, renderLine, renderPanel } from './render.ts'

const sample = (): ReturnType<typeof view> => {
  const s = createSummary(0)
  s.sent = 1_204
  s.poisonSent = 6
  for (let i = 0; i < 1_000; i++) {
    const held = i >= 900
    recordDecision(s, {
      action: held ? 'SCREEN_NII' : 'RELEASE',
      decision: held ? 'HOLD' : 'RELEASE',
      ruleIds: held ? ['IND-UNDERVALUED-ITEM'] : [],
      degraded: i === 0,
      latencyMs: i < 990 ? 4 : 40
    }, i * 4)
  }
  for (let i = 0; i < 4; i++) recordDeadLetter(s, { code: 'E_DECODE_MAGIC_BYTE', latencyMs: 5 }, 4_000)
  return view(s, 5_000)
}

describe('cli > demo > render', () => {
  it('renders the panel: counts, rates, latency, actions, rules and dead letters', () => {
    const text = renderPanel(sample(), { title: 'parcel-risk demo', settings: 'rate 200/s' }).join('\n')
    expect(text).toContain('parcel-risk demo — 5 s — rate 200/s')
    expect(text).toContain('sent 1,204 (poison 6)   decisions 1,000   dead letters 4   pending 200')
    expect(text).toContain('last 5 s     201/s   hold rate 10.0 %   latency p50 4 ms  p99 5 ms  max 40 ms')
    expect(text).toContain('since start  201/s   hold rate 10.0 %   latency p50 4 ms  p99 5 ms  max 40 ms')
    expect(text).toContain('  warm-up (first 10 s) p50 4 ms  p99 5 ms  max 40 ms   steady state p50 –  p99 –  max –')
    expect(text).toContain('enrichment degraded 1')
    expect(text).toMatch(/ {2}RELEASE {5}900 {3}90\.0 % {2}█{18}··\n/)
    expect(text).toMatch(/IND-UNDERVALUED-ITEM {2}100 {3}10\.0 %/)
    expect(text).toMatch(/E_DECODE_MAGIC_BYTE {2}4 {2}100\.0 % {2}█{20}/)
  })

  it('says "none yet" for empty tables and "–" for unknown latency', () => {
    const text = renderPanel(view(createSummary(0), 0), { title: 't', settings: 's' }).join('\n')
    expect(text.match(/none yet/g)).toHaveLength(3)
    expect(text).toContain('latency p50 –  p99 –  max –')
  })

  it('renders one line per second for output that is not a terminal', () => {
    expect(renderLine(sample())).toBe('[   5 s] sent 1,204  decided 1,000  dlq 4  ' +
      'last 5 s: 201/s  hold 10.0 %  p50 4 ms  p99 5 ms  max 40 ms  |  ' +
      'total: hold 10.0 %  p50 4 ms  p99 5 ms  degraded 1')
  })

  it('redraws from the top-left corner, clearing what was there', () => {
    expect(redraw(['a', 'b'])).toBe('\x1b[H\x1b[Ja\nb\n')
  })
})
