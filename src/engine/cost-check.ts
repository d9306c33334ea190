// The cost check (cost.ts) run off the event loop: in a worker thread with a deadline. The
// worker compiles the same files again and measures; a rule that runs for longer than the
// deadline (nested quantifiers over long texts can take seconds per declaration) is stopped
// by terminating the worker, and the ruleset is refused at the rule that was running. So
// neither `rules check` nor a hot reload in a running processor can be stalled by the
// ruleset it is checking.
// The deadline counts the worker's CPU time, polled every POLL_MS: on a shared machine
// (load average 20 on two cores) the check of eu-lvc took 4 s of CPU time but 30 s of wall
// time, and a wall-clock deadline refused a ruleset for the machine's load. A wall-clock
// bound ten times longer stays as the last resort.

import { extname } from 'node:path'
import { fileURLToPath } from 'node:url'
import { Worker } from 'node:worker_threads'
import type { CostReport, InputBounds } from './cost.ts'
import type { CompiledRuleset, Diagnostic, RuleSourceFile } from './ruleset.ts'

/** CPU time the whole check may take; eu-lvc takes about 2 s. */
export const COST_CHECK_CPU_TIMEOUT_MS = 30_000
const POLL_MS = 100

export interface CostCheckOptions {
  /** Worst case allowed per KiB of declaration, µs (rules.costBudgetMicrosPerKib). */
  readonly budgetMicrosPerKib: number
  readonly bounds: InputBounds
  /** The ParcelDeclaration Avro schema (parsed). */
  readonly declarationSchema: unknown
  readonly nowMs?: number
  /** CPU time the check may take (default COST_CHECK_CPU_TIMEOUT_MS). */
  readonly cpuTimeoutMs?: number
}

export interface CostWorkerInput {
  readonly files: readonly RuleSourceFile[]
  readonly declarationSchema: unknown
  readonly budgetMicrosPerKib: number
  readonly bounds: InputBounds
  readonly nowMs: number
}

export type CostWorkerMessage =
  | { readonly kind: 'rule', readonly index: number }
  | { readonly kind: 'done', readonly report: CostReport }
  | { readonly kind: 'failed', readonly message: string }

const WORKER = new URL(`./cost-worker${extname(fileURLToPath(import.meta.url))}`, import.meta.url)

const refusal = (budget: number, problem: Diagnostic): CostReport =>
  ({
    budgetMicrosPerKib: budget, worstMicrosPerKib: Number.POSITIVE_INFINITY, rules: [], declarations: 0,
    problems: [problem]
  })

/** A problem of the check itself, reported against the manifest. */
const checkFailed = (message: string): Diagnostic =>
  ({ file: 'ruleset.yaml', line: 1, column: 1, code: 'cost', message })

/**
 * Measures `files` (which compile to `ruleset`) on adversarial declarations in a worker.
 * Resolves with the report; a ruleset over budget, or one the deadline stopped, has problems.
 */
export const checkCost = async (
  files: readonly RuleSourceFile[],
  ruleset: CompiledRuleset,
  options: CostCheckOptions
): Promise<CostReport> => {
  const cpuTimeoutMs = options.cpuTimeoutMs ?? COST_CHECK_CPU_TIMEOUT_MS
  const budget = options.budgetMicrosPerKib
  const input: CostWorkerInput = {
    files,
    declarationSchema: options.declarationSchema,
    budgetMicrosPerKib: budget,
    bounds: options.bounds,
    nowMs: options.nowMs ?? Date.now()
  }
  const worker = new Worker(WORKER, { workerData: input })
  let running = -1
  return await new Promise<CostReport>((resolve) => {
    let settled = false
    const finish = (report: CostReport): void => {
      if (settled) return
      settled = true
      clearInterval(poll)
      clearTimeout(lastResort)
      void worker.terminate()
      resolve(report)
    }
    const overran = (what: string): void => {
      const rule = ruleset.rules[running]
      const where = rule === undefined ? 'the ruleset' : `rule ${rule.id}`
      finish(refusal(budget, {
        file: rule?.file ?? 'ruleset.yaml', line: rule?.line ?? 1, column: 1, code: 'cost',
        message: `${where} did not finish scoring an adversarial declaration within ${what}`
      }))
    }
    const poll = setInterval(() => {
      worker.cpuUsage().then((used) => {
        if (used.user + used.system >= cpuTimeoutMs * 1000) overran(`${cpuTimeoutMs / 1000} s of CPU time`)
      }, () => {})
    }, POLL_MS)
    const lastResort = setTimeout(() => {
      overran(`${cpuTimeoutMs / 100} s`)
    }, cpuTimeoutMs * 10)
    worker.on('message', (m: CostWorkerMessage) => {
      if (m.kind === 'rule') running = m.index
      else if (m.kind === 'done') finish(m.report)
      else finish(refusal(budget, checkFailed(`the cost check failed: ${m.message}`)))
    })
    worker.on('error', (err) => {
      finish(refusal(budget, checkFailed(`the cost check failed: ${err.message}`)))
    })
    worker.on('exit', (code) => {
      finish(refusal(budget, checkFailed(`the cost check stopped early (exit code ${code})`)))
    })
  })
}
