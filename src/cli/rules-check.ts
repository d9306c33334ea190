// `parcel-risk rules check [dir]`: compiles every ruleset under dir (default ./rules) and
// reports every problem as file:line:column. Nothing runs: this is the gate before a ruleset
// goes live, so it is cheap enough for an editor hook or CI.

import { parseCommand, processIo, usageError } from './args.ts'
import type { Io } from './args.ts'
import { forEachRuleset } from './rulesets.ts'

const USAGE = `usage: parcel-risk rules check [dir] [--emit]

Compiles each ruleset (a directory with ruleset.yaml, or every such sub-directory of dir;
default ./rules) and prints every problem as file:line:column: message.

  --emit      also print the JavaScript generated for each ruleset, for review
  -h, --help  this text

Exit codes: 0 every ruleset compiles, 1 problems found, 2 usage error or no ruleset in dir.
`

const spec = { name: 'rules check', usage: USAGE, options: { emit: { type: 'boolean' } }, maxPositionals: 1 } as const

export const run = async (argv: readonly string[], io: Io = processIo): Promise<number> => {
  const args = parseCommand(argv, spec, io)
  if (!args.ok) return args.exitCode
  const root = args.positionals[0] ?? 'rules'
  return await forEachRuleset(root, io, () => usageError(spec, io, `no ruleset (ruleset.yaml) in ${root}`).exitCode, (dir, ruleset) => {
    io.stdout.write(`ok ${dir}: ${ruleset.id} ${ruleset.version}, ${ruleset.rules.length} rules, ${ruleset.lists.length} lists, digest ${ruleset.digest.slice(0, 12)}\n`)
    if (args.values.emit === true) io.stdout.write(`${ruleset.source}\n`)
    return 0
  })
}

export const main = async (argv: readonly string[]): Promise<number> => await run(argv)
