import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { buildDeadLetter, deadLetterHeaders, maxMessageLength } from './dead-letter.ts'
import type { ConsumedRecord } from '../record.ts'

const source = (overrides: Partial<ConsumedRecord> = {}): ConsumedRecord => ({
  topic: 'declarations', partition: 7, offset: '123456789012', timestampMs: 1780000000000,
  key: Buffer.from('decl-1'), value: Buffer.from([0x00, 0x00, 0x00, 0x00, 0x2a, 0xff, 0xfe, 0x80]),
  headers: { 'content-type': Buffer.from('application/json'), trace: [Buffer.from('a'), Buffer.from('b')] },
  ...overrides
})

describe('publish > dead-letter', () => {
  it('keeps the original key and value bytes, the very same buffers', () => {
    const original = source()
    const failure = { code: 'E_DECODE_AVRO_INVALID', stage: 'decode', message: 'bad union index' } as const
    const record = buildDeadLetter(original, failure, 1_780_000_000_500)
    expect(record.key).toBe(original.key)
    expect(record.value).toBe(original.value)
    expect(Buffer.compare(record.value as Buffer, Buffer.from([0, 0, 0, 0, 0x2a, 0xff, 0xfe, 0x80]))).toBe(0)
  })

  it('carries the reason and the source position in headers', () => {
    const failure = {
      code: 'E_VALIDATE_HS_CODE', stage: 'validate', message: 'items[0].hsCode is not 6 to 10 digits'
    } as const
    const record = buildDeadLetter(source(), failure, 1_780_000_000_500)
    expect({ ...record.headers }).toEqual({
      'parcel-risk.error.code': 'E_VALIDATE_HS_CODE',
      'parcel-risk.error.stage': 'validate',
      'parcel-risk.error.message': 'items[0].hsCode is not 6 to 10 digits',
      'parcel-risk.error.timestamp': '1780000000500',
      'parcel-risk.source.topic': 'declarations',
      'parcel-risk.source.partition': '7',
      'parcel-risk.source.offset': '123456789012',
      'parcel-risk.source.timestamp': '1780000000000',
      'content-type': Buffer.from('application/json'),
      trace: [Buffer.from('a'), Buffer.from('b')]
    })
  })

  it('keeps a colliding original header under parcel-risk.original.<name>, twice over after two replays', () => {
    const replayed = source({
      headers: {
        [deadLetterHeaders.code]: Buffer.from('E_DECODE_MAGIC_BYTE'),
        [`parcel-risk.original.${deadLetterHeaders.code}`]: Buffer.from('E_DECODE_TRUNCATED')
      }
    })
    const failure = { code: 'E_VALIDATE_REQUIRED', stage: 'validate', message: 'x' } as const
    const headers = buildDeadLetter(replayed, failure).headers ?? {}
    expect(headers[deadLetterHeaders.code]).toBe('E_VALIDATE_REQUIRED')
    expect(headers['parcel-risk.original.parcel-risk.error.code']).toEqual(Buffer.from('E_DECODE_MAGIC_BYTE'))
    expect(headers['parcel-risk.original.parcel-risk.original.parcel-risk.error.code'])
      .toEqual(Buffer.from('E_DECODE_TRUNCATED'))
  })

  it('keeps a header named __proto__ as an ordinary header', () => {
    const headers = JSON.parse('{"__proto__": "x"}') as Record<string, string>
    const record = buildDeadLetter(source({ headers }), {
      code: 'E_DECODE_FORBIDDEN_KEY', stage: 'decode', message: 'm'
    })
    expect(Object.keys(record.headers ?? {})).toContain('__proto__')
    expect(Object.getPrototypeOf(record.headers)).toBeNull()
  })

  it('dead-letters a record without key, value or headers', () => {
    const record = buildDeadLetter(source({ key: null, value: null, headers: undefined }), {
      code: 'E_DECODE_TRUNCATED', stage: 'decode', message: 'empty'
    })
    expect(record.key).toBeNull()
    expect(record.value).toBeNull()
    expect(Object.keys(record.headers ?? {})).toHaveLength(8)
  })

  it('bounds the message header', () => {
    const record = buildDeadLetter(source(), { code: 'E_PUBLISH_ENCODE', stage: 'publish', message: 'x'.repeat(5_000) })
    const message = record.headers?.[deadLetterHeaders.message] as string
    expect(message).toHaveLength(maxMessageLength)
    expect(message.endsWith('…')).toBe(true)
  })
})

describe('publish > dead-letter > README', () => {
  it('documents every header name', () => {
    const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8')
    const documented = [...readme.matchAll(/^\| `(parcel-risk\.[a-z.]+)` \|/gm)].map((m) => m[1])
    expect(documented).toEqual(Object.values(deadLetterHeaders))
  })
})
