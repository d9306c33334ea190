// The ruleset in force in the processor (and the challenger beside it): loaded through the
// cost gate, watched for edits when configured, and guarded against scoring overruns. Every
// swap, every refused reload and every overrun (with the revert it caused) is logged here;
// the caller is told of loads and overruns to count them.
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { ParcelRiskError } from '../errors.ts'
import type { Logger } from '../logger.ts'
import { formatDiagnostic, loadRulesetOrThrow, type CostGate } from './load.ts'
import { overrunGuard, type Overrun } from './overrun.ts'
import type { CompiledRuleset, Diagnostic, RulesetWatch } from './ruleset.ts'
import { watchRuleset } from './watch.ts'

export type RulesetRole = 'active' | 'shadow'

export interface RulesetInForce extends RulesetWatch {
  /** Told how long a batch took to score and how many input bytes it scored. */
  readonly overrun: (elapsedMs: number, bytes: number) => void
}

export interface InForceOptions {
  readonly dir: string
  readonly watch: boolean
  readonly gate: CostGate
  readonly role: RulesetRole
  readonly log: Logger
  /** Each ruleset that comes into force: the first, each reload and each revert. */
  readonly onLoaded: (ruleset: CompiledRuleset) => void
  readonly onOverrun: (reverted: boolean) => void
  /** Each hot reload: swapped in, or refused (the running ruleset stays). */
  readonly onReload: (result: 'swapped' | 'refused') => void
}

export const openRuleset = async (options: InForceOptions): Promise<RulesetInForce> => {
  const { dir, watch, gate, role, log } = options
  const loaded = (r: CompiledRuleset): void => {
    options.onLoaded(r)
    log.info({ role, dir, id: r.id, version: r.version, digest: r.digest, rules: r.rules.length }, 'ruleset in force')
  }
  if (!existsSync(join(dir, 'ruleset.yaml'))) {
    const path = role === 'active' ? 'rules.dir' : 'rules.shadowDir'
    throw new ParcelRiskError('E_CONFIG_INVALID', `${path}: no ruleset.yaml in ${dir}`, { path })
  }
  const onOverrun = (o: Overrun): void => {
    options.onOverrun(o.revertedTo !== null)
    const fields = {
      role, dir, elapsedMs: Math.round(o.elapsedMs), allowedMs: Math.round(o.allowedMs),
      id: o.ruleset.id, version: o.ruleset.version, digest: o.ruleset.digest
    }
    if (o.revertedTo === null) {
      log.error(fields, 'scoring overran its budget; no earlier ruleset to return to')
      return
    }
    log.error(fields, 'scoring overran its budget; returned to the ruleset in force before the last reload')
    loaded(o.revertedTo)
  }
  if (!watch) {
    const ruleset = await loadRulesetOrThrow(dir, undefined, gate)
    loaded(ruleset)
    const fixed: RulesetWatch = { current: () => ruleset, revert: () => null, close: () => {} }
    return { ...fixed, overrun: overrunGuard(gate.budgetMicrosPerKib, fixed, onOverrun) }
  }
  const swapped = (next: CompiledRuleset): void => {
    options.onReload('swapped')
    loaded(next)
  }
  const refused = (errors: readonly Diagnostic[]): void => {
    options.onReload('refused')
    log.error({ role, dir, errors: errors.map(formatDiagnostic) },
      'ruleset change rejected; the running ruleset stays in force')
  }
  const handle = await watchRuleset(dir, swapped, refused, { gate })
  loaded(handle.current())
  return { ...handle, overrun: overrunGuard(gate.budgetMicrosPerKib, handle, onOverrun) }
}
