// Turns the set of rules that fired into action and score, the way rules/README.md §7 says:
// gates propose their action, indicator weights are summed and clamped to 0-100, mitigations
// come off that part, bands map the score to an action, the most severe action wins, and
// released parcels are subject to seeded random selection. The json-rules-engine and ZEN
// versions only find which rules fire; this finishes their decisions the same way.

import { fnv1a32, SEVERITY, type ReferenceData, type Verdict } from './reference-data.ts'

export const createVerdict = (ref: ReferenceData): (declarationId: string, hits: readonly string[]) => Verdict => {
  const bands = [...ref.bands].sort((a, b) => b.min - a.min)
  return (declarationId, hits) => {
    let action = 0
    let indicators = 0
    let mitigations = 0
    for (const id of hits) {
      const m = ref.rules.get(id)
      if (m === undefined) throw new Error(`unknown rule ${id}`)
      if (m.tier === 'gate') action = Math.max(action, SEVERITY.indexOf(m.action as string))
      else if (m.tier === 'indicator') indicators += m.weight
      else mitigations += m.weight
    }
    const clamped = Math.min(100, Math.max(0, indicators))
    const score = Math.max(0, clamped - mitigations)
    for (const band of bands) {
      if (score >= band.min) {
        action = Math.max(action, SEVERITY.indexOf(band.action))
        break
      }
    }
    if (action <= 1 && fnv1a32(ref.random.seed + ':' + declarationId) / 4294967296 < ref.random.rate) {
      action = SEVERITY.indexOf(ref.random.action)
    }
    return { action: SEVERITY[action] as string, score, hits: [...hits].sort() }
  }
}
