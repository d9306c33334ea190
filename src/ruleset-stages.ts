// The stages that depend on the ruleset in force: scoring (engine/), the decision (decide/)
// and lane seating (decide/capacity.ts), built once per compiled ruleset. Composition, beside
// main.ts: engine/ and decide/ do not import each other, so the pairing happens here.
import { createSeater } from './decide/capacity.ts'
import { createDecider } from './decide/decide.ts'
import type { CompiledRuleset } from './engine/ruleset.ts'
import type { RulesetStages } from './pipeline.ts'

/**
 * The score, decide and seating stages of whichever ruleset is in force, at this processor's
 * control location: built once per compiled ruleset (at its first batch after a load, reload
 * or revert), not per batch.
 */
export const rulesetStages = (location: string): ((ruleset: CompiledRuleset) => RulesetStages) => {
  const built = new WeakMap<CompiledRuleset, RulesetStages>()
  return (ruleset) => {
    let stages = built.get(ruleset)
    if (stages === undefined) {
      stages = {
        score: (d, e, ctx) => ruleset.evaluate(d, e, ctx),
        decide: createDecider(ruleset),
        seating: createSeater(ruleset, location)
      }
      built.set(ruleset, stages)
    }
    return stages
  }
}
