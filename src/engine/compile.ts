// compileRuleset: rule files → one checked, generated, instantiated scoring module.
// Pure: the files and the declaration schema come in as data (load.ts does the reading).
//
//   files ─ YAML (positions) ─ manifest / rules / lists ─ parse ─ check ─ generate ─ new Function
//
// Every stage reports all of its problems; nothing is generated unless there are none.

import { createHash } from 'node:crypto'
import { severity } from '../actions.ts'
import type { Evaluation, RuleInfo } from '../evaluation.ts'
import { OUTCOME_ERROR, OUTCOME_HIT } from '../evaluation.ts'
import type { ListDef } from './check-names.ts'
import { checkExpression } from './check.ts'
import { generate, instantiate } from './codegen.ts'
import type { Generated, ListData, ModuleInput, RulePlan, ScoringModule, Site } from './codegen.ts'
import { declarationShape, didYouMean, enrichmentShape, withCommodityAttributes } from './fields.ts'
import { readList, readRules } from './files.ts'
import type { ListFile, RuleDef } from './files.ts'
import { readManifest } from './manifest.ts'
import type { Manifest } from './manifest.ts'
import { parseExpression } from './parse.ts'
import { checkProhibitions } from './prohibitions.ts'
import { expressionShape } from './probe.ts'
import type { CompiledRuleset, CompileResult, Diagnostic, RuleProbe, RuleSourceFile, RuleTestFile } from './ruleset.ts'
import { runtime as defaultRuntime } from './runtime.ts'
import type { Runtime } from './runtime.ts'
import { Problems, readYaml } from './yaml-source.ts'

export interface CompileOptions {
  /** The ParcelDeclaration Avro schema (parsed JSON of schemas/parcel-declaration.avsc). */
  readonly declarationSchema: unknown
  /** The helpers the generated code calls (runtime.ts); the engine bench substitutes its own. */
  readonly runtime?: Runtime
}

const CURRENCY_FIELD = 'currency'

/** SHA-256 over the files sorted by path, each as `path \0 bytes \0`. */
export const rulesetDigest = (files: readonly RuleSourceFile[]): string => {
  const hash = createHash('sha256')
  for (const f of [...files].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0))) {
    hash.update(f.path).update('\0').update(f.text, 'utf8').update('\0')
  }
  return hash.digest('hex')
}

const byPosition = (a: Diagnostic, b: Diagnostic): number =>
  a.file < b.file ? -1 : a.file > b.file ? 1 : a.line - b.line || a.column - b.column

export const compileRuleset = (files: readonly RuleSourceFile[], options: CompileOptions): CompileResult => {
  const problems = new Problems()
  const sorted = [...files].sort((a, b) => (a.path < b.path ? -1 : 1))
  let manifest: Manifest | null = null
  const rules: RuleDef[] = []
  const lists = new Map<string, ListFile>()
  const tests: RuleTestFile[] = []
  for (const f of sorted) {
    const yaml = readYaml(f.path, f.text, problems)
    if (yaml.root === null) continue
    if (f.path === 'ruleset.yaml') {
      manifest = readManifest(yaml, problems)
    } else if (f.path.startsWith('rules/')) {
      rules.push(...readRules(yaml, problems))
    } else if (f.path.startsWith('lists/')) {
      const list = readList(yaml, problems)
      if (list === null) continue
      const prior = lists.get(list.name)
      if (prior !== undefined) {
        problems.add(f.path, list.pos, 'duplicate', `list \`${list.name}\` is also defined in ${prior.file}`)
      } else {
        lists.set(list.name, list)
      }
    } else if (f.path.startsWith('tests/')) {
      tests.push({ file: f.path, data: yaml.root.toJSON() as unknown })
    } else {
      problems.add(f.path, { line: 1, column: 1 }, 'structure',
        'not part of a ruleset: use ruleset.yaml, rules/, lists/ or tests/')
    }
  }
  if (manifest === null && !sorted.some((f) => f.path === 'ruleset.yaml')) {
    problems.add('ruleset.yaml', { line: 1, column: 1 }, 'structure', 'the ruleset has no ruleset.yaml manifest')
  }

  const seen = new Map<string, RuleDef>()
  for (const r of rules) {
    const prior = seen.get(r.id)
    if (prior !== undefined) {
      problems.add(r.file, r.pos, 'duplicate', `rule id \`${r.id}\` is also used at ${prior.file}:${prior.pos.line}`)
    } else {
      seen.set(r.id, r)
    }
  }
  checkProhibitions(seen.values(), problems)

  const listDefs = new Map<string, ListDef>()
  for (const l of lists.values()) {
    listDefs.set(l.name, {
      name: l.name, kind: l.kind, valueType: l.kind === 'map' ? l.valueType : 'string',
      dated: l.kind === 'set' && l.entries.some((e) => e.fromMs !== null || e.toMs !== null)
    })
  }
  const fx = manifest?.fx ?? []
  for (const table of fx) {
    const def = listDefs.get(table.name)
    if (def === undefined) {
      problems.add('ruleset.yaml', table.pos, 'unknown-list', `unknown FX table \`${table.name}\``,
        didYouMean(table.name, listDefs.keys()))
    } else if (def.kind !== 'map' || def.valueType !== 'number') {
      problems.add('ruleset.yaml', table.pos, 'type',
        `FX table \`${table.name}\` must be a map of numbers (EUR per unit)`)
    }
  }

  const attributes = manifest?.attributes ?? []
  const declaration = withCommodityAttributes(declarationShape(options.declarationSchema), attributes)
  if (manifest !== null) {
    const dateField = declaration.kind === 'record' ? declaration.fields.get(manifest.dateField) : undefined
    if (dateField?.kind !== 'scalar' || dateField.type.kind !== 'timestamp') {
      problems.add('ruleset.yaml', { line: 1, column: 1 }, 'unknown-field',
        `dateField \`${manifest.dateField}\` is not a timestamp field of the declaration`)
    }
  }
  const env = {
    declaration,
    enrichment: enrichmentShape(attributes),
    lists: listDefs,
    fx: fx.length === 0 ? null : fx.map((t) => t.name).join(', ')
  }
  const declarationPaths = new Set<string>()
  const enrichmentPaths = new Set<string>()
  const plans: RulePlan[] = []
  const mappers: Array<RuleDef['mapPos']> = []
  for (const r of seen.values()) {
    const parsed = parseExpression(r.when)
    if (parsed.node === null) {
      const e = parsed.error ?? { pos: { line: 1, column: 1 }, message: 'invalid expression' }
      problems.add(r.file, r.mapPos(e.pos), 'syntax', `${e.message} (rule ${r.id})`)
      continue
    }
    const checked = checkExpression(parsed.node, env)
    for (const p of checked.problems) {
      problems.add(r.file, r.mapPos(p.pos), p.code, `${p.message} (rule ${r.id})`, p.hint)
    }
    for (const p of checked.declarationPaths) declarationPaths.add(p)
    for (const p of checked.enrichmentPaths) enrichmentPaths.add(p)
    plans.push({
      id: r.id, tier: r.tier, weight: r.weight, severity: r.action === null ? -1 : severity(r.action),
      fromMs: r.fromMs, toMs: r.toMs, node: parsed.node
    })
    mappers.push(r.mapPos)
  }

  if (problems.list.length > 0 || manifest === null) return { ok: false, errors: problems.list.sort(byPosition) }

  const listData = new Map<string, ListData>()
  for (const l of lists.values()) {
    listData.set(l.name, l.kind === 'set' ? { kind: 'set', entries: l.entries } : { kind: 'map', entries: l.entries })
  }
  const input: ModuleInput = {
    rules: plans,
    lists: listData,
    fx: fx.map((t) => ({ table: t.name, fromMs: t.fromMs })),
    dateField: manifest.dateField,
    currencyField: CURRENCY_FIELD
  }
  const generated = generate(input)
  const infos: RuleInfo[] = [...seen.values()].map((r) => Object.freeze({
    id: r.id, title: r.title, description: r.description, tier: r.tier, weight: r.weight, action: r.action,
    tags: Object.freeze([...r.tags]), owner: r.owner, effectiveFromMs: r.fromMs, effectiveToMs: r.toMs,
    file: r.file, line: r.pos.line
  }))
  const rt = options.runtime ?? defaultRuntime
  const probe = (): readonly RuleProbe[] => probeRules(input, infos, mappers, rt)
  const ruleset = assemble(
    manifest, infos, generated, lists, tests, files, declarationPaths, enrichmentPaths, probe, rt
  )
  return { ok: true, ruleset, errors: [] }
}

/** Most entries of one list used as samples for adversarial text. */
const SAMPLES_PER_LIST = 64

const newEvaluation = (n: number): Evaluation => ({
  outcomes: new Uint8Array(n), sawMissing: new Uint8Array(n),
  indicatorPoints: 0, mitigationPoints: 0, gateSeverity: -1, gateHits: 0, errors: 0, needsFallback: false, dateMs: 0,
  valueStart: new Uint32Array(n), valueEnd: new Uint32Array(n), valueNames: [], values: [], valueIsTimestamp: []
})

/**
 * Copies the captures of the rules that fired into the evaluation, each with its name: the
 * only per-value work, and only for what a decision shows.
 */
const valuesOfFired = (
  ev: Evaluation,
  module: ScoringModule,
  sites: readonly Site[],
  reads: Generated['reads'],
  d: unknown,
  e: unknown
): void => {
  const { outcomes, valueStart, valueEnd, valueNames, values, valueIsTimestamp } = ev
  const { captured, spans, names } = module
  const read = module.values
  let k = 0
  for (let i = 0; i < outcomes.length; i++) {
    if (outcomes[i] !== OUTCOME_HIT) continue
    valueStart[i] = k
    const known = reads[i]
    if (known !== null && known !== undefined) {
      // Read outside quantifiers: no indexes to look up.
      for (let r = 0; r < known.length; r++) {
        const site = known[r] as number
        valueNames[k] = (names[site] as ScoringModule['names'][number])(captured, 0)
        values[k] = (read[site] as ScoringModule['values'][number])(d, e, captured, 0)
        valueIsTimestamp[k] = (sites[site] as Site).timestamp
        k++
      }
      valueEnd[i] = k
      continue
    }
    const end = spans[2 * i + 1] as number
    for (let at = spans[2 * i] as number; at < end;) {
      const site = captured[at] as number
      const info = sites[site] as Site
      valueNames[k] = (names[site] as ScoringModule['names'][number])(captured, at + 1)
      values[k] = (read[site] as ScoringModule['values'][number])(d, e, captured, at + 1)
      valueIsTimestamp[k] = info.timestamp
      k++
      at += 1 + (info.total ? 1 : 0) + info.indexes
    }
    valueEnd[i] = k
  }
}

const probeRules = (
  input: ModuleInput,
  infos: readonly RuleInfo[],
  mappers: ReadonlyArray<RuleDef['mapPos']>,
  rt: Runtime
): readonly RuleProbe[] =>
  input.rules.map((plan, i) => {
    const info = infos[i] as RuleInfo
    const map = mappers[i] as RuleDef['mapPos']
    const shape = expressionShape(plan.node)
    const samples = new Set(shape.literals)
    for (const name of shape.lists) {
      const list = input.lists.get(name)
      const entries = list === undefined
        ? []
        : list.kind === 'set' ? list.entries.map((e) => e.value) : [...list.entries.keys()]
      for (const e of entries.slice(0, SAMPLES_PER_LIST)) samples.add(e)
    }
    const alone = generate({ ...input, rules: [{ ...plan, fromMs: null, toMs: null }] })
    const module = instantiate(alone, newEvaluation(1), rt)
    const start = map({ line: 1, column: 1 })
    return Object.freeze({
      id: info.id, file: info.file, line: start.line, column: start.column,
      samples: Object.freeze([...samples]),
      loops: Object.freeze(shape.loops.map((l) => {
        const p = map(l.pos)
        return Object.freeze({ arrays: l.arrays, line: p.line, column: p.column })
      })),
      run: module.run
    })
  })

const assemble = (
  manifest: Manifest,
  rules: readonly RuleInfo[],
  generated: ReturnType<typeof generate>,
  lists: ReadonlyMap<string, ListFile>,
  tests: readonly RuleTestFile[],
  files: readonly RuleSourceFile[],
  declarationPaths: Set<string>,
  enrichmentPaths: Set<string>,
  probe: () => readonly RuleProbe[],
  rt: Runtime
): CompiledRuleset => {
  const n = rules.length
  // One Evaluation per ruleset, written in place on every call: fixed shape, no allocation.
  const ev = newEvaluation(n)
  const module = instantiate(generated, ev, rt)
  const sites = generated.sites

  const evaluate = (d: unknown, e: unknown, ctx: { readonly nowMs: number }): Evaluation => {
    let fired: number
    try {
      fired = module.run(d, e, ctx.nowMs)
    } catch {
      // Only a declaration that is not an object gets here (rules catch their own errors).
      ev.outcomes.fill(OUTCOME_ERROR)
      ev.sawMissing.fill(0)
      ev.indicatorPoints = 0
      ev.mitigationPoints = 0
      ev.gateSeverity = -1
      ev.gateHits = 0
      ev.errors = n
      ev.needsFallback = false
      ev.dateMs = ctx.nowMs
      return ev
    }
    if (fired > 0) valuesOfFired(ev, module, sites, generated.reads, d, e)
    return ev
  }

  const ruleset: CompiledRuleset = {
    id: manifest.id,
    version: manifest.version,
    jurisdiction: manifest.jurisdiction,
    description: manifest.description,
    digest: rulesetDigest(files),
    effectiveFromMs: manifest.effectiveFromMs,
    effectiveToMs: manifest.effectiveToMs,
    rules: Object.freeze([...rules]),
    lists: Object.freeze([...lists.keys()].sort()),
    enrichmentFields: Object.freeze([...enrichmentPaths].sort()),
    attributes: Object.freeze(manifest.attributes.map((a) =>
      Object.freeze({ entity: a.entity, name: a.name, type: a.type }))),
    declarationFields: Object.freeze([...declarationPaths].sort()),
    tests: Object.freeze([...tests]),
    source: generated.source,
    policy: Object.freeze({
      bands: manifest.bands,
      fallbackAction: manifest.fallbackAction,
      errorAction: manifest.errorAction,
      randomSelection: manifest.randomSelection
    }),
    capacity: manifest.capacity,
    evaluate,
    probe
  }
  return Object.freeze(ruleset)
}
