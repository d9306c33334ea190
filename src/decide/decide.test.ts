import { describe, expect, it } from 'vitest'
import type { EnrichmentRecord } from '../enrichment.ts'
import {
  compileFiles, compileRules, DECLARED_AT, declaration, LISTS, MANIFEST, ruleFile
} from '../../test/fixtures/inline-ruleset.ts'
import type { InlineRule } from '../../test/fixtures/inline-ruleset.ts'
import type { CompiledRuleset } from '../engine/ruleset.ts'
import type { ScoreContext } from '../evaluation.ts'
import { scoreAndDecide } from './decide.ts'
import { makeFinisher } from './outcome.ts'
import type { Verdict } from './outcome.ts'
import { randomSelector } from './selection.ts'

// Bands of the inline manifest: 0 RELEASE, 40 REQUEST_INFO, 70 SCREEN_NII, 90 PHYSICAL_EXAM;
// fallbackAction REQUEST_INFO, errorAction SCREEN_NII, no random selection.

const CTX: ScoreContext = { nowMs: DECLARED_AT }
/** Score, then decide. */
const decide = (
  rs: CompiledRuleset, d: unknown, e: EnrichmentRecord | null, ctx: ScoreContext
): ReturnType<ReturnType<typeof scoreAndDecide>> =>
  scoreAndDecide(rs)(d, e, ctx)
/** Score, then only the action and score (no decision record). */
const verdict = (rs: CompiledRuleset, d: unknown, e: EnrichmentRecord | null, ctx: ScoreContext): Verdict => {
  const finish = makeFinisher({ ...rs.policy, effectiveFromMs: rs.effectiveFromMs, effectiveToMs: rs.effectiveToMs })
  return finish(rs.evaluate(d, e, ctx), undefined, (ctx.enrichmentMissing ?? []).length > 0)
}
const always = (id: string, extra: Partial<InlineRule> = {}): InlineRule => ({ id, when: 'pieces == 1', ...extra })
const never = (id: string, extra: Partial<InlineRule> = {}): InlineRule => ({ id, when: 'pieces == 99', ...extra })

describe('decide > score and action', () => {
  it.each<[string, InlineRule[], number, string, string]>([
    ['nothing fires', [never('I1', { weight: 50 })], 0, 'RELEASE', 'RELEASE'],
    ['one indicator below the first band', [always('I1', { weight: 30 })], 30, 'RELEASE', 'RELEASE'],
    ['indicators add up into a band', [always('I1', { weight: 30 }), always('I2', { weight: 15 })],
      45, 'REQUEST_INFO', 'HOLD'],
    ['band boundary is inclusive', [always('I1', { weight: 70 })], 70, 'SCREEN_NII', 'HOLD'],
    ['indicator sum clamps at 100', [always('I1', { weight: 80 }), always('I2', { weight: 80 })],
      100, 'PHYSICAL_EXAM', 'HOLD'],
    ['mitigation lowers the indicator part',
      [always('I1', { weight: 45 }), always('M1', { tier: 'mitigation', weight: 20 })], 25, 'RELEASE', 'RELEASE'],
    ['mitigation applies after clamping the indicators',
      [always('I1', { weight: 80 }), always('I2', { weight: 80 }), always('M1', { tier: 'mitigation', weight: 20 })],
      80, 'SCREEN_NII', 'HOLD'],
    ['mitigation never goes below 0', [always('M1', { tier: 'mitigation', weight: 20 })], 0, 'RELEASE', 'RELEASE'],
    ['gate beats a low score', [always('G1', { tier: 'gate', action: 'DO_NOT_LOAD' })], 0, 'DO_NOT_LOAD', 'HOLD'],
    ['gate is never offset by a mitigation',
      [always('G1', { tier: 'gate', action: 'REQUEST_INFO' }), always('M1', { tier: 'mitigation', weight: 50 })],
      0, 'REQUEST_INFO', 'HOLD'],
    ['a higher band beats a milder gate',
      [always('G1', { tier: 'gate', action: 'REQUEST_INFO' }), always('I1', { weight: 95 })],
      95, 'PHYSICAL_EXAM', 'HOLD'],
    ['the most severe gate wins',
      [
        always('G1', { tier: 'gate', action: 'REJECT_DATA' }),
        always('G2', { tier: 'gate', action: 'DO_NOT_LOAD' }),
        always('G3', { tier: 'gate', action: 'SCREEN_NII' })
      ],
      0, 'DO_NOT_LOAD', 'HOLD'],
    ['a gate may release after audit', [always('G1', { tier: 'gate', action: 'RELEASE_POST_AUDIT' })],
      0, 'RELEASE_POST_AUDIT', 'RELEASE'],
    ['a rule error fails closed', [{ id: 'E1', when: 'pieces / (pieces - 1) > 0' }], 0, 'SCREEN_NII', 'HOLD'],
    ['a rule error holds even with a mitigation',
      [{ id: 'E1', when: 'pieces / (pieces - 1) > 0' }, always('M1', { tier: 'mitigation', weight: 50 })],
      0, 'SCREEN_NII', 'HOLD']
  ])('%s', (_, rules, score, action, decision) => {
    const d = decide(compileRules(rules), declaration(), null, CTX)
    expect({ score: d.score, action: d.action, decision: d.decision }).toEqual({ score, action, decision })
  })

  it('lists gates first, then indicators by contribution, with the values that triggered them', () => {
    const rs = compileRules([
      { id: 'I-SMALL', when: 'pieces == 1', weight: 5 },
      { id: 'I-BIG', when: 'originCountry in @highRiskOrigins and totalValue in EUR < 20', weight: 25 },
      { id: 'M-AEO', tier: 'mitigation', weight: 10, when: 'enrichment.seller.aeo.programme == "AEOS"' },
      { id: 'G-ITEM', tier: 'gate', action: 'SCREEN_NII', when: 'any i in items: i.hsCode == "851830"' }
    ])
    const earphones = { ...declaration().items[0], hsCode: '851830', description: 'earphones' }
    const items = [declaration().items[0], earphones] as ReturnType<typeof declaration>['items']
    const d = decide(rs, declaration({ items }), { seller: { aeo: { programme: 'AEOS' } } }, CTX)
    expect(d.reasons.map((r) => [r.ruleId, r.tier, r.contribution])).toEqual([
      ['G-ITEM', 'GATE', 0], ['I-BIG', 'INDICATOR', 25], ['I-SMALL', 'INDICATOR', 5], ['M-AEO', 'INDICATOR', -10]
    ])
    // Only the item that made `any` true is shown, not the ones it looked at before.
    expect(d.reasons[0]?.values).toEqual([{ name: 'items[1].hsCode', value: '851830' }])
    expect(d.reasons[1]?.values).toEqual([
      { name: 'originCountry', value: 'CN' }, { name: 'totalValue', value: '18.00' }
    ])
    expect(d.reasons[3]?.values).toEqual([{ name: 'enrichment.seller.aeo.programme', value: 'AEOS' }])
    expect(d.gates).toEqual(['G-ITEM'])
    expect(d.score).toBe(20)
  })

  it.each<[string, InlineRule[], string[]]>([
    ['equal contributions keep rule order',
      [always('I-A', { weight: 10 }), always('I-B', { weight: 10 }), always('I-C', { weight: 10 })],
      ['I-A', 'I-B', 'I-C']],
    ['gates in rule order before every scored rule',
      [
        always('I-A', { weight: 10 }),
        always('G-A', { tier: 'gate', action: 'SCREEN_NII' }),
        always('I-B', { weight: 30 }),
        always('G-B', { tier: 'gate', action: 'REJECT_DATA' })
      ],
      ['G-A', 'G-B', 'I-B', 'I-A']],
    ['ascending weights come out descending, ties stay in order',
      [
        always('M-A', { tier: 'mitigation', weight: 5 }),
        always('I-A', { weight: 5 }),
        always('I-B', { weight: 20 }),
        always('I-C', { weight: 5 }),
        always('I-D', { weight: 20 })
      ],
      ['I-B', 'I-D', 'I-A', 'I-C', 'M-A']]
  ])('orders reasons: %s', (_, rules, ids) => {
    const d = decide(compileRules(rules), declaration(), null, CTX)
    expect(d.reasons.map((r) => r.ruleId)).toEqual(ids)
    expect(d.gates).toEqual(ids.filter((id) => id.startsWith('G-')))
  })

  it('fills every field of the RiskDecision record', () => {
    const rs = compileRules([{ id: 'E1', when: 'pieces / (pieces - 1) > 0' }])
    const ctx = {
      nowMs: DECLARED_AT + 5, receivedAtMs: DECLARED_AT, inputDigest: 'ab'.repeat(32), enrichmentMissing: ['seller']
    }
    const d = decide(rs, declaration(), null, ctx)
    expect(d).toEqual({
      declarationId: 'decl-0001', version: 1, decision: 'HOLD', action: 'SCREEN_NII', score: 0,
      reasons: [], gates: [], errors: ['E1'],
      randomSelection: false, ruleset: { id: 'inline', version: '1', digest: rs.digest },
      enrichment: { status: 'DEGRADED', missing: ['seller'] }, rejections: [],
      timings: { receivedAt: DECLARED_AT, decidedAt: DECLARED_AT + 5, latencyMicros: 5000 },
      inputDigest: 'ab'.repeat(32)
    })
  })
})

describe('decide > degraded enrichment', () => {
  const rules = [
    { id: 'I-NEW', when: 'enrichment.seller.ageDays < 30', weight: 20 },
    { id: 'I-DECL', when: 'pieces > 5', weight: 20 }
  ]
  it.each<[string, EnrichmentRecord | null, string[], string, boolean]>([
    ['complete enrichment decides normally', { seller: { ageDays: 400 } }, [], 'RELEASE', false],
    ['missing data that a rule needed falls back', {}, ['seller'], 'REQUEST_INFO', true],
    ['a profile that does not exist is not degraded', {}, [], 'RELEASE', false],
    ['degraded but the rule read what it needed', { seller: { ageDays: 400 } }, ['aggregates'], 'RELEASE', false]
  ])('%s', (_, e, missing, action, fellBack) => {
    const rs = compileRules(rules)
    const v = verdict(rs, declaration(), e, { nowMs: DECLARED_AT, enrichmentMissing: missing })
    expect({ action: v.action, fellBack: v.fellBack }).toEqual({ action, fellBack })
  })

  it('does not fall back when only a mitigation missed its data', () => {
    const rs = compileRules([
      { id: 'M-AEO', tier: 'mitigation', weight: 20, when: 'enrichment.seller.aeo.status == "ACTIVE"' }
    ])
    const ctx = { nowMs: DECLARED_AT, enrichmentMissing: ['seller'] }
    const v = verdict(rs, declaration(), {}, ctx)
    expect([v.action, v.fellBack, rs.evaluate(declaration(), {}, ctx).sawMissing[0]]).toEqual(['RELEASE', false, 2])
  })

  it('never lowers a stricter decision to the fallback action', () => {
    const rs = compileRules([...rules, always('G', { tier: 'gate', action: 'DO_NOT_LOAD' })])
    const ctx = { nowMs: DECLARED_AT, enrichmentMissing: ['seller'] }
    expect(verdict(rs, declaration(), {}, ctx).action).toBe('DO_NOT_LOAD')
  })
})

describe('decide > effective dates', () => {
  it.each<[string, Partial<InlineRule>, number]>([
    ['no dates', {}, 1],
    ['in force from the past', { effectiveFrom: '2026-07-01' }, 1],
    ['from the declaration day itself', { effectiveFrom: '2026-11-26' }, 1],
    ['not yet in force', { effectiveFrom: '2026-12-01' }, 3],
    ['expired before the declaration', { effectiveTo: '2026-11-26T09:00Z' }, 3],
    ['expires after the declaration', { effectiveTo: '2026-11-26T09:01Z' }, 1]
  ])('rule %s → outcome %i', (_, dates, outcome) => {
    const rs = compileRules([always('R', { weight: 50, ...dates })])
    expect(rs.evaluate(declaration(), null, CTX).outcomes[0]).toBe(outcome)
    expect(verdict(rs, declaration(), null, CTX).score).toBe(outcome === 1 ? 50 : 0)
  })

  it('tests dates against declaredAt, not the decision time', () => {
    const rs = compileRules([always('R', { weight: 50, effectiveFrom: '2026-12-01' })])
    expect(rs.evaluate(declaration(), null, { nowMs: Date.UTC(2027, 0, 1) }).outcomes[0]).toBe(3)
    expect(rs.evaluate(declaration({ declaredAt: Date.UTC(2026, 11, 2) }), null, CTX).outcomes[0]).toBe(1)
  })

  it('applies dated list entries only inside their window', () => {
    const lists = {
      'lists/origins.yaml': 'id: origins\nkind: set\nentries:\n  - HK\n' +
        '  - { value: CN, effectiveFrom: 2026-12-01 }\n  - { value: TR, effectiveTo: 2026-12-01 }\n'
    }
    const rs = compileRules([{ id: 'R', when: 'originCountry in @origins' }], lists)
    const outcome = (originCountry: string, declaredAt = DECLARED_AT): number | undefined =>
      rs.evaluate(declaration({ originCountry, declaredAt }), null, CTX).outcomes[0]
    const december5 = Date.UTC(2026, 11, 5)
    expect([outcome('HK'), outcome('CN'), outcome('TR'), outcome('CN', december5), outcome('TR', december5)])
      .toEqual([1, 0, 1, 1, 0])
  })

  it('fails closed for a declaration outside the ruleset window', () => {
    const manifest = MANIFEST + 'effectiveFrom: 2027-01-01\n'
    const result = compileFiles({ 'ruleset.yaml': manifest, 'rules/r.yaml': ruleFile([never('R')]) }, { ...LISTS })
    if (!result.ok) throw new Error('does not compile')
    const d = decide(result.ruleset, declaration(), null, CTX)
    expect([d.decision, d.action]).toEqual(['HOLD', 'SCREEN_NII'])
    expect(d.errors[0]).toMatch(/not in force/)
  })
})

describe('decide > random selection', () => {
  const withRandom = (rate: number, seed = 's1'): CompiledRuleset => {
    const manifest = MANIFEST + `randomSelection: { rate: ${rate}, seed: "${seed}", action: SCREEN_NII }\n`
    const result = compileFiles({ 'ruleset.yaml': manifest, 'rules/r.yaml': ruleFile([never('R')]) })
    if (!result.ok) throw new Error('does not compile')
    return result.ruleset
  }
  const ids = Array.from({ length: 4000 }, (_, i) => `decl-${i}`)

  it('selects the same declarations every time (deterministic per declarationId)', () => {
    const rs = withRandom(0.05)
    const pick = (): string[] =>
      ids.filter((id) => decide(rs, declaration({ declarationId: id }), null, CTX).randomSelection)
    const first = pick()
    expect(pick()).toEqual(first)
    expect(first.length).toBeGreaterThan(140)
    expect(first.length).toBeLessThan(260)
  })

  it('holds a selected release with the selection action and says so', () => {
    const rs = withRandom(0.05)
    const id = ids.find((x) => randomSelector('s1', 0.05)(x)) as string
    const d = decide(rs, declaration({ declarationId: id }), null, CTX)
    expect([d.decision, d.action, d.randomSelection]).toEqual(['HOLD', 'SCREEN_NII', true])
  })

  it('depends on the seed and never touches a hold', () => {
    const a = ids.filter((x) => randomSelector('s1', 0.05)(x))
    const b = ids.filter((x) => randomSelector('s2', 0.05)(x))
    expect(a).not.toEqual(b)
    const rs = compileFiles({
      'ruleset.yaml': MANIFEST + 'randomSelection: { rate: 1, seed: s, action: SCREEN_NII }\n',
      'rules/r.yaml': ruleFile([always('G', { tier: 'gate', action: 'DO_NOT_LOAD' })])
    })
    if (!rs.ok) throw new Error('does not compile')
    const d = decide(rs.ruleset, declaration(), null, CTX)
    expect([d.action, d.randomSelection]).toEqual(['DO_NOT_LOAD', false])
  })

  it.each([[0, 0], [1, 4000]])('rate %f selects %i of 4000', (rate, count) => {
    expect(ids.filter((x) => randomSelector('s1', rate)(x)).length).toBe(count)
  })
})
