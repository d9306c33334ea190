import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { ParcelRiskError } from '../errors.ts'
import { avroType, readSchema } from './avro-types.ts'
import { createDecoder, type IncomingRecord } from './decoder.ts'
import { fail, ok } from './result.ts'

// The bad-input corpus (test/fixtures/codec, written by make-corpus.ts): every case must come
// back as its coded rejection, in order, one result per record, and nothing may throw.
interface CorpusCase { file: string, contentType: string | null, code: string, path?: string }

const dir = new URL('../../test/fixtures/codec/', import.meta.url)
const cases = JSON.parse(readFileSync(new URL('cases.json', dir), 'utf8')) as CorpusCase[]
const type = avroType(readSchema('ParcelDeclaration'))
// Schema id 1 is the declaration schema; every other id is unknown to this registry.
const registry = {
  writerType: async (id: number) => id === 1
    ? ok(type)
    : fail(new ParcelRiskError('E_DECODE_UNKNOWN_SCHEMA', `no schema registered under id ${id}`))
}
const recordOf = (c: CorpusCase): IncomingRecord => ({
  value: readFileSync(new URL(c.file, dir)),
  headers: c.contentType === null ? {} : { 'content-type': c.contentType }
})

describe('codec > bad-input corpus', () => {
  const decoder = createDecoder({ readerType: type, registry, maxRecordBytes: 64 * 1024 })

  it('has a case for every decoding code it promises to cover', () => {
    expect(new Set(cases.map((c) => c.code))).toEqual(new Set([
      'E_DECODE_TRUNCATED', 'E_DECODE_AVRO_INVALID', 'E_DECODE_MAGIC_BYTE', 'E_DECODE_UNKNOWN_SCHEMA',
      'E_DECODE_TOO_LARGE', 'E_DECODE_CONTENT_TYPE', 'E_DECODE_NOT_UTF8', 'E_DECODE_JSON_SYNTAX',
      'E_DECODE_JSON_NUMBER', 'E_DECODE_FORBIDDEN_KEY',
      'E_DECODE_SCHEMA_MISMATCH'
    ]))
  })

  it.each(cases)('$file → $code', async (c) => {
    const [result] = await decoder.decodeBatch([recordOf(c)])
    expect(result?.ok).toBe(false)
    if (result?.ok !== false) return
    expect(result.error).toBeInstanceOf(ParcelRiskError)
    expect(result.error.code).toBe(c.code)
    if (c.path !== undefined) expect(result.error.path).toBe(c.path)
  })

  it('returns one result per record, in order, for the whole corpus in one batch ' +
    'with valid records between', async () => {
    const valid: IncomingRecord = { value: readFileSync(new URL('valid.bin', dir)) }
    const validJson: IncomingRecord = {
      value: readFileSync(new URL('valid.json', dir)), headers: { 'content-type': 'application/json' }
    }
    const batch = cases.flatMap((c) => [recordOf(c), valid, validJson])
    const results = await decoder.decodeBatch(batch)
    expect(results).toHaveLength(batch.length)
    cases.forEach((c, i) => {
      const [bad, good, goodJson] = [results[3 * i], results[3 * i + 1], results[3 * i + 2]]
      expect(bad?.ok === false ? bad.error.code : 'ok').toBe(c.code)
      expect(good?.ok).toBe(true)
      expect(goodJson?.ok).toBe(true)
    })
  })

  it('leaves Object.prototype untouched after the forbidden-key cases', async () => {
    await decoder.decodeBatch(cases.map(recordOf))
    expect(({} as Record<string, unknown>).polluted).toBeUndefined()
  })

  it('treats a null value (tombstone) as a truncated record', async () => {
    const [result] = await decoder.decodeBatch([{ value: null }])
    expect(result?.ok === false ? result.error.code : 'ok').toBe('E_DECODE_TRUNCATED')
  })
})
