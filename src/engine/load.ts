// loadRuleset: reads a ruleset directory (ruleset.yaml, rules/, lists/, tests/; *.yaml and
// *.yml only) and the declaration schema, then compiles. The only file I/O of the engine
// besides the watcher.

import { readdir, readFile } from 'node:fs/promises'
import { join, relative, sep } from 'node:path'
import { fileURLToPath } from 'node:url'
import { ParcelRiskError } from '../errors.ts'
import { compileRuleset } from './compile.ts'
import type { CompiledRuleset, CompileResult, Diagnostic, RuleSourceFile } from './ruleset.ts'

/** schemas/parcel-declaration.avsc of this package. */
export const DECLARATION_SCHEMA_PATH = fileURLToPath(new URL('../../schemas/parcel-declaration.avsc', import.meta.url))

const RULE_DIRS = ['rules', 'lists', 'tests']
const YAML_FILE = /\.ya?ml$/

export const readRulesetFiles = async (dir: string): Promise<RuleSourceFile[]> => {
  const paths: string[] = []
  const top = await readdir(dir, { withFileTypes: true })
  for (const entry of top) {
    if (entry.isFile() && (entry.name === 'ruleset.yaml')) paths.push(join(dir, entry.name))
    if (entry.isDirectory() && RULE_DIRS.includes(entry.name)) {
      for (const f of await readdir(join(dir, entry.name), { withFileTypes: true, recursive: true })) {
        if (f.isFile() && YAML_FILE.test(f.name)) paths.push(join(f.parentPath, f.name))
      }
    }
  }
  paths.sort()
  return Promise.all(paths.map(async (p) => ({ path: relative(dir, p).split(sep).join('/'), text: await readFile(p, 'utf8') })))
}

export const loadRuleset = async (dir: string, schemaPath: string = DECLARATION_SCHEMA_PATH): Promise<CompileResult> => {
  const [files, schemaText] = await Promise.all([readRulesetFiles(dir), readFile(schemaPath, 'utf8')])
  return compileRuleset(files, { declarationSchema: JSON.parse(schemaText) as unknown })
}

export const formatDiagnostic = (d: Diagnostic): string =>
  `${d.file}:${d.line}:${d.column}: ${d.message}${d.hint === undefined ? '' : ` (${d.hint})`}`

/** Loads a ruleset that must compile (start-up): throws E_RULES_INVALID listing every problem. */
export const loadRulesetOrThrow = async (dir: string, schemaPath?: string): Promise<CompiledRuleset> => {
  const result = await loadRuleset(dir, schemaPath)
  if (result.ok) return result.ruleset
  throw new ParcelRiskError('E_RULES_INVALID', `ruleset ${dir} has ${result.errors.length} problem(s):\n${result.errors.map(formatDiagnostic).join('\n')}`)
}
