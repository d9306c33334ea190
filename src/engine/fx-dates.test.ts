import { describe, expect, it } from 'vitest'
import { compileFiles, declaration, MANIFEST, ruleFile } from '../../test/fixtures/inline-ruleset.ts'
import { scoreAndDecide } from '../decide/decide.ts'
import type { CompiledRuleset } from './ruleset.ts'

// Two monthly customs rates for USD (EUR per USD): November 0.80, December 1.00.
const DATED = MANIFEST.replace('fx: fxToEur\n',
  'fx:\n  - { table: fxNov, effectiveFrom: 2026-11-01 }\n  - { table: fxDec, effectiveFrom: 2026-12-01 }\n')
const files = {
  'ruleset.yaml': DATED,
  'lists/fxNov.yaml': 'id: fxNov\nkind: map\nentries: { EUR: 1, USD: 0.8 }\n',
  'lists/fxDec.yaml': 'id: fxDec\nkind: map\nentries: { EUR: 1, USD: 1.0 }\n',
  'rules/r.yaml': ruleFile([
    { id: 'OVER-150', tier: 'gate', action: 'REDIRECT_FULL_DECLARATION', when: 'totalValue in EUR > 150' }
  ])
}

const compiled = (): CompiledRuleset => {
  const result = compileFiles(files, {})
  if (!result.ok) throw new Error(result.errors.map((e) => e.message).join('\n'))
  return result.ruleset
}

describe('engine > fx by declaration date', () => {
  it.each([
    ['a November declaration converts at the November rate', '2026-11-30T23:59:59Z', '180.00', 'RELEASE'],
    [
      'a December declaration converts at the December rate', '2026-12-01T00:00:00Z', '180.00',
      'REDIRECT_FULL_DECLARATION'
    ],
    [
      'a declaration before the first table has no rate, so the rule cannot fire', '2026-10-31T12:00:00Z', '900.00',
      'RELEASE'
    ]
  ])('%s', (_, declaredAt, totalValue, action) => {
    const d = declaration({ currency: 'USD', totalValue, declaredAt: Date.parse(declaredAt) })
    expect(scoreAndDecide(compiled())(d, null, { nowMs: Date.parse('2027-01-15T00:00:00Z') }).action).toBe(action)
  })

  it.each([
    [
      'tables out of date order',
      'fx:\n  - { table: fxDec, effectiveFrom: 2026-12-01 }\n  - { table: fxNov, effectiveFrom: 2026-11-01 }\n',
      'ascending order'
    ],
    [
      'a later table without a date', 'fx:\n  - { table: fxNov, effectiveFrom: 2026-11-01 }\n  - { table: fxDec }\n',
      'needs `effectiveFrom`'
    ],
    ['an unknown table', 'fx:\n  - { table: fxJan, effectiveFrom: 2027-01-01 }\n', 'unknown FX table `fxJan`']
  ])('%s is refused', (_, fx, message) => {
    const result = compileFiles({ ...files, 'ruleset.yaml': MANIFEST.replace('fx: fxToEur\n', fx) }, {})
    expect(result.ok).toBe(false)
    expect(result.errors.map((e) => e.message).join('\n')).toContain(message)
  })
})

describe('engine > amounts in EUR are rounded to the cent', () => {
  // 0.08 + 127.93 + 21.99 is 150.00000000000003 in binary floating point.
  const items = (values: readonly string[]) => values.map((v) => ({
    description: 'cotton socks', hsCode: '611595', quantity: 1, unit: 'PCE', netMassKg: 0.1, intrinsicValue: v,
    originCountry: 'CN', iossNumber: null, originRegion: null
  }))
  const rule = {
    'rules/r.yaml': ruleFile([{
      id: 'OVER-150', tier: 'gate', action: 'REDIRECT_FULL_DECLARATION',
      when: '(sum i in items: i.intrinsicValue) in EUR > 150'
    }])
  }
  const rs = (): CompiledRuleset => {
    const result = compileFiles(rule)
    if (!result.ok) throw new Error(result.errors.map((e) => e.message).join('\n'))
    return result.ruleset
  }
  it.each([
    ['lines adding up to exactly EUR 150.00 stay under the ceiling', ['0.08', '127.93', '21.99'], 'RELEASE'],
    ['lines adding up to EUR 150.01 go over it', ['0.08', '127.93', '22.00'], 'REDIRECT_FULL_DECLARATION']
  ])('%s', (_, values, action) => {
    expect(scoreAndDecide(rs())(declaration({ items: items(values) }), null, { nowMs: Date.now() }).action).toBe(action)
  })
})
