import { describe, expect, it } from 'vitest'
import { trendChart } from './chart.ts'
import { buildReport, wilson } from './report.ts'
import { formatCsv, formatJson, formatTable, formatTrend } from './report-format.ts'
import { counterField, decisionIncrements, decisionRecord, outcomeIncrements, WEEK_SCOPE } from './tally.ts'
import type { InspectionOutcome, RiskDecision } from '../declaration.ts'

const counts = (entries: Array<[string, string, string, string, number]>): Map<string, number> =>
  new Map(entries.map(([scope, rule, lane, metric, n]) => [counterField(scope as 'all', rule, lane, metric), n]))

const sample = {
  id: 'eu-lvc', version: '1.0.0', digests: ['ab'.repeat(32)],
  counts: counts([
    ['all', '*', 'RELEASE', 'fired', 900],
    ['all', '*', 'SCREEN_NII', 'fired', 100], ['all', '*', 'SCREEN_NII', 'held', 100],
    ['all', '*', 'SCREEN_NII', 'controlled', 100], ['all', '*', 'SCREEN_NII', 'positive', 30],
    ['all', 'r-a', 'SCREEN_NII', 'fired', 40], ['all', 'r-a', 'SCREEN_NII', 'held', 40],
    ['all', 'r-a', 'SCREEN_NII', 'controlled', 40], ['all', 'r-a', 'SCREEN_NII', 'positive', 20],
    ['all', 'r-a', 'SCREEN_NII', 'result:REVENUE', 20], ['all', 'r-a', 'SCREEN_NII', 'revenue:EUR', 1_234_500],
    ['all', 'r-a', 'PHYSICAL_EXAM', 'fired', 10], ['all', 'r-a', 'PHYSICAL_EXAM', 'held', 10],
    ['all', 'r-a', 'PHYSICAL_EXAM', 'controlled', 10], ['all', 'r-a', 'PHYSICAL_EXAM', 'positive', 5],
    ['random', '*', 'SCREEN_NII', 'fired', 20], ['random', '*', 'SCREEN_NII', 'held', 20],
    ['random', '*', 'SCREEN_NII', 'controlled', 20], ['random', '*', 'SCREEN_NII', 'positive', 2]
  ])
}

describe('outcomes > report', () => {
  it('matches published Wilson intervals (10 of 100: 5.52 %–17.44 %)', () => {
    const [low, high] = wilson(10, 100) ?? [NaN, NaN]
    expect(low).toBeCloseTo(0.0552, 4)
    expect(high).toBeCloseTo(0.1744, 4)
    expect(wilson(0, 0)).toBeNull()
    expect(wilson(0, 10)?.[0]).toBe(0)
  })

  it('sums a rule over its lanes, and gives each lane its own row', () => {
    const report = buildReport(sample)
    const rows = report.rules.filter((r) => r.ruleId === 'r-a')
    expect(rows.map((r) => [r.lane, r.hits, r.holds, r.controls, r.positives])).toEqual([
      ['*', 50, 50, 50, 25], ['PHYSICAL_EXAM', 10, 10, 10, 5], ['SCREEN_NII', 40, 40, 40, 20]
    ])
    expect(rows[0]?.hitRate).toBe(0.5)
    expect(rows[0]?.revenue).toEqual({ EUR: '123.45' })
  })

  it('measures lift against the random slice', () => {
    const report = buildReport(sample)
    expect(report.random.hitRate).toBe(0.1)
    expect(report.rules[0]?.lift).toBeCloseTo(5, 10)
    expect(report.total.hits).toBe(1_000)
    expect(report.lanes.map((l) => l.lane)).toEqual(['RELEASE', 'SCREEN_NII'])
  })

  it('has no lift without a random slice to compare with', () => {
    const counts = new Map([...sample.counts].filter(([f]) => !f.startsWith('random|')))
    const report = buildReport({ ...sample, counts })
    expect(report.rules[0]?.lift).toBeNull()
  })

  it('prints a table, JSON and CSV of the same figures', () => {
    const report = buildReport(sample)
    expect(formatTable([report])).toMatch(/r-a\s+all\s+50\s+50\s+50\s+25\s+50\.0 %\s+36\.6–63\.4 %\s+5\.00×\s+123\.45 EUR/)
    expect(JSON.parse(formatJson([report])).rulesets[0].rules[0].positives).toBe(25)
    const csv = formatCsv([report]).trim().split('\n')
    expect(csv[0]).toBe('rulesetId,version,rule,lane,hits,holds,controls,positives,hitRate,hitRateLow,hitRateHigh,' +
      'lift,revenue,niiScanned,niiAnomaly,niiConfirmed,niiMissed')
    expect(csv.find((l) => l.startsWith('eu-lvc,1.0.0,r-a,*,')))
      .toMatch(/^eu-lvc,1\.0\.0,r-a,\*,50,50,50,25,0\.5,0\.366\d*,0\.633\d*,5,123\.45 EUR,0,0,0,0$/)
  })

  it('says so when nothing was counted', () => {
    expect(formatTable([])).toMatch(/no decisions counted yet/)
  })

  it('counts what scans showed and which anomalies a physical exam confirmed', () => {
    const timings = { receivedAt: 0, decidedAt: Date.UTC(2026, 10, 30), latencyMicros: 1 }
    const record = decisionRecord(decisionOf({ timings }))
    const outcomes: Array<Partial<InspectionOutcome>> = [
      { method: 'PHYSICAL', niiResult: 'ANOMALY', result: 'SEIZED' },
      { method: 'PHYSICAL', niiResult: 'ANOMALY', result: 'NO_FINDING' },
      { method: 'NII', niiResult: 'ANOMALY', result: 'CONTENT_MISMATCH' },
      { method: 'PHYSICAL', niiResult: 'CLEAR', result: 'REVENUE' },
      { method: 'NII', niiResult: 'INCONCLUSIVE', result: 'NO_FINDING' },
      { method: 'PHYSICAL', niiResult: null, result: 'SEIZED' }
    ]
    const totals = new Map<string, number>()
    const increments = [
      ...decisionIncrements(record),
      ...outcomes.flatMap((o) => outcomeIncrements(record, outcomeOf(o)))
    ]
    for (const [field, by] of increments) {
      totals.set(field, (totals.get(field) ?? 0) + Number(by))
    }
    const report = buildReport({ id: 'eu-lvc', version: '1.0.0', digests: ['x'], counts: totals })
    expect(report.total.nii).toEqual({ scanned: 5, clear: 1, anomaly: 3, inconclusive: 1, confirmed: 1, missed: 1 })
    expect(report.total.controls).toBe(6)
    expect(formatTable([report])).toMatch(/NII scans\s+lane\s+scanned.*\n\s+all\s+5\s+1\s+3\s+1\s+1\s+1/)
  })

  it('gives each rule a weekly trend in the week of the decision, and charts it', () => {
    const totals = new Map<string, number>()
    const add = (decidedAt: number, positive: boolean): void => {
      const record = decisionRecord(decisionOf({ timings: { receivedAt: 0, decidedAt, latencyMicros: 1 } }))
      // The control comes a week later: it still counts in the decision's week.
      const outcome = outcomeOf({ result: positive ? 'SEIZED' : 'NO_FINDING', inspectedAt: decidedAt + 7 * 86_400_000 })
      for (const [field, by] of [...decisionIncrements(record), ...outcomeIncrements(record, outcome)]) {
        totals.set(field, (totals.get(field) ?? 0) + Number(by))
      }
    }
    add(Date.UTC(2026, 10, 23, 12), true) // Monday of 2026-W48
    add(Date.UTC(2026, 10, 29, 23), false) // Sunday of 2026-W48
    add(Date.UTC(2026, 10, 30, 1), false) // Monday of 2026-W49
    const report = buildReport({ id: 'eu-lvc', version: '1.0.0', digests: ['x'], counts: totals })
    expect(report.trend['r-a']).toEqual([
      { week: '2026-W48', hits: 2, holds: 2, controls: 2, positives: 1, hitRate: 0.5 },
      { week: '2026-W49', hits: 1, holds: 1, controls: 1, positives: 0, hitRate: 0 }
    ])
    expect(report.trend['*']).toEqual(report.trend['r-a'])
    expect(report.rules.find((r) => r.ruleId === 'r-a')?.controls).toBe(3)
    expect(formatTrend([report])).toMatch(/r-a\s+2026-W48\s+2\s+2\s+2\s+1\s+50\.0 %\n\s+2026-W49\s+1\s+1\s+1\s+0\s+0\.0 %/)
    const svg = trendChart(report)
    expect(svg).toMatch(/^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg"/)
    expect(svg.match(/<polyline /g)).toHaveLength(2)
    expect(svg).toContain('r-a (3 controls)')
    expect(svg).toContain('2026-W49')
  })

  it('ignores week fields in the lane figures', () => {
    const counts = new Map([...sample.counts, [counterField(WEEK_SCOPE, 'r-a', '2026-W01', 'fired'), 7]])
    const report = buildReport({ ...sample, counts })
    expect(report.rules.find((r) => r.ruleId === 'r-a')?.hits).toBe(50)
    expect(report.trend['r-a']?.[0]?.hits).toBe(7)
  })
})

function decisionOf (over: Partial<RiskDecision>): RiskDecision {
  return {
    declarationId: 'D-1', version: 1, decision: 'HOLD', action: 'PHYSICAL_EXAM', score: 80,
    reasons: [{ ruleId: 'r-a', title: 'a', tier: 'INDICATOR', contribution: 80, values: [] }],
    gates: [], errors: [], randomSelection: false,
    ruleset: { id: 'eu-lvc', version: '1.0.0', digest: 'x' },
    enrichment: { status: 'OK', missing: [] }, rejections: [],
    timings: { receivedAt: 1, decidedAt: 2, latencyMicros: 3 }, inputDigest: 'cd'.repeat(32),
    ...over
  }
}

function outcomeOf (over: Partial<InspectionOutcome>): InspectionOutcome {
  return {
    declarationId: 'D-1', version: 1, result: 'NO_FINDING', inspectedAt: 1_770_000_000_000, method: 'PHYSICAL',
    ruleIds: [], revenueAmount: null, revenueCurrency: null, notes: null, niiResult: null, imageRef: null, ...over
  }
}
