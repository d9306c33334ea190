// Assembles the scoring module for a whole ruleset: one `run(d, e, now)` that evaluates every
// rule in order and accumulates the score parts into the reused Evaluation. As it goes it
// captures where each value a rule reads is (emit.ts): into the array `C`, from position `c`,
// as `site, indexes…` (a count or sum as `site, value, indexes…`). A rule that does not fire
// (or fails) gives its captures back (`c = c0`), and so does each element of a quantifier
// that did not decide it; a rule that fires keeps them, its span in `S`. So a fired rule's
// values are at hand without running it a second time (which cost about a fifth of scoring a
// declaration with hits): for the rules that fired only, `names[site]` names a capture and
// `values[site]` reads its value again from the declaration or enrichment.
//
// The module is compiled with ONE `new Function('rt', 'K', 'ev', source)`. Its only inputs
// are the frozen runtime helpers, the constants array (lists, regexes, prepared sets) and
// the Evaluation it writes into; it names no global.

import type { Node, NodeOf } from './ast.ts'
import { condition, fieldName, literal, origin, value } from './emit.ts'
import type { Constants, Scope, Sites, Variable } from './emit.ts'
import { checkRegex } from './regex.ts'
import { prefixSet, runtime } from './runtime.ts'
import type { Runtime } from './runtime.ts'
import { createLexicon, LISTS_PER_LEXICON, wordSet } from './words.ts'
import type { Lexicon } from './words.ts'
import type { Evaluation, Tier } from '../evaluation.ts'

export interface RulePlan {
  readonly id: string
  readonly tier: Tier
  readonly weight: number
  /** Gate action severity (src/actions.ts), -1 for other tiers. */
  readonly severity: number
  readonly fromMs: number | null
  readonly toMs: number | null
  readonly node: Node
}

export interface SetEntry { readonly value: string, readonly fromMs: number | null, readonly toMs: number | null }
export type ListData =
  | { readonly kind: 'set', readonly entries: readonly SetEntry[] }
  | { readonly kind: 'map', readonly entries: ReadonlyMap<string, number | string> }

export interface ModuleInput {
  readonly rules: readonly RulePlan[]
  readonly lists: ReadonlyMap<string, ListData>
  /** FX tables by date, oldest first (manifest.ts Manifest['fx']); empty when none. */
  readonly fx: ReadonlyArray<{ readonly table: string, readonly fromMs: number | null }>
  /** Root timestamp field giving the declaration date for effective dates. */
  readonly dateField: string
  /** Root field naming the currency of every amount. */
  readonly currencyField: string
}

/**
 * Where a value is read: how many indexes its capture carries, whether it is a timestamp,
 * and whether it is a count or sum (whose capture carries the value before the indexes).
 */
export interface Site { readonly indexes: number, readonly timestamp: boolean, readonly total: boolean }

export interface Generated {
  readonly source: string
  readonly constants: readonly unknown[]
  readonly sites: readonly Site[]
  /** Per rule, the sites it read when it fired, for a rule whose reads are known then (else null: see its span). */
  readonly reads: ReadonlyArray<readonly number[] | null>
}

/** Values read outside quantifiers whose every read runs when they are present. */
const plainValue = (n: Node): boolean => {
  switch (n.kind) {
    case 'number': case 'string': case 'bool': case 'date': case 'now': return true
    case 'path': return n.root !== 'variable'
    case 'lookup': return plainValue(n.key)
    case 'arith': return plainValue(n.left) && plainValue(n.right)
    case 'neg': case 'convert': return plainValue(n.operand)
    case 'call': return VALUE_FUNCTIONS.has(n.name) && n.args.every(plainValue)
    default: return false
  }
}
const VALUE_FUNCTIONS: ReadonlySet<string> = new Set([
  'lower', 'upper', 'length', 'left', 'daysSince', 'abs', 'min', 'max'
])
const TEST_FUNCTIONS: ReadonlySet<string> = new Set([
  'contains', 'startsWith', 'startsWithAny', 'containsWord', 'matches', 'exists'
])

/**
 * A condition that holds only when every read in it ran, in the order they were emitted: an
 * `and` chain of comparisons, `in` tests and string tests over plain values (no `or`, no
 * `not`, no quantifier, where a true result can leave reads unmade or made in a loop).
 * Such a rule's values are known when it fires, so it captures nothing as it runs (measured
 * on eu-lvc: the recording cost score() 7–11 % against the hand-written baseline).
 */
export const readsAllWhenFired = (n: Node): boolean => {
  switch (n.kind) {
    case 'bool': return true
    case 'path': return n.root !== 'variable'
    case 'logic': return n.op === 'and' && readsAllWhenFired(n.left) && readsAllWhenFired(n.right)
    case 'compare': return plainValue(n.left) && plainValue(n.right)
    case 'in': return plainValue(n.value)
    case 'call': return TEST_FUNCTIONS.has(n.name) && plainValue(n.args[0] as Node)
    default: return false
  }
}

export interface ScoringModule {
  /** Evaluates every rule; returns how many fired. */
  readonly run: (d: unknown, e: unknown, now: number) => number
  /** The captures of the last run: `site, indexes…` per read, `site, value, indexes…` per count or sum. */
  readonly captured: readonly number[]
  /** Per rule, the span of its captures in `captured` ([2i], [2i + 1]); valid for fired rules. */
  readonly spans: readonly number[]
  /** Per site, its value's name from the capture (`at` is just past the site number). */
  readonly names: ReadonlyArray<(captured: readonly number[], at: number) => string>
  /** Per site, its value, read again from the declaration and enrichment at the captured indexes. */
  readonly values: ReadonlyArray<(d: unknown, e: unknown, captured: readonly number[], at: number) => unknown>
}

const RUNTIME_NAMES = Object.keys(runtime)

const makeConstants = (lists: ReadonlyMap<string, ListData>): { consts: Constants, values: unknown[] } => {
  const values: unknown[] = []
  const names = new Map<string, string>()
  const once = (key: string, make: () => unknown): string => {
    let name = names.get(key)
    if (name === undefined) {
      name = `K${values.length}`
      values.push(Object.freeze(make()))
      names.set(key, name)
    }
    return name
  }
  const listData = (name: string): ListData => {
    const l = lists.get(name)
    if (l === undefined) throw new TypeError(`unknown list ${name} in checked tree`)
    return l
  }
  const setValues = (name: string): string[] => {
    const l = listData(name)
    return l.kind === 'set' ? l.entries.map((x) => x.value) : [...l.entries.keys()]
  }
  // Word lists share lexicons (words.ts), up to LISTS_PER_LEXICON lists each.
  let lexicon: Lexicon = createLexicon()
  const words = (entries: readonly string[]): unknown => {
    if (lexicon.lists >= LISTS_PER_LEXICON) lexicon = createLexicon()
    return wordSet(entries, lexicon)
  }
  const isDated = (l: ListData): boolean =>
    l.kind === 'set' && l.entries.some((x) => x.fromMs !== null || x.toMs !== null)
  const consts: Constants = {
    list: (name) => {
      const l = listData(name)
      const dated = isDated(l)
      const ref = once(`list:${name}`, () => {
        if (l.kind === 'map') return new Map(l.entries)
        if (!dated) return new Set(l.entries.map((x) => x.value))
        const windows = new Map<string, number[]>()
        for (const x of l.entries) {
          const w = windows.get(x.value) ?? []
          w.push(x.fromMs ?? -Infinity, x.toMs ?? Infinity)
          windows.set(x.value, w)
        }
        return windows
      })
      return { ref, dated }
    },
    literalSet: (vs) => once(`lit:${JSON.stringify(vs)}`, () => new Set(vs)),
    prefixes: (src) => 'list' in src
      ? once(`prefix:${src.list}`, () => prefixSet(setValues(src.list)))
      : once(`prefixLit:${JSON.stringify(src.values)}`, () => prefixSet(src.values)),
    words: (src) => 'list' in src
      ? once(`words:${src.list}`, () => words(setValues(src.list)))
      : once(`wordLit:${JSON.stringify(src.values)}`, () => words(src.values)),
    regex: (pattern) => once(`re:${pattern}`, () => {
      const r = checkRegex(pattern)
      if (!r.ok) throw new TypeError('unchecked regex in checked tree')
      return r.regex
    })
  }
  return { consts, values }
}

/**
 * The rate in force on the declaration date `t`: from the latest table whose effectiveFrom
 * <= t. A date before the first dated table has no rate, so `… in EUR` is missing, as for a
 * currency the table does not list ("add the rate rather than guess").
 */
const fxRate = (fx: ModuleInput['fx'], consts: Constants, currency: string): string => {
  let code = 'undefined'
  for (const table of fx) {
    const get = `${consts.list(table.table).ref}.get(${currency})`
    code = table.fromMs === null ? get : `(t >= ${literal(table.fromMs)} ? ${get} : ${code})`
  }
  return code
}

export const generate = (input: ModuleInput): Generated => {
  const { consts, values } = makeConstants(input.lists)
  const helpers: string[] = []
  const siteList: Site[] = []
  const siteNames: string[] = []
  const siteValues: string[] = []
  const sites: Sites = {
    add: (display, indexes, timestamp, read) => {
      const id = siteList.length
      const first = read === null ? 1 : 0
      siteList.push({ indexes: indexes.length, timestamp, total: read === null })
      const captures = indexes.map((name, k) => `${name} = C[at + ${first + k}]`).join(', ')
      const bind = indexes.length === 0 ? '' : ` const ${captures};`
      siteNames.push(`function n${id}(C, at) {${bind} return ${display}; }`)
      siteValues.push(read === null
        ? `function w${id}(d, e, C, at) { return C[at]; }`
        : `function w${id}(d, e, C, at) {${bind}${read.chain.map((x) => ` ${x}`).join('')} return ${read.code}; }`)
      return id
    }
  }

  const quantifier = (n: NodeOf<'quant'>, outer: Scope): string => {
    if (n.source.kind !== 'path' || n.source.field === undefined) throw new TypeError('unchecked quantifier source')
    const id = helpers.length
    helpers.push('') // reserve the slot so nested helpers get later numbers
    const name = `q${id}`
    const params = ['d', 'e', 'now', 't', 'fx', ...[...outer.vars.values()].flatMap((v) => [v.js, v.index])]
    const field = n.source.field.map(fieldName)
    const sourceVar = n.source.root === 'variable' ? outer.vars.get(n.source.segments[0] as string) : undefined
    const sourceDisplay = sourceVar !== undefined
      ? `${sourceVar.display} + ${literal('.' + field.join('.'))}`
      : literal((n.source.root === 'enrichment' ? 'enrichment.' : '') + field.join('.'))
    const sourceIndexes = sourceVar?.indexes ?? []
    const sourceScope: Scope = { consts, sites, capturing: false, temps: [], vars: outer.vars, hoist: null, quantifier }
    const src = value(n.source, sourceScope).code
    const v: Variable = {
      js: `v${id}`,
      index: `i${id}`,
      display: `${sourceDisplay} + "[" + i${id} + "]"`,
      indexes: [...sourceIndexes, `i${id}`],
      chain: [...(sourceVar?.chain ?? []), `const v${id} = (${src})[i${id}];`]
    }
    const vars = new Map(outer.vars)
    vars.set(n.variable, v)
    const inner: Scope = { consts, sites, capturing: true, temps: sourceScope.temps, vars, hoist: null, quantifier }
    const where = n.where === null ? null : condition(n.where, inner)
    const flag = origin(n.source) || 1
    // An element that did not decide the quantifier gives its captures back.
    const drop = ' c = mk;'
    const total = (label: string): string => {
      const site = sites.add(`${literal(label + '(')} + ${sourceDisplay} + ")"`, sourceIndexes, false, null)
      return `tot${sourceIndexes.length}(${site}, n${sourceIndexes.map((i) => `, ${i}`).join('')})`
    }
    const lines: string[] = []
    let result: string
    switch (n.quantifier) {
      case 'any':
        lines.push(`if (${condition(n.body, inner)}) return true;${drop}`)
        result = 'false'
        break
      case 'all':
        lines.push(`if (!${condition(n.body, inner)}) return false;${drop}`)
        result = 'true'
        break
      case 'count':
        lines.push(`if (${condition(n.body, inner)}) n++; else c = mk;`)
        result = total('count')
        break
      case 'sum': {
        const body = value(n.body, inner)
        lines.push(`const x = ${body.code};`, `if (x == null) { m |= ${origin(n.body) || 1}; return undefined; }`,
          `n += x;${drop}`)
        result = total('sum')
        break
      }
    }
    const missingResult = n.quantifier === 'any' || n.quantifier === 'all' ? 'false' : 'undefined'
    helpers[id] = [
      `function ${name}(${params.join(', ')}) {`,
      inner.temps.length > 0 ? `  let ${inner.temps.join(', ')};` : null,
      `  const xs = ${src};`,
      `  if (xs == null) { m |= ${flag}; return ${missingResult}; }`,
      n.quantifier === 'count' || n.quantifier === 'sum' ? '  let n = 0;' : null,
      `  for (let ${v.index} = 0; ${v.index} < xs.length; ${v.index}++) {`,
      `    const ${v.js} = xs[${v.index}];`,
      '    const mk = c;',
      where !== null ? `    if (!${where}) {${drop} continue; }` : null,
      ...lines.map((l) => `    ${l}`),
      '  }',
      `  return ${result};`,
      '}'
    ].filter((l) => l !== null).join('\n')
    return `${name}(${params.join(', ')})`
  }

  const dateField = fieldName(input.dateField)
  const prelude = [
    `  const t = typeof d.${dateField} === "number" ? d.${dateField} : now;`,
    `  const fx = ${fxRate(input.fx, consts, `d.${fieldName(input.currencyField)}`)};`
  ]

  // run(): every rule inline, field reads hoisted to locals.
  const hoist = new Map<string, { name: string, code: string }>()
  const runScope: Scope = { consts, sites, capturing: true, temps: [], vars: new Map(), hoist, quantifier }
  const reads: Array<number[] | null> = []
  const blocks = input.rules.map((rule, i) => {
    const known = readsAllWhenFired(rule.node) ? [] : null
    reads.push(known)
    const cond = condition(rule.node, known === null ? runScope : { ...runScope, reads: known })
    const kept = known === null ? `S[${2 * i}] = c0; S[${2 * i + 1}] = c; hits++;` : 'hits++;'
    const dropped = known === null ? ' c = c0;' : ''
    const hit = rule.tier === 'gate'
      ? `out[${i}] = 1; gates++; if (sev < ${rule.severity}) sev = ${rule.severity}; ${kept}`
      : `out[${i}] = 1; ${rule.tier === 'indicator' ? 'ind' : 'mit'} += ${literal(rule.weight)}; ${kept}`
    const window = [
      rule.fromMs === null ? null : `t >= ${literal(rule.fromMs)}`,
      rule.toMs === null ? null : `t < ${literal(rule.toMs)}`
    ].filter((x) => x !== null)
    const body = [
      known === null ? '    m = 0; c0 = c;' : '    m = 0;',
      `    try { if (${cond}) { ${hit} } else { out[${i}] = 0;${dropped} } }` +
        ` catch { out[${i}] = 2; errors++;${dropped} }`,
      `    seen[${i}] = m;`,
      // A mitigation that could not see its data simply does not lower the score: that is
      // already the cautious answer, so only gates and indicators call for the fallback.
      rule.tier === 'mitigation' ? null : `    if (m > 1 && out[${i}] === 0) fb = true;`
    ].filter((l) => l !== null)
    // Rule ids match [A-Za-z0-9._-]+ (checked on load); the comment is for human readers.
    const comment = `  // ${i}: ${/^[A-Za-z0-9._-]+$/.test(rule.id) ? rule.id : '(rule)'}`
    return window.length === 0
      ? [comment, '  {', ...body, '  }'].join('\n')
      : [comment, `  if (${window.join(' && ')}) {`, ...body, `  } else { out[${i}] = 3; seen[${i}] = 0; }`].join('\n')
  })
  const run = [
    'function run(d, e, now) {',
    ...prelude,
    ...[...hoist.values()].map((h) => `  const ${h.name} = ${h.code};`),
    '  let ind = 0, mit = 0, sev = -1, gates = 0, errors = 0, fb = false, c0 = 0, hits = 0;',
    '  c = 0;',
    runScope.temps.length > 0 ? `  let ${runScope.temps.join(', ')};` : null,
    ...blocks,
    '  ev.indicatorPoints = ind; ev.mitigationPoints = mit; ev.gateSeverity = sev;',
    '  ev.gateHits = gates; ev.errors = errors; ev.needsFallback = fb; ev.dateMs = t;',
    '  return hits;',
    '}'
  ].filter((l) => l !== null).join('\n')

  // One helper per number of indexes for a count or sum (tot0 outside quantifiers, tot1
  // inside one, …): called once per quantifier, not per element.
  const totals = [...new Set(siteList.filter((x) => x.total).map((x) => x.indexes))].sort((a, b) => a - b).map((k) => {
    const idx = Array.from({ length: k }, (_, j) => `a${j}`)
    const args = idx.map((a) => `, ${a}`).join('')
    const stores = idx.map((a, j) => ` C[c + ${j + 2}] = ${a};`).join('')
    return `function tot${k}(s, v${args}) { C[c] = s; C[c + 1] = v;${stores} c += ${k + 2}; return v; }`
  })

  const source = [
    '"use strict";',
    `const { ${RUNTIME_NAMES.join(', ')} } = rt;`,
    values.length > 0 ? `const ${values.map((_, i) => `K${i} = K[${i}]`).join(', ')};` : null,
    'const out = ev.outcomes, seen = ev.sawMissing;',
    // Spans as a literal of zeros: packed small integers, and no global named.
    `const C = [], S = [${new Array<string>(2 * input.rules.length).fill('0').join(', ')}];`,
    'let m = 0, c = 0;',
    ...totals,
    ...helpers,
    run,
    ...siteNames,
    ...siteValues,
    `return { run, captured: C, spans: S, names: [${siteNames.map((_, i) => `n${i}`).join(', ')}], ` +
      `values: [${siteValues.map((_, i) => `w${i}`).join(', ')}] };`
  ].filter((l) => l !== null).join('\n')
  return {
    source,
    constants: Object.freeze(values),
    sites: Object.freeze(siteList),
    reads: Object.freeze(reads.map((r) => r === null ? null : Object.freeze(r)))
  }
}

export const instantiate = (generated: Generated, ev: Evaluation, rt: Runtime = runtime): ScoringModule => {
  // The one place generated code becomes a function; see the header for what it can reach.
  type Factory = (rt: Runtime, k: readonly unknown[], ev: Evaluation) => ScoringModule
  const factory = new Function('rt', 'K', 'ev', generated.source) as Factory
  return factory(rt, generated.constants, ev)
}
