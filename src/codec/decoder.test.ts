import type { Type } from 'avsc'
import { describe, expect, it } from 'vitest'
import { ParcelRiskError } from '../errors.ts'
import { avroType } from './avro-types.ts'
import { createDecoder } from './decoder.ts'
import { fail, ok, type Result } from './result.ts'
import { frame } from './wire-format.ts'

// A registry fake passed in as a parameter: ids map to writer types; `down` makes every
// lookup fail as an unreachable registry would, and `asked` counts lookups.
const fakeRegistry = (writers: Record<number, Type>) => {
  const state = { down: false, asked: 0 }
  const writerType = async (id: number): Promise<Result<Type>> => {
    state.asked++
    if (state.down) return fail(new ParcelRiskError('E_DECODE_REGISTRY_UNAVAILABLE', 'connect ECONNREFUSED'))
    const writer = writers[id]
    return writer === undefined
      ? fail(new ParcelRiskError('E_DECODE_UNKNOWN_SCHEMA', `no schema registered under id ${id}`))
      : ok(writer)
  }
  return { state, registry: { writerType } }
}

const v1 = avroType({
  type: 'record', name: 'Parcel', namespace: 'org.parcelrisk', fields: [
    { name: 'id', type: 'string' },
    { name: 'lines', type: { type: 'array', items: 'string' } },
    { name: 'mode', type: { type: 'enum', name: 'Mode', symbols: ['AIR', 'MAIL', 'UNKNOWN'], default: 'UNKNOWN' } }
  ]
})
// v2 adds an optional field with a default and an enum symbol: a BACKWARD-compatible change.
const v2 = avroType({
  type: 'record', name: 'Parcel', namespace: 'org.parcelrisk', fields: [
    { name: 'id', type: 'string' },
    { name: 'lines', type: { type: 'array', items: 'string' } },
    {
      name: 'mode',
      type: { type: 'enum', name: 'Mode', symbols: ['AIR', 'MAIL', 'RAIL', 'UNKNOWN'], default: 'UNKNOWN' }
    },
    { name: 'note', type: ['null', 'string'], default: null }
  ]
})
const other = avroType({ type: 'record', name: 'Other', fields: [{ name: 'x', type: 'int' }] })

const record = (id: number, type: Type, value: unknown) => ({ value: frame(id, type.toBuffer(value)) })
const codes = <T>(results: Array<Result<T>>): string[] => results.map((r) => r.ok ? 'ok' : r.error.code)

describe('codec > decoder', () => {
  it('decodes records written with an older schema into the newer reader, defaults filled', async () => {
    const { registry } = fakeRegistry({ 1: v1 })
    const decoder = createDecoder<Record<string, unknown>>({ readerType: v2, registry, maxRecordBytes: 1024 })
    const [result] = await decoder.decodeBatch([record(1, v1, { id: 'a', lines: ['x'], mode: 'MAIL' })])
    expect(result?.ok && { ...result.value }).toEqual({ id: 'a', lines: ['x'], mode: 'MAIL', note: null })
  })

  it('decodes records written with a newer schema into the older reader: ' +
    'extra field skipped, unknown symbol → default', async () => {
    const { registry } = fakeRegistry({ 2: v2 })
    const decoder = createDecoder<Record<string, unknown>>({ readerType: v1, registry, maxRecordBytes: 1024 })
    const results = await decoder.decodeBatch([
      record(2, v2, { id: 'b', lines: [], mode: 'RAIL', note: 'new' }),
      record(2, v2, { id: 'c', lines: ['y'], mode: 'AIR', note: null })
    ])
    expect(results.map((r) => r.ok && { ...r.value })).toEqual([
      { id: 'b', lines: [], mode: 'UNKNOWN' },
      { id: 'c', lines: ['y'], mode: 'AIR' }
    ])
  })

  it('asks the registry once per unseen id per batch, then never again', async () => {
    const { registry, state } = fakeRegistry({ 1: v1, 2: v2 })
    const decoder = createDecoder({ readerType: v2, registry, maxRecordBytes: 1024 })
    const value = { id: 'a', lines: [], mode: 'AIR' }
    await decoder.decodeBatch([record(1, v1, value), record(2, v2, { ...value, note: null }), record(1, v1, value)])
    expect(state.asked).toBe(2)
    await decoder.decodeBatch([record(1, v1, value), record(2, v2, { ...value, note: null })])
    expect(state.asked).toBe(2)
    expect(decoder.knownSchemaIds().sort()).toEqual([1, 2])
  })

  it('keeps decoding cached ids while the registry is down, and asks to retry only for unseen ids', async () => {
    const { registry, state } = fakeRegistry({ 1: v1, 2: v2 })
    const decoder = createDecoder({ readerType: v2, registry, maxRecordBytes: 1024 })
    const value = { id: 'a', lines: [], mode: 'AIR' }
    await decoder.decodeBatch([record(1, v1, value)])
    state.down = true
    const results = await decoder.decodeBatch([
      record(1, v1, value), record(2, v2, { ...value, note: null }), record(1, v1, value)
    ])
    expect(codes(results)).toEqual(['ok', 'E_DECODE_REGISTRY_UNAVAILABLE', 'ok'])
    expect(results[1]?.ok === false && results[1].error.disposition).toBe('retry')
    state.down = false
    expect(codes(await decoder.decodeBatch([record(2, v2, { ...value, note: null })]))).toEqual(['ok'])
  })

  it('retries an uncached id through an outage for unavailableRetryMs from its first failed lookup, ' +
    'then dead-letters it', async () => {
    const { registry, state } = fakeRegistry({ 1: v1, 2: v2 })
    let clock = 1_000
    const decoder = createDecoder({
      readerType: v2, registry, maxRecordBytes: 1024, unavailableRetryMs: 500, now: () => clock
    })
    const value = { id: 'a', lines: [], mode: 'AIR' }
    await decoder.decodeBatch([record(1, v1, value)])
    state.down = true
    const batch = [record(1, v1, value), record(2, v2, { ...value, note: null })]
    expect(codes(await decoder.decodeBatch(batch))).toEqual(['ok', 'E_DECODE_REGISTRY_UNAVAILABLE'])
    clock += 499
    expect(codes(await decoder.decodeBatch(batch))).toEqual(['ok', 'E_DECODE_REGISTRY_UNAVAILABLE'])
    clock += 1
    const given = await decoder.decodeBatch(batch)
    expect(codes(given)).toEqual(['ok', 'E_DECODE_SCHEMA_UNAVAILABLE'])
    expect(given[1]?.ok === false && given[1].error.disposition).toBe('reject')
    // Later records of the same id do not wait again while the registry stays down.
    clock += 10
    expect(codes(await decoder.decodeBatch([record(2, v2, { ...value, note: null })])))
      .toEqual(['E_DECODE_SCHEMA_UNAVAILABLE'])
    // Another id gets its own budget.
    expect(codes(await decoder.decodeBatch([record(3, v2, { ...value, note: null })])))
      .toEqual(['E_DECODE_REGISTRY_UNAVAILABLE'])
    state.down = false
    expect(codes(await decoder.decodeBatch([record(2, v2, { ...value, note: null })]))).toEqual(['ok'])
  })

  it('starts an id\'s budget afresh after a quiet spell without failed lookups (the outage looks over)', async () => {
    const { registry, state } = fakeRegistry({ 1: v1 })
    let clock = 0
    const decoder = createDecoder({
      readerType: v2, registry, maxRecordBytes: 1024, unavailableRetryMs: 100, now: () => clock
    })
    const value = { id: 'a', lines: [], mode: 'AIR' }
    state.down = true
    expect(codes(await decoder.decodeBatch([record(2, v1, value)]))).toEqual(['E_DECODE_REGISTRY_UNAVAILABLE'])
    clock += 100
    expect(codes(await decoder.decodeBatch([record(2, v1, value)]))).toEqual(['E_DECODE_SCHEMA_UNAVAILABLE'])
    clock += 9_999
    expect(codes(await decoder.decodeBatch([record(2, v1, value)]))).toEqual(['E_DECODE_SCHEMA_UNAVAILABLE'])
    clock += 10_001
    expect(codes(await decoder.decodeBatch([record(2, v1, value)]))).toEqual(['E_DECODE_REGISTRY_UNAVAILABLE'])
  })

  it('starts an id\'s budget afresh after the registry answered for it', async () => {
    const { registry, state } = fakeRegistry({ 1: v1 })
    let clock = 0
    const decoder = createDecoder({
      readerType: v2, registry, maxRecordBytes: 1024, unavailableRetryMs: 100, now: () => clock
    })
    const value = { id: 'a', lines: [], mode: 'AIR' }
    state.down = true
    expect(codes(await decoder.decodeBatch([record(9, v1, value)]))).toEqual(['E_DECODE_REGISTRY_UNAVAILABLE'])
    state.down = false
    clock += 50
    expect(codes(await decoder.decodeBatch([record(9, v1, value)]))).toEqual(['E_DECODE_UNKNOWN_SCHEMA'])
    state.down = true
    clock += 60
    expect(codes(await decoder.decodeBatch([record(9, v1, value)]))).toEqual(['E_DECODE_REGISTRY_UNAVAILABLE'])
  })

  it('dead-letters at once with unavailableRetryMs 0', async () => {
    const { registry, state } = fakeRegistry({ 1: v1 })
    state.down = true
    const decoder = createDecoder({ readerType: v2, registry, maxRecordBytes: 1024, unavailableRetryMs: 0 })
    expect(codes(await decoder.decodeBatch([record(1, v1, { id: 'a', lines: [], mode: 'AIR' })])))
      .toEqual(['E_DECODE_SCHEMA_UNAVAILABLE'])
  })

  it.each([
    ['an id the registry does not know', 9, v1, 'E_DECODE_UNKNOWN_SCHEMA', 'reject'],
    ['a writer schema of another record', 3, other, 'E_DECODE_SCHEMA_INCOMPATIBLE', 'reject']
  ])('rejects %s', async (_name, id, type, code, disposition) => {
    const { registry } = fakeRegistry({ 1: v1, 3: other })
    const decoder = createDecoder({ readerType: v2, registry, maxRecordBytes: 1024 })
    const value = type === other ? { x: 1 } : { id: 'a', lines: [], mode: 'AIR' }
    const [result] = await decoder.decodeBatch([record(id, type, value)])
    expect(result?.ok === false && [result.error.code, result.error.disposition]).toEqual([code, disposition])
  })

  it.each([
    ['an array count far beyond the body', [2, 0x61, 0xfe, 0xff, 0xff, 0xff, 0x0f], 'E_DECODE_TRUNCATED'],
    ['a negative string length', [1], 'E_DECODE_TRUNCATED'],
    ['an enum index out of range', [2, 0x61, 0, 0x10], 'E_DECODE_AVRO_INVALID'],
    ['trailing bytes', [2, 0x61, 0, 0, 0, 9], 'E_DECODE_AVRO_INVALID']
  ])('rejects a body with %s, quickly', async (_name, body, code) => {
    const { registry } = fakeRegistry({ 1: v1 })
    const decoder = createDecoder({ readerType: v1, registry, maxRecordBytes: 1024 })
    const started = performance.now()
    const [result] = await decoder.decodeBatch([{ value: frame(1, Buffer.from(body)) }])
    expect(result?.ok === false && result.error.code).toBe(code)
    expect(performance.now() - started).toBeLessThan(1000)
  })

  it('routes by content-type: JSON, Avro, or a rejection for anything else', async () => {
    const { registry } = fakeRegistry({ 1: v1 })
    const decoder = createDecoder<Record<string, unknown>>({ readerType: v1, registry, maxRecordBytes: 1024 })
    const results = await decoder.decodeBatch([
      {
        value: Buffer.from('{"id":"j","lines":[],"mode":"AIR"}'),
        headers: { 'Content-Type': Buffer.from('application/json') }
      },
      {
        ...record(1, v1, { id: 'a', lines: [], mode: 'AIR' }),
        headers: { 'content-type': 'application/vnd.apache.avro+binary' }
      },
      { value: Buffer.from('<x/>'), headers: { 'content-type': ['text/xml'] } }
    ])
    expect(codes(results)).toEqual(['ok', 'ok', 'E_DECODE_CONTENT_TYPE'])
  })
})
