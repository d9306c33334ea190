import { describe, expect, it } from 'vitest'
import { compileRuleset } from './compile.ts'
import type { ParcelDeclaration } from '../declaration.ts'
import { OUTCOME_HIT } from '../evaluation.ts'
import {
  compileFiles, compileRules, DECLARED_AT, declaration, declarationSchema, LISTS, MANIFEST, ruleFile
} from '../../test/fixtures/inline-ruleset.ts'
import type { Diagnostic } from './ruleset.ts'

// ruleFile() puts a rule's `when` on line 7 (then 8, …) from column 7 of rules/inline.yaml.
const errorsOf = (files: Record<string, string>): Diagnostic[] => {
  const result = compileFiles(files)
  if (result.ok) throw new Error('expected the ruleset not to compile')
  return [...result.errors]
}
const where = (d: Diagnostic): string => `${d.file}:${d.line}:${d.column}`
const one = (when: string): Diagnostic[] => errorsOf({ 'rules/inline.yaml': ruleFile([{ id: 'R1', when }]) })

describe('engine > compile > diagnostics', () => {
  it.each([
    ['misspelt field', 'totalValu in EUR > 10', 'rules/inline.yaml:7:7', 'unknown-field', 'did you mean `totalValue`?'],
    [
      'misspelt nested field', 'seller.adress.country == "CN"', 'rules/inline.yaml:7:14', 'unknown-field',
      'did you mean `address`?'
    ],
    [
      'misspelt enrichment field', 'enrichment.seller.ageDay < 30', 'rules/inline.yaml:7:25', 'unknown-field',
      'did you mean `ageDays`?'
    ],
    ['type error', 'originCountry > 5', 'rules/inline.yaml:7:21', 'type', undefined],
    [
      'money against a number', 'totalValue > 150', 'rules/inline.yaml:7:18', 'type',
      'convert the amount first: `totalValue in EUR`'
    ],
    [
      'unknown list', 'originCountry in @highRiskOrigin', 'rules/inline.yaml:7:24', 'unknown-list',
      'did you mean `highRiskOrigins`?'
    ],
    ['wrong arity', 'lower(seller.name, 2) == "x"', 'rules/inline.yaml:7:7', 'arity', 'lower(s): s in lower case'],
    [
      'unknown function', 'lowr(seller.name) == "x"', 'rules/inline.yaml:7:7', 'unknown-function',
      'did you mean `lower`?'
    ],
    ['enum value typo', 'declarationType == "H8"', 'rules/inline.yaml:7:26', 'type', 'did you mean `H7`?'],
    [
      'not on a field', 'not dispatchLocation.freeZone', 'rules/inline.yaml:7:7', 'type',
      'write `dispatchLocation.freeZone == false`'
    ],
    [
      'not over a reference data lookup', 'not (enrichment.ioss.registered == true)', 'rules/inline.yaml:7:7', 'type',
      'write the condition positively, e.g. `enrichment.ioss.registered == false`, ' +
        'which holds only when the number was looked up and is absent'
    ],
    [
      'not over a watchlist lookup deep in a condition',
      'pieces > 1 and not (pieces > 3 or enrichment.watchlist.sellerHit == true)', 'rules/inline.yaml:7:22', 'type',
      undefined
    ],
    ['syntax error', 'totalValue in EUR >', 'rules/inline.yaml:7:26', 'syntax', undefined],
    ['condition is not boolean', 'pieces + 1', 'rules/inline.yaml:7:14', 'type', undefined],
    ['record used as a value', 'seller == "x"', 'rules/inline.yaml:7:7', 'type', undefined]
  ])('%s is reported at its position', (_, when, at, code, hint) => {
    const [first, ...rest] = one(when)
    expect(rest).toEqual([])
    expect(first).toBeDefined()
    const d = first as Diagnostic
    expect(where(d)).toBe(at)
    expect(d.code).toBe(code)
    if (hint !== undefined) expect(d.hint).toBe(hint)
  })

  it.each([
    ['a negated declaration condition', 'not (pieces > 3)'],
    ['a negated presence test of enrichment', 'not exists(enrichment.ioss.registered)'],
    [
      'a negative lookup written positively',
      'enrichment.ioss.registered == false and enrichment.watchlist.sellerHit == false'
    ]
  ])('accepts %s', (_, when) => {
    expect(compileFiles({ 'rules/inline.yaml': ruleFile([{ id: 'R1', when }]) }).ok).toBe(true)
  })

  it('reports every error of every rule and file, in file order', () => {
    const errors = errorsOf({
      'rules/a.yaml': ruleFile([
        { id: 'A1', when: 'totalValu in EUR > 10' },
        { id: 'A2', when: 'originCountry in @nope and lower(seller.name, 1) == "x"' }
      ]),
      'rules/b.yaml': ruleFile([{ id: 'B1', when: 'pieces >' }])
    })
    expect(errors.map((e) => `${where(e)} ${e.code}`)).toEqual([
      'rules/a.yaml:7:7 unknown-field',
      'rules/a.yaml:13:24 unknown-list',
      'rules/a.yaml:13:34 arity',
      'rules/b.yaml:7:15 syntax'
    ])
  })

  it('maps the second line of a block expression to its own file line', () => {
    const [d] = one('originCountry == "CN"\n  and pieces > "3"')
    expect(d === undefined ? '' : where(d)).toBe('rules/inline.yaml:8:20')
  })

  it('maps positions inside a quoted one-line expression', () => {
    const text = 'rules:\n  - id: Q1\n    title: q\n    tier: indicator\n    weight: 5\n' +
      '    when: "pieces > 2 or originCountry == 1"\n'
    const errors = errorsOf({ 'rules/q.yaml': text })
    expect(errors.map(where)).toEqual(['rules/q.yaml:6:40'])
  })

  it.each([
    [
      'unknown key with a hint',
      'rules:\n  - id: R1\n    title: t\n    tier: indicator\n    wieght: 5\n    when: pieces > 1\n',
      'rules/x.yaml:5:5', 'did you mean `weight`?'
    ],
    [
      'bad tier', 'rules:\n  - id: R1\n    title: t\n    tier: indicater\n    weight: 5\n    when: pieces > 1\n',
      'rules/x.yaml:4:11', 'did you mean `indicator`?'
    ],
    [
      'empty effective window',
      'rules:\n  - id: R1\n    title: t\n    tier: indicator\n    weight: 5\n' +
        '    effectiveFrom: 2026-07-01\n    effectiveTo: 2026-07-01\n    when: pieces > 1\n',
      'rules/x.yaml:7:18', undefined
    ],
    ['YAML syntax', 'rules:\n  - id: R1\n    title: [\n', 'rules/x.yaml:4:1', undefined]
  ])('structure: %s', (_, text, at, hint) => {
    const errors = errorsOf({ 'rules/x.yaml': text })
    expect(errors.map(where)).toContain(at)
    if (hint !== undefined) expect(errors.find((e) => where(e) === at)?.hint).toBe(hint)
  })

  it('refuses a rule id used twice', () => {
    const errors = errorsOf({
      'rules/a.yaml': ruleFile([{ id: 'R1', when: 'pieces > 1' }]),
      'rules/b.yaml': ruleFile([{ id: 'R1', when: 'pieces > 2' }])
    })
    expect(errors.map((e) => `${where(e)} ${e.code}`)).toEqual(['rules/b.yaml:2:5 duplicate'])
  })

  it('refuses a ruleset without a manifest', () => {
    const result = compileFiles({ 'rules/a.yaml': ruleFile([{ id: 'R1', when: 'pieces > 1' }]) }, {})
    expect(result.ok).toBe(false)
    expect(result.errors.map((e) => e.message)).toContain('the ruleset has no ruleset.yaml manifest')
  })
})

describe('engine > compile > field usage', () => {
  it('reports exactly the enrichment and declaration fields the rules read', () => {
    const rs = compileRules([
      { id: 'R1', when: 'enrichment.seller.ageDays < 30 and originCountry in @highRiskOrigins' },
      { id: 'R2', when: 'any item in items: item.hsCode == "610910" and enrichment.aggregates.consigneeCount24h > 3' }
    ])
    expect(rs.enrichmentFields).toEqual(['aggregates.consigneeCount24h', 'seller.ageDays'])
    expect(rs.declarationFields).toEqual(['items', 'originCountry'])
  })

  it('gives the same digest for the same files and another after any byte changes', () => {
    const a = compileRules([{ id: 'R1', when: 'pieces > 1' }])
    const b = compileRules([{ id: 'R1', when: 'pieces > 1' }])
    const c = compileRules([{ id: 'R1', when: 'pieces > 2' }])
    expect(a.digest).toMatch(/^[0-9a-f]{64}$/)
    expect(b.digest).toBe(a.digest)
    expect(c.digest).not.toBe(a.digest)
  })
})

describe('engine > compile > schema', () => {
  const withSchema = (schema: unknown, when: string): ReturnType<typeof compileRuleset> =>
    compileRuleset(
      Object.entries({ 'ruleset.yaml': MANIFEST, ...LISTS, 'rules/r.yaml': ruleFile([{ id: 'R', when }]) })
        .map(([path, text]) => ({ path, text })),
      { declarationSchema: schema })
  const fields = (declarationSchema as { fields: Array<{ name: string }> }).fields

  it('types fields from the schema it is given: a new field is usable, a removed one is an error', () => {
    const colour = { name: 'parcelColour', type: ['null', 'string'], default: null }
    const added = { ...(declarationSchema as object), fields: [...fields, colour] }
    expect(withSchema(added, 'parcelColour == "red"').ok).toBe(true)
    expect(withSchema(declarationSchema, 'parcelColour == "red"').errors.map((e) => e.code)).toEqual(['unknown-field'])
    const removed = { ...(declarationSchema as object), fields: fields.filter((f) => f.name !== 'pieces') }
    expect(withSchema(removed, 'pieces > 1').errors.map((e) => e.code)).toEqual(['unknown-field'])
  })
})

describe('engine > compile > the values a fired rule read', () => {
  const item = declaration().items[0] as ParcelDeclaration['items'][number]
  const items = [item, { ...item, hsCode: '851830', quantity: 5 }, { ...item, hsCode: '851830', quantity: 1 }]
  /** Evaluates the rules on a declaration with three items; per rule, the values it kept. */
  const valuesOf = (rules: Array<{ id: string, when: string }>): Array<Array<[string, unknown]> | null> => {
    const ev = compileRules(rules).evaluate(declaration({ items, route: ['AE', 'TR'] }), null, { nowMs: DECLARED_AT })
    return rules.map((_, i) => ev.outcomes[i] !== OUTCOME_HIT
      ? null
      : Array.from({ length: (ev.valueEnd[i] as number) - (ev.valueStart[i] as number) }, (_, k): [string, unknown] =>
        [ev.valueNames[(ev.valueStart[i] as number) + k] as string, ev.values[(ev.valueStart[i] as number) + k]]))
  }

  it.each<[string, string, Array<[string, unknown]> | null]>([
    [
      'root fields as read, a money amount as its decimal string', 'pieces == 1 and totalValue in EUR < 20',
      [['pieces', 1], ['totalValue', '18.00']]
    ],
    ['only the element that made `any` true', 'any i in items: i.hsCode == "851830"', [['items[1].hsCode', '851830']]],
    [
      'only the elements `count` counted, then the count',
      'count i in items where i.hsCode == "851830": i.quantity > 2 >= 1',
      [['items[1].hsCode', '851830'], ['items[1].quantity', 5], ['count(items)', 1]]
    ],
    ['a sum as its total', '(sum i in items: i.quantity) == 8', [['sum(items)', 8]]],
    [
      'an element of a nested array named by both indexes',
      'any i in items: any w in route: w == "TR" and i.quantity == 5', [['route[1]', 'TR'], ['items[1].quantity', 5]]
    ],
    ['nothing for a rule that did not fire', 'pieces == 2', null]
  ])('%s', (_, when, values) => {
    // A rule before it that fires, and one that reads much and does not, must not shift it.
    const out = valuesOf([
      { id: 'FIRST', when: 'pieces == 1' }, { id: 'MISS', when: 'all i in items: i.quantity > 1' }, { id: 'R', when }
    ])
    expect(out[0]).toEqual([['pieces', 1]])
    expect(out[1]).toBeNull()
    expect(out[2]).toEqual(values)
  })
})
