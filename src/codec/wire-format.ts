// Confluent wire format, as written by every Confluent-compatible Avro serializer:
//
//   record  = magic schema-id body
//   magic   = %x00                      ; one byte, always 0
//   schema-id = 4 bytes                 ; signed 32-bit big-endian, issued by the registry (> 0)
//   body    = *OCTET                    ; Avro binary encoding of one datum written with that
//                                       ; schema; no container-file header, no sync markers
//
// parseFrame does no copying: the body is a view into the record's buffer.
import { ParcelRiskError } from '../errors.ts'
import { fail, ok, type Result } from './result.ts'

export const MAGIC_BYTE = 0
export const HEADER_BYTES = 5

export interface Frame {
  readonly schemaId: number
  readonly body: Buffer
}

export const parseFrame = (value: Buffer): Result<Frame> => {
  if (value.length === 0) {
    return fail(new ParcelRiskError('E_DECODE_TRUNCATED', 'empty record: expected the 5-byte wire-format header'))
  }
  const magic = value[0] as number
  if (magic !== MAGIC_BYTE) {
    return fail(new ParcelRiskError('E_DECODE_MAGIC_BYTE',
      `first byte is 0x${magic.toString(16).padStart(2, '0')}, expected 0x00 (Confluent wire format); ` +
      'JSON records need the header content-type: application/json'))
  }
  if (value.length < HEADER_BYTES) {
    return fail(new ParcelRiskError('E_DECODE_TRUNCATED',
      `record of ${value.length} bytes is shorter than the 5-byte wire-format header`))
  }
  return ok({ schemaId: value.readInt32BE(1), body: value.subarray(HEADER_BYTES) })
}

/** Writes the header into the first 5 bytes of `target` (which must have room for it). */
export const writeHeader = (target: Buffer, schemaId: number): void => {
  target[0] = MAGIC_BYTE
  target.writeInt32BE(schemaId, 1)
}

export const frame = (schemaId: number, body: Buffer): Buffer => {
  const out = Buffer.allocUnsafe(HEADER_BYTES + body.length)
  writeHeader(out, schemaId)
  body.copy(out, HEADER_BYTES)
  return out
}
