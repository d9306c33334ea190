// Code generation for one checked expression. Only the checked tree reaches here, and only
// these things of analyst origin become source text: numbers (checked finite), strings and
// names through `literal()` (JSON.stringify), and field names that the checker resolved
// against the schema (re-asserted below). Lists, regexes and prepared word/prefix sets are
// constants `K<n>` handed to the generated module as data.
//
// Missing values (rules/README.md §5): value emitters may yield undefined; condition
// emitters always yield true/false, and when a comparison meets a missing value they yield
// false and OR the origin into `m` (1 = declaration, 2 = enrichment).
//
// Every field read is captured as it is evaluated (`(C[c++] = site, C[c++] = index…, value)`,
// the quantifier indexes that locate it), so a rule that fires has the values it read without
// being run again; codegen.ts drops what a rule that did not fire captured. A capture holds
// only small integers (where the value is, not the value): storing the values themselves
// made scoring about a fifth slower, for the write barrier on every pointer stored.

import type { Node, NodeOf } from './ast.ts'
import { FORBIDDEN_NAMES } from './fields.ts'

/** Prepared data the generated code refers to by name (`K3`); each is made once. */
export interface Constants {
  /** A named list as a Set (sets), Map (maps) or dated set; `dated` picks the membership test. */
  readonly list: (name: string) => { readonly ref: string, readonly dated: boolean }
  readonly literalSet: (values: ReadonlyArray<string | number>) => string
  readonly prefixes: (source: { readonly list: string } | { readonly values: readonly string[] }) => string
  readonly words: (source: { readonly list: string } | { readonly values: readonly string[] }) => string
  readonly regex: (pattern: string) => string
}

/**
 * A quantifier variable: its JS name, its index's, and its display name as a JS expression
 * over `indexes` (the index variables of it and of the variables it is drawn from).
 */
export interface Variable {
  readonly js: string
  readonly index: string
  readonly display: string
  readonly indexes: readonly string[]
  /** Statements that bind this variable (and those it is drawn from) again from `indexes`. */
  readonly chain: readonly string[]
}

/** Where a value is read again from, after the run: the access and the variables it needs. */
export interface Read { readonly code: string, readonly chain: readonly string[] }

/** Places where a value is read; a capture names its site, which knows how to name the value. */
export interface Sites {
  /**
   * `display` is a JS expression over `indexes`; `read` says how to read the value again
   * (null for a count or sum, whose capture carries its value). Returns the site number.
   */
  readonly add: (display: string, indexes: readonly string[], timestamp: boolean, read: Read | null) => number
}

export interface Scope {
  readonly consts: Constants
  readonly sites: Sites
  /** False where a read is not a value the rule compared (the array a quantifier walks). */
  readonly capturing: boolean
  readonly temps: string[]
  readonly vars: ReadonlyMap<string, Variable>
  /** Root-level field reads hoisted to locals (run mode, outside quantifiers), else null. */
  readonly hoist: Map<string, { readonly name: string, readonly code: string }> | null
  /** Emits a quantifier helper function and returns the call expression. */
  readonly quantifier: (n: NodeOf<'quant'>, scope: Scope) => string
  /**
   * Set for a rule whose reads are known when it fires (codegen.ts `readsAllWhenFired`): its
   * reads are listed here, in the order they run, instead of captured as they run.
   */
  readonly reads?: number[]
}

export interface Value { readonly code: string, readonly nullable: boolean }

const IDENT = /^[A-Za-z_][A-Za-z0-9_]*$/
const SIMPLE = /^(?:[A-Za-z_][A-Za-z0-9_]*|-?\d+(?:\.\d+)?(?:e[+-]?\d+)?|"(?:[^"\\]|\\.)*")$/

/** A JS literal for a string or number of analyst origin. */
export const literal = (v: string | number | boolean): string => {
  if (typeof v === 'number') {
    if (!Number.isFinite(v)) throw new RangeError(`not a finite number: ${v}`)
    return Object.is(v, -0) ? '0' : String(v)
  }
  return JSON.stringify(v).replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029')
}

export const fieldName = (name: string): string => {
  if (!IDENT.test(name) || FORBIDDEN_NAMES.has(name)) {
    throw new TypeError(`refusing to emit field name ${JSON.stringify(name)}`)
  }
  return name
}

/**
 * Which sources a subtree reads: 1 declaration (or a quantifier variable), 2 enrichment (also
 * an item's commodity attributes).
 */
export const origin = (n: Node): number => {
  switch (n.kind) {
    case 'path': return n.root === 'enrichment' || n.commodity !== undefined ? 2 : 1
    case 'lookup': return origin(n.key)
    case 'not': case 'neg': case 'convert': return origin(n.operand)
    case 'logic': case 'compare': case 'arith': return origin(n.left) | origin(n.right)
    case 'in': return origin(n.value)
    case 'call': return n.args.reduce((f, a) => f | origin(a), 0)
    case 'quant': return origin(n.source) | origin(n.body) | (n.where === null ? 0 : origin(n.where))
    default: return 0
  }
}

const tmp = (s: Scope): string => {
  const name = `t${s.temps.length}`
  s.temps.push(name)
  return name
}

/** Binds a value to a name once: simple expressions are used as they are. */
const bind = (v: Value, s: Scope): { name: string, init: string } => {
  if (SIMPLE.test(v.code)) return { name: v.code, init: v.code }
  const t = tmp(s)
  return { name: t, init: `(${t} = ${v.code})` }
}

/** `guarded(…)`: evaluates `whenPresent` only when every nullable operand is present. */
const guarded = (vals: Value[], s: Scope, whenPresent: (names: string[]) => string, whenMissing: string): string => {
  const bound = vals.map((v) => ({ v, b: bind(v, s) }))
  const checks = bound.filter((x) => x.v.nullable).map((x) => `${x.b.init} != null`)
  // Non-nullable operands still need their temp assigned before use.
  const inits = bound.filter((x) => !x.v.nullable && x.b.init !== x.b.name).map((x) => `(${x.b.init}, true)`)
  const conds = [...checks, ...inits]
  const body = whenPresent(bound.map((x) => x.b.name))
  return conds.length === 0 ? `(${body})` : `(${conds.join(' && ')} ? ${body} : ${whenMissing})`
}

/**
 * A captured read: records the site and the indexes that locate the value, then yields it.
 * Written out at the site, not as a helper call: run() reads dozens of fields, and past V8's
 * inlining budget for one function each helper call stays a call.
 */
const capture = (
  s: Scope, display: string, indexes: readonly string[], timestamp: boolean, code: string, read: Read
): string => {
  const site = s.sites.add(display, indexes, timestamp, read)
  if (s.reads !== undefined) {
    s.reads.push(site)
    return code
  }
  return `(C[c++] = ${site}, ${indexes.map((i) => `C[c++] = ${i}, `).join('')}${code})`
}

/**
 * A value worked out from a root read once per declaration (`totalValue in EUR`): hoisted
 * beside the read's own local, so ten rules converting the same amount convert it once.
 */
export interface Derived { readonly key: string, readonly code: (local: string) => string }

export const access = (n: NodeOf<'path'>, s: Scope, derived?: Derived): string => {
  const field = (n.field ?? []).map(fieldName)
  let base: string
  let display: string
  let indexes: readonly string[] = []
  let chain: readonly string[] = []
  if (n.root === 'variable') {
    const v = s.vars.get(n.segments[0] as string)
    if (v === undefined) throw new TypeError('unbound variable in checked tree')
    base = v.js
    display = `${v.display} + ${literal(field.length === 0 ? '' : '.' + field.join('.'))}`
    indexes = v.indexes
    chain = v.chain
  } else {
    base = n.root === 'enrichment' ? 'e' : 'd'
    display = literal((n.root === 'enrichment' ? 'enrichment.' : '') + field.join('.'))
  }
  let code = base + field.map((f, i) => (i === 0 && base === 'd' ? '.' : '?.') + f).join('')
  if (field.length === 0) code = base
  // An item's commodity attribute: the enrichment's attributes of the item's code.
  if (n.commodity !== undefined) code = `e?.hsCodes?.[${base}.hsCode]?.${fieldName(n.commodity)}`
  const timestamp = n.type?.kind === 'timestamp'
  const wrap = converter(n, field)
  if (!s.capturing) return wrap(code)
  const read: Read = { code, chain }
  if (s.hoist !== null && n.root !== 'variable') {
    // Root reads are hoisted to locals read once per declaration; the site only records itself.
    const key = `${base}:${field.join('.')}`
    let local = s.hoist.get(key)
    if (local === undefined) {
      local = { name: `${base === 'd' ? 'f' : 'g'}${s.hoist.size}`, code: wrap(code) }
      s.hoist.set(key, local)
    }
    if (derived !== undefined) {
      const derivedKey = `${key}|${derived.key}`
      let value = s.hoist.get(derivedKey)
      if (value === undefined) {
        value = { name: `h${s.hoist.size}`, code: derived.code(local.name) }
        s.hoist.set(derivedKey, value)
      }
      return capture(s, display, indexes, timestamp, value.name, read)
    }
    return capture(s, display, indexes, timestamp, local.name, read)
  }
  return capture(s, display, indexes, timestamp, wrap(code), read)
}

/**
 * Money is a decimal string read as a number; a custom attribute (`enrichment.seller.attributes.x`,
 * `item.attributes.x`) is stored as text and read as its declared type (text that is not one is
 * a missing value).
 */
const converter = (n: NodeOf<'path'>, field: readonly string[]): (code: string) => string => {
  const kind = n.type?.kind
  if (kind === 'money') return (code) => `num(${code})`
  const attribute = n.commodity !== undefined ||
    (n.root === 'enrichment' && field.length === 3 && field[1] === 'attributes')
  if (!attribute) return (code) => code
  if (kind === 'number' || kind === 'timestamp') return (code) => `num(${code})`
  if (kind === 'boolean') return (code) => `flag(${code})`
  return (code) => code
}

export const value = (n: Node, s: Scope): Value => {
  switch (n.kind) {
    case 'number': return { code: literal(n.value), nullable: false }
    case 'string': return { code: literal(n.value), nullable: false }
    case 'bool': return { code: literal(n.value), nullable: false }
    case 'date': return { code: literal(n.value), nullable: false }
    case 'now': return { code: 'now', nullable: false }
    case 'path': return { code: access(n, s), nullable: true }
    case 'lookup': {
      const table = s.consts.list(n.list).ref
      const key = value(n.key, s)
      return { code: guarded([key], s, ([k]) => `${table}.get(${k as string})`, 'undefined'), nullable: true }
    }
    case 'arith': {
      const l = value(n.left, s)
      const r = value(n.right, s)
      const op = (a: string, b: string): string => n.op === '/' ? `div(${a}, ${b})` : `${a} ${n.op} ${b}`
      if (!l.nullable && !r.nullable) return { code: `(${op(l.code, r.code)})`, nullable: false }
      return { code: guarded([l, r], s, ([a, b]) => op(a as string, b as string), 'undefined'), nullable: true }
    }
    case 'neg': {
      const v = value(n.operand, s)
      return v.nullable
        ? { code: guarded([v], s, ([a]) => `-${a as string}`, 'undefined'), nullable: true }
        : { code: `(-${v.code})`, nullable: false }
    }
    case 'convert': {
      // A root amount (not a quantifier variable's) converts once per declaration.
      if (n.operand.kind === 'path' && n.operand.root !== 'variable' && s.hoist !== null && s.capturing) {
        return { code: access(n.operand, s, TO_EUR), nullable: true }
      }
      const v = value(n.operand, s)
      const converted = ([a]: string[]): string => `fx !== undefined ? toEur(${a as string}, fx) : undefined`
      return { code: guarded([v], s, converted, 'undefined'), nullable: true }
    }
    case 'call': return call(n, s)
    case 'quant':
      if (n.quantifier === 'count' || n.quantifier === 'sum') return { code: s.quantifier(n, s), nullable: true }
      return { code: condition(n, s), nullable: false }
    default: return { code: condition(n, s), nullable: false }
  }
}

const TO_EUR: Derived = { key: 'EUR', code: (x) => `${x} != null && fx !== undefined ? toEur(${x}, fx) : undefined` }

const call = (n: NodeOf<'call'>, s: Scope): Value => {
  const args = n.args
  const one = (f: (a: string) => string): Value => {
    const v = value(args[0] as Node, s)
    return { code: guarded([v], s, ([a]) => f(a as string), 'undefined'), nullable: true }
  }
  switch (n.name) {
    case 'lower': return one((a) => `${a}.toLowerCase()`)
    case 'upper': return one((a) => `${a}.toUpperCase()`)
    case 'length': return one((a) => `${a}.length`)
    case 'daysSince': return one((a) => `(now - ${a}) / 86400000`)
    case 'abs': return one((a) => `abs(${a})`)
    case 'left': case 'min': case 'max': {
      const vals = [value(args[0] as Node, s), value(args[1] as Node, s)]
      const f = n.name === 'left'
        ? ([a, b]: string[]) => `${a as string}.slice(0, ${b as string})`
        : ([a, b]: string[]) => `${n.name}(${a as string}, ${b as string})`
      return { code: guarded(vals, s, f, 'undefined'), nullable: vals.some((v) => v.nullable) }
    }
    default: return { code: condition(n, s), nullable: false }
  }
}

const miss = (n: Node): string => `(m |= ${origin(n) || 1}, false)`

const setTest = (n: NodeOf<'in'>, s: Scope, v: string): string => {
  const set = n.set
  if (set.kind === 'listLit') {
    if (set.values.length <= 4) {
      return set.values.length === 0 ? 'false' : `(${set.values.map((x) => `${v} === ${literal(x)}`).join(' || ')})`
    }
    return `${s.consts.literalSet(set.values)}.has(${v})`
  }
  if (set.kind !== 'listRef') throw new TypeError('unchecked set operand')
  const list = s.consts.list(set.name)
  return list.dated ? `inDatedSet(${list.ref}, ${v}, t)` : `${list.ref}.has(${v})`
}

export const condition = (n: Node, s: Scope): string => {
  switch (n.kind) {
    case 'bool': return literal(n.value)
    case 'path':
      return guarded([{ code: access(n, s), nullable: true }], s, ([a]) => `${a as string} === true`, miss(n))
    case 'not': return `!${condition(n.operand, s)}`
    case 'logic': return `(${condition(n.left, s)} ${n.op === 'and' ? '&&' : '||'} ${condition(n.right, s)})`
    case 'compare': {
      const op = n.op === '==' ? '===' : n.op === '!=' ? '!==' : n.op
      const compared = ([a, b]: string[]): string => `${a as string} ${op} ${b as string}`
      return guarded([value(n.left, s), value(n.right, s)], s, compared, miss(n))
    }
    case 'in':
      return guarded([value(n.value, s)], s, ([v]) => (n.negated ? '!' : '') + setTest(n, s, v as string), miss(n))
    case 'quant': return s.quantifier(n, s)
    case 'call': return callCondition(n, s)
    default: throw new TypeError(`not a condition: ${n.kind}`)
  }
}

const callCondition = (n: NodeOf<'call'>, s: Scope): string => {
  const [a0, a1] = n.args as [Node, Node | undefined]
  if (n.name === 'exists') return `(${value(a0, s).code} != null)`
  const subject = value(a0, s)
  const test = (f: (a: string) => string): string => guarded([subject], s, ([a]) => f(a as string), miss(n))
  const lit = a1 !== undefined && a1.kind === 'string' ? a1.value : ''
  switch (n.name) {
    case 'contains': return test((a) => `${a}.includes(${literal(lit)})`)
    case 'startsWith': return test((a) => `${a}.startsWith(${literal(lit)})`)
    case 'matches': return test((a) => `matchesBounded(${s.consts.regex(lit)}, ${a})`)
    case 'startsWithAny': {
      const prefixes = a1?.kind === 'listRef'
        ? { list: a1.name }
        : { values: a1?.kind === 'listLit' ? a1.values.map(String) : [] }
      const c = s.consts.prefixes(prefixes)
      return test((a) => `startsWithAny(${c}, ${a})`)
    }
    case 'containsWord': {
      const c = s.consts.words(a1?.kind === 'listRef' ? { list: a1.name } : { values: [lit] })
      return test((a) => `containsWord(${c}, ${a})`)
    }
    default: throw new TypeError(`not a condition function: ${n.name}`)
  }
}
