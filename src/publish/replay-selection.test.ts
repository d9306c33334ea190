import { describe, expect, it } from 'vitest'
import type { ConsumedRecord } from '../record.ts'
import { buildDeadLetter } from './dead-letter.ts'
import {
  deadLetteredAtMs, ledgerKey, matches, originalHeaders, redrive, select,
  type DeadLetterRecord, type ReplayFilter, type ReplaySummary
} from './replay-selection.ts'

const source = (overrides: Partial<ConsumedRecord> = {}): ConsumedRecord => ({
  topic: 'declarations', partition: 3, offset: '41', timestampMs: 1780000000000,
  key: Buffer.from('decl-1'), value: Buffer.from([0, 0, 0, 0, 9, 1, 2]),
  headers: { 'content-type': Buffer.from('application/vnd.apache.avro+binary'), trace: Buffer.from('t-1') },
  ...overrides
})

/** A dead letter as read back from the dead-letter topic at `offset`. */
const deadLetter = (
  code: string, atMs: number, offset: string, original: Partial<ConsumedRecord> = {}
): DeadLetterRecord => {
  const out = buildDeadLetter(source(original), { code, stage: 'decode', message: 'm' }, atMs)
  return {
    topic: 'declarations-dlq',
    partition: 0,
    offset,
    timestamp: String(atMs + 2),
    key: out.key as Buffer,
    value: out.value as Buffer,
    headers: out.headers
  }
}

const any: ReplayFilter = { codes: null, fromMs: null, toMs: null }
const zero = (): ReplaySummary => ({ scanned: 0, matched: 0, redriven: 0, alreadyReplayed: 0 })

describe('publish > replay-selection > filter', () => {
  const d = deadLetter('E_DECODE_SCHEMA_UNAVAILABLE', 1_000, '5')
  it.each([
    ['no filter', any, true],
    ['its code', { ...any, codes: new Set(['E_DECODE_SCHEMA_UNAVAILABLE']) }, true],
    ['one of several codes', { ...any, codes: new Set(['E_VALIDATE_HS_CODE', 'E_DECODE_SCHEMA_UNAVAILABLE']) }, true],
    ['another code', { ...any, codes: new Set(['E_VALIDATE_HS_CODE']) }, false],
    ['from its very time (inclusive)', { ...any, fromMs: 1_000 }, true],
    ['from a millisecond later', { ...any, fromMs: 1_001 }, false],
    ['to its very time (exclusive)', { ...any, toMs: 1_000 }, false],
    ['to a millisecond later', { ...any, toMs: 1_001 }, true],
    ['a window around it, with its code',
      { codes: new Set(['E_DECODE_SCHEMA_UNAVAILABLE']), fromMs: 0, toMs: 2_000 }, true]
  ])('%s → %s', (_name, filter, expected) => {
    expect(matches(filter, d)).toBe(expected)
  })

  it('times a dead letter by its error timestamp header, and by its record timestamp when that is missing', () => {
    expect(deadLetteredAtMs(d)).toBe(1_000)
    const headers = { ...d.headers }
    delete headers['parcel-risk.error.timestamp']
    expect(deadLetteredAtMs({ ...d, headers })).toBe(1_002)
  })
})

describe('publish > replay-selection > idempotency', () => {
  it('chooses each matching dead letter once, even when read twice, and counts what it skipped', () => {
    const records = [
      deadLetter('E_DECODE_SCHEMA_UNAVAILABLE', 1_000, '1'),
      deadLetter('E_VALIDATE_HS_CODE', 1_000, '2'),
      deadLetter('E_DECODE_SCHEMA_UNAVAILABLE', 1_000, '3')
    ]
    const filter = { ...any, codes: new Set(['E_DECODE_SCHEMA_UNAVAILABLE']) }
    const replayed = new Set([ledgerKey(records[2] as DeadLetterRecord)])
    const summary = zero()
    expect(select(records, filter, replayed, summary).map((r) => r.offset)).toEqual(['1'])
    expect(select(records, filter, replayed, summary)).toEqual([])
    expect(summary).toEqual({ scanned: 6, matched: 4, redriven: 0, alreadyReplayed: 3 })
  })

  it('keys the ledger by position and record timestamp, so a re-created topic\'s offsets do not collide', () => {
    const a = deadLetter('E_DECODE_SCHEMA_UNAVAILABLE', 1_000, '7')
    expect(ledgerKey(a)).toBe('declarations-dlq/0/7@1002')
    expect(ledgerKey({ ...a, timestamp: '9999' })).not.toBe(ledgerKey(a))
  })
})

describe('publish > replay-selection > re-driven record', () => {
  it('carries the original key, value bytes and headers, plus replay markers; no dead-letter headers', () => {
    const d = deadLetter('E_DECODE_SCHEMA_UNAVAILABLE', 1_000, '9')
    const r = redrive(d, 5_000)
    expect(r.key).toBe(d.key)
    expect(r.value).toBe(d.value)
    expect(Object.fromEntries(Object.entries(r.headers).map(([k, v]) => [k, String(v)]))).toEqual({
      'content-type': 'application/vnd.apache.avro+binary',
      trace: 't-1',
      'parcel-risk.replay.of': 'declarations-dlq/0/9',
      'parcel-risk.replay.code': 'E_DECODE_SCHEMA_UNAVAILABLE',
      'parcel-risk.replay.at': '5000'
    })
    expect([r.sourceTopic, r.sourcePartition]).toEqual(['declarations', 3])
  })

  it('moves back an original header that the dead letter had to keep under parcel-risk.original.', () => {
    const d = deadLetter('E_VALIDATE_HS_CODE', 1_000, '1', {
      headers: { 'parcel-risk.error.code': 'theirs', 'parcel-risk.original.x': 'kept as is' }
    })
    expect(d.headers?.['parcel-risk.original.parcel-risk.error.code']).toBe('theirs')
    const headers = originalHeaders(d.headers)
    expect({ ...headers }).toEqual({ 'parcel-risk.error.code': 'theirs', 'parcel-risk.original.x': 'kept as is' })
  })

  it('replaces the markers of an earlier replay when a re-driven record failed again', () => {
    const again = deadLetter('E_DECODE_SCHEMA_UNAVAILABLE', 2_000, '20', {
      headers: { 'parcel-risk.replay.of': 'declarations-dlq/0/9', 'parcel-risk.replay.at': '5000' }
    })
    const r = redrive(again, 6_000)
    expect([String(r.headers['parcel-risk.replay.of']), String(r.headers['parcel-risk.replay.at'])])
      .toEqual(['declarations-dlq/0/20', '6000'])
  })
})
