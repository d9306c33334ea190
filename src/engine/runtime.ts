// Helpers the generated scoring function calls. They are passed in as one frozen object
// (the generated code never sees a global), take only prepared data built at compile time
// (frozen Sets/Maps), and never allocate on the common path.

import { MAX_SUBJECT } from './regex.ts'
import { containsWord } from './words.ts'

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

/** A custom boolean attribute: true/1 or false/0 as stored (or a boolean); anything else is missing. */
export const flag = (value: unknown): boolean | undefined => {
  if (typeof value === 'boolean') return value
  if (value === 'true' || value === '1') return true
  if (value === 'false' || value === '0') return false
  return undefined
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

/**
 * `amount in EUR`: converted at the rate, then rounded to the cent. Amounts are summed and
 * converted in binary floating point, where EUR 0.08 + 127.93 + 21.99 is 150.00000000000003;
 * rounding to the cent keeps a threshold such as the EUR 150 ceiling decided by the cents
 * declared, never by the representation error.
 */
export const toEur = (amount: number, rate: number): number => Math.round(amount * rate * 100) / 100

// Math functions are handed over here so the generated code names no global at all.
export const runtime = Object.freeze({
  num, flag, div, toEur, startsWithAny, containsWord, inDatedSet, matchesBounded,
  abs: Math.abs, min: Math.min, max: Math.max
})
export type Runtime = typeof runtime
