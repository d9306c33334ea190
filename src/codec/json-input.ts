// JSON input: records with header `content-type: application/json` carry the declaration as
// UTF-8 JSON text (RFC 8259) in its natural shape, the shape JSON.stringify gives for a decoded
// record: records as objects, unions unwrapped (`"postalItemId": null` or a plain string, not
// Avro's `{"string": …}` JSON encoding), enums as their symbol, longs as integers. Fields that
// have a default may be left out.
//
// Checks, in order, each a coded rejection:
//   size  ≤ maxBytes                       E_DECODE_TOO_LARGE
//   bytes are UTF-8                         E_DECODE_NOT_UTF8
//   text parses as JSON                     E_DECODE_JSON_SYNTAX
//   nesting ≤ MAX_DEPTH                     E_DECODE_JSON_SYNTAX
//   no key __proto__/constructor/prototype  E_DECODE_FORBIDDEN_KEY
//   every number finite (1e400 → Infinity)  E_DECODE_JSON_NUMBER
//   value valid for the Avro reader type    E_DECODE_SCHEMA_MISMATCH (first bad path)
// and then the value is copied through the Avro type, so it has exactly the in-memory shape an
// Avro-decoded record has (same record classes, defaults filled, unknown fields dropped).
import { isUtf8 } from 'node:buffer'
import type { Type } from 'avsc'
import { ParcelRiskError } from '../errors.ts'
import { fail, ok, type Result } from './result.ts'

/** Deep enough for any declaration (it nests 4 levels); shallow enough to stop stack games. */
export const MAX_DEPTH = 32

const FORBIDDEN_KEYS: ReadonlySet<string> = new Set(['__proto__', 'constructor', 'prototype'])

export const formatPath = (parts: readonly string[]): string => {
  let out = ''
  for (const part of parts) out += /^[0-9]+$/.test(part) ? `[${part}]` : (out === '' ? part : `.${part}`)
  return out
}

export const tooLarge = (size: number, maxBytes: number): ParcelRiskError =>
  new ParcelRiskError('E_DECODE_TOO_LARGE', `record of ${size} bytes exceeds the limit of ${maxBytes} bytes`)

// One pass over the parsed tree. JSON.parse itself never touches prototypes (it defines own
// properties), but a `__proto__` key would bite the first spread or Object.assign downstream.
const inspect = (value: unknown, path: string[]): ParcelRiskError | undefined => {
  if (typeof value === 'number') {
    if (Number.isFinite(value)) return undefined
    return new ParcelRiskError('E_DECODE_JSON_NUMBER',
      `number at ${formatPath(path) || '(root)'} is not finite`, { path: formatPath(path) })
  }
  if (typeof value !== 'object' || value === null) return undefined
  if (path.length >= MAX_DEPTH) {
    return new ParcelRiskError('E_DECODE_JSON_SYNTAX',
      `JSON nests deeper than ${MAX_DEPTH} levels`, { path: formatPath(path) })
  }
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      path.push(String(i))
      const err = inspect(value[i], path)
      path.pop()
      if (err !== undefined) return err
    }
    return undefined
  }
  for (const key of Object.keys(value)) {
    path.push(key)
    const err = FORBIDDEN_KEYS.has(key)
      ? new ParcelRiskError('E_DECODE_FORBIDDEN_KEY',
        `forbidden key '${key}' at ${formatPath(path)}`, { path: formatPath(path) })
      : inspect((value as Record<string, unknown>)[key], path)
    path.pop()
    if (err !== undefined) return err
  }
  return undefined
}

export const parseJson = (bytes: Buffer, maxBytes: number): Result<unknown> => {
  if (bytes.length > maxBytes) return fail(tooLarge(bytes.length, maxBytes))
  if (!isUtf8(bytes)) return fail(new ParcelRiskError('E_DECODE_NOT_UTF8', 'JSON record is not valid UTF-8'))
  let parsed: unknown
  try {
    parsed = JSON.parse(bytes.toString('utf8'))
  } catch (err) {
    return fail(new ParcelRiskError('E_DECODE_JSON_SYNTAX', `invalid JSON: ${withoutExcerpt((err as Error).message)}`))
  }
  const err = inspect(parsed, [])
  return err === undefined ? ok(parsed) : fail(err)
}

// Messages of a rejected record reach the dead-letter headers and the debug log; the record
// may carry names, addresses, phones and e-mails. So they name the path and the kind of value
// found, never its text, and V8's excerpt of the JSON text around a syntax error is dropped
// (`Unexpected token 'b', ..."email":bartholome"... is not valid JSON`).
const withoutExcerpt = (message: string): string => message.replace(/, (?:\.\.\.)?".*"(?:\.\.\.)? is not valid JSON$/s, '')

const describe = (value: unknown): string => {
  if (value === undefined) return 'missing'
  if (value === null) return 'null'
  if (typeof value === 'boolean') return String(value)
  if (typeof value === 'string') return `a text of ${value.length} characters`
  if (Array.isArray(value)) return `a list of ${value.length}`
  return typeof value === 'object' ? 'a record' : `a ${typeof value}`
}

const typeLabel = (type: Type): string => {
  if (type.name !== undefined) return type.name
  const text = JSON.stringify(type.schema())
  return text.length > 60 ? `${text.slice(0, 60)}…` : text
}

/** Checks a parsed JSON value against an Avro type and copies it into the type's shape. */
export const fromJsonValue = <T>(type: Type, value: unknown): Result<T> => {
  // avsc accepts any object for a record, arrays included; a top-level array is not a record.
  if (type.typeName === 'record' && Array.isArray(value)) {
    return fail(new ParcelRiskError('E_DECODE_SCHEMA_MISMATCH',
      `(root): an array is not a valid ${typeLabel(type)}`, { path: '' }))
  }
  let first: { path: string, value: unknown, type: string } | undefined
  const valid = type.isValid(value, {
    errorHook: (parts: string[], any: unknown, at: Type) => {
      first ??= { path: formatPath(parts), value: any, type: typeLabel(at) }
    }
  })
  if (!valid || first !== undefined) {
    const where = first?.path ?? ''
    return fail(new ParcelRiskError('E_DECODE_SCHEMA_MISMATCH',
      `${where || '(root)'}: ${describe(first?.value)} is not a valid ${first?.type ?? typeLabel(type)}`,
      { path: where }))
  }
  try {
    return ok(type.clone(value, {}) as T)
  } catch (err) {
    // isValid passed, so this is not expected; still a coded rejection rather than a throw.
    return fail(new ParcelRiskError('E_DECODE_SCHEMA_MISMATCH',
      `cannot copy into the schema: ${(err as Error).message}`))
  }
}
