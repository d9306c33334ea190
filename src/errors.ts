// The error catalogue. Every failure that parcel-risk reports carries one of these codes.
// The disposition says what the pipeline does with it:
//   reject → dead-letter the record (original bytes, reason in headers) and carry on
//   retry  → back off, then pause the partition; the record is tried again later
//   crash  → exit non-zero and let the supervisor restart the process
// Each code is documented in the README's error table; src/errors.test.ts keeps the two in
// step. Retired codes are never reused: move them to `retired` below.

export type Disposition = 'reject' | 'retry' | 'crash'

export interface CatalogueEntry {
  readonly disposition: Disposition
  /** One line for the README error table: what went wrong and what to do about it. */
  readonly doc: string
}

export const catalogue = {
  // --- configuration and start-up -------------------------------------------------------
  E_CONFIG_INVALID: { disposition: 'crash', doc: 'One or more configuration keys are missing or invalid; the message lists every bad key.' },
  E_STACK_TOOL_MISSING: { disposition: 'crash', doc: 'The local stack needs a tool (java 17+, mvn, redis-server) that is not installed; the message gives the install command.' },
  // --- decoding (codec/) and encoding of decisions -------------------------------------
  E_DECODE_MAGIC_BYTE: { disposition: 'reject', doc: 'The record does not start with the Confluent wire-format magic byte 0 (and carries no `content-type: application/json` header); the message shows the byte found.' },
  E_DECODE_TRUNCATED: { disposition: 'reject', doc: 'The record is shorter than the 5-byte wire-format header, or its Avro body ends before the schema says it should.' },
  E_DECODE_AVRO_INVALID: { disposition: 'reject', doc: 'The Avro body cannot be read with its writer schema: trailing bytes, a bad union index, a negative length or a count larger than the body.' },
  E_DECODE_UNKNOWN_SCHEMA: { disposition: 'reject', doc: 'The registry answered that no schema is registered under the record\'s schema id (HTTP 404); the producer wrote with an id this registry never issued.' },
  E_DECODE_REGISTRY_UNAVAILABLE: { disposition: 'retry', doc: 'The record\'s schema id is not cached and the registry could not be asked (refused, timed out or answered 5xx); already cached ids keep decoding.' },
  E_DECODE_SCHEMA_INCOMPATIBLE: { disposition: 'reject', doc: 'The writer schema cannot be resolved into the reader schema (another record, a removed field without default, or not Avro at all).' },
  E_DECODE_TOO_LARGE: { disposition: 'reject', doc: 'The record value is larger than the configured limit (`maxRecordBytes`); the message gives both sizes.' },
  E_DECODE_CONTENT_TYPE: { disposition: 'reject', doc: 'The record\'s `content-type` header names a format other than Avro or `application/json`.' },
  E_DECODE_NOT_UTF8: { disposition: 'reject', doc: 'A JSON record is not valid UTF-8 text.' },
  E_DECODE_JSON_SYNTAX: { disposition: 'reject', doc: 'A JSON record is not well-formed JSON (or nests deeper than the parser allows); the message gives the parser\'s position.' },
  E_DECODE_JSON_NUMBER: { disposition: 'reject', doc: 'A JSON number is not finite once parsed (e.g. `1e400`); the path names the field.' },
  E_DECODE_FORBIDDEN_KEY: { disposition: 'reject', doc: 'A JSON record uses a key that could reach object prototypes (`__proto__`, `constructor`, `prototype`); the path names where.' },
  E_DECODE_SCHEMA_MISMATCH: { disposition: 'reject', doc: 'A JSON record does not match the Avro schema (missing field, wrong type, unknown enum symbol); the path names the first bad field.' },
  E_PUBLISH_ENCODE: { disposition: 'reject', doc: 'A decision does not match the RiskDecision schema and cannot be encoded; the path names the bad field (a defect, reported with the original record).' },
  E_PUBLISH_SCHEMA_REGISTRATION: { disposition: 'crash', doc: 'Registering a schema at start-up failed: the registry is unreachable or rejected the schema as incompatible with the subject\'s history under BACKWARD.' }
} as const satisfies Record<string, CatalogueEntry>

export type ErrorCode = keyof typeof catalogue

/** Codes that were once in use. Never reuse them. */
export const retired: readonly string[] = []

export class ParcelRiskError extends Error {
  readonly code: ErrorCode
  readonly disposition: Disposition
  /** Where in the input the problem is, e.g. `items[2].hsCode`, when known. */
  readonly path: string | undefined

  constructor (code: ErrorCode, message: string, options?: ErrorOptions & { path?: string }) {
    super(message, options)
    this.name = 'ParcelRiskError'
    this.code = code
    this.disposition = catalogue[code].disposition
    this.path = options?.path
  }
}

export const isParcelRiskError = (err: unknown): err is ParcelRiskError => err instanceof ParcelRiskError
