import { describe, expect, it } from 'vitest'
import { compileRules, DECLARED_AT, declaration } from '../../test/fixtures/inline-ruleset.ts'
import { containsWord, createLexicon, LISTS_PER_LEXICON, splitWords, wordSet } from './words.ts'

describe('engine > words', () => {
  const lex = createLexicon()
  const gifts = wordSet(['gift', 'Present', 'as per invoice', 'spare parts kit'], lex)
  const tools = wordSet(['drill', 'spare parts'], lex)

  it.each([
    ['a birthday GIFT', gifts, true],
    ['gifts for you', gifts, false],
    ['sent as per invoice no 3', gifts, true],
    ['sent as per the invoice', gifts, false],
    ['spare parts kit, steel', gifts, true],
    ['spare parts kit, steel', tools, true],
    ['spare wheel', tools, false],
    ['Präsent für Oma, present', gifts, true],
    ['', gifts, false]
  ])('%j against a list → %s', (text, set, expected) => {
    expect(containsWord(set, text)).toBe(expected)
    // Asked again, the answer comes from the cached tokens and must not change.
    expect(containsWord(set, text)).toBe(expected)
  })

  it('answers from many texts in turn, beyond the cache size', () => {
    const texts = Array.from({ length: 20 }, (_, i) => (i % 3 === 0 ? `item ${i} gift` : `item ${i}`))
    for (let round = 0; round < 2; round++) {
      expect(texts.map((t) => containsWord(gifts, t))).toEqual(texts.map((_, i) => i % 3 === 0))
    }
  })

  it.each([
    'USB-C cable, 2m (black)', '  spare  parts  ', 'x', 'Präsent für Oma', '\u212Aelvin scale', 'ÅNGSTRÖM 3x',
    'a_b-c.d/e', ''
  ])('splits %j as the Unicode word pattern does', (text) => {
    expect(splitWords(text)).toEqual(text.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? [])
  })

  it('answers for a list registered after texts were looked up', () => {
    const own = createLexicon()
    const first = wordSet(['cable'], own)
    expect(containsWord(first, 'usb cable')).toBe(true)
    const later = wordSet(['usb cable'], own)
    expect([containsWord(later, 'usb cable'), containsWord(first, 'usb cable')]).toEqual([true, true])
  })

  it('refuses more lists than a lexicon has bits', () => {
    const full = createLexicon()
    for (let i = 0; i < LISTS_PER_LEXICON; i++) wordSet([`w${i}`], full)
    expect(() => wordSet(['one more'], full)).toThrow(RangeError)
  })

  it('spreads a ruleset with more word lists than one lexicon holds over several', () => {
    const n = LISTS_PER_LEXICON + 3
    const lists = Object.fromEntries(Array.from({ length: n }, (_, i) =>
      [`lists/w${i}.yaml`, `id: w${i}\nkind: set\nentries: [word${i}, cotton]\n`]))
    const rules = Array.from({ length: n }, (_, i) =>
      ({ id: `R${i}`, when: `any i in items: containsWord(i.description, @w${i})` }))
    const rs = compileRules(rules, lists)
    expect([...rs.evaluate(declaration(), null, { nowMs: DECLARED_AT }).outcomes]).toEqual(new Array(n).fill(1))
    const first = declaration().items[0] as ReturnType<typeof declaration>['items'][number]
    const other = declaration({ items: [{ ...first, description: `word${n - 1}` }] })
    expect([...rs.evaluate(other, null, { nowMs: DECLARED_AT }).outcomes]).toEqual([...new Array(n - 1).fill(0), 1])
  })
})
