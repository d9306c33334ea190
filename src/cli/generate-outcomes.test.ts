import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import type { InspectionOutcome, RiskDecision } from '../declaration.ts'
import { outcomeFor } from '../generate/outcomes.ts'
import { generateDeclarations } from '../generate/stream.ts'
import { main } from './generate-outcomes.ts'

const decision = (declarationId: string, action: RiskDecision['action']): RiskDecision => ({
  declarationId, version: 1, decision: action === 'RELEASE' ? 'RELEASE' : 'HOLD', action, score: 80,
  reasons: [{ ruleId: 'r-a', title: 'a', tier: 'INDICATOR', contribution: 80, values: [] }],
  gates: [], errors: [], randomSelection: false,
  ruleset: { id: 'eu-lvc', version: '1', digest: '0'.repeat(64) },
  enrichment: { status: 'OK', missing: [] }, rejections: [],
  timings: { receivedAt: 0, decidedAt: 1_770_000_000_000, latencyMicros: 1 }, inputDigest: '0'.repeat(64)
})

describe('cli > generate outcomes, offline', () => {
  it('writes the outcomes of the held decisions of a decisions file as NDJSON, ' +
    'once per declaration and version', async () => {
    const stream: Array<ReturnType<typeof generateDeclarations> extends Iterable<infer T> ? T : never> = []
    for (const generated of generateDeclarations({ seed: 7 })) {
      if (stream.length === 4) break
      stream.push(generated)
    }
    const [a, b, c] = stream.map((s) => s.declaration.declarationId)
    const decisions = [
      decision(a ?? '', 'PHYSICAL_EXAM'), decision(a ?? '', 'PHYSICAL_EXAM'), decision(b ?? '', 'RELEASE'),
      decision(c ?? '', 'SCREEN_NII'), decision('NOT-OF-THIS-STREAM', 'PHYSICAL_EXAM')]
    const dir = mkdtempSync(join(tmpdir(), 'outcomes-'))
    writeFileSync(join(dir, 'decisions.ndjson'), decisions.map((d) => JSON.stringify(d)).join('\n'))
    const out = join(dir, 'outcomes.ndjson')
    const args = ['--count', '4', '--seed', '7', '--decisions', join(dir, 'decisions.ndjson'), '--output', out]
    expect(await main(args)).toBe(0)
    const written = readFileSync(out, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as InspectionOutcome)
    const patterns = new Map(stream.map((s) => [s.declaration.declarationId, s.patterns]))
    expect(written).toEqual([decisions[0], decisions[3]].map((d) =>
      outcomeFor(d as RiskDecision, patterns.get(d?.declarationId ?? '') ?? [], 7)))
  })

  it('refuses --output without --decisions, and topics with --decisions', async () => {
    expect(await main(['--count', '4', '--output', 'x.ndjson'])).toBe(2)
    expect(await main(['--count', '4', '--decisions', 'd.ndjson', '--to-topic', 't'])).toBe(2)
  })
})
