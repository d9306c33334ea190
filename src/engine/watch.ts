// Hot reload: watch a ruleset directory, recompile after changes settle, and swap the
// running ruleset in one reference assignment. The pipeline reads `current()` between
// batches, so a batch is always scored by one ruleset. An invalid change keeps the running
// ruleset and reports every problem; fixing the files swaps on the next change.

import { watch } from 'node:fs'
import type { FSWatcher } from 'node:fs'
import { loadRuleset, loadRulesetOrThrow } from './load.ts'
import type { CompiledRuleset, Diagnostic, RulesetWatch } from './ruleset.ts'

export interface WatchOptions {
  /** Quiet time after the last file event before recompiling; editors write in bursts. */
  readonly debounceMs?: number
  readonly schemaPath?: string
}

export type OnSwap = (next: CompiledRuleset, previous: CompiledRuleset) => void
export type OnError = (errors: readonly Diagnostic[]) => void

/**
 * Loads the ruleset (throws E_RULES_INVALID if it does not compile) and starts watching.
 * `onSwap` runs after each swap to a ruleset with a different digest; `onError` after each
 * change that does not compile (or cannot be read: then one diagnostic names the cause).
 */
export const watchRuleset = async (dir: string, onSwap: OnSwap, onError: OnError, options: WatchOptions = {}): Promise<RulesetWatch> => {
  const debounceMs = options.debounceMs ?? 250
  let active = await loadRulesetOrThrow(dir, options.schemaPath)
  let timer: NodeJS.Timeout | null = null
  let reloading = false
  let again = false
  let closed = false

  const reload = async (): Promise<void> => {
    if (reloading) { again = true; return }
    reloading = true
    try {
      do {
        again = false
        let result
        try {
          result = await loadRuleset(dir, options.schemaPath)
        } catch (err) {
          onError([{ file: dir, line: 1, column: 1, code: 'structure', message: `cannot read the ruleset: ${(err as Error).message}` }])
          continue
        }
        if (closed) return
        if (!result.ok) { onError(result.errors); continue }
        if (result.ruleset.digest === active.digest) continue
        const previous = active
        active = result.ruleset
        onSwap(active, previous)
      } while (again && !closed)
    } finally {
      reloading = false
    }
  }

  const watcher: FSWatcher = watch(dir, { recursive: true, persistent: false }, () => {
    if (timer !== null) clearTimeout(timer)
    timer = setTimeout(() => { timer = null; void reload() }, debounceMs)
  })
  watcher.on('error', (err) => onError([{ file: dir, line: 1, column: 1, code: 'structure', message: `watching stopped: ${err.message}` }]))

  return {
    current: () => active,
    close: () => {
      closed = true
      if (timer !== null) clearTimeout(timer)
      watcher.close()
    }
  }
}
