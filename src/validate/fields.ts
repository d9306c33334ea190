// Field-level checks shared by the declaration walker. Each takes the raw value as `unknown`
// (the validator never trusts that the decoder enforced the schema: JSON input, replays and
// the offline `score` command reach it too), records what is wrong in `out` and returns the
// usable value or a sentinel. A path is only built when a check fails, so a valid
// declaration allocates nothing but the empty result array.

import type { ErrorCode } from '../errors.ts'
import { countries } from './countries.ts'
import { currencies } from './currencies.ts'
import { isMoney } from './formats.ts'

/** One problem in a declaration: a catalogue code, the field path, and an explanation. */
export interface Rejection {
  readonly code: ErrorCode
  /** Path of the offending field, e.g. `items[2].hsCode`; empty for the whole declaration. */
  readonly path: string
  readonly message: string
}

export type Bag = Readonly<Record<string, unknown>>

export const isBag = (value: unknown): value is Bag =>
  typeof value === 'object' && value !== null && !Array.isArray(value)

/** `base`, `base.field`, `base[index]` or `base[index].field`. */
export const pathOf = (base: string, index: number, field: string): string => {
  const head = index >= 0 ? `${base}[${index}]` : base
  return field === '' ? head : head === '' ? field : `${head}.${field}`
}

export const add = (
  out: Rejection[], code: ErrorCode, base: string, index: number, field: string, message: string
): void => {
  out.push({ code, path: pathOf(base, index, field), message })
}

/** A short, safe rendering of a bad value for messages (never used for personal data fields). */
export const show = (value: unknown): string => {
  if (typeof value === 'string') return JSON.stringify(value.length > 32 ? `${value.slice(0, 32)}…` : value)
  if (typeof value === 'number') return String(value)
  if (value === null) return 'null'
  return Array.isArray(value) ? 'an array' : typeof value
}

const nonBlank = /\S/

/**
 * A text field: a string of at most `max` code units; when required, present and not blank.
 * Returns the string, or null when absent or rejected.
 */
export const text = (
  out: Rejection[], value: unknown, max: number, required: boolean, base: string, index: number, field: string
): string | null => {
  if (typeof value === 'string') {
    if (value.length > max) {
      add(out, 'E_VALIDATE_LENGTH', base, index, field, `longer than ${max} characters (${value.length})`)
      return null
    }
    if (required && !nonBlank.test(value)) {
      add(out, 'E_VALIDATE_REQUIRED', base, index, field, 'must not be blank')
      return null
    }
    return value
  }
  if (value === null || value === undefined) {
    if (required) add(out, 'E_VALIDATE_REQUIRED', base, index, field, 'is required')
    return null
  }
  add(out, 'E_VALIDATE_TYPE', base, index, field, `expected text, got ${show(value)}`)
  return null
}

// Codes are read as text up to this length, so DEU or EURO is reported as a bad code (not a
// bad length) while a huge string still stops at the length check.
export const codeTextMax = 64

/** An ISO 3166-1 alpha-2 code, upper case. */
export const country = (
  out: Rejection[], value: unknown, required: boolean, base: string, index: number, field: string
): void => {
  const code = text(out, value, codeTextMax, required, base, index, field)
  if (code !== null && !countries.has(code)) {
    add(out, 'E_VALIDATE_COUNTRY', base, index, field, `${show(code)} is not an ISO 3166-1 alpha-2 country code`)
  }
}

const regionPattern = /^[A-Z]{2}-[A-Z0-9]{1,3}$/

/** An optional ISO 3166-2 subdivision code (`UA-43`): a known country, a dash, 1–3 letters or digits. */
export const region = (out: Rejection[], value: unknown, base: string, index: number, field: string): void => {
  const code = text(out, value, codeTextMax, false, base, index, field)
  if (code !== null && (!regionPattern.test(code) || !countries.has(code.slice(0, 2)))) {
    add(out, 'E_VALIDATE_REGION', base, index, field,
      `${show(code)} is not an ISO 3166-2 subdivision code (e.g. UA-43)`)
  }
}

/** An ISO 4217 code of a circulating currency. */
export const currency = (out: Rejection[], value: unknown, base: string, field: string): void => {
  const code = text(out, value, codeTextMax, true, base, -1, field)
  if (code !== null && !currencies.has(code)) {
    add(out, 'E_VALIDATE_CURRENCY', base, -1, field, `${show(code)} is not an ISO 4217 currency code`)
  }
}

// The number checks answer true/false and leave reading the value to the caller: a double
// returned from a call that is not inlined is boxed, which was measurable per declaration.

/** A decimal-string amount; true when present and well-formed (the caller reads Number(value)). */
export const money = (
  out: Rejection[], value: unknown, required: boolean, base: string, index: number, field: string
): boolean => {
  if (typeof value === 'string') {
    if (isMoney(value)) return true
    add(out, 'E_VALIDATE_MONEY_FORMAT', base, index, field,
      `${show(value)} is not a decimal amount such as "18.90" (digits, optional dot and up to 4 decimals)`)
    return false
  }
  if (value === null || value === undefined) {
    if (required) add(out, 'E_VALIDATE_REQUIRED', base, index, field, 'is required')
    return false
  }
  add(out, 'E_VALIDATE_TYPE', base, index, field, `expected a decimal string such as "18.90", got ${show(value)}`)
  return false
}

/** A finite number in (0, max]; whole when `integer`. True when it passed. */
export const positive = (
  out: Rejection[], value: unknown, max: number, integer: boolean, base: string, index: number, field: string
): boolean => {
  if (typeof value !== 'number') {
    if (value === null || value === undefined) add(out, 'E_VALIDATE_REQUIRED', base, index, field, 'is required')
    else add(out, 'E_VALIDATE_TYPE', base, index, field, `expected a number, got ${show(value)}`)
    return false
  }
  if (!Number.isFinite(value)) {
    add(out, 'E_VALIDATE_NOT_FINITE', base, index, field, `${show(value)} is not a finite number`)
    return false
  }
  if (value <= 0) {
    add(out, 'E_VALIDATE_NOT_POSITIVE', base, index, field, `must be greater than zero, got ${show(value)}`)
    return false
  }
  if (value > max) {
    add(out, 'E_VALIDATE_OUT_OF_RANGE', base, index, field, `must be at most ${max}, got ${show(value)}`)
    return false
  }
  if (integer && !Number.isInteger(value)) {
    add(out, 'E_VALIDATE_TYPE', base, index, field, `expected a whole number, got ${show(value)}`)
    return false
  }
  return true
}

/**
 * Epoch milliseconds within [window[0], window[1]]. The bounds travel in a Float64Array
 * because epoch-ms doubles passed as arguments are boxed on every call (measured).
 */
export const timestamp = (
  out: Rejection[], value: unknown, required: boolean, window: Float64Array, field: string
): void => {
  const earliest = window[0] as number
  const latest = window[1] as number
  if (typeof value !== 'number') {
    if (value !== null && value !== undefined) {
      add(out, 'E_VALIDATE_TYPE', '', -1, field, `expected epoch milliseconds, got ${show(value)}`)
    } else if (required) {
      add(out, 'E_VALIDATE_REQUIRED', '', -1, field, 'is required')
    }
    return
  }
  if (!Number.isFinite(value)) {
    add(out, 'E_VALIDATE_NOT_FINITE', '', -1, field, `${show(value)} is not a finite number`)
  } else if (value > latest) {
    add(out, 'E_VALIDATE_DATE_FUTURE', '', -1, field, `${dateText(value)} is later than ${dateText(latest)}`)
  } else if (value < earliest) {
    add(out, 'E_VALIDATE_DATE_PAST', '', -1, field, `${dateText(value)} is earlier than ${dateText(earliest)}`)
  }
}

// Beyond ±8.64e15 ms a Date is invalid and toISOString throws; a validator must not.
const dateText = (ms: number): string => (Math.abs(ms) <= 8.64e15 ? new Date(ms).toISOString() : String(ms))

/** One of an enum's symbols. */
export const symbol = (
  out: Rejection[], value: unknown, symbols: ReadonlySet<string>, base: string, index: number, field: string
): void => {
  if (typeof value === 'string' && symbols.has(value)) return
  if (value === null || value === undefined) add(out, 'E_VALIDATE_REQUIRED', base, index, field, 'is required')
  else add(out, 'E_VALIDATE_ENUM', base, index, field, `${show(value)} is not one of ${[...symbols].join(', ')}`)
}

/** A boolean. */
export const flag = (out: Rejection[], value: unknown, base: string, field: string): void => {
  if (typeof value !== 'boolean') {
    add(out, 'E_VALIDATE_TYPE', base, -1, field, `expected true or false, got ${show(value)}`)
  }
}
