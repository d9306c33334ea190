// The hand-written equivalent of a generated ruleset (ruleset.ts): the rules' JavaScript
// written out one `if` block after another in ONE function, the per-declaration values
// (exchange rate, totalValue, totalValue in EUR, the enrichment parts) computed once at its
// top, then the same finish as bench/engine/hand-written.ts: score, band, severity, random
// selection and a complete decision record with the reasons and their values. It does the
// work of the engine's score() (scoreAndDecide).

import type { ParcelDeclaration, Reason, ReasonValue, RiskDecision } from '../../../src/declaration.ts'
import type { EnrichmentRecord } from '../../../src/enrichment.ts'
import { fnv1a32, SEVERITY } from '../reference-data.ts'
import { wordsOf } from '../word-match.ts'
import type { GeneratedRuleset } from './ruleset.ts'

interface Meta { readonly id: string, readonly title: string, readonly weight: number, readonly action: string | null }
interface State { reasons: Reason[], gates: string[], action: number, indicators: number, mitigations: number }

const gate = (st: State, m: Meta, values: ReasonValue[]): void => {
  st.reasons.push({ ruleId: m.id, title: m.title, tier: 'GATE', contribution: 0, values })
  st.gates.push(m.id)
  const s = SEVERITY.indexOf(m.action as string)
  if (s > st.action) st.action = s
}
const indicator = (st: State, m: Meta, values: ReasonValue[]): void => {
  st.reasons.push({ ruleId: m.id, title: m.title, tier: 'INDICATOR', contribution: m.weight, values })
  st.indicators += m.weight
}
const mitigation = (st: State, m: Meta, values: ReasonValue[]): void => {
  st.reasons.push({ ruleId: m.id, title: m.title, tier: 'INDICATOR', contribution: -m.weight, values })
  st.mitigations += m.weight
}
const eur = (amount: number, rate: number): number => Math.round(amount * rate * 100) / 100
const hasWord = (set: ReadonlySet<string>, text: string): boolean => {
  const words = wordsOf(text)
  for (let i = 0; i < words.length; i++) if (set.has(words[i] as string)) return true
  return false
}

export interface Policy {
  readonly bands: ReadonlyArray<{ readonly min: number, readonly action: string }>
  readonly random: { readonly rate: number, readonly seed: string, readonly action: string }
  readonly ruleset: { readonly id: string, readonly version: string, readonly digest: string }
}

export type HandWritten = (d: ParcelDeclaration, e: EnrichmentRecord | null, nowMs: number) => RiskDecision

export const createGeneralHandWritten = (
  generated: GeneratedRuleset, fx: ReadonlyMap<string, number>, policy: Policy
): HandWritten => {
  const meta: Meta[] = generated.rules.map((r) => ({ id: r.id, title: r.title, weight: r.weight, action: r.action }))
  const body = generated.rules.map((r, i) => `  // ${r.id}: ${r.when.replace(/\n/g, ' ')}\n  ${r.js.replaceAll('fire(', `${r.tier}(st, M[${i}], `)}`).join('\n')
  const source = [
    '"use strict";',
    'return function handWritten (d, e) {',
    '  const st = { reasons: [], gates: [], action: 0, indicators: 0, mitigations: 0 }',
    '  const items = d.items',
    '  const rate = FX.get(d.currency)',
    '  const total = Number(d.totalValue)',
    '  const totalEur = rate === undefined ? undefined : eur(total, rate)',
    '  const seller = e?.seller, agg = e?.aggregates, aeo = seller?.aeo',
    body,
    '  return st',
    '}'
  ].join('\n')
  const names = generated.constants.map((_, i) => `S${i}`)
  const rules = new Function('M', 'FX', 'eur', 'hasWord', 'gate', 'indicator', 'mitigation', ...names, source)(
    meta, fx, eur, hasWord, gate, indicator, mitigation, ...generated.constants
  ) as (d: ParcelDeclaration, e: EnrichmentRecord | null) => State
  const bands = [...policy.bands].sort((a, b) => b.min - a.min)
  const bandSeverity = bands.map((b) => SEVERITY.indexOf(b.action))
  const randomSeed = policy.random.seed + ':'
  const randomSeverity = SEVERITY.indexOf(policy.random.action)

  return (d, e, nowMs) => {
    const st = rules(d, e)
    let action = st.action
    const clamped = st.indicators > 100 ? 100 : st.indicators < 0 ? 0 : st.indicators
    const score = clamped - st.mitigations > 0 ? clamped - st.mitigations : 0
    for (let b = 0; b < bands.length; b++) {
      if (score >= (bands[b] as { min: number }).min) {
        const s = bandSeverity[b] as number
        if (s > action) action = s
        break
      }
    }
    let randomSelection = false
    if (action <= 1 && fnv1a32(randomSeed + d.declarationId) / 4294967296 < policy.random.rate) {
      randomSelection = true
      action = randomSeverity
    }
    const gateReasons: Reason[] = []
    const scored: Reason[] = []
    for (const r of st.reasons) (r.tier === 'GATE' ? gateReasons : scored).push(r)
    scored.sort((a, b) => b.contribution - a.contribution)
    return {
      declarationId: d.declarationId,
      version: d.version,
      decision: action <= 1 ? 'RELEASE' : 'HOLD',
      action: SEVERITY[action] as RiskDecision['action'],
      score,
      reasons: scored.length === 0 ? gateReasons : gateReasons.concat(scored),
      gates: st.gates,
      errors: [],
      randomSelection,
      ruleset: policy.ruleset,
      enrichment: { status: 'OK', missing: [] },
      rejections: [],
      timings: { receivedAt: nowMs, decidedAt: nowMs, latencyMicros: 0 },
      inputDigest: ''
    }
  }
}
