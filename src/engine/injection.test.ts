import { afterEach, describe, expect, it } from 'vitest'
import { compileFiles, compileRules, DECLARED_AT, declaration, ruleFile } from '../../test/fixtures/inline-ruleset.ts'
import { scoreAndDecide } from '../decide/decide.ts'
import type { RiskDecision } from '../declaration.ts'
import { OUTCOME_HIT } from '../evaluation.ts'
import type { CompiledRuleset } from './ruleset.ts'

// Analyst text must never become code. Every payload below would set globalThis.__pwned (or
// end the process) if it ran; each must either compile to inert data that behaves as plain
// text, or be refused by `check`.

declare global { var __pwned: unknown }

const PAYLOADS = [
  '"); globalThis.__pwned = 1; ("',
  '\'); globalThis.__pwned = 1; (\'',
  '`); globalThis.__pwned = 1; (`',
  '${globalThis.__pwned = 1}',
  '*/ globalThis.__pwned = 1; /*',
  '\n globalThis.__pwned = 1; //',
  '\u2028globalThis.__pwned = 1;\u2029',
  '"); process.exit(1); ("',
  '\\"); globalThis.__pwned = 1; //'
]

/** The payload as a string literal of the rule language. */
const quote = (s: string): string => `"${s.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`
/** The payload as a double-quoted YAML scalar. */
const yamlQuote = (s: string): string => JSON.stringify(s)

const score = (rs: CompiledRuleset, over: Parameters<typeof declaration>[0] = {}): RiskDecision =>
  scoreAndDecide(rs)(declaration(over), null, { nowMs: DECLARED_AT })

afterEach(() => {
  expect(globalThis.__pwned).toBeUndefined()
})

/** The outcome of rule 0 on a declaration whose seller is named `name`. */
const outcomeForSeller = (rs: CompiledRuleset, name: string): number | undefined =>
  rs.evaluate(declaration({ seller: { ...declaration().seller, name } }), null, { nowMs: DECLARED_AT }).outcomes[0]

describe('engine > injection > inert data', () => {
  it.each(PAYLOADS)('string literal %j compiles to data', (payload) => {
    const rs = compileRules([{ id: 'R', when: `seller.name == ${quote(payload)}` }])
    expect(score(rs).reasons).toEqual([])
    expect(outcomeForSeller(rs, payload)).toBe(OUTCOME_HIT)
  })

  it.each(PAYLOADS)('set entry %j is matched as text', (payload) => {
    const rs = compileRules([{ id: 'R', when: 'seller.name in @names' }],
      { 'lists/names.yaml': `id: names\nkind: set\nentries:\n  - ${yamlQuote(payload)}\n` })
    expect(outcomeForSeller(rs, payload)).toBe(OUTCOME_HIT)
  })

  it.each(PAYLOADS)('map key and value %j are looked up as text', (payload) => {
    const rs = compileRules([{ id: 'R', when: `@labels[seller.name] == ${quote(payload)}` }],
      { 'lists/labels.yaml': `id: labels\nkind: map\nentries:\n  ${yamlQuote(payload)}: ${yamlQuote(payload)}\n` })
    expect(outcomeForSeller(rs, payload)).toBe(OUTCOME_HIT)
  })

  it.each(PAYLOADS)('word list entry %j is matched as words', (payload) => {
    const words = 'any i in items: containsWord(i.description, @words) or startsWithAny(i.description, @words)'
    const rs = compileRules([{ id: 'R', when: words }],
      { 'lists/words.yaml': `id: words\nkind: set\nentries:\n  - ${yamlQuote(payload)}\n` })
    expect(score(rs).reasons).toEqual([])
  })

  it.each(PAYLOADS)('title, description, version and seed %j stay text', (payload) => {
    const manifest = `id: inline\nversion: ${yamlQuote(payload)}\njurisdiction: ${yamlQuote(payload)}\n` +
      'bands:\n  - { min: 0, action: RELEASE }\nfallbackAction: REQUEST_INFO\n' +
      `randomSelection: { rate: 0.5, seed: ${yamlQuote(payload)}, action: SCREEN_NII }\nfx: fxToEur\n`
    const rules = `rules:\n  - id: R\n    title: ${yamlQuote(payload)}\n    description: ${yamlQuote(payload)}\n` +
      `    owner: ${yamlQuote(payload)}\n    tags: [${yamlQuote(payload)}]\n` +
      '    tier: gate\n    action: SCREEN_NII\n    when: pieces == 1\n'
    const result = compileFiles({ 'ruleset.yaml': manifest, 'rules/r.yaml': rules },
      { 'lists/fxToEur.yaml': 'id: fxToEur\nkind: map\nentries: { EUR: 1 }\n' })
    expect(result.ok).toBe(true)
    if (!result.ok) return
    const d = score(result.ruleset)
    expect(d.reasons[0]?.title).toBe(payload)
    expect(d.ruleset.version).toBe(payload)
  })

  it('a regex with code-like text is a regex, not code', () => {
    const rs = compileRules([{ id: 'R', when: 'matches(seller.name, "a/.test(\'\'); globalThis.__pwned = 1; /a")' }])
    expect(score(rs).reasons).toEqual([])
  })

  it('prototype names in a map are keys like any other', () => {
    const rs = compileRules([
      { id: 'P', when: '@m["__proto__"] == 5 and @m["constructor"] == 3' },
      { id: 'Q', when: '@m["toString"] > 0' }
    ], { 'lists/m.yaml': 'id: m\nkind: map\nentries:\n  __proto__: 5\n  constructor: 3\n' })
    const ev = rs.evaluate(declaration(), null, { nowMs: DECLARED_AT })
    expect([...ev.outcomes]).toEqual([OUTCOME_HIT, 0])
    expect(ev.sawMissing[1]).toBe(1)
  })
})

describe('engine > injection > refused by check', () => {
  it.each([
    ['prototype field', 'seller.__proto__.name == "x"', 'forbidden'],
    ['constructor field', 'seller.constructor == "x"', 'forbidden'],
    ['constructor on the root', 'declaration.constructor == "x"', 'forbidden'],
    ['prototype of enrichment', 'enrichment.__proto__ == "x"', 'forbidden'],
    ['prototype list', 'originCountry in @__proto__', 'forbidden'],
    ['prototype variable', 'any constructor in items: pieces == 1', 'type'],
    ['constructor as a function', 'constructor("return 1") == 1', 'unknown-function'],
    ['code after a field', 'pieces); globalThis.__pwned = (1', 'syntax'],
    ['backtick', 'seller.name == `x`', 'syntax'],
    ['single quotes', "seller.name == 'x'", 'syntax'],
    ['lookahead regex', 'matches(seller.name, "a(?=b)")', 'regex'],
    ['back-reference regex', 'matches(seller.name, "(a)\\\\1")', 'regex'],
    ['regex too long', `matches(seller.name, "${'a'.repeat(201)}")`, 'regex'],
    ['regex not literal', 'matches(seller.name, seller.name)', 'type']
  ])('%s', (_, when, code) => {
    const result = compileFiles({ 'rules/inline.yaml': ruleFile([{ id: 'R', when }]) })
    expect(result.ok).toBe(false)
    expect(result.errors.map((e) => e.code)).toContain(code)
  })

  it.each(PAYLOADS)('rule id %j is refused', (payload) => {
    const rules = `rules:\n  - id: ${yamlQuote(payload)}\n    title: t\n    tier: indicator\n    weight: 1\n` +
      '    when: pieces == 1\n'
    const result = compileFiles({ 'rules/r.yaml': rules })
    expect(result.ok).toBe(false)
    expect(result.errors.map((e) => e.code)).toContain('structure')
  })

  it.each(PAYLOADS)('list name %j is refused', (payload) => {
    const result = compileFiles({ 'lists/x.yaml': `id: ${yamlQuote(payload)}\nkind: set\nentries: [a]\n` })
    expect(result.ok).toBe(false)
  })
})

describe('engine > injection > generated code', () => {
  it('names no global: every identifier outside string literals is generated or fixed', () => {
    const rs = compileRules([
      { id: 'A', when: 'originCountry in @highRiskOrigins and (totalValue in EUR) > 10 and daysSince(declaredAt) < 3' },
      {
        id: 'B',
        when: 'any i in items: containsWord(lower(i.description), @stopWords) or matches(i.hsCode, "^85") ' +
          'or abs(i.quantity) > max(1, 2)'
      },
      {
        id: 'C',
        when: '(sum i in items where i.quantity > 1: i.intrinsicValue) in EUR > @refPriceEur[left(originCountry, 2)]'
      },
      {
        id: 'D', tier: 'gate', action: 'DO_NOT_LOAD',
        when: 'enrichment.watchlist.sellerHit == true and exists(iossNumber)'
      }
    ])
    // Comments carry rule ids (checked against [A-Za-z0-9._-]+) for readers; strip them too.
    const code = rs.source.replace(/"(?:[^"\\]|\\.)*"/g, '""').replace(/\/\/[^\n]*/g, '')
    const names = new Set(code.match(/(?<![.\w$])[A-Za-z_$][\w$]*/g))
    const generated = /^(?:[tfghKvinw]|q|tot|a)\d+$/
    const fixed = new Set([
      'use', 'strict', 'const', 'let', 'function', 'return', 'if', 'else', 'for', 'try', 'catch', 'continue',
      'true', 'false', 'undefined', 'null', 'typeof',
      'rt', 'K', 'ev', 'd', 'e', 'now', 't', 'fx', 'm', 'n', 'x', 'xs', 'mk', 'out', 'seen', 'run',
      'C', 'S', 'c', 'c0', 's', 'v', 'at', 'captured', 'spans', 'names', 'values',
      'ind', 'mit', 'sev', 'gates', 'errors', 'fb', 'hits',
      'num', 'flag', 'div', 'toEur', 'startsWithAny', 'containsWord', 'inDatedSet', 'matchesBounded',
      'abs', 'min', 'max'
    ])
    expect([...names].filter((n) => !generated.test(n) && !fixed.has(n))).toEqual([])
  })
})
