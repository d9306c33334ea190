import { describe, expect, it } from 'vitest'
import { buildReport, formatCsv, formatJson, formatTable, wilson } from './report.ts'
import { counterField } from './tally.ts'

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
    const report = buildReport({ ...sample, counts: new Map([...sample.counts].filter(([f]) => !f.startsWith('random|'))) })
    expect(report.rules[0]?.lift).toBeNull()
  })

  it('prints a table, JSON and CSV of the same figures', () => {
    const report = buildReport(sample)
    expect(formatTable([report])).toMatch(/r-a\s+all\s+50\s+50\s+50\s+25\s+50\.0 %\s+36\.6–63\.4 %\s+5\.00×\s+123\.45 EUR/)
    expect(JSON.parse(formatJson([report])).rulesets[0].rules[0].positives).toBe(25)
    const csv = formatCsv([report]).trim().split('\n')
    expect(csv[0]).toBe('rulesetId,version,rule,lane,hits,holds,controls,positives,hitRate,hitRateLow,hitRateHigh,lift,revenue')
    expect(csv.find((l) => l.startsWith('eu-lvc,1.0.0,r-a,*,'))).toMatch(/^eu-lvc,1\.0\.0,r-a,\*,50,50,50,25,0\.5,0\.366\d*,0\.633\d*,5,123\.45 EUR$/)
  })

  it('says so when nothing was counted', () => {
    expect(formatTable([])).toMatch(/no decisions counted yet/)
  })
})
