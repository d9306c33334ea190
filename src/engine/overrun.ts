// The processor's last line of defence against a slow ruleset. The cost check (cost.ts)
// refuses a ruleset whose worst case on adversarial declarations exceeds the budget, before
// it runs; this catches what the check missed, after the fact. Scoring runs on the event
// loop, so a batch cannot be interrupted; what can be done is to notice that a batch took far
// longer than the check promised for its bytes and stop using that ruleset at once: the
// hot-reloaded ruleset is reverted to the one in force before it, so the next batch is scored
// by a ruleset that was fast, heartbeats go on between batches, and the partition never
// stalls batch after batch on the same records (which, after a rebalance, would stall every
// instance in turn). The batch itself keeps its decisions: they are correct, only late.
//
// A batch overruns when its scoring took longer than twice the budget for its bytes, and at
// least OVERRUN_FLOOR_MS: below that, garbage collection and a busy machine explain it.

import type { CompiledRuleset, RulesetWatch } from './ruleset.ts'

export const OVERRUN_FLOOR_MS = 100

export interface Overrun {
  readonly elapsedMs: number
  readonly allowedMs: number
  /** The ruleset that was scoring. */
  readonly ruleset: CompiledRuleset
  /** The ruleset now in force again, or null when there was no earlier one to return to. */
  readonly revertedTo: CompiledRuleset | null
}

/** Budget in µs per KiB; returns the handler for one ruleset's scoring times. */
export const overrunGuard = (budgetMicrosPerKib: number, watch: RulesetWatch, onOverrun: (overrun: Overrun) => void) =>
  (elapsedMs: number, bytes: number): void => {
    const allowedMs = Math.max(OVERRUN_FLOOR_MS, 2 * budgetMicrosPerKib * (bytes / 1024) / 1000)
    if (elapsedMs <= allowedMs) return
    const ruleset = watch.current()
    onOverrun({ elapsedMs, allowedMs, ruleset, revertedTo: watch.revert() })
  }
