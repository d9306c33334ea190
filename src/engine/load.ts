// loadRuleset: reads a ruleset directory (ruleset.yaml, rules/, lists/, tests/; *.yaml and
// *.yml only) and the declaration schema, then compiles; gateRuleset adds the cost check
// that a ruleset must pass before the processor runs it. The only file I/O of the engine
// besides the watcher.
//
// Entries may be symbolic links: a Kubernetes ConfigMap volume shows every file and folder as
// a link through `..data` to a timestamped directory (README: Kubernetes), and a link to a
// shared list file is a plausible layout too. Links are followed; broken ones are skipped.

import type { Dirent } from 'node:fs'
import { readdir, readFile, stat } from 'node:fs/promises'
import { join, relative, sep } from 'node:path'
import { fileURLToPath } from 'node:url'
import { ParcelRiskError } from '../errors.ts'
import { compileRuleset } from './compile.ts'
import { checkCost } from './cost-check.ts'
import type { CostReport, InputBounds } from './cost.ts'
import type { CompiledRuleset, CompileResult, Diagnostic, RuleSourceFile } from './ruleset.ts'

/** schemas/parcel-declaration.avsc of this package. */
export const DECLARATION_SCHEMA_PATH = fileURLToPath(new URL('../../schemas/parcel-declaration.avsc', import.meta.url))

const RULE_DIRS = ['rules', 'lists', 'tests']
const YAML_FILE = /\.ya?ml$/

/** A file or a directory, through a symbolic link if it is one; null for anything else. */
const kindOf = async (entry: Dirent): Promise<'file' | 'dir' | null> => {
  if (entry.isFile()) return 'file'
  if (entry.isDirectory()) return 'dir'
  if (!entry.isSymbolicLink()) return null
  const target = await stat(join(entry.parentPath, entry.name)).catch(() => null)
  if (target === null) return null
  return target.isFile() ? 'file' : target.isDirectory() ? 'dir' : null
}

export const readRulesetFiles = async (dir: string): Promise<RuleSourceFile[]> => {
  const paths: string[] = []
  const top = await readdir(dir, { withFileTypes: true })
  for (const entry of top) {
    const kind = await kindOf(entry)
    if (kind === 'file' && entry.name === 'ruleset.yaml') paths.push(join(dir, entry.name))
    if (kind === 'dir' && RULE_DIRS.includes(entry.name)) {
      for (const f of await readdir(join(dir, entry.name), { withFileTypes: true, recursive: true })) {
        if (YAML_FILE.test(f.name) && await kindOf(f) === 'file') paths.push(join(f.parentPath, f.name))
      }
    }
  }
  paths.sort()
  return Promise.all(paths.map(async (p) =>
    ({ path: relative(dir, p).split(sep).join('/'), text: await readFile(p, 'utf8') })))
}

export interface LoadedRuleset {
  readonly files: readonly RuleSourceFile[]
  readonly declarationSchema: unknown
  readonly result: CompileResult
}

/** Reads and compiles, keeping the files and schema (the cost check compiles them again in its worker). */
export const readRuleset = async (
  dir: string,
  schemaPath: string = DECLARATION_SCHEMA_PATH
): Promise<LoadedRuleset> => {
  const [files, schemaText] = await Promise.all([readRulesetFiles(dir), readFile(schemaPath, 'utf8')])
  const declarationSchema = JSON.parse(schemaText) as unknown
  return { files, declarationSchema, result: compileRuleset(files, { declarationSchema }) }
}

export const loadRuleset = async (dir: string, schemaPath: string = DECLARATION_SCHEMA_PATH): Promise<CompileResult> =>
  (await readRuleset(dir, schemaPath)).result

/** What a ruleset must also pass before it runs in the processor: the cost check (cost.ts). */
export interface CostGate {
  readonly budgetMicrosPerKib: number
  readonly bounds: InputBounds
}

/** Compile problems, or else the cost check's; empty when the ruleset may run. */
export const gateRuleset = async (
  loaded: LoadedRuleset,
  gate: CostGate | undefined
): Promise<{ ruleset: CompiledRuleset | null, problems: readonly Diagnostic[], report: CostReport | null }> => {
  if (!loaded.result.ok) return { ruleset: null, problems: loaded.result.errors, report: null }
  if (gate === undefined) return { ruleset: loaded.result.ruleset, problems: [], report: null }
  const report = await checkCost(loaded.files, loaded.result.ruleset,
    { ...gate, declarationSchema: loaded.declarationSchema })
  return { ruleset: loaded.result.ruleset, problems: report.problems, report }
}

export const formatDiagnostic = (d: Diagnostic): string =>
  `${d.file}:${d.line}:${d.column}: ${d.message}${d.hint === undefined ? '' : ` (${d.hint})`}`

/**
 * Loads a ruleset that must compile, and pass the cost check when a gate is given (start-up):
 * throws E_RULES_INVALID listing every problem.
 */
export const loadRulesetOrThrow = async (
  dir: string,
  schemaPath?: string,
  gate?: CostGate
): Promise<CompiledRuleset> => {
  const { ruleset, problems } = await gateRuleset(await readRuleset(dir, schemaPath), gate)
  if (ruleset !== null && problems.length === 0) return ruleset
  throw new ParcelRiskError('E_RULES_INVALID',
    `ruleset ${dir} has ${problems.length} problem(s):\n${problems.map(formatDiagnostic).join('\n')}`)
}
