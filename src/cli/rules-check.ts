// `parcel-risk rules check [dir]`: compiles every ruleset under dir (default ./rules), runs
// the cost check (src/engine/cost.ts: the worst case on adversarial declarations, against
// the same budget the processor enforces) and reports every problem as file:line:column.
// This is the gate before a ruleset goes live; it takes a few seconds per ruleset.

import { gateRuleset } from '../engine/load.ts'
import { describeCost } from '../engine/cost.ts'
import { schema } from '../config-schema.ts'
import { inputBounds } from '../engine/bounds.ts'
import { defaultLimits } from '../validate/limits.ts'
import { parseCommand, processIo, usageError } from './args.ts'
import type { Io } from './args.ts'
import { forEachRuleset, formatDiagnostic } from './rulesets.ts'

const DEFAULT_BUDGET = schema['rules.costBudgetMicrosPerKib'].default

const USAGE = `usage: parcel-risk rules check [dir] [--emit] [--cost-budget µs]

Compiles each ruleset (a directory with ruleset.yaml, or every such sub-directory of dir;
default ./rules), measures its worst case on adversarial declarations (every string at its
longest, every array at its most elements) and prints every problem as
file:line:column: message, and for a ruleset that passes its worst case and slowest rules.

  --emit              also print the JavaScript generated for each ruleset, for review
  --cost-budget µs    most time per KiB of declaration (default ${DEFAULT_BUDGET}, the processor's
                      rules.costBudgetMicrosPerKib: pass the value it runs with)
  -h, --help          this text

Exit codes: 0 every ruleset compiles and is within budget, 1 problems found, 2 usage error or
no ruleset in dir.
`

const spec = {
  name: 'rules check',
  usage: USAGE,
  options: { emit: { type: 'boolean' }, 'cost-budget': { type: 'string' } },
  maxPositionals: 1
} as const

export const run = async (argv: readonly string[], io: Io = processIo): Promise<number> => {
  const args = parseCommand(argv, spec, io)
  if (!args.ok) return args.exitCode
  const budgetText = args.values['cost-budget']
  const budget = budgetText === undefined ? DEFAULT_BUDGET : Number(budgetText)
  if (!Number.isInteger(budget) || budget < 1) {
    return usageError(spec, io, `--cost-budget must be a whole number of µs ≥ 1, got ${budgetText ?? ''}`).exitCode
  }
  const root = args.positionals[0] ?? 'rules'
  const none = (): number => usageError(spec, io, `no ruleset (ruleset.yaml) in ${root}`).exitCode
  return await forEachRuleset(root, io, none, async (dir, ruleset, loaded) => {
    const { problems, report } = await gateRuleset(loaded, {
      budgetMicrosPerKib: budget, bounds: inputBounds(defaultLimits)
    })
    for (const d of problems) io.stderr.write(`${formatDiagnostic(dir, d)}\n`)
    if (problems.length > 0) return 1
    io.stdout.write(`ok ${dir}: ${ruleset.id} ${ruleset.version}, ${ruleset.rules.length} rules, ` +
      `${ruleset.lists.length} lists, digest ${ruleset.digest.slice(0, 12)}\n`)
    if (report !== null) io.stdout.write(`   ${describeCost(report)}\n`)
    if (args.values.emit === true) io.stdout.write(`${ruleset.source}\n`)
    return 0
  })
}

export const main = async (argv: readonly string[]): Promise<number> => await run(argv)
