import { describe, expect, it } from 'vitest'
import type { RiskDecision } from '../declaration.ts'
import { compareDecision, expandFixtures, mergeOver } from './rule-fixtures.ts'

const decision = (over: Partial<RiskDecision>): RiskDecision => ({
  declarationId: 'd1', version: 1, decision: 'RELEASE', action: 'RELEASE', score: 0, reasons: [], gates: [], errors: [],
  randomSelection: false, ruleset: { id: 'r', version: '1', digest: 'x' }, enrichment: { status: 'OK', missing: [] },
  rejections: [], timings: { receivedAt: 0, decidedAt: 0, latencyMicros: 0 }, inputDigest: '', ...over
})
const hit = (ruleId: string, contribution = 10): RiskDecision['reasons'][number] =>
  ({ ruleId, title: ruleId, tier: 'INDICATOR', contribution, values: [] })

describe('cli > rule fixtures > mergeOver', () => {
  it.each([
    ['objects merge key by key', { a: 1, b: { c: 2, d: 3 } }, { b: { d: 4 } }, { a: 1, b: { c: 2, d: 4 } }],
    ['lists are replaced whole', { items: [1, 2] }, { items: [3] }, { items: [3] }],
    ['null replaces a value', { a: { b: 1 } }, { a: null }, { a: null }],
    ['nothing to merge keeps the base', { a: 1 }, undefined, { a: 1 }]
  ])('%s', (_name, base, over, want) => {
    expect(mergeOver(base, over)).toEqual(want)
  })
})

describe('cli > rule fixtures > compareDecision', () => {
  it.each([
    ['matching expectations pass', decision({ score: 20, reasons: [hit('A', 20)] }),
      { action: 'RELEASE', reasons: ['A'], scoreMin: 20, scoreMax: 20 }, []],
    ['a wrong action is named', decision({}), { action: 'DO_NOT_LOAD' },
      ['action:   expected DO_NOT_LOAD, got RELEASE']],
    ['a missing reason is named', decision({}), { reasons: ['A'] }, ['reasons:  expected A to fire; fired: (none)']],
    ['an unwanted reason is named', decision({ reasons: [hit('A')] }), { notReasons: ['A'] },
      ['reasons:  expected A not to fire', '  fired A (+10)']],
    ['gates compare as a set', decision({ gates: ['G2', 'G1'] }), { gates: ['G1', 'G2'] }, []],
    ['a score out of range is named', decision({ score: 45 }), { scoreMax: 39 }, ['score:    expected <= 39, got 45']]
  ])('%s', (_name, d, expectation, want) => {
    expect(compareDecision(d, expectation)).toEqual(want)
  })
})

describe('cli > rule fixtures > expandFixtures', () => {
  it('merges defaults under each test and takes its own now', () => {
    const { cases, problems } = expandFixtures({
      defaults: { now: '2026-01-01T00:00:00Z', declaration: { a: 1, b: 2 }, enrichment: { seller: { ageDays: 400 } } },
      tests: [
        { name: 'one', declaration: { b: 3 }, expect: { action: 'RELEASE' } },
        { name: 'two', now: '2026-02-01T00:00:00Z', enrichmentMissing: ['aggregates'], expect: { score: { min: 1 } } }
      ]
    }, 0)
    expect(problems).toEqual([])
    expect(cases.map((c) => [c.name, c.declaration, c.nowMs, c.enrichmentMissing])).toEqual([
      ['one', { a: 1, b: 3 }, Date.parse('2026-01-01T00:00:00Z'), []],
      ['two', { a: 1, b: 2 }, Date.parse('2026-02-01T00:00:00Z'), ['aggregates']]
    ])
    expect(cases[1]?.expect.scoreMin).toBe(1)
  })

  it.each([
    ['no tests list', { defaults: {} }, 'a test file needs a `tests:` list'],
    ['a test without a name', { tests: [{ expect: {} }] }, 'test #1 needs a `name`'],
    ['an unknown expectation', { tests: [{ name: 'x', expect: { actoin: 'RELEASE' } }] },
      '"x": unknown expectation `actoin`'],
    ['a bad date', { tests: [{ name: 'x', now: 'soon', expect: {} }] },
      '"x": `now` must be an ISO-8601 date or timestamp']
  ])('reports %s', (_name, data, problem) => {
    expect(expandFixtures(data, 0).problems.join('\n')).toContain(problem)
  })
})
