import { describe, expect, it } from 'vitest'
import { inputBounds } from './bounds.ts'
import { defaultLimits } from '../validate/limits.ts'
import { checkCost } from './cost-check.ts'
import { adversarialTexts, adversarialValue, encodedSize, MAX_LOOP_ITERATIONS, measureCost } from './cost.ts'
import type { CostReport } from './cost.ts'
import { declarationShape } from './fields.ts'
import {
  compileFiles, compileRules, declarationSchema, LISTS, MANIFEST, ruleFile
} from '../../test/fixtures/inline-ruleset.ts'
import type { InlineRule } from '../../test/fixtures/inline-ruleset.ts'
import type { RuleSourceFile } from './ruleset.ts'

const bounds = inputBounds(defaultLimits)
const NOW = Date.UTC(2026, 10, 26, 9)
// Budgets here sit far from what the rules measure (10× or more either way), so a verdict
// does not depend on how busy the machine is.
const measure = (rules: readonly InlineRule[], budgetMicrosPerKib: number): CostReport =>
  measureCost(compileRules(rules), { budgetMicrosPerKib, bounds, declarationSchema, nowMs: NOW })
const where = (r: CostReport): string[] => r.problems.map((p) => `${p.file}:${p.line}:${p.column} ${p.code}`)

describe('engine > cost > adversarial declarations', () => {
  it('fills every field at its bound: 999 items with distinct 512-character descriptions, 20 route entries', () => {
    const d = adversarialValue(declarationShape(declarationSchema), '', 'ab ', 0, bounds, NOW) as {
      items: Array<{ description: string, hsCode: string }>
      route: string[]
      seller: { name: string }
      originCountry: string
    }
    expect(d.items).toHaveLength(999)
    expect(d.route).toHaveLength(20)
    expect(d.items.every((i) => i.description.length === 512)).toBe(true)
    expect(new Set(d.items.map((i) => i.description)).size).toBe(999)
    expect(d.items[0]?.description.startsWith('ab ab ab')).toBe(true)
    expect(d.seller.name).toHaveLength(70)
    expect(d.originCountry).toHaveLength(2)
    expect(d.items[0]?.hsCode).toHaveLength(10)
    expect(encodedSize(d)).toBeGreaterThan(999 * 512)
  })

  it('makes texts of the characters, literals and list entries the rules look for', () => {
    const rs = compileRules([
      { id: 'A', when: 'any i in items: matches(i.description, "x{1,16}=q")' },
      { id: 'B', when: 'any i in items: containsWord(i.description, @stopWords)' }
    ])
    const texts = adversarialTexts(rs.probe())
    expect(texts).toContain('x')
    expect(texts).toContain('=')
    expect(texts.some((t) => t.includes('as per invoice') && t.includes('x{1,16}=q'))).toBe(true)
  })
})

describe('engine > cost > refused before anything runs', () => {
  it('refuses nested quantifiers walking items × items at the inner quantifier', () => {
    const square = 'any a in items: any b in items: a.hsCode == b.hsCode and a.description != b.description'
    const r = measure([{ id: 'SQUARE', when: square }], 1_000)
    expect(where(r)).toEqual(['rules/inline.yaml:7:23 cost'])
    expect(r.problems[0]?.message).toContain(
      'items 999 × items 999 = 998,001 elements on a maximum-size declaration; ' +
        `at most ${MAX_LOOP_ITERATIONS.toLocaleString('en')} (rule SQUARE)`)
  })

  it('lets items × route through (19,980 elements) to be measured', () => {
    const r = measure([{ id: 'ROUTE', when: 'any i in items: any c in route: i.originCountry == c' }], 100_000)
    expect(r.problems).toEqual([])
    expect(r.rules.map((x) => x.id)).toEqual(['ROUTE'])
  })
})

describe('engine > cost > measured on adversarial declarations', () => {
  it.each([
    ['adjacent unbounded quantifiers', 'any i in items: matches(i.description, ".*.*.*.*.*.*.*.*=x")'],
    ['stacked bounded repeats', 'any i in items: matches(i.description, ".{0,16}.{0,16}.{0,16}.{0,16}=")'],
    [
      'a costly pattern on every route entry of every item',
      'any i in items: any c in route: matches(i.description, "[a-z]{1,16}[0-9]{1,16}!")'
    ]
  ])('refuses %s at the rule, naming the rule', (_family, when) => {
    const r = measure([{ id: 'CHEAP', when: 'pieces > 1' }, { id: 'COSTLY', when }], 10)
    expect(where(r)).toContain('rules/inline.yaml:13:7 cost')
    expect(r.problems.find((p) => p.line === 13)?.message).toMatch(/^rule COSTLY alone takes [\d,.]+ µs per KiB of an adversarial declaration; the budget for the whole ruleset is 10 µs per KiB$/)
    expect(r.rules[0]?.id).toBe('COSTLY')
  })

  it('accepts a ruleset far within budget and reports its slowest rules first', () => {
    const r = measure([
      { id: 'CHEAP', when: 'pieces > 1' },
      {
        id: 'WORDS',
        when: 'any i in items: containsWord(i.description, @stopWords) or startsWithAny(i.hsCode, @electronicsHs)'
      }
    ], 100_000)
    expect(r.problems).toEqual([])
    expect(r.rules.map((x) => x.id)).toEqual(['WORDS', 'CHEAP'])
    expect(r.worstMicrosPerKib).toBeGreaterThan(0)
    expect(r.declarations).toBeGreaterThan(10)
  })
})

describe('engine > cost > in a worker with a deadline', () => {
  const files = (rules: readonly InlineRule[]): RuleSourceFile[] =>
    Object.entries({ 'ruleset.yaml': MANIFEST, ...LISTS, 'rules/inline.yaml': ruleFile(rules) })
      .map(([path, text]) => ({ path, text }))
  const compiled = (f: RuleSourceFile[]) => {
    const result = compileFiles(Object.fromEntries(f.map((x) => [x.path, x.text])))
    if (!result.ok) throw new Error('does not compile')
    return result.ruleset
  }

  it('measures in the worker and reports the same refusal', async () => {
    const f = files([{ id: 'COSTLY', when: 'any i in items: matches(i.description, ".*.*.*.*.*.*.*.*=x")' }])
    const r = await checkCost(f, compiled(f), { budgetMicrosPerKib: 10, bounds, declarationSchema, nowMs: NOW })
    expect(where(r)).toEqual(['rules/inline.yaml:7:7 cost'])
  }, 30_000)

  it('stops a check that overruns its deadline and refuses the ruleset', async () => {
    const f = files([{ id: 'SLOW', when: 'any i in items: matches(i.description, ".{0,16}.{0,16}.{0,16}.{0,16}=")' }])
    const r = await checkCost(f, compiled(f),
      { budgetMicrosPerKib: 1_000_000, bounds, declarationSchema, nowMs: NOW, cpuTimeoutMs: 300 })
    expect(r.problems).toHaveLength(1)
    expect(r.problems[0]?.code).toBe('cost')
    expect(r.problems[0]?.message).toMatch(/did not finish scoring an adversarial declaration within 0.3 s of CPU time$/)
  }, 30_000)
})
