// What every codec call returns, one per record: nothing throws past the codec, so a batch of
// n records always yields n results, each either a value or a coded error.
import type { ParcelRiskError } from '../errors.ts'

export type Result<T> =
  | { readonly ok: true, readonly value: T }
  | { readonly ok: false, readonly error: ParcelRiskError }

export const ok = <T>(value: T): Result<T> => ({ ok: true, value })
export const fail = <T = never>(error: ParcelRiskError): Result<T> => ({ ok: false, error })
