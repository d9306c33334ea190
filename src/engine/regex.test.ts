import { describe, expect, it } from 'vitest'
import { scoreAndDecide } from '../decide/decide.ts'
import { compileRules, declaration } from '../../test/fixtures/inline-ruleset.ts'
import { checkRegex, MAX_SUBJECT, RULE_FLAGS } from './regex.ts'
import { matchesBounded } from './runtime.ts'

// Families that make a backtracking engine take exponential or polynomial time. With the
// linear-time fallback each of them is accepted and answers on a long subject; on the
// backtracking engine alone, each of these calls ran for seconds to hours (the vitest timeout
// ends a test at 5 s).
const catastrophic: ReadonlyArray<[string, string, string]> = [
  ['nested quantifiers', '(a+)+$', 'a'.repeat(MAX_SUBJECT - 1) + '!'],
  ['nested star', '(a*)*b', 'a'.repeat(MAX_SUBJECT)],
  ['overlapping alternation under *', '(a|aa)*b', 'a'.repeat(MAX_SUBJECT)],
  ['overlapping alternation, word classes', '(\\w|\\d)*z', '1'.repeat(MAX_SUBJECT)],
  ['adjacent unbounded quantifiers', '.*.*.*.*.*.*.*.*=x', 'a'.repeat(MAX_SUBJECT)],
  ['adjacent unbounded quantifiers over one class', '\\d+\\d+\\d+\\d+x', '1'.repeat(MAX_SUBJECT)],
  ['stacked bounded repeats', 'a{1,16}a{1,16}a{1,16}a{1,16}=b', 'a'.repeat(MAX_SUBJECT)],
  ['quantified group of quantifiers', '(x+x+)+y', 'x'.repeat(MAX_SUBJECT)],
  ['repeated named group', '(?<n>a+)+=', 'a'.repeat(MAX_SUBJECT)]
]

describe('engine > regex', () => {
  it('builds every rule regex for the backtracking engine, the linear-time one its fallback', () => {
    const r = checkRegex('^IM[0-9]{10}$')
    expect(r.ok).toBe(true)
    if (r.ok) expect(r.regex.flags).toBe(RULE_FLAGS)
  })

  it.each(catastrophic)('%s: %s is accepted and answers on a 4,096-character subject', (_family, pattern, subject) => {
    const r = checkRegex(pattern)
    expect(r.ok).toBe(true)
    if (!r.ok) return
    expect(r.regex.flags).toBe(RULE_FLAGS)
    for (let i = 0; i < 20; i++) expect(matchesBounded(r.regex, subject)).toBe(false)
  })

  it.each([
    ['^IM[0-9]{10}$', 'IM1234567890', true],
    ['^IM[0-9]{10}$', 'IM123456789', false],
    ['^[0-9]{3}-[0-9]{8}$', '176-12345675', true],
    ['(?:gift|present)', 'a small present', true],
    ['^(?<code>[A-Z]{2})[0-9]+$', 'DE123', true],
    ['\\d+\\.\\d{2}', '12.50', true],
    ['\\bphone\\b', 'iphone case', false],
    ['(?<=EORI )[A-Z]{2}', 'EORI DE1', true],
    ['[(+*)]+', '(*)', true],
    ['(a|b)?c', 'xc', true]
  ])('%s on %j is %s', (pattern, subject, expected) => {
    const r = checkRegex(pattern)
    expect(r.ok).toBe(true)
    if (r.ok) expect(matchesBounded(r.regex, subject)).toBe(expected)
  })

  it('tests only the first MAX_SUBJECT characters', () => {
    const r = checkRegex('x$')
    expect(r.ok).toBe(true)
    if (r.ok) expect(matchesBounded(r.regex, 'a'.repeat(MAX_SUBJECT) + 'x')).toBe(false)
  })

  it.each([
    ['(a)\\1', 'back-references', 3],
    ['(?<n>a)\\k<n>', 'back-references', 7],
    ['ab(?=c)', 'lookahead', 2],
    ['(?!x)y', 'lookahead', 0],
    ['(?i:gift)', 'modifiers', 0],
    ['a{1,30}a{1,30}a{1,30}a{1,30}=b', 'repetition count above 16', 1],
    ['a{17}', 'repetition count above 16', 1],
    ['[0-9]{6,18}', 'repetition count above 16', 5],
    ['x{20,}', 'repetition count above 16', 1],
    ['(?:a{4}){5}', 'nested repetition counts multiply', 0],
    ['\\p{L}+', '`\\p{…}`', 0],
    ['\\u{1F600}', '`\\p{…}`', 0],
    ['a'.repeat(201), 'longer than', 200],
    ['a)', 'Unmatched', 0],
    ['[a-', 'Unterminated character class', 0],
    ['a{', 'Incomplete quantifier', 0],
    ['\\-', 'Invalid escape', 0]
  ])('refuses %s: %s (at offset %i)', (pattern, message, offset) => {
    const r = checkRegex(pattern)
    expect(r.ok).toBe(false)
    if (!r.ok) {
      expect(r.message).toContain(message)
      expect(r.offset).toBe(offset)
    }
  })

  it('scores a declaration with a 500-character description under a rule that stalled the backtracking engine', () => {
    const rs = compileRules([
      { id: 'STARS', when: 'any item in items: matches(item.description, ".*.*.*.*.*.*.*.*=x")' },
      { id: 'COUNTS', when: 'any item in items: matches(item.description, "a{1,16}a{1,16}a{1,16}a{1,16}=b")' }
    ])
    const d = declaration()
    const long = declaration({ items: [{ ...(d.items[0] as typeof d.items[number]), description: 'a'.repeat(500) }] })
    const decision = scoreAndDecide(rs)(long, null, { nowMs: d.declaredAt })
    expect(decision.errors).toEqual([])
    expect(decision.reasons).toEqual([])
  })
})
