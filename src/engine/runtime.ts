// Helpers the generated scoring function calls. They are passed in as one frozen object
// (the generated code never sees a global), take only prepared data built at compile time
// (frozen Sets/Maps), and never allocate on the common path.

import { MAX_SUBJECT } from './regex.ts'

const MONEY = /^-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?$/

/** A money decimal string (or a number) as a number; anything else is a missing value. */
export const num = (value: unknown): number | undefined => {
  if (typeof value === 'string') return MONEY.test(value) ? Number(value) : undefined
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
  /** Longest entry in words. */
  readonly maxWords: number
}

const WORD = /[\p{L}\p{N}]+/gu

export const wordSet = (entries: Iterable<string>): WordSet => {
  const phrases = new Set<string>()
  let maxWords = 1
  for (const e of entries) {
    const words = e.toLowerCase().match(WORD)
    if (words === null) continue
    phrases.add(words.join(' '))
    maxWords = Math.max(maxWords, words.length)
  }
  return Object.freeze({ phrases, maxWords })
}

/**
 * Does `text` contain one of the entries as whole words (any case)? Words are runs of
 * letters and digits; an entry of n words matches n consecutive words of the text.
 */
// Several rules usually test the same description against different word lists; keeping
// the words of the last text seen saves re-tokenising it for each (measured: 3.4 → see bench).
let lastText = ''
let lastWords: readonly string[] = []

const wordsOf = (text: string): readonly string[] => {
  if (text !== lastText) {
    lastWords = text.slice(0, MAX_SUBJECT).toLowerCase().match(WORD) ?? []
    lastText = text
  }
  return lastWords
}

export const containsWord = (set: WordSet, text: string): boolean => {
  const words = wordsOf(text)
  const phrases = set.phrases
  for (let i = 0; i < words.length; i++) {
    let phrase = words[i] as string
    if (phrases.has(phrase)) return true
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
