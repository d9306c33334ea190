// Decoding of declaration records, one batch at a time:
//   value without content-type (or an Avro one) → wire format (wire-format.ts) → writer schema
//     by id (registry.ts, one request per unseen id per batch) → Avro body read with a resolver
//     from the writer schema into our reader schema, built once per id
//   `content-type: application/json` → json-input.ts, checked against the same reader type
// Every record yields exactly one Result, in input order; nothing throws.
//
// Schema evolution: the resolver lets a record written with an older or newer schema decode
// into our reader type (fields we lack are skipped, fields they lack take our defaults, enum
// symbols we lack take the enum default). A writer schema that cannot be resolved is
// E_DECODE_SCHEMA_INCOMPATIBLE, remembered for that id (ids are immutable).
//
// Registry down: an id not cached yet is E_DECODE_REGISTRY_UNAVAILABLE (retry: the consumer
// backs off and hands the chunk back). With `unavailableRetryMs` set, that lasts at most so
// long per id, counted from the id's first failed lookup: after it, the id's records are
// E_DECODE_SCHEMA_UNAVAILABLE (reject: dead-lettered, the partition moves on). Later records
// of that id are dead-lettered after one failed lookup each, not after another wait, until the
// registry answers for it again, or until no lookup of it failed for a quiet spell (the budget,
// at least 10 s: while a chunk waits, the consumer retries it every 2 s at most), which
// suggests the outage is over: a registry back but slow to answer its first request then
// gets a fresh budget instead of one timeout deciding. The budget is per id, not per outage,
// so an id first seen late in a long outage still gets its own retries.
import type { Resolver, Type } from 'avsc'
import { ParcelRiskError } from '../errors.ts'
import type { ConsumedRecord, HeaderValue } from '../record.ts'
import { avroType } from './avro-types.ts'
import { fromJsonValue, parseJson, tooLarge } from './json-input.ts'
import type { Registry } from './registry.ts'
import { fail, ok, type Result } from './result.ts'
import { HEADER_BYTES, parseFrame } from './wire-format.ts'

/** What the decoder reads of a consumed record. */
export type IncomingRecord = Pick<ConsumedRecord, 'value' | 'headers'>

export interface DecoderConfig {
  /** Built with avroType() so block reads are bounded. */
  readonly readerType: Type
  readonly registry: Pick<Registry, 'writerType'>
  /** Largest record value accepted, in bytes (Avro or JSON). */
  readonly maxRecordBytes: number
  /** How long an uncached id is retried through a registry outage; unset: for ever. */
  readonly unavailableRetryMs?: number
  /** Clock for the retry budget, epoch ms. */
  readonly now?: () => number
}

export interface Decoder<T> {
  readonly decodeBatch: (records: readonly IncomingRecord[]) => Promise<Array<Result<T>>>
  /** Schema ids this decoder can read without asking the registry. */
  readonly knownSchemaIds: () => number[]
}

type Format = 'avro' | 'json' | ParcelRiskError

const headerText = (value: HeaderValue): string | undefined => {
  const first = Array.isArray(value) ? value[0] : value
  return first === undefined ? undefined : typeof first === 'string' ? first : first.toString('latin1')
}

const formatOf = (headers: IncomingRecord['headers']): Format => {
  if (headers === undefined) return 'avro'
  let raw = headers['content-type']
  if (raw === undefined) {
    for (const key of Object.keys(headers)) if (key.toLowerCase() === 'content-type') raw = headers[key]
  }
  const text = headerText(raw)
  if (text === undefined) return 'avro'
  const mediaType = (text.split(';')[0] ?? '').trim().toLowerCase()
  if (mediaType === 'application/json') return 'json'
  if (mediaType === '' || mediaType.includes('avro')) return 'avro'
  return new ParcelRiskError('E_DECODE_CONTENT_TYPE',
    `content-type '${text.slice(0, 80)}' is neither Avro nor application/json`)
}

interface Reader { readonly resolver: Resolver | undefined }

export const readAvroBody = <T>(type: Type, resolver: Resolver | undefined, body: Buffer): Result<T> => {
  try {
    return ok(type.fromBuffer(body, resolver) as T)
  } catch (err) {
    const message = (err as Error).message
    return message === 'truncated buffer'
      ? fail(new ParcelRiskError('E_DECODE_TRUNCATED', 'Avro body ends before the schema says it should'))
      : fail(new ParcelRiskError('E_DECODE_AVRO_INVALID', `Avro body cannot be read: ${message}`))
  }
}

export const createDecoder = <T>(config: DecoderConfig): Decoder<T> => {
  const { readerType, registry, maxRecordBytes, unavailableRetryMs, now = Date.now } = config
  const readers = new Map<number, Result<Reader>>()
  // Per id, the run of lookups that failed for want of a registry: when it began, when the
  // last one failed. Cleared by any answer, restarted after a quiet spell (see the header).
  const unavailable = new Map<number, { since: number, last: number }>()
  const quietMs = Math.max(unavailableRetryMs ?? 0, 10_000)

  const retryOrGiveUp = (schemaId: number, error: ParcelRiskError, askedAt: number): Result<Reader> => {
    if (unavailableRetryMs === undefined) return fail(error)
    const at = now()
    let run = unavailable.get(schemaId)
    if (run === undefined || askedAt - run.last > quietMs) {
      if (unavailable.size >= 10_000) unavailable.clear()
      run = { since: askedAt, last: at }
      unavailable.set(schemaId, run)
    }
    run.last = at
    if (at - run.since < unavailableRetryMs) return fail(error)
    return fail(new ParcelRiskError('E_DECODE_SCHEMA_UNAVAILABLE',
      `schema id ${schemaId} is not cached and the registry stayed unavailable for ${at - run.since} ms ` +
      `(registry.unavailableRetryMs ${unavailableRetryMs}): ${error.message}`, { cause: error }))
  }

  const readerFor = async (schemaId: number): Promise<Result<Reader>> => {
    const askedAt = now()
    const writer = await registry.writerType(schemaId)
    if (!writer.ok && writer.error.code === 'E_DECODE_REGISTRY_UNAVAILABLE') {
      // Only definite answers are remembered; an unavailable registry is asked again next time.
      return retryOrGiveUp(schemaId, writer.error, askedAt)
    }
    unavailable.delete(schemaId)
    if (!writer.ok) {
      if (writer.error.code === 'E_DECODE_SCHEMA_INCOMPATIBLE') readers.set(schemaId, writer)
      return writer
    }
    let entry: Result<Reader>
    if (writer.value.equals(readerType)) {
      entry = ok({ resolver: undefined })
    } else {
      try {
        entry = ok({ resolver: readerType.createResolver(avroType(writer.value.schema() as object)) })
      } catch (err) {
        entry = fail(new ParcelRiskError('E_DECODE_SCHEMA_INCOMPATIBLE',
          `schema id ${schemaId} cannot be read as ${readerType.name ?? 'the reader schema'}: ` +
          (err as Error).message))
      }
    }
    readers.set(schemaId, entry)
    return entry
  }

  const decodeBatch = async (records: readonly IncomingRecord[]): Promise<Array<Result<T>>> => {
    const results = new Array<Result<T>>(records.length)
    // Pass 1: everything that needs no registry; remember which ids are missing.
    const pending = new Map<number, number[]>()
    for (let i = 0; i < records.length; i++) {
      const record = records[i] as IncomingRecord
      const value = record.value ?? Buffer.alloc(0)
      const format = formatOf(record.headers)
      if (format instanceof ParcelRiskError) {
        results[i] = fail(format)
        continue
      }
      if (format === 'json') {
        const parsed = parseJson(value, maxRecordBytes)
        results[i] = parsed.ok ? fromJsonValue<T>(readerType, parsed.value) : parsed
        continue
      }
      if (value.length > maxRecordBytes) {
        results[i] = fail(tooLarge(value.length, maxRecordBytes))
        continue
      }
      const frame = parseFrame(value)
      if (!frame.ok) {
        results[i] = frame
        continue
      }
      const reader = readers.get(frame.value.schemaId)
      if (reader === undefined) {
        const waiting = pending.get(frame.value.schemaId)
        if (waiting === undefined) pending.set(frame.value.schemaId, [i])
        else waiting.push(i)
        continue
      }
      results[i] = reader.ok ? readAvroBody<T>(readerType, reader.value.resolver, frame.value.body) : reader
    }
    if (pending.size === 0) return results
    // Pass 2: one registry lookup per missing id, in parallel, then the records that waited.
    await Promise.all([...pending.keys()].map(async (schemaId) => {
      const reader = await readerFor(schemaId)
      for (const i of pending.get(schemaId) ?? []) {
        const body = (records[i] as IncomingRecord).value?.subarray(HEADER_BYTES) ?? Buffer.alloc(0)
        results[i] = reader.ok ? readAvroBody<T>(readerType, reader.value.resolver, body) : reader
      }
    }))
    return results
  }

  return { decodeBatch, knownSchemaIds: () => [...readers.entries()].filter(([, r]) => r.ok).map(([id]) => id) }
}
