// Hot reload: watch a ruleset directory, recompile after changes settle, and swap the
// running ruleset in one reference assignment. The pipeline reads `current()` between
// batches, so a batch is always scored by one ruleset. An invalid change keeps the running
// ruleset and reports every problem; fixing the files swaps on the next change.
//
// With a cost gate, a change that compiles is also measured on adversarial declarations
// (cost-check.ts, in a worker) before it is swapped in; a ruleset over budget is refused like
// one that does not compile. `revert()` is the processor's last line of defence when scoring
// was too slow all the same: it returns to the ruleset in force before the last swap, and
// the same files are not swapped in again (a new edit is needed).

import { watch } from 'node:fs'
import type { FSWatcher } from 'node:fs'
import { gateRuleset, loadRulesetOrThrow, readRuleset } from './load.ts'
import type { CostGate } from './load.ts'
import type { CompiledRuleset, Diagnostic, RulesetWatch } from './ruleset.ts'

export interface WatchOptions {
  /** Quiet time after the last file event before recompiling; editors write in bursts. */
  readonly debounceMs?: number
  readonly schemaPath?: string
  /** When set, every ruleset (the first one too) must pass the cost check. */
  readonly gate?: CostGate
}

export type OnSwap = (next: CompiledRuleset, previous: CompiledRuleset) => void
export type OnError = (errors: readonly Diagnostic[]) => void

/**
 * Loads the ruleset (throws E_RULES_INVALID if it does not compile or pass the gate) and
 * starts watching. `onSwap` runs after each swap to a ruleset with a different digest;
 * `onError` after each change that is refused (or cannot be read: then one diagnostic names
 * the cause).
 */
export const watchRuleset = async (
  dir: string,
  onSwap: OnSwap,
  onError: OnError,
  options: WatchOptions = {}
): Promise<RulesetWatch> => {
  const debounceMs = options.debounceMs ?? 250
  let active = await loadRulesetOrThrow(dir, options.schemaPath, options.gate)
  let previous: CompiledRuleset | null = null
  /** Digests that were reverted: the same files are not swapped in again. */
  const reverted = new Set<string>()
  let timer: NodeJS.Timeout | null = null
  let reloading = false
  let again = false
  let closed = false
  const failure = (message: string): Diagnostic => ({ file: dir, line: 1, column: 1, code: 'structure', message })

  const reload = async (): Promise<void> => {
    if (reloading) {
      again = true
      return
    }
    reloading = true
    try {
      do {
        again = false
        let checked
        try {
          const loaded = await readRuleset(dir, options.schemaPath)
          const digest = loaded.result.ok ? loaded.result.ruleset.digest : undefined
          if (digest !== undefined && (digest === active.digest || reverted.has(digest))) continue
          checked = await gateRuleset(loaded, options.gate)
        } catch (err) {
          onError([failure(`cannot read the ruleset: ${(err as Error).message}`)])
          continue
        }
        if (closed) return
        if (checked.ruleset === null || checked.problems.length > 0) {
          onError(checked.problems)
          continue
        }
        previous = active
        active = checked.ruleset
        onSwap(active, previous)
      } while (again && !closed)
    } finally {
      reloading = false
    }
  }

  const watcher: FSWatcher = watch(dir, { recursive: true, persistent: false }, () => {
    if (timer !== null) clearTimeout(timer)
    timer = setTimeout(() => {
      timer = null
      void reload()
    }, debounceMs)
  })
  watcher.on('error', (err) => onError([failure(`watching stopped: ${err.message}`)]))

  return {
    current: () => active,
    revert: () => {
      if (previous === null) return null
      reverted.add(active.digest)
      active = previous
      previous = null
      return active
    },
    close: () => {
      closed = true
      if (timer !== null) clearTimeout(timer)
      watcher.close()
    }
  }
}
