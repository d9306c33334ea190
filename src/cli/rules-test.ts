// `parcel-risk rules test [dir]`: runs each ruleset's fixtures (tests/*.yaml) through the
// compiled ruleset and prints a readable difference for every case that does not decide as
// expected. Exit 1 on any failure, so CI blocks a rule change that breaks its own fixtures.

import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { scoreAndDecide } from '../decide/decide.ts'
import type { CompiledRuleset } from '../engine/ruleset.ts'
import { parseCommand, processIo, usageError } from './args.ts'
import type { Io } from './args.ts'
import { compareDecision, expandFixtures } from './rule-fixtures.ts'
import { forEachRuleset } from './rulesets.ts'

const USAGE = `usage: parcel-risk rules test [dir] [--filter TEXT]

Runs the fixtures of each ruleset (a directory with ruleset.yaml, or every such
sub-directory of dir; default ./rules): each test's declaration and enrichment go through
the compiled rules and the decision is compared with its expect block (rules/README.md §6).

  --filter TEXT  run only the tests whose name contains TEXT
  -h, --help     this text

Exit codes: 0 every test passes, 1 a test fails or a ruleset does not compile, 2 usage error.
`

const spec = { name: 'rules test', usage: USAGE, options: { filter: { type: 'string' } }, maxPositionals: 1 } as const

/** Line of `name: <test name>` in the file, so failures point at the test; 1 if not found. */
const lineOf = (text: string, name: string): number => {
  const lines = text.split('\n')
  const i = lines.findIndex((l) => /^\s*-?\s*name:/.test(l) && l.includes(name))
  return i < 0 ? 1 : i + 1
}

interface Tally { passed: number, failed: number }

const runRuleset = (dir: string, ruleset: CompiledRuleset, filter: string | undefined, io: Io): Tally => {
  const tally: Tally = { passed: 0, failed: 0 }
  const score = scoreAndDecide(ruleset)
  for (const file of ruleset.tests) {
    const path = join(dir, file.file)
    const text = readFileSync(path, 'utf8')
    const { cases, problems } = expandFixtures(file.data, Date.now())
    for (const p of problems) {
      io.stdout.write(`${path}:1: ${p}\n`)
      tally.failed++
    }
    for (const c of cases) {
      if (filter !== undefined && !c.name.includes(filter)) continue
      let diff: string[]
      try {
        const decision = score(c.declaration, c.enrichment, { nowMs: c.nowMs, enrichmentMissing: c.enrichmentMissing })
        diff = compareDecision(decision, c.expect)
      } catch (err) {
        diff = [`scoring threw: ${(err as Error).message}`]
      }
      if (diff.length === 0) {
        tally.passed++
        continue
      }
      tally.failed++
      io.stdout.write(`${path}:${lineOf(text, c.name)}: FAIL ${c.name}\n${diff.map((l) => `    ${l}\n`).join('')}`)
    }
  }
  return tally
}

export const run = async (argv: readonly string[], io: Io = processIo): Promise<number> => {
  const args = parseCommand(argv, spec, io)
  if (!args.ok) return args.exitCode
  const root = args.positionals[0] ?? 'rules'
  const none = (): number => usageError(spec, io, `no ruleset (ruleset.yaml) in ${root}`).exitCode
  return await forEachRuleset(root, io, none, (dir, ruleset) => {
    const tally = runRuleset(dir, ruleset, args.values.filter, io)
    const total = tally.passed + tally.failed
    io.stdout.write(`${tally.failed === 0 ? 'ok' : 'FAILED'} ${dir}: ${tally.passed}/${total} tests passed\n`)
    return tally.failed
  })
}

export const main = async (argv: readonly string[]): Promise<number> => await run(argv)
