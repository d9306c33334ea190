// Helpers the generated scoring function calls. They are passed in as one frozen object
// (the generated code never sees a global), take only prepared data built at compile time
// (frozen Sets/Maps), and never allocate on the common path.

import { MAX_SUBJECT } from './regex.ts'

/**
 * A money decimal string (or a number) as a number; anything else is a missing value. The
 * validation stage has already checked the decimal pattern, so this only guards against
 * text that is not a number at all (a regex test here cost 5 % of the eu-lvc run).
 */
export const num = (value: unknown): number | undefined => {
  if (typeof value === 'string') {
    if (value.length === 0) return undefined
    const n = +value
    return Number.isNaN(n) ? undefined : n
  }
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined
}

/** Division that turns x / 0 into a rule error instead of Infinity. */
export const div = (a: number, b: number): number => {
  if (b === 0) throw new RangeError('division by zero')
  return a / b
}

export interface PrefixSet {
  /** Distinct prefix lengths, ascending. */
  readonly lengths: readonly number[]
  readonly prefixes: ReadonlySet<string>
}

export const prefixSet = (entries: Iterable<string>): PrefixSet => {
  const prefixes = new Set(entries)
  const lengths = [...new Set([...prefixes].map((p) => p.length))].sort((a, b) => a - b)
  return Object.freeze({ lengths: Object.freeze(lengths), prefixes })
}

/** One slice + Set lookup per distinct prefix length, not per prefix. */
export const startsWithAny = (set: PrefixSet, s: string): boolean => {
  const lengths = set.lengths
  for (let i = 0; i < lengths.length; i++) {
    const n = lengths[i] as number
    if (n > s.length) return false
    if (set.prefixes.has(s.slice(0, n))) return true
  }
  return false
}

export interface WordSet {
  /** Entries lower-cased, words joined by one space. */
  readonly phrases: ReadonlySet<string>
  /** First words of the entries with more than one word. */
  readonly starters: ReadonlySet<string>
  /** Longest entry in words. */
  readonly maxWords: number
}

const WORD = /[\p{L}\p{N}]+/gu

export const wordSet = (entries: Iterable<string>): WordSet => {
  const phrases = new Set<string>()
  const starters = new Set<string>()
  let maxWords = 1
  for (const e of entries) {
    const words = e.toLowerCase().match(WORD)
    if (words === null) continue
    phrases.add(words.join(' '))
    if (words.length > 1) starters.add(words[0] as string)
    maxWords = Math.max(maxWords, words.length)
  }
  return Object.freeze({ phrases, starters, maxWords })
}

/**
 * Does `text` contain one of the entries as whole words (any case)? Words are runs of
 * letters and digits; an entry of n words matches n consecutive words of the text.
 */
// Several rules usually test the same descriptions against different word lists, item by
// item; keeping the words of the last few texts saves re-tokenising them for each rule
// (eu-lvc, two items: evaluate 3.4 → 2.2 µs per declaration).
const CACHE = 8
const cachedTexts: string[] = new Array<string>(CACHE).fill('')
const cachedWords: Array<readonly string[]> = new Array<readonly string[]>(CACHE).fill([])
let cacheNext = 0

const wordsOf = (text: string): readonly string[] => {
  for (let i = 0; i < CACHE; i++) if (cachedTexts[i] === text) return cachedWords[i] as readonly string[]
  const words = text.slice(0, MAX_SUBJECT).toLowerCase().match(WORD) ?? []
  cachedTexts[cacheNext] = text
  cachedWords[cacheNext] = words
  cacheNext = (cacheNext + 1) % CACHE
  return words
}

export const containsWord = (set: WordSet, text: string): boolean => {
  const words = wordsOf(text)
  const phrases = set.phrases
  for (let i = 0; i < words.length; i++) {
    let phrase = words[i] as string
    if (phrases.has(phrase)) return true
    // Building "w1 w2 …" strings is the expensive part; only phrase starters need it.
    if (!set.starters.has(phrase)) continue
    for (let n = 1; n < set.maxWords && i + n < words.length; n++) {
      phrase += ' ' + (words[i + n] as string)
      if (phrases.has(phrase)) return true
    }
  }
  return false
}

/** Set entries with their own effective window: value → [from, to) pairs, epoch ms. */
export type DatedSet = ReadonlyMap<string, readonly number[]>

export const inDatedSet = (set: DatedSet, value: string, t: number): boolean => {
  const windows = set.get(value)
  if (windows === undefined) return false
  for (let i = 0; i < windows.length; i += 2) {
    if (t >= (windows[i] as number) && t < (windows[i + 1] as number)) return true
  }
  return false
}

export const matchesBounded = (re: RegExp, s: string): boolean =>
  re.test(s.length > MAX_SUBJECT ? s.slice(0, MAX_SUBJECT) : s)

/** How a reason shows a value: missing values say so, timestamps as ISO-8601. */
export const showValue = (value: unknown, timestamp: boolean): string => {
  if (value === undefined || value === null) return '(missing)'
  if (timestamp && typeof value === 'number') return new Date(value).toISOString()
  return typeof value === 'string' ? value : String(value)
}

// Math functions are handed over here so the generated code names no global at all.
export const runtime = Object.freeze({
  num, div, startsWithAny, containsWord, inDatedSet, matchesBounded, showValue,
  abs: Math.abs, min: Math.min, max: Math.max
})
export type Runtime = typeof runtime
