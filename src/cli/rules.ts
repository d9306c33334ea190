// `parcel-risk rules check|test|backtest|report`: the analyst's tools for rule files. Each
// sub-command lives in its own file and is loaded only when called.

import { EXIT_OK, EXIT_USAGE, processIo } from './args.ts'
import type { Io } from './args.ts'

type Run = (argv: readonly string[], io?: Io) => Promise<number>

const subcommands: ReadonlyArray<{ name: string, summary: string, load: () => Promise<Run> }> = [
  {
    name: 'check',
    summary: 'compile rulesets and report every problem as file:line:column',
    load: async () => (await import('./rules-check.ts')).run
  },
  {
    name: 'test',
    summary: "run each ruleset's fixtures and show what differs",
    load: async () => (await import('./rules-test.ts')).run
  },
  {
    name: 'backtest',
    summary: 'score one input with two rulesets and compare the decisions',
    load: async () => (await import('./rules-backtest.ts')).run
  },
  {
    name: 'report',
    summary: 'per rule and lane: hits, holds, controls, positives, hit rate, lift, revenue',
    load: async () => (await import('./rules-report.ts')).run
  }
]

const USAGE = [
  'usage: parcel-risk rules <check|test|backtest|report> [options]',
  '',
  ...subcommands.map((s) => `  ${s.name.padEnd(9)} ${s.summary}`),
  '',
  "Run 'parcel-risk rules <sub-command> --help' for its options.",
  ''
].join('\n')

export const run = async (argv: readonly string[], io: Io = processIo): Promise<number> => {
  const [name, ...rest] = argv
  if (name === '-h' || name === '--help') {
    io.stdout.write(USAGE)
    return EXIT_OK
  }
  const sub = subcommands.find((s) => s.name === name)
  if (sub === undefined) {
    const problem = name === undefined
      ? 'parcel-risk rules: missing sub-command'
      : `parcel-risk rules: unknown sub-command '${name}'`
    io.stderr.write(`${problem}\n\n${USAGE}`)
    return EXIT_USAGE
  }
  return await (await sub.load())(rest, io)
}

export const main = async (argv: readonly string[]): Promise<number> => await run(argv)
