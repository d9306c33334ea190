import { describe, expect, it } from 'vitest'
import { memoryIo } from './args.ts'
import { formatSummary, parseFilter, parseTime, run } from './dlq.ts'

describe('cli > dlq replay > arguments', () => {
  it.each([
    ['2026-11-30T00:00:00Z', Date.UTC(2026, 10, 30)],
    ['2026-11-30T01:30:00.250+01:00', Date.UTC(2026, 10, 30, 0, 30, 0, 250)],
    ['2026-11-30', Date.UTC(2026, 10, 30)],
    ['yesterday', undefined],
    ['1780000000000', undefined],
    ['2026-13-45T00:00:00Z', undefined]
  ])('reads the time %s as %s', (text, ms) => {
    expect(parseTime(text)).toBe(ms)
  })

  it('builds a filter from codes and a window', () => {
    expect(parseFilter({
      code: 'E_DECODE_SCHEMA_UNAVAILABLE, E_VALIDATE_HS_CODE', from: '2026-11-30T00:00:00Z', to: '2026-11-30T01:00:00Z'
    })).toEqual({
      codes: new Set(['E_DECODE_SCHEMA_UNAVAILABLE', 'E_VALIDATE_HS_CODE']),
      fromMs: Date.UTC(2026, 10, 30),
      toMs: Date.UTC(2026, 10, 30, 1)
    })
    expect(parseFilter({})).toEqual({ codes: null, fromMs: null, toMs: null })
  })

  it.each([
    ['an unknown code', { code: 'E_DECODE_SCHEMA_UNAVAILABL' }, 'unknown error code E_DECODE_SCHEMA_UNAVAILABL'],
    ['an empty code list', { code: ',' }, 'no code given'],
    ['a bad --from', { from: 'now' }, '--from'],
    ['a window that ends before it starts', { from: '2026-11-30T01:00:00Z', to: '2026-11-30T00:00:00Z' },
      'later than --from']
  ])('refuses %s', (_name, values, message) => {
    expect(parseFilter(values)).toContain(message)
  })

  it.each([
    [['replay', '--code', 'E_NOPE'], 2],
    [['replay', '--chunk', '0'], 2],
    [['replay', 'extra'], 2],
    [['replay', '--frm', '2026-11-30'], 2],
    [['rewind'], 2],
    [[], 2],
    [['replay', '--help'], 0],
    [['--help'], 0]
  ])('exits %s for %j without touching Kafka', async (argv, code) => {
    const io = memoryIo()
    expect(await run(argv as string[], io)).toBe(code)
    if (code === 2) expect(io.err()).toContain('usage: parcel-risk dlq replay')
    else expect(io.out()).toContain('usage: parcel-risk dlq replay')
  })

  it('prints one summary line, saying so when nothing was written', () => {
    const s = { scanned: 10, matched: 3, redriven: 2, alreadyReplayed: 1 }
    expect(formatSummary(s, false)).toBe('scanned 10, matched 3, re-driven 2, skipped 1 (already replayed)\n')
    expect(formatSummary(s, true))
      .toBe('scanned 10, matched 3, would re-drive 2, skipped 1 (already replayed) [dry run]\n')
  })
})
