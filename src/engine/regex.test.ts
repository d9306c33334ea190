import { describe, expect, it } from 'vitest'
import { checkRegex } from './regex.ts'

describe('engine > regex', () => {
  it.each([
    '^IM[0-9]{10}$', '^[0-9]{3}-[0-9]{8}$', '(ab)+c', 'a+b*c?', '(?:gift|present)', '[(+*)]+', '^(?<code>[A-Z]{2})[0-9]+$', '\\d+\\.\\d{2}', '(a|b)?c'
  ])('accepts %s', (pattern) => {
    expect(checkRegex(pattern).ok).toBe(true)
  })

  it.each([
    ['(a+)+$', 'nested quantifier'],
    ['(a*)*', 'nested quantifier'],
    ['(ab|a)*', 'nested quantifier'],
    ['((a+)b)+', 'nested quantifier'],
    ['(x+){2,9}', 'nested quantifier'],
    ['(?:a?)+', 'nested quantifier'],
    ['(a)\\1', 'back-references'],
    ['(?<n>a)\\k<n>', 'back-references'],
    ['(?<=a)b', 'lookbehind'],
    ['a'.repeat(201), 'longer than'],
    ['a)', 'unbalanced'],
    ['[a-', 'Invalid']
  ])('refuses %s', (pattern, message) => {
    const r = checkRegex(pattern)
    expect(r.ok).toBe(false)
    if (!r.ok) expect(r.message).toContain(message)
  })
})
