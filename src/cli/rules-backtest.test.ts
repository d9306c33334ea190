import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { parse } from 'yaml'
import { memoryIo } from './args.ts'
import { run, type BacktestReport } from './rules-backtest.ts'

const RULES = fileURLToPath(new URL('../../rules/eu-lvc', import.meta.url))
const gates = parse(readFileSync(join(RULES, 'tests', 'gates.yaml'), 'utf8')) as {
  defaults: { declaration: Record<string, unknown> }
}
const base = gates.defaults.declaration

/** Champion eu-lvc and a challenger on which a value just under the EUR 150 limit weighs 40 instead of 10. */
const rulesets = (): { dir: string, challenger: string } => {
  const dir = mkdtempSync(join(tmpdir(), 'backtest-'))
  const challenger = join(dir, 'challenger')
  cpSync(RULES, challenger, { recursive: true })
  const rulesFile = join(challenger, 'rules', 'thresholds.yaml')
  const text = readFileSync(rulesFile, 'utf8')
  const changed = text.replace(/(id: IND-NEAR-THRESHOLD[\s\S]*?weight: )10/, '$140')
  expect(changed).not.toBe(text)
  writeFileSync(rulesFile, changed)
  const line = (id: string, value: string): string =>
    JSON.stringify({
      ...base, declarationId: id, totalValue: value, items: [{ ...(base.items as object[])[0], intrinsicValue: value }]
    })
  const lines = [line('a', '18.00'), line('b', '140.00'), line('c', '145.00'), line('d', '100.00'), 'not json', '']
  writeFileSync(join(dir, 'in.ndjson'), lines.join('\n'))
  return { dir, challenger }
}

describe('cli > rules backtest', () => {
  it('counts the decisions a challenger changes, per action and per rule', async () => {
    const { dir, challenger } = rulesets()

    const io = memoryIo()
    const json = join(dir, 'report.json')
    const code = await run([
      '--champion', RULES, '--challenger', challenger, '--input', join(dir, 'in.ndjson'),
      '--now', '2026-11-26T10:00:00Z', '--json', json
    ], io)
    expect(code).toBe(0)
    const report = JSON.parse(readFileSync(json, 'utf8')) as BacktestReport
    expect(report.champion.declarations).toBe(5)
    expect(report.champion.actions).toMatchObject({ RELEASE: 4, REJECT_DATA: 1 })
    expect(report.challenger.actions).toMatchObject({ RELEASE: 2, REQUEST_INFO: 2, REJECT_DATA: 1 })
    expect(report.champion.ruleHits['IND-NEAR-THRESHOLD']).toBe(2)
    expect(report.challenger.ruleHits['IND-NEAR-THRESHOLD']).toBe(2)
    expect(report.changed).toBe(2)
    expect(report.changes.map((c) => [c.declarationId, c.champion.action, c.challenger.action])).toEqual([
      ['b', 'RELEASE', 'REQUEST_INFO'],
      ['c', 'RELEASE', 'REQUEST_INFO']
    ])
    expect(io.out()).toMatch(/^hold rate\s+20\.0 %\s+60\.0 %\s+40\.0 pt$/m)
    expect(io.out()).toContain('changed decisions: 2 changed action, 0 changed score only')
    expect(io.out()).toContain('b  RELEASE → REQUEST_INFO  (score 10 → 40)')
    // Neither ruleset limits a lane: no load section.
    expect(report.champion.capacity).toBeUndefined()
    expect(io.out()).not.toContain('inspection load')
  }, 60_000)

  it('shows the inspection load against each side\'s capacity: holds per window against seats, ' +
    'never moved, moved down, overbooked', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'backtest-capacity-'))
    // Both sides send a score of 10 or more to PHYSICAL_EXAM; the champion has 3 exam seats an
    // hour (1 reserved), the challenger 6.
    const withCapacity = (name: string, exam: string): string => {
      const out = join(dir, name)
      cpSync(RULES, out, { recursive: true })
      const manifest = readFileSync(join(out, 'ruleset.yaml'), 'utf8')
        .replace(/bands:\n( {2}- .*\n)+/, 'bands:\n  - { min: 0, action: RELEASE }\n  - { min: 10, action: PHYSICAL_EXAM }\n')
        .replace(/randomSelection: .*\n/, '')
      writeFileSync(join(out, 'ruleset.yaml'),
        `${manifest}capacity:\n  PHYSICAL_EXAM: ${exam}\n  SCREEN_NII: { perWindow: 2, window: 1h }\n`)
      return out
    }
    const champion = withCapacity('champion', '{ perWindow: 3, window: 1h, reserve: 1 }')
    const challenger = withCapacity('challenger', '{ perWindow: 6, window: 1h, reserve: 1 }')
    const T0 = Date.UTC(2026, 10, 26, 8, 0, 0)
    const item = (base.items as Array<Record<string, unknown>>)[0]
    let n = 0
    /**
     * Just under EUR 150 (IND-NEAR-THRESHOLD, score 10: an indicator-driven exam), or from North
     * Korea (a gate: never moved).
     */
    const line = (atMs: number, kind: 'near' | 'gate'): string => JSON.stringify({
      ...base, declarationId: `cap-${++n}`, declaredAt: atMs,
      ...(kind === 'near'
        ? { totalValue: '140.00', items: [{ ...item, intrinsicValue: '140.00' }] }
        : { items: [{ ...item, originCountry: 'KP' }] })
    })
    const lines = [
      // 08:00–09:00: six indicator-driven exams and one gate hit.
      ...Array.from({ length: 6 }, (_v, i) => line(T0 + i * 60_000, 'near')), line(T0 + 10 * 60_000, 'gate'),
      // 09:00–10:00: four gate hits (more than the champion's 3 seats) and two indicator-driven exams.
      ...Array.from({ length: 4 }, (_v, i) => line(T0 + 3_600_000 + i * 60_000, 'gate')),
      line(T0 + 3_700_000, 'near'), line(T0 + 3_800_000, 'near')
    ]
    writeFileSync(join(dir, 'in.ndjson'), `${lines.join('\n')}\n`)
    const io = memoryIo()
    const json = join(dir, 'report.json')
    const args = [
      '--champion', champion, '--challenger', challenger, '--input', join(dir, 'in.ndjson'),
      '--now', '2026-11-26T10:00:00Z'
    ]
    expect(await run([...args, '--json', json], io)).toBe(0)
    const report = JSON.parse(readFileSync(json, 'utf8')) as BacktestReport
    const exam = (side: BacktestReport['champion']) => side.capacity?.lanes.find((l) => l.lane === 'PHYSICAL_EXAM')
    expect(report.champion.capacity?.location).toBe('default')
    expect(exam(report.champion)).toMatchObject({
      perWindow: 3, reserve: 1, window: '1h', asked: 13, neverMoved: 5, held: 7, overbooked: 1,
      movedDown: { SCREEN_NII: 4, RELEASE_POST_AUDIT: 2 }
    })
    expect(exam(report.champion)?.windows).toEqual([
      { windowStart: '2026-11-26T08:00:00.000Z', asked: 7, neverMoved: 1, held: 3, movedDown: 4, overbooked: 0 },
      { windowStart: '2026-11-26T09:00:00.000Z', asked: 6, neverMoved: 4, held: 4, movedDown: 2, overbooked: 1 }
    ])
    expect(exam(report.challenger)).toMatchObject({
      perWindow: 6, asked: 13, held: 12, overbooked: 0, movedDown: { SCREEN_NII: 1 }
    })
    const nii = report.champion.capacity?.lanes.find((l) => l.lane === 'SCREEN_NII')
    expect(nii).toMatchObject({ perWindow: 2, asked: 0, held: 4 })
    const out = io.out()
    expect(out).toMatch(/^PHYSICAL_EXAM seats\s+3 per 1h, 1 reserved\s+6 per 1h, 1 reserved$/m)
    expect(out).toMatch(/^ {2}holds asked\s+13\s+13\s+\+0$/m)
    expect(out).toMatch(/^ {2}busiest window\s+7\s+7\s+\+0$/m)
    expect(out).toMatch(/^ {2}windows over capacity\s+2\s+1\s+-1$/m)
    expect(out).toMatch(/^ {2}moved down\s+6 \(2 → RELEASE_POST_AUDIT, 4 → SCREEN_NII\)\s+1 \(1 → SCREEN_NII\)\s+-5$/m)
    expect(out).toMatch(/^ {2}overbooked\s+1\s+0\s+-1$/m)

    const bad = memoryIo()
    expect(await run([...args, '--location', 'L{1}'], bad)).toBe(2)
    expect(bad.err()).toContain('--location must match')
  }, 60_000)

  it('measures both sides on labelled outcomes: hit rate, recall, holds without a known outcome', async () => {
    const { dir, challenger } = rulesets()
    const outcome = (id: string, result: string): string =>
      JSON.stringify({ declarationId: id, version: 1, result, method: 'DOCUMENT_CHECK' })
    // b and d found something, c did not.
    const outcomes = [outcome('b', 'SEIZED'), outcome('c', 'NO_FINDING'), outcome('d', 'REVENUE'), '']
    writeFileSync(join(dir, 'outcomes.ndjson'), outcomes.join('\n'))
    const io = memoryIo()
    const json = join(dir, 'report.json')
    const args = [
      '--champion', RULES, '--challenger', challenger, '--input', join(dir, 'in.ndjson'),
      '--now', '2026-11-26T10:00:00Z'
    ]
    expect(await run([...args, '--outcomes', join(dir, 'outcomes.ndjson'), '--json', json], io)).toBe(0)
    const report = JSON.parse(readFileSync(json, 'utf8')) as BacktestReport
    expect(report.labels).toEqual({ labelled: 3, positive: 2 })
    // The champion holds only the line that is not JSON (a data rejection: no control).
    expect(report.champion.yield)
      .toEqual({ labelledHolds: 0, positives: 0, unlabelledHolds: 0, hitRate: null, recall: 0 })
    expect(report.challenger.yield)
      .toEqual({ labelledHolds: 2, positives: 1, unlabelledHolds: 0, hitRate: 0.5, recall: 0.5 })
    expect(io.out()).toMatch(/^recall \(of known positives\)\s+0\.0 %\s+50\.0 %\s+50\.0 pt$/m)

    writeFileSync(join(dir, 'bad.ndjson'), `${outcome('b', 'SEIZED')}\n${outcome('c', 'FOUND_IT')}\n`)
    const bad = memoryIo()
    expect(await run([...args, '--outcomes', join(dir, 'bad.ndjson')], bad)).toBe(2)
    expect(bad.err()).toContain('--outcomes line 2: result is not an InspectionResult')
  }, 60_000)

  it('requires both rulesets and an input', async () => {
    const io = memoryIo()
    expect(await run(['--champion', RULES], io)).toBe(2)
    expect(io.err()).toContain('--champion, --challenger and --input are required')
  })
})
