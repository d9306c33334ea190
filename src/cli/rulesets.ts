// Finding and compiling ruleset directories for the analyst commands. A directory is a
// ruleset when it holds ruleset.yaml; otherwise each sub-directory that holds one is (so
// `parcel-risk rules check rules` checks every ruleset in the repository). Compile problems
// print as `path/file:line:column: message`, one per line, all of them.

import { existsSync, readdirSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { readRuleset } from '../engine/load.ts'
import type { LoadedRuleset } from '../engine/load.ts'
import type { CompiledRuleset, Diagnostic } from '../engine/ruleset.ts'
import { EXIT_FINDINGS, EXIT_OK, type Io } from './args.ts'

export const findRulesetDirs = (dir: string): string[] => {
  if (!existsSync(dir) || !statSync(dir).isDirectory()) return []
  if (existsSync(join(dir, 'ruleset.yaml'))) return [dir]
  return readdirSync(dir, { withFileTypes: true })
    .filter((e) => e.isDirectory() && existsSync(join(dir, e.name, 'ruleset.yaml')))
    .map((e) => join(dir, e.name))
    .sort()
}

export const formatDiagnostic = (dir: string, d: Diagnostic): string =>
  `${join(dir, d.file)}:${d.line}:${d.column}: ${d.message} [${d.code}]${d.hint === undefined ? '' : ` (${d.hint})`}`

/** Compiles one ruleset; on failure prints every diagnostic to stderr and returns null. */
export const compileOrReport = async (dir: string, io: Io): Promise<CompiledRuleset | null> =>
  (await loadOrReport(dir, io))?.ruleset ?? null

const loadOrReport = async (
  dir: string, io: Io
): Promise<{ ruleset: CompiledRuleset, loaded: LoadedRuleset } | null> => {
  const loaded = await readRuleset(dir)
  if (loaded.result.ok) return { ruleset: loaded.result.ruleset, loaded }
  for (const d of loaded.result.errors) io.stderr.write(`${formatDiagnostic(dir, d)}\n`)
  return null
}

/**
 * Compiles each ruleset under `root` and hands it to `each`, which returns how many findings
 * it reported. Resolves with the command's exit code: `onNone()` when root holds no ruleset,
 * EXIT_FINDINGS on any compile problem or finding, EXIT_OK otherwise.
 */
export const forEachRuleset = async (
  root: string,
  io: Io,
  onNone: () => number,
  each: (dir: string, ruleset: CompiledRuleset, loaded: LoadedRuleset) => number | Promise<number>
): Promise<number> => {
  const dirs = findRulesetDirs(root)
  if (dirs.length === 0) return onNone()
  let failed = 0
  for (const dir of dirs) {
    const compiled = await loadOrReport(dir, io)
    failed += compiled === null ? 1 : await each(dir, compiled.ruleset, compiled.loaded)
  }
  return failed > 0 ? EXIT_FINDINGS : EXIT_OK
}
