import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { parse } from 'yaml'
import { HOLD_RELEASED, SUPERSEDED } from '../amendment.ts'
import type { RiskDecision } from '../declaration.ts'
import { memoryIo } from './args.ts'
import { run } from './score.ts'

const RULES = fileURLToPath(new URL('../../rules/eu-lvc', import.meta.url))

const gates = parse(readFileSync(join(RULES, 'tests', 'gates.yaml'), 'utf8')) as {
  defaults: { declaration: Record<string, unknown> }
}
const base = gates.defaults.declaration
const line = (over: Record<string, unknown>): string => JSON.stringify({ ...base, ...over })
// A vague description ("gift") is refused as data (REJECT_DATA, a HOLD); the amendment describes the goods.
const vague = { items: [{ ...(base.items as object[])[0], description: 'gift' }] }

const score = async (lines: readonly string[]): Promise<RiskDecision[]> => {
  const dir = mkdtempSync(join(tmpdir(), 'score-amend-'))
  writeFileSync(join(dir, 'in.ndjson'), `${lines.join('\n')}\n`)
  const code = await run([
    '--rules', RULES, '--input', join(dir, 'in.ndjson'), '--output', join(dir, 'out.ndjson'),
    '--now', '2026-11-26T10:00:00Z'
  ], memoryIo())
  expect(code).toBe(0)
  return readFileSync(join(dir, 'out.ndjson'), 'utf8').split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as RiskDecision)
}

describe('cli > score: amendments, as the processor answers them', () => {
  it('v1 held, v2 corrected and released with the reason, v1 replayed superseded, v2 replayed the same', async () => {
    const v1 = line({ declarationId: 'A-1', version: 1, ...vague })
    const v2 = line({ declarationId: 'A-1', version: 2 })
    const [first, amended, replayed, again] = await score([v1, v2, v1, v2]) as [
      RiskDecision, RiskDecision, RiskDecision, RiskDecision
    ]
    expect([first.version, first.decision, first.action]).toEqual([1, 'HOLD', 'REJECT_DATA'])
    expect([amended.version, amended.decision]).toEqual([2, 'RELEASE'])
    const released = amended.reasons.find((r) => r.ruleId === HOLD_RELEASED)
    expect(released?.title).toBe('Amendment releases the hold of version 1 (REJECT_DATA)')
    expect(Object.fromEntries(released?.values.map((v) => [v.name, v.value]) ?? [])).toMatchObject({
      previousVersion: '1', previousDecision: 'HOLD', previousAction: 'REJECT_DATA', lane: 'REJECT_DATA → RELEASE'
    })
    expect([replayed.version, replayed.decision, replayed.action, replayed.reasons.map((r) => r.ruleId)])
      .toEqual([1, 'RELEASE', 'RELEASE', [SUPERSEDED]])
    expect(replayed.inputDigest).toBe(first.inputDigest)
    expect(again).toEqual(amended)
  }, 30_000)
})
