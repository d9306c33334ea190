// The worker side of cost-check.ts: compile the files, measure, post the report. Progress
// (which rule is running) is posted before each rule so a deadline can name it.

import { parentPort, workerData } from 'node:worker_threads'
import type { CostWorkerInput, CostWorkerMessage } from './cost-check.ts'
import { compileRuleset } from './compile.ts'
import { measureCost } from './cost.ts'

const input = workerData as CostWorkerInput
const post = (m: CostWorkerMessage): void => {
  parentPort?.postMessage(m)
}

try {
  const compiled = compileRuleset(input.files, { declarationSchema: input.declarationSchema })
  if (!compiled.ok) {
    post({ kind: 'failed', message: `the ruleset does not compile: ${compiled.errors[0]?.message ?? ''}` })
  } else {
    const report = measureCost(compiled.ruleset, {
      budgetMicrosPerKib: input.budgetMicrosPerKib, bounds: input.bounds, declarationSchema: input.declarationSchema,
      nowMs: input.nowMs, onRule: (index) => { post({ kind: 'rule', index }) }
    })
    post({ kind: 'done', report })
  }
} catch (err) {
  post({ kind: 'failed', message: (err as Error).message })
}
