import { describe, expect, it } from 'vitest'
import type { RiskDecision } from '../declaration.ts'
import { outcomeFor, outcomeRates, scanRates } from './outcomes.ts'
import type { Pattern } from './patterns.ts'

const decision = (id: string, over: Partial<RiskDecision> = {}): RiskDecision => ({
  declarationId: id, version: 1, decision: 'HOLD', action: 'SCREEN_NII', score: 75,
  reasons: [{ ruleId: 'r-a', title: 'a', tier: 'INDICATOR', contribution: 75, values: [] }],
  gates: [], errors: [], randomSelection: false,
  ruleset: { id: 'eu-lvc', version: '1', digest: '0'.repeat(64) },
  enrichment: { status: 'OK', missing: [] }, rejections: [],
  timings: { receivedAt: 0, decidedAt: 1_770_000_000_000, latencyMicros: 1 }, inputDigest: '0'.repeat(64),
  ...over
})

describe('generate > outcomes', () => {
  it.each(Object.entries(outcomeRates) as Array<[Pattern | 'clean', { positive: number, finding: string }]>)(
    '%s: positive at its documented rate (within 4 standard deviations of 4,000 draws)', (pattern, rate) => {
      const n = 4_000
      const held = (i: number): RiskDecision => decision(`D-${pattern}-${i}`, { action: 'PHYSICAL_EXAM' })
      const outcomes = Array.from({ length: n }, (_, i) => outcomeFor(held(i), pattern === 'clean' ? [] : [pattern], 7))
      const positives = outcomes.filter((o) => o?.result === rate.finding).length
      expect(outcomes.every((o) => o?.result === rate.finding || o?.result === 'NO_FINDING')).toBe(true)
      const bound = 4 * Math.sqrt(rate.positive * (1 - rate.positive) / n) + 1e-9
      expect(Math.abs(positives / n - rate.positive)).toBeLessThanOrEqual(bound)
    })

  it('gives the same outcome for the same seed, declaration and version', () => {
    expect(outcomeFor(decision('D-1'), ['undervaluation'], 7))
      .toEqual(outcomeFor(decision('D-1'), ['undervaluation'], 7))
  })

  it.each([
    ['REQUEST_INFO', 'DOCUMENT_CHECK'], ['PHYSICAL_EXAM', 'PHYSICAL'], ['DO_NOT_LOAD', 'PHYSICAL']
  ] as const)('controls a %s hold by %s, without a scan', (action, method) => {
    const outcome = outcomeFor(decision('D-1', { action }), [], 7)
    expect(outcome?.method).toBe(method)
    expect(outcome?.niiResult).toBeNull()
  })

  it('scans a SCREEN_NII hold: a clear scan releases it, an anomaly sends it on to a physical exam', () => {
    const n = 4_000
    const risky = Array.from({ length: n }, (_, i) => outcomeFor(decision(`D-r-${i}`), ['restricted-goods'], 7))
    const clean = Array.from({ length: n }, (_, i) => outcomeFor(decision(`D-c-${i}`), [], 7))
    for (const o of [...risky, ...clean]) {
      expect(o?.niiResult).not.toBeNull()
      expect(o?.imageRef).toMatch(/^uff:D-/)
      expect(o?.method).toBe(o?.niiResult === 'CLEAR' ? 'NII' : 'PHYSICAL')
      // Nothing is found behind a clear scan.
      if (o?.niiResult === 'CLEAR') expect(o.result).toBe('NO_FINDING')
    }
    const share = (list: typeof risky, p: (o: NonNullable<(typeof risky)[number]>) => boolean): number =>
      list.filter((o) => o !== null && p(o)).length / n
    const within = (x: number, rate: number): boolean => Math.abs(x - rate) <= 4 * Math.sqrt(rate * (1 - rate) / n)
    const seized = outcomeRates['restricted-goods'].positive * scanRates.detected
    expect(within(share(risky, (o) => o.result === 'SEIZED'), seized)).toBe(true)
    const clear = 1 - scanRates.falseAlarm - scanRates.inconclusive
    const found = outcomeRates.clean.positive
    const scannedClear = (1 - found) * clear + found * (1 - scanRates.detected)
    expect(within(share(clean, (o) => o.niiResult === 'CLEAR'), scannedClear)).toBe(true)
  })

  const notControls = ['REJECT_DATA', 'REDIRECT_FULL_DECLARATION'] as const
  it.each(notControls)('writes no outcome for %s (not a control)', (action) => {
    expect(outcomeFor(decision('D-1', { action }), [], 7)).toBeNull()
  })

  it.each(['RELEASE', 'RELEASE_POST_AUDIT'] as const)('writes none for a release (%s)', (action) => {
    expect(outcomeFor(decision('D-1', { decision: 'RELEASE', action }), [], 7)).toBeNull()
  })

  it('assesses revenue in EUR on a REVENUE finding only', () => {
    const all = Array.from({ length: 200 }, (_, i) => outcomeFor(decision(`D-${i}`), ['undervaluation'], 7))
    for (const o of all) {
      if (o?.result === 'REVENUE') expect(o.revenueAmount).toMatch(/^[1-9][0-9]?\.[0-9]{2}$/)
      else expect(o?.revenueAmount).toBeNull()
    }
  })
})
