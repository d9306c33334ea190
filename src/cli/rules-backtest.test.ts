import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { parse } from 'yaml'
import { memoryIo } from './args.ts'
import { run, type BacktestReport } from './rules-backtest.ts'

const RULES = fileURLToPath(new URL('../../rules/eu-lvc', import.meta.url))
const base = (parse(readFileSync(join(RULES, 'tests', 'gates.yaml'), 'utf8')) as { defaults: { declaration: Record<string, unknown> } }).defaults.declaration

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
    JSON.stringify({ ...base, declarationId: id, totalValue: value, items: [{ ...(base.items as object[])[0], intrinsicValue: value }] })
  writeFileSync(join(dir, 'in.ndjson'), [line('a', '18.00'), line('b', '140.00'), line('c', '145.00'), line('d', '100.00'), 'not json', ''].join('\n'))
  return { dir, challenger }
}

describe('cli > rules backtest', () => {
  it('counts the decisions a challenger changes, per action and per rule', async () => {
    const { dir, challenger } = rulesets()

    const io = memoryIo()
    const json = join(dir, 'report.json')
    const code = await run(['--champion', RULES, '--challenger', challenger, '--input', join(dir, 'in.ndjson'), '--now', '2026-11-26T10:00:00Z', '--json', json], io)
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
  }, 60_000)

  it('measures both sides on labelled outcomes: hit rate, recall, holds without a known outcome', async () => {
    const { dir, challenger } = rulesets()
    const outcome = (id: string, result: string): string => JSON.stringify({ declarationId: id, version: 1, result, method: 'DOCUMENT_CHECK' })
    // b and d found something, c did not.
    writeFileSync(join(dir, 'outcomes.ndjson'), [outcome('b', 'SEIZED'), outcome('c', 'NO_FINDING'), outcome('d', 'REVENUE'), ''].join('\n'))
    const io = memoryIo()
    const json = join(dir, 'report.json')
    const args = ['--champion', RULES, '--challenger', challenger, '--input', join(dir, 'in.ndjson'), '--now', '2026-11-26T10:00:00Z']
    expect(await run([...args, '--outcomes', join(dir, 'outcomes.ndjson'), '--json', json], io)).toBe(0)
    const report = JSON.parse(readFileSync(json, 'utf8')) as BacktestReport
    expect(report.labels).toEqual({ labelled: 3, positive: 2 })
    // The champion holds only the line that is not JSON (a data rejection: no control).
    expect(report.champion.yield).toEqual({ labelledHolds: 0, positives: 0, unlabelledHolds: 0, hitRate: null, recall: 0 })
    expect(report.challenger.yield).toEqual({ labelledHolds: 2, positives: 1, unlabelledHolds: 0, hitRate: 0.5, recall: 0.5 })
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
