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
  E_STACK_TOOL_MISSING: { disposition: 'crash', doc: 'The local stack needs a tool (java 17+, mvn, redis-server) that is not installed; the message gives the install command.' }
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
