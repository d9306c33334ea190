import { describe, expect, it } from 'vitest'
import { OUTCOME_HIT } from '../evaluation.ts'
import { compileFiles, declaration, LISTS, MANIFEST, ruleFile } from '../../test/fixtures/inline-ruleset.ts'
import type { Diagnostic } from './ruleset.ts'

const ATTRIBUTES = `attributes:
  seller:
    riskScore: number
    segment: string
    vetted: boolean
    onboardedAt: timestamp
  consignee:
    reshipper: boolean
`

const withAttributes = (rules: string, attributes = ATTRIBUTES) =>
  compileFiles({ 'ruleset.yaml': MANIFEST + attributes, 'rules/inline.yaml': rules }, LISTS)

const errorsOf = (when: string, attributes = ATTRIBUTES): Diagnostic[] => {
  const result = withAttributes(ruleFile([{ id: 'R1', when }]), attributes)
  if (result.ok) throw new Error('expected the ruleset not to compile')
  return [...result.errors]
}

const NOW = Date.UTC(2026, 10, 26, 10)

describe('engine > custom attributes', () => {
  it.each([
    [
      'an undeclared attribute', 'enrichment.seller.attributes.riskScor > 70', 'unknown-field',
      'did you mean `riskScore`?'
    ],
    ['a number attribute against text', 'enrichment.seller.attributes.riskScore == "high"', 'type', undefined],
    ['a string attribute in arithmetic', 'enrichment.seller.attributes.segment + 1 > 2', 'type', undefined],
    ['an attribute of another entity', 'enrichment.consignee.attributes.riskScore > 70', 'unknown-field', undefined]
  ])('%s fails the check', (_, when, code, hint) => {
    const [first, ...rest] = errorsOf(when)
    expect(rest).toEqual([])
    expect(first?.code).toBe(code)
    if (hint !== undefined) expect(first?.hint).toBe(hint)
  })

  it.each([
    [
      'an unknown type', 'attributes:\n  seller:\n    riskScore: numbr\n', 'ruleset.yaml:3:16', 'did you mean `number`?'
    ],
    [
      'an unknown entity', 'attributes:\n  sellr:\n    riskScore: number\n', 'ruleset.yaml:2:3',
      'did you mean `seller`?'
    ],
    [
      'a name that is not an identifier', 'attributes:\n  seller:\n    risk-score: number\n', 'ruleset.yaml:3:5',
      undefined
    ]
  ])('a declaration with %s is reported in ruleset.yaml', (_, attributes, at, hint) => {
    const result = withAttributes(ruleFile([{ id: 'R1', when: 'pieces > 1' }]), attributes)
    expect(result.ok).toBe(false)
    const [first] = result.errors
    // ruleset.yaml lines follow the inline manifest's.
    const offset = MANIFEST.split('\n').length - 1
    expect(first?.file).toBe('ruleset.yaml')
    expect(`${first?.file ?? ''}:${(first?.line ?? 0) - offset}:${first?.column ?? 0}`).toBe(at)
    expect(first?.code).toBe('structure')
    if (hint !== undefined) expect(first?.hint).toBe(hint)
  })

  const compiled = (() => {
    const result = withAttributes(ruleFile([
      { id: 'SCORE', when: 'enrichment.seller.attributes.riskScore >= 70' },
      { id: 'SEGMENT', when: 'enrichment.seller.attributes.segment in ["reseller", "dropship"]' },
      { id: 'VETTED', tier: 'mitigation', when: 'enrichment.seller.attributes.vetted == true' },
      { id: 'RECENT', when: 'daysSince(enrichment.seller.attributes.onboardedAt) < 30' },
      { id: 'RESHIP', when: 'enrichment.consignee.attributes.reshipper == true' }
    ]))
    if (!result.ok) throw new Error(result.errors.map((e) => e.message).join('\n'))
    return result.ruleset
  })()

  it('lists the attributes it declares and fetches only those its rules read', () => {
    expect(compiled.attributes.map((a) => `${a.entity}.${a.name}:${a.type}`)).toEqual([
      'seller.riskScore:number', 'seller.segment:string', 'seller.vetted:boolean', 'seller.onboardedAt:timestamp',
      'consignee.reshipper:boolean'
    ])
    expect(compiled.enrichmentFields).toEqual([
      'consignee.attributes.reshipper', 'seller.attributes.onboardedAt', 'seller.attributes.riskScore',
      'seller.attributes.segment', 'seller.attributes.vetted'
    ])
  })

  it('reads stored text as the declared type, and a fired rule shows the value', () => {
    const e = {
      seller: {
        attributes: { riskScore: '87', segment: 'reseller', vetted: 'true', onboardedAt: String(NOW - 5 * 86_400_000) }
      },
      consignee: { attributes: { reshipper: '1' } }
    }
    const ev = compiled.evaluate(declaration(), e, { nowMs: NOW })
    expect([...ev.outcomes]).toEqual([OUTCOME_HIT, OUTCOME_HIT, OUTCOME_HIT, OUTCOME_HIT, OUTCOME_HIT])
    const first = {
      names: ev.valueNames.slice(ev.valueStart[0], ev.valueEnd[0]),
      values: ev.values.slice(ev.valueStart[0], ev.valueEnd[0])
    }
    expect(first).toEqual({ names: ['enrichment.seller.attributes.riskScore'], values: ['87'] })
  })

  it.each([
    ['absent', {}],
    ['text that is not of the declared type', { riskScore: 'high', vetted: 'yes', onboardedAt: 'last week' }]
  ])('an attribute %s is a missing value: the rule does not fire and the fallback is called for', (_, attributes) => {
    const ev = compiled.evaluate(declaration(), { seller: { attributes }, consignee: {} }, { nowMs: NOW })
    expect(ev.outcomes[0]).toBe(0)
    expect(ev.outcomes[2]).toBe(0)
    expect(ev.sawMissing[0]).toBe(2)
    expect(ev.needsFallback).toBe(true)
  })
})

describe('engine > custom attributes of commodity codes and routes', () => {
  const CODE_AND_ROUTE = `attributes:
  hsCode:
    riskScore: number
    dualUse: boolean
  route:
    riskScore: number
`
  const compiled = (() => {
    const result = withAttributes(ruleFile([
      { id: 'HS_RISK', when: 'any item in items: item.attributes.riskScore >= 80' },
      { id: 'HS_DUAL', when: '(count it in items where it.quantity > 1: it.attributes.dualUse == true) >= 1' },
      { id: 'ROUTE_RISK', when: 'enrichment.route.attributes.riskScore > 50' }
    ]), CODE_AND_ROUTE)
    if (!result.ok) throw new Error(result.errors.map((e) => e.message).join('\n'))
    return result.ruleset
  })()

  it('fetches the commodity and route attributes its rules read', () => {
    expect(compiled.enrichmentFields).toEqual([
      'hsCode.attributes.dualUse', 'hsCode.attributes.riskScore', 'route.attributes.riskScore'
    ])
  })

  it('reads an item\'s attributes by its code, and a fired rule names the item', () => {
    const d = declaration()
    const codes = d.items.map((i) => i.hsCode)
    const attributesOf = (i: number): Record<string, string> => i === codes.length - 1 ? { riskScore: '91' } : {}
    const hsCodes = Object.fromEntries(codes.map((c, i) => [c, attributesOf(i)]))
    const ev = compiled.evaluate(d, { hsCodes, route: { attributes: { riskScore: '60' } } }, { nowMs: NOW })
    expect(ev.outcomes[0]).toBe(OUTCOME_HIT)
    expect(ev.outcomes[2]).toBe(OUTCOME_HIT)
    const names = ev.valueNames.slice(ev.valueStart[0], ev.valueEnd[0])
    const values = ev.values.slice(ev.valueStart[0], ev.valueEnd[0])
    expect({ names, values }).toEqual({ names: [`items[${codes.length - 1}].attributes.riskScore`], values: ['91'] })
  })

  it('an item whose code has no attributes does not fire; with no enrichment the fallback is called for', () => {
    const d = declaration()
    const none = compiled.evaluate(d, { hsCodes: {}, route: { attributes: {} } }, { nowMs: NOW })
    expect([none.outcomes[0], none.outcomes[2]]).toEqual([0, 0])
    expect(none.sawMissing[0]).toBe(2)
    const degraded = compiled.evaluate(d, {}, { nowMs: NOW })
    expect(degraded.needsFallback).toBe(true)
  })

  it.each([
    ['an undeclared commodity attribute', 'any item in items: item.attributes.riskScor > 1', 'unknown-field'],
    ['a commodity attribute under enrichment', 'enrichment.hsCode.attributes.riskScore > 1', 'unknown-field'],
    ['a route attribute of the wrong type', 'enrichment.route.attributes.riskScore == "x"', 'type'],
    ['`not` over a commodity attribute', 'any item in items: not (item.attributes.dualUse == true)', 'type']
  ])('%s fails the check', (_, when, code) => {
    const result = withAttributes(ruleFile([{ id: 'R1', when }]), CODE_AND_ROUTE)
    expect(result.ok).toBe(false)
    expect(result.errors[0]?.code).toBe(code)
  })

  it('without commodity attributes declared, `item.attributes` is an unknown field', () => {
    const result = withAttributes(ruleFile([{ id: 'R1', when: 'any item in items: item.attributes.riskScore > 1' }]))
    expect(result.ok).toBe(false)
    expect(result.errors[0]?.code).toBe('unknown-field')
  })
})
