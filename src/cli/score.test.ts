import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { Readable } from 'node:stream'
import { describe, expect, it } from 'vitest'
import { parse } from 'yaml'
import type { RiskDecision } from '../declaration.ts'
import { memoryIo } from './args.ts'
import { run } from './score.ts'
import { NO_PAYLOAD } from '../enrich/profile-write.ts'

const RULES = fileURLToPath(new URL('../../rules/eu-lvc', import.meta.url))
const NOW = '2026-11-26T10:00:00Z'

/** The clean parcel every eu-lvc fixture starts from. */
const gates = parse(readFileSync(join(RULES, 'tests', 'gates.yaml'), 'utf8')) as {
  defaults: { declaration: Record<string, unknown> }
}
const base = gates.defaults.declaration
const declaration = (over: Record<string, unknown>): string => JSON.stringify({ ...base, ...over })

const scoreLines = async (
  lines: readonly string[], extra: readonly string[] = []
): Promise<{ code: number, decisions: RiskDecision[], err: string }> => {
  const dir = mkdtempSync(join(tmpdir(), 'score-'))
  writeFileSync(join(dir, 'in.ndjson'), `${lines.join('\n')}\n`)
  const io = memoryIo()
  const code = await run([
    '--rules', RULES, '--input', join(dir, 'in.ndjson'), '--output', join(dir, 'out.ndjson'), '--now', NOW, ...extra
  ], io)
  const text = code === 0 ? readFileSync(join(dir, 'out.ndjson'), 'utf8') : ''
  const decisions = text.split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as RiskDecision)
  return { code, decisions, err: io.err() }
}

describe('cli > score', () => {
  it('keeps input order and turns every bad line into REJECT_DATA with its code', async () => {
    const { code, decisions, err } = await scoreLines([
      declaration({ declarationId: 'first' }),
      'this is not json',
      '{"declarationId": "no-version"}',
      declaration({ declarationId: 'bad-ioss', iossNumber: 'IM12' }),
      '',
      declaration({
        declarationId: 'watchlisted-words', items: [{ ...(base.items as object[])[0], description: 'gift' }]
      }),
      declaration({ declarationId: 'last' })
    ])
    expect(code).toBe(0)
    expect(decisions.map((d) => [d.declarationId, d.action, d.rejections.map((r) => r.code)])).toEqual([
      ['first', 'RELEASE', []],
      ['', 'REJECT_DATA', ['E_DECODE_JSON_SYNTAX']],
      ['no-version', 'REJECT_DATA', ['E_DECODE_SCHEMA_MISMATCH']],
      ['bad-ioss', 'REJECT_DATA', ['E_VALIDATE_IOSS_FORMAT']],
      ['watchlisted-words', 'REJECT_DATA', ['E_RULES_REJECT_DATA']],
      ['last', 'RELEASE', []]
    ])
    expect(decisions.every((d) => d.ruleset.id === 'eu-lvc' && d.inputDigest.length === 64)).toBe(true)
    expect(err).toContain('scored 6 declarations with eu-lvc')
    expect(err).toContain('3 rejected as bad data')
  })

  it('enriches from a profiles file: a watchlisted seller is not loaded', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'profiles-'))
    const profiles = join(dir, 'profiles.ndjson')
    writeFileSync(profiles, `${JSON.stringify({
      kind: 'WATCHLIST', updatedAt: 1, sourceSystem: 'test', ...NO_PAYLOAD,
      watchlist: {
        listId: 'dnl-parties', op: 'ADD', entityType: 'PARTY_NAME', value: 'SHENZHEN LIANFA TRADING CO., LTD.',
        reason: null, expiresAt: null
      }
    })}\n`)
    const { code, decisions } = await scoreLines(
      [declaration({ declarationId: 'w', iossNumber: null, additionalProcedure: 'C07' })], ['--profiles', profiles]
    )
    expect(code).toBe(0)
    expect(decisions[0]?.action).toBe('DO_NOT_LOAD')
    expect(decisions[0]?.gates).toEqual(['GATE-WATCHLIST-SELLER'])
  })

  it('treats a data set the profiles file carries nothing of as unknown, unless --empty names it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'profiles-'))
    const profiles = join(dir, 'profiles.ndjson')
    writeFileSync(profiles, `${JSON.stringify({
      kind: 'WATCHLIST', updatedAt: 1, sourceSystem: 'test', ...NO_PAYLOAD,
      watchlist: {
        listId: 'dnl-parties', op: 'ADD', entityType: 'PARTY_NAME', value: 'SOMEONE ELSE LTD',
        reason: null, expiresAt: null
      }
    })}\n`)
    const unknown = await scoreLines([declaration({ declarationId: 'u' })], ['--profiles', profiles])
    expect(unknown.code).toBe(0)
    expect(unknown.decisions[0]?.enrichment.status).toBe('DEGRADED')
    expect(unknown.decisions[0]?.enrichment.missing).toEqual(expect.arrayContaining(['seller', 'ioss']))
    expect(unknown.decisions[0]?.enrichment.missing).not.toContain('watchlist')
    expect(unknown.err).toContain('--profiles carries nothing of')
    const known = await scoreLines(
      [declaration({ declarationId: 'k' })], ['--profiles', profiles, '--empty', 'ioss,aeo,seller,consignee']
    )
    expect(known.decisions[0]?.enrichment).toEqual({ status: 'OK', missing: [] })
    expect(known.err).not.toContain('carries nothing of')
  })

  it('carries every rejection with its path, and the id and version a refused line declared', async () => {
    const { decisions } = await scoreLines([
      declaration({ declarationId: 'two-problems', version: 3, iossNumber: 'IM12', destinationCountry: 'eu' })
    ])
    const [refused] = decisions
    expect([refused?.declarationId, refused?.version, refused?.action]).toEqual(['two-problems', 3, 'REJECT_DATA'])
    expect(refused?.rejections.map((r) => [r.code, r.path]))
      .toEqual([['E_VALIDATE_COUNTRY', 'destinationCountry'], ['E_VALIDATE_IOSS_FORMAT', 'iossNumber']])
  })

  it('keeps order and counts the aggregates across batches of lines', async () => {
    const lines = Array.from({ length: 1_100 }, (_, i) => i === 700 ? '{' : declaration({ declarationId: `n${i}` }))
    const { decisions, err } = await scoreLines(lines)
    expect(decisions.map((d) => d.declarationId)).toEqual(lines.map((_, i) => (i === 700 ? '' : `n${i}`)))
    expect(err).toContain('scored 1100 declarations with eu-lvc')
    expect(err).toContain('1 rejected as bad data')
  })

  it('reads stdin and writes stdout by default', async () => {
    const io = { ...memoryIo(), stdin: Readable.from([`${declaration({ declarationId: 's1' })}\n{"broken"\n`]) }
    expect(await run(['--rules', RULES, '--now', NOW], io)).toBe(0)
    const lines = io.out().trim().split('\n').map((l) => JSON.parse(l) as RiskDecision)
    expect(lines.map((d) => [d.declarationId, d.action])).toEqual([['s1', 'RELEASE'], ['', 'REJECT_DATA']])
  })

  it.each([
    [['--input', '-'], '--rules DIR is required'],
    [['--rules', RULES, '--now', 'tomorrow'], 'not an ISO-8601 time'],
    [['--rules', tmpdir()], 'is not a ruleset directory'],
    [['--rules', RULES, '--profiles', join(tmpdir(), 'no-such-profiles.ndjson')], 'cannot read --profiles'],
    [['--rules', RULES, '--profiles', join(tmpdir(), 'no-such-profiles.ndjson'), '--empty', 'sellers'],
      '--empty: unknown data set sellers'],
    [['--rules', RULES, '--empty', 'seller'], '--empty goes with --profiles'],
    [['--rules', RULES, '--output', join(tmpdir(), 'no-such-dir', 'out.ndjson')], 'cannot write --output'],
    [['--rules', RULES, '--input', join(tmpdir(), 'no-such-input.ndjson'),
      '--output', join(tmpdir(), 'score-out.ndjson')],
      'stopped after 0 lines: ENOENT']
  ])('argv %j is a usage error (exit 2)', async (argv, message) => {
    const io = memoryIo()
    expect(await run(argv, io)).toBe(2)
    expect(io.err()).toContain(message)
  })
})
