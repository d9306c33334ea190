// Shared argument handling for the commands (rules check|test|backtest|report, score, dlq,
// demo, generate, generate outcomes): node:util parseArgs in strict mode, `--help`/`-h` on
// every command, and one exit-code convention (0 ok, 1 findings, 2 usage or configuration
// error). Commands write through an `Io` so tests can run them in-process and read what they
// printed.

import { parseArgs } from 'node:util'
import type { ParseArgsOptionsConfig } from 'node:util'

export const EXIT_OK = 0
export const EXIT_FINDINGS = 1
export const EXIT_USAGE = 2

export interface Io {
  readonly stdout: { write: (text: string) => unknown }
  readonly stderr: { write: (text: string) => unknown }
}

export const processIo: Io = { stdout: process.stdout, stderr: process.stderr }

export interface CommandSpec<T extends ParseArgsOptionsConfig> {
  /** e.g. `rules check`; used in messages. */
  readonly name: string
  readonly usage: string
  readonly options: T
  readonly maxPositionals: number
  /**
   * node:util judges the whole line before --help is looked at, and refuses any positional in
   * its own words (maxPositionals is then 0): an unknown option beside --help is an error, not
   * help. demo, generate and generate outcomes parsed so before they came here; this keeps
   * their messages and exit codes as they were.
   */
  readonly helpAfterParse?: true
}

export type Parsed<T extends ParseArgsOptionsConfig> =
  | {
    readonly ok: true
    readonly values: ReturnType<typeof parseArgs<{ options: T, allowPositionals: true, strict: true }>>['values']
    readonly positionals: string[]
  }
  | { readonly ok: false, readonly exitCode: number }

/** The option values of a line that parsed. */
export type ParsedValues<T extends ParseArgsOptionsConfig> = Extract<Parsed<T>, { ok: true }>['values']

/** Parses argv; prints usage for --help (exit 0) or the problem and usage to stderr (exit 2). */
export const parseCommand = <T extends ParseArgsOptionsConfig>(
  argv: readonly string[], spec: CommandSpec<T>, io: Io
): Parsed<T> => {
  const helpAfterParse = spec.helpAfterParse === true
  if (!helpAfterParse && (argv.includes('--help') || argv.includes('-h'))) return help(spec, io)
  try {
    const { values, positionals } = parseArgs({
      args: [...argv],
      options: helpAfterParse ? { ...spec.options, help: HELP_OPTION } : spec.options,
      allowPositionals: !helpAfterParse,
      strict: true
    })
    if (positionals.length > spec.maxPositionals) {
      throw new Error(`unexpected argument '${positionals[spec.maxPositionals] ?? ''}'`)
    }
    if (helpAfterParse && (values as { help?: boolean }).help === true) return help(spec, io)
    return { ok: true, values, positionals }
  } catch (err) {
    return usageError(spec, io, (err as Error).message)
  }
}

const HELP_OPTION = { type: 'boolean', short: 'h' } as const

const help = (spec: { usage: string }, io: Io): { ok: false, exitCode: number } => {
  io.stdout.write(spec.usage)
  return { ok: false, exitCode: EXIT_OK }
}

export const usageError = (
  spec: { name: string, usage: string }, io: Io, message: string
): { ok: false, exitCode: number } => {
  io.stderr.write(`parcel-risk ${spec.name}: ${message}\n\n${spec.usage}`)
  return { ok: false, exitCode: EXIT_USAGE }
}

/** An Io that keeps what was written, for running commands in-process (tests, embedding). */
export const memoryIo = (): Io & { out: () => string, err: () => string } => {
  const out: string[] = []
  const err: string[] = []
  return {
    stdout: { write: (text: string) => out.push(text) },
    stderr: { write: (text: string) => err.push(text) },
    out: () => out.join(''),
    err: () => err.join('')
  }
}
