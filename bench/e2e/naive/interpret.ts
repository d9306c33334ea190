// A tree-walking evaluator of rule expressions, for what json-rules-engine cannot say on its
// own (quantifiers over line items, sums, `in EUR`, table lookups, `left()`): translate.ts
// registers each such subexpression as a computed fact that calls value() or test() here.
// Semantics are those of rules/README.md §5: a comparison, `in` or test on a missing value
// (undefined or null) is false; arithmetic, functions and lookups on one give a missing value.
import type { Node, NodeOf } from '../../../src/engine/ast.ts'
import { containsWord, createLexicon, wordSet, type Lexicon, type WordSet } from '../../../src/engine/words.ts'
import { div, inDatedSet, num, prefixSet, startsWithAny, toEur } from '../../../src/engine/runtime.ts'
import type { DatedSet, PrefixSet } from '../../../src/engine/runtime.ts'
import type { NaiveList, NaiveRuleset } from './ruleset.ts'

/** What one declaration is evaluated with. */
export interface Scope {
  readonly d: Record<string, unknown>
  readonly e: unknown
  readonly now: number
  /** The declaration date (dateField), or now. */
  readonly t: number
  /** EUR per unit of the declaration's currency on its date; undefined when unknown. */
  readonly fx: number | undefined
  readonly vars: Map<string, unknown>
  /** Subexpressions that threw (division by zero): the rule errs. */
  errors: number
}

export interface Interpreter {
  readonly value: (n: Node, s: Scope) => unknown
  readonly test: (n: Node, s: Scope) => boolean
  /** The scope of one declaration. */
  readonly scope: (d: Record<string, unknown>, e: unknown, now: number) => Scope
  /** Lists for the custom operators: membership (dated entries on `t`), prefixes, words. */
  readonly inList: (name: string, v: unknown, t: number) => boolean
  readonly prefixes: (source: string | readonly string[]) => PrefixSet
  readonly words: (source: string) => WordSet
}

const missing = (v: unknown): boolean => v === undefined || v === null

const readPath = (n: NodeOf<'path'>, s: Scope): unknown => {
  let v: unknown = n.root === 'variable' ? s.vars.get(n.segments[0] as string) : n.root === 'enrichment' ? s.e : s.d
  for (const f of n.field ?? []) {
    if (missing(v)) return undefined
    v = (v as Record<string, unknown>)[f]
  }
  return n.type?.kind === 'money' ? num(v) : v
}

const compare = (op: NodeOf<'compare'>['op'], a: unknown, b: unknown): boolean => {
  switch (op) {
    case '==': return a === b
    case '!=': return a !== b
    case '<': return (a as number) < (b as number)
    case '<=': return (a as number) <= (b as number)
    case '>': return (a as number) > (b as number)
    case '>=': return (a as number) >= (b as number)
  }
}

export const createInterpreter = (rs: NaiveRuleset): Interpreter => {
  const lexicon: Lexicon = createLexicon()
  const wordSets = new Map<string, WordSet>()
  const prefixSets = new Map<string, PrefixSet>()
  const datedSets = new Map<string, DatedSet>()
  const list = (name: string): NaiveList => {
    const l = rs.lists.get(name)
    if (l === undefined) throw new Error(`unknown list ${name}`)
    return l
  }
  const entriesOf = (name: string): string[] => {
    const l = list(name)
    return l.kind === 'set' ? [...l.values] : [...l.entries.keys()]
  }
  const words = (source: string): WordSet => {
    let w = wordSets.get(source)
    if (w === undefined) {
      w = wordSet(source.startsWith('@') ? entriesOf(source.slice(1)) : [source], lexicon)
      wordSets.set(source, w)
    }
    return w
  }
  const prefixes = (source: string | readonly string[]): PrefixSet => {
    const key = typeof source === 'string' ? source : `[${source.join(',')}]`
    let p = prefixSets.get(key)
    if (p === undefined) {
      p = prefixSet(typeof source === 'string' ? entriesOf(source) : source)
      prefixSets.set(key, p)
    }
    return p
  }
  const inList = (name: string, v: unknown, t: number): boolean => {
    const l = list(name)
    if (l.kind === 'map') return l.entries.has(v as string)
    if (l.dated === null) return l.values.has(v as string)
    let dated = datedSets.get(name)
    if (dated === undefined) {
      const m = new Map<string, number[]>()
      for (const e of l.dated) m.set(e.value, [...(m.get(e.value) ?? []), e.fromMs ?? -Infinity, e.toMs ?? Infinity])
      dated = m
      datedSets.set(name, dated)
    }
    return inDatedSet(dated, v as string, t)
  }
  const fxOf = (d: Record<string, unknown>, t: number): number | undefined => {
    let rate: number | undefined
    for (const table of rs.fx) {
      if (table.fromMs !== null && t < table.fromMs) continue
      const l = list(table.table)
      rate = l.kind === 'map' ? l.entries.get(d.currency as string) as number | undefined : undefined
    }
    return rate
  }

  const quant = (n: NodeOf<'quant'>, s: Scope): unknown => {
    const xs = value(n.source, s) as unknown[] | undefined | null
    if (missing(xs)) return n.quantifier === 'any' || n.quantifier === 'all' ? false : undefined
    let total = 0
    const outer = s.vars.get(n.variable)
    try {
      for (const x of xs as unknown[]) {
        s.vars.set(n.variable, x)
        if (n.where !== null && !test(n.where, s)) continue
        switch (n.quantifier) {
          case 'any':
            if (test(n.body, s)) return true
            break
          case 'all':
            if (!test(n.body, s)) return false
            break
          case 'count':
            if (test(n.body, s)) total++
            break
          case 'sum': {
            const v = value(n.body, s)
            if (missing(v)) return undefined
            total += v as number
          }
        }
      }
    } finally {
      if (outer === undefined) s.vars.delete(n.variable)
      else s.vars.set(n.variable, outer)
    }
    return n.quantifier === 'any' ? false : n.quantifier === 'all' ? true : total
  }

  const value = (n: Node, s: Scope): unknown => {
    switch (n.kind) {
      case 'number': case 'string': case 'bool': case 'date': return n.value
      case 'now': return s.now
      case 'path': return readPath(n, s)
      case 'lookup': {
        const k = value(n.key, s)
        const l = list(n.list)
        return missing(k) || l.kind !== 'map' ? undefined : l.entries.get(k as string)
      }
      case 'arith': {
        const a = value(n.left, s) as number
        const b = value(n.right, s) as number
        if (missing(a) || missing(b)) return undefined
        return n.op === '+' ? a + b : n.op === '-' ? a - b : n.op === '*' ? a * b : div(a, b)
      }
      case 'neg': {
        const v = value(n.operand, s)
        return missing(v) ? undefined : -(v as number)
      }
      case 'convert': {
        const v = value(n.operand, s)
        return missing(v) || s.fx === undefined ? undefined : toEur(v as number, s.fx)
      }
      case 'quant': return quant(n, s)
      case 'call': {
        const a = n.args.map((x) => value(x, s))
        const [a0, a1] = a
        switch (n.name) {
          case 'lower': return missing(a0) ? undefined : (a0 as string).toLowerCase()
          case 'upper': return missing(a0) ? undefined : (a0 as string).toUpperCase()
          case 'length': return missing(a0) ? undefined : (a0 as string).length
          case 'daysSince': return missing(a0) ? undefined : (s.now - (a0 as number)) / 86_400_000
          case 'abs': return missing(a0) ? undefined : Math.abs(a0 as number)
          case 'left': return missing(a0) || missing(a1) ? undefined : (a0 as string).slice(0, a1 as number)
          case 'min': case 'max':
            return missing(a0) || missing(a1) ? undefined : Math[n.name](a0 as number, a1 as number)
          default: return test(n, s)
        }
      }
      default: return test(n, s)
    }
  }

  const test = (n: Node, s: Scope): boolean => {
    switch (n.kind) {
      case 'bool': return n.value
      case 'path': return readPath(n, s) === true
      case 'not': return !test(n.operand, s)
      case 'logic': return n.op === 'and' ? test(n.left, s) && test(n.right, s) : test(n.left, s) || test(n.right, s)
      case 'compare': {
        const a = value(n.left, s)
        const b = value(n.right, s)
        return !missing(a) && !missing(b) && compare(n.op, a, b)
      }
      case 'in': {
        const v = value(n.value, s)
        if (missing(v)) return false
        const hit = n.set.kind === 'listLit'
          ? n.set.values.includes(v as string)
          : n.set.kind === 'listRef' && inList(n.set.name, v, s.t)
        return n.negated ? !hit : hit
      }
      case 'quant': return quant(n, s) === true
      case 'call': return call(n, s)
      default: throw new TypeError(`not a condition: ${n.kind}`)
    }
  }

  const call = (n: NodeOf<'call'>, s: Scope): boolean => {
    const [a0, a1] = n.args as [Node, Node | undefined]
    const subject = value(a0, s)
    if (n.name === 'exists') return !missing(subject)
    if (missing(subject)) return false
    const text = subject as string
    const lit = a1?.kind === 'string' ? a1.value : ''
    switch (n.name) {
      case 'contains': return text.includes(lit)
      case 'startsWith': return text.startsWith(lit)
      case 'matches': return new RegExp(lit).test(text)
      case 'startsWithAny': {
        const source = a1?.kind === 'listRef' ? a1.name : a1?.kind === 'listLit' ? a1.values.map(String) : []
        return startsWithAny(prefixes(source), text)
      }
      case 'containsWord': return containsWord(words(a1?.kind === 'listRef' ? `@${a1.name}` : lit), text)
      default: throw new TypeError(`not a condition function: ${n.name}`)
    }
  }

  const scope = (d: Record<string, unknown>, e: unknown, now: number): Scope => {
    const date = d[rs.dateField]
    const t = typeof date === 'number' ? date : now
    return { d, e, now, t, fx: fxOf(d, t), vars: new Map(), errors: 0 }
  }

  return { value, test, scope, inList, prefixes, words }
}
