// The decode stage of the offline commands (`score`, `rules backtest`): each record holds one
// NDJSON line and is decoded exactly as the processor decodes a record that carries
// `content-type: application/json` (json-input.ts, against the same reader type), whatever
// its headers, with no registry to ask. One Result per record, in order; nothing throws.
import type { ParcelDeclaration } from '../declaration.ts'
import type { ConsumedRecord } from '../record.ts'
import { avroType, readSchema } from './avro-types.ts'
import { fromJsonValue, parseJson } from './json-input.ts'
import type { Result } from './result.ts'

export type JsonLinesDecode =
  (records: ReadonlyArray<Pick<ConsumedRecord, 'value'>>) => Promise<Array<Result<ParcelDeclaration>>>

export const createJsonLinesDecoder = (maxRecordBytes: number): JsonLinesDecode => {
  const readerType = avroType(readSchema('ParcelDeclaration'))
  const empty = Buffer.alloc(0)
  return async (records) => records.map((record) => {
    const parsed = parseJson(record.value ?? empty, maxRecordBytes)
    return parsed.ok ? fromJsonValue<ParcelDeclaration>(readerType, parsed.value) : parsed
  })
}
