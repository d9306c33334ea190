import { describe, expect, it } from 'vitest'
import type { Evaluation, RuleInfo } from '../evaluation.ts'
import { OUTCOME_HIT, OUTCOME_NOT_HIT } from '../evaluation.ts'
import { createDecider } from './decide.ts'
import { MAX_REASON_VALUES } from './record.ts'

// decide/ on its own: an evaluation made by hand, as the engine would hand it over, and the
// decision made from it. No rule runs here; the values come from the evaluation.

const rule = (id: string, extra: Partial<RuleInfo> = {}): RuleInfo => ({
  id, title: `${id} title`, description: '', tier: 'indicator', weight: 10, action: null, tags: [], owner: 'test',
  effectiveFromMs: null, effectiveToMs: null, file: 'rules/r.yaml', line: 1, ...extra
})

const RULESET = {
  id: 'hand', version: '1', digest: 'd'.repeat(64), effectiveFromMs: null, effectiveToMs: null,
  rules: [rule('A'), rule('B')],
  policy: {
    bands: [{ min: 0, action: 'RELEASE' as const }, { min: 40, action: 'REQUEST_INFO' as const }],
    fallbackAction: 'REQUEST_INFO' as const,
    errorAction: 'SCREEN_NII' as const,
    randomSelection: null
  }
}

/** Rule A fired having read `values` (name, value, timestamp); rule B did not fire. */
const evaluation = (values: Array<[string, unknown, boolean]>): Evaluation => ({
  outcomes: Uint8Array.from([OUTCOME_HIT, OUTCOME_NOT_HIT]), sawMissing: new Uint8Array(2),
  indicatorPoints: 10, mitigationPoints: 0, gateSeverity: -1, gateHits: 0, errors: 0, needsFallback: false, dateMs: 0,
  // B's slots hold stale numbers, as the engine leaves them: they must not be read.
  valueStart: Uint32Array.from([0, 0]), valueEnd: Uint32Array.from([values.length, values.length]),
  valueNames: values.map((v) => v[0]), values: values.map((v) => v[1]), valueIsTimestamp: values.map((v) => v[2])
})

const reasonValues = (values: Array<[string, unknown, boolean]>): unknown =>
  createDecider(RULESET)(evaluation(values), { declarationId: 'x', version: 1 }, { nowMs: 0 })
    .reasons.map((r) => [r.ruleId, r.values])

describe('decide > reasons from the evaluation', () => {
  it.each<[string, Array<[string, unknown, boolean]>, unknown]>([
    ['values as read, in order', [['totalValue', '18.00', false], ['items[1].hsCode', '851830', false]],
      [['A', [{ name: 'totalValue', value: '18.00' }, { name: 'items[1].hsCode', value: '851830' }]]]],
    ['a name read twice shows once, the first value', [['pieces', 1, false], ['pieces', 2, false]],
      [['A', [{ name: 'pieces', value: '1' }]]]],
    ['missing values say so', [['enrichment.seller.ageDays', undefined, false], ['iossNumber', null, false]],
      [['A', [{ name: 'enrichment.seller.ageDays', value: '(missing)' }, { name: 'iossNumber', value: '(missing)' }]]]],
    ['timestamps as ISO-8601', [['declaredAt', Date.UTC(2026, 10, 26, 9), true]],
      [['A', [{ name: 'declaredAt', value: '2026-11-26T09:00:00.000Z' }]]]],
    ['a timestamp that cannot be shown fails the explanation, even past the kept values',
      [
        ...Array.from(
          { length: MAX_REASON_VALUES }, (_, i): [string, unknown, boolean] => [`items[${i}].quantity`, i, false]
        ),
        ['declaredAt', 1e20, true]
      ],
      [['A', [{ name: 'explanation failed', value: 'Invalid time value' }]]]]
  ])('%s', (_, values, expected) => {
    expect(reasonValues(values)).toEqual(expected)
  })

  it(`keeps at most ${MAX_REASON_VALUES} values`, () => {
    const values = Array.from({ length: 30 }, (_, i): [string, unknown, boolean] => [`items[${i}].quantity`, i, false])
    const reasons = reasonValues(values) as Array<[string, unknown[]]>
    expect(reasons[0]?.[1]).toHaveLength(MAX_REASON_VALUES)
  })
})
