// The ruleset as the straightforward system sees it: each rule's checked syntax tree (the
// product's parser and type checker, so paths are resolved and money fields known), the
// lists as plain Sets and Maps, the FX tables by date and the policy. The product's compiled
// ruleset (loadRulesetOrThrow) gives the policy, the windows and the enrichment paths; its
// generated code is not used.
import { readFileSync } from 'node:fs'
import { severity, type DecisionPolicy } from '../../../src/actions.ts'
import type { ListDef } from '../../../src/engine/check-names.ts'
import { checkExpression } from '../../../src/engine/check.ts'
import type { RulePlan, SetEntry } from '../../../src/engine/codegen.ts'
import { declarationShape, enrichmentShape } from '../../../src/engine/fields.ts'
import { readList, readRules } from '../../../src/engine/files.ts'
import type { ListFile, RuleDef } from '../../../src/engine/files.ts'
import { readManifest } from '../../../src/engine/manifest.ts'
import type { Manifest } from '../../../src/engine/manifest.ts'
import { DECLARATION_SCHEMA_PATH, loadRulesetOrThrow, readRulesetFiles } from '../../../src/engine/load.ts'
import { parseExpression } from '../../../src/engine/parse.ts'
import { Problems, readYaml } from '../../../src/engine/yaml-source.ts'

/** A rule as the product's compiler plans it: the checked tree, tier, weight, gate severity, in-force window. */
export type NaiveRule = RulePlan

export type NaiveList =
  | { readonly kind: 'set', readonly values: ReadonlySet<string>, readonly dated: readonly SetEntry[] | null }
  | { readonly kind: 'map', readonly entries: ReadonlyMap<string, number | string> }

export interface NaiveRuleset {
  readonly id: string
  readonly version: string
  readonly rules: readonly NaiveRule[]
  readonly lists: ReadonlyMap<string, NaiveList>
  readonly fx: ReadonlyArray<{ readonly table: string, readonly fromMs: number | null }>
  readonly dateField: string
  readonly policy: DecisionPolicy
  readonly effectiveFromMs: number | null
  readonly effectiveToMs: number | null
  /** Enrichment paths the rules read, as the product's fetch plan takes them. */
  readonly enrichmentFields: readonly string[]
}

const listOf = (l: ListFile): NaiveList => l.kind === 'map'
  ? { kind: 'map', entries: l.entries }
  : {
      kind: 'set',
      values: new Set(l.entries.map((e) => e.value)),
      dated: l.entries.some((e) => e.fromMs !== null || e.toMs !== null) ? l.entries : null
    }

export const loadNaiveRuleset = async (dir: string): Promise<NaiveRuleset> => {
  const compiled = await loadRulesetOrThrow(dir)
  const files = await readRulesetFiles(dir)
  const problems = new Problems()
  let manifest: Manifest | null = null
  const defs: RuleDef[] = []
  const lists = new Map<string, ListFile>()
  for (const f of files) {
    const yaml = readYaml(f.path, f.text, problems)
    if (yaml.root === null) continue
    if (f.path === 'ruleset.yaml') manifest = readManifest(yaml, problems)
    else if (f.path.startsWith('rules/')) defs.push(...readRules(yaml, problems))
    else if (f.path.startsWith('lists/')) {
      const l = readList(yaml, problems)
      if (l !== null) lists.set(l.name, l)
    }
  }
  if (manifest === null) throw new Error(`${dir}: no ruleset.yaml`)
  const listDefs = new Map<string, ListDef>([...lists.values()].map((l) => [l.name, {
    name: l.name, kind: l.kind, valueType: l.kind === 'map' ? l.valueType : 'string',
    dated: l.kind === 'set' && l.entries.some((e) => e.fromMs !== null || e.toMs !== null)
  }]))
  const env = {
    declaration: declarationShape(JSON.parse(readFileSync(DECLARATION_SCHEMA_PATH, 'utf8'))),
    enrichment: enrichmentShape(manifest.attributes),
    lists: listDefs,
    fx: manifest.fx.length === 0 ? null : manifest.fx.map((t) => t.name).join(', ')
  }
  const rules = defs.map((r): NaiveRule => {
    const parsed = parseExpression(r.when)
    if (parsed.node === null) throw new Error(`${r.id}: ${parsed.error?.message ?? 'invalid expression'}`)
    const checked = checkExpression(parsed.node, env)
    if (checked.problems.length > 0) throw new Error(`${r.id}: ${checked.problems[0]?.message ?? 'type error'}`)
    const rank = r.action === null ? -1 : severity(r.action)
    return {
      id: r.id, tier: r.tier, weight: r.weight, severity: rank,
      fromMs: r.fromMs, toMs: r.toMs, node: parsed.node
    }
  })
  if (problems.list.length > 0) throw new Error(`${dir}: ${problems.list[0]?.message ?? 'invalid'}`)
  return {
    id: compiled.id,
    version: compiled.version,
    rules,
    lists: new Map([...lists.values()].map((l) => [l.name, listOf(l)])),
    fx: manifest.fx.map((t) => ({ table: t.name, fromMs: t.fromMs })),
    dateField: manifest.dateField,
    policy: compiled.policy,
    effectiveFromMs: compiled.effectiveFromMs,
    effectiveToMs: compiled.effectiveToMs,
    enrichmentFields: compiled.enrichmentFields
  }
}
