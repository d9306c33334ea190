// Type checker for rule expressions. It resolves every field path against the declaration
// schema and the enrichment table, every `@list` against the ruleset's lists, every call
// against functions.ts, annotates each node with its type, and collects EVERY problem
// (with a "did you mean" hint where one helps) instead of stopping at the first.
// Names (field paths, variables, lists) resolve in check-names.ts; this file walks the tree
// and types the operators, calls and quantifiers.
import type { Node, NodeOf, Type } from './ast.ts'
import {
  BOOL, checkPath, ERROR, fail, listDef, NUM, show, STR, type Checker, type CheckEnv, type CheckProblem
} from './check-names.ts'
import { didYouMean, FORBIDDEN_NAMES } from './fields.ts'
import type { Shape } from './fields.ts'
import { functions } from './functions.ts'
import type { ArgKind } from './functions.ts'
import { checkRegex } from './regex.ts'

export interface CheckResult {
  readonly problems: CheckProblem[]
  readonly declarationPaths: Set<string>
  readonly enrichmentPaths: Set<string>
}

const RESERVED_VARIABLES = new Set(['declaration', 'enrichment', 'now'])

/**
 * The first enrichment field `node` reads other than through `exists()`, or null. Enrichment
 * values are missing when their data set is unknown; a comparison on them is then false, so a
 * `not` over one would be true: unknown would read as "looked up and not there".
 */
const enrichmentRead = (node: Node): NodeOf<'path'> | null => {
  switch (node.kind) {
    case 'path': return node.root === 'enrichment' || node.commodity !== undefined ? node : null
    case 'not': case 'neg': case 'convert': return enrichmentRead(node.operand)
    case 'logic': case 'compare': case 'arith': return enrichmentRead(node.left) ?? enrichmentRead(node.right)
    case 'in': return enrichmentRead(node.value)
    case 'lookup': return enrichmentRead(node.key)
    case 'call':
      return node.name === 'exists'
        ? null
        : node.args.reduce<NodeOf<'path'> | null>((found, a) => found ?? enrichmentRead(a), null)
    case 'quant':
      return enrichmentRead(node.source) ??
        (node.where === null ? null : enrichmentRead(node.where)) ??
        enrichmentRead(node.body)
    default: return null
  }
}

export const checkExpression = (root: Node, env: CheckEnv): CheckResult => {
  const cx: Checker = {
    env, problems: [], declarationPaths: new Set(), enrichmentPaths: new Set(), scope: new Map()
  }
  const t = check(cx, root)
  if (t.kind !== 'error' && t.kind !== 'boolean') {
    fail(cx, root.pos, 'type', `a rule condition must be true or false, found ${show(t)}`)
  }
  return { problems: cx.problems, declarationPaths: cx.declarationPaths, enrichmentPaths: cx.enrichmentPaths }
}

/** Annotates a node with its type. */
const check = (cx: Checker, n: Node): Type => {
  const t = checkNode(cx, n)
  n.type = t
  return t
}

const checkNode = (cx: Checker, n: Node): Type => {
  switch (n.kind) {
    case 'number': return NUM
    case 'string': return STR
    case 'bool': return BOOL
    case 'date': case 'now': return { kind: 'timestamp' }
    case 'path': return checkPath(cx, n)
    case 'listRef':
      return fail(cx, n.pos, 'type', 'a list can only be used after `in` or as a list argument',
        `e.g. \`originCountry in @${n.name}\``)
    case 'listLit': return checkListLiteral(cx, n)
    case 'lookup': return checkLookup(cx, n)
    case 'not': return checkNot(cx, n)
    case 'logic': return checkLogic(cx, n)
    case 'compare': return checkCompare(cx, n)
    case 'in': return checkIn(cx, n)
    case 'arith': return checkArith(cx, n)
    case 'neg': return checkNeg(cx, n)
    case 'convert': return checkConvert(cx, n)
    case 'call': return checkCall(cx, n)
    case 'quant': return checkQuant(cx, n)
  }
}

const checkListLiteral = (cx: Checker, n: NodeOf<'listLit'>): Type => {
  const strings = n.values.every((v) => typeof v === 'string')
  if (!strings && !n.values.every((v) => typeof v === 'number')) {
    return fail(cx, n.pos, 'type', 'a list literal holds only strings or only numbers')
  }
  return { kind: 'set', element: strings ? 'string' : 'number' }
}

const checkLookup = (cx: Checker, n: NodeOf<'lookup'>): Type => {
  const def = listDef(cx, n.list, n.pos)
  const k = check(cx, n.key)
  if (def === null || k.kind === 'error') return ERROR
  if (def.kind !== 'map') {
    return fail(cx, n.pos, 'type', `\`@${n.list}\` is a set; look-ups need a map`,
      `test membership with \`x in @${n.list}\``)
  }
  if (k.kind !== 'string') return fail(cx, n.key.pos, 'type', `map keys are strings, found ${show(k)}`)
  return def.valueType === 'number' ? NUM : STR
}

const checkNot = (cx: Checker, n: NodeOf<'not'>): Type => {
  const t = check(cx, n.operand)
  if (t.kind === 'error') return BOOL
  if (t.kind !== 'boolean') return fail(cx, n.pos, 'type', `\`not\` needs a condition, found ${show(t)}`)
  if (n.operand.kind === 'path') {
    return fail(cx, n.pos, 'type', '`not` on a field would count a missing value as false',
      `write \`${n.operand.segments.join('.')} == false\``)
  }
  const unknowable = enrichmentRead(n.operand)
  if (unknowable !== null) {
    return fail(cx, n.pos, 'type',
      `\`not\` over \`${unknowable.segments.join('.')}\` would count an unknown lookup ` +
      '(reference data not loaded, Redis down) as true',
      'write the condition positively, e.g. `enrichment.ioss.registered == false`, ' +
      'which holds only when the number was looked up and is absent')
  }
  return BOOL
}

const checkLogic = (cx: Checker, n: NodeOf<'logic'>): Type => {
  const l = check(cx, n.left)
  const r = check(cx, n.right)
  if (l.kind !== 'error' && l.kind !== 'boolean') {
    fail(cx, n.left.pos, 'type', `\`${n.op}\` needs conditions, found ${show(l)}`)
  }
  if (r.kind !== 'error' && r.kind !== 'boolean') {
    fail(cx, n.right.pos, 'type', `\`${n.op}\` needs conditions, found ${show(r)}`)
  }
  return BOOL
}

const checkIn = (cx: Checker, n: NodeOf<'in'>): Type => {
  const v = check(cx, n.value)
  let element: 'string' | 'number' | null = null
  if (n.set.kind === 'listRef') {
    const def = listDef(cx, n.set.name, n.set.pos)
    if (def !== null) {
      element = 'string'
      n.set.type = { kind: 'set', element }
    }
  } else {
    const s = check(cx, n.set)
    if (s.kind === 'set') element = s.element
  }
  if (v.kind === 'error' || element === null) return BOOL
  if (v.kind !== element) return fail(cx, n.pos, 'type', `cannot look for ${show(v)} in a list of ${element}s`)
  checkSymbols(cx, n.value, n.set)
  return BOOL
}

const checkNeg = (cx: Checker, n: NodeOf<'neg'>): Type => {
  const t = check(cx, n.operand)
  return t.kind === 'error' || t.kind === 'number' || t.kind === 'money'
    ? t
    : fail(cx, n.pos, 'type', `cannot negate ${show(t)}`)
}

const checkConvert = (cx: Checker, n: NodeOf<'convert'>): Type => {
  const t = check(cx, n.operand)
  if (cx.env.fx === null) {
    return fail(cx, n.pos, 'unknown-list', '`in EUR` needs an FX table: name it with `fx:` in ruleset.yaml')
  }
  if (t.kind === 'error') return ERROR
  return t.kind === 'money' ? NUM : fail(cx, n.pos, 'type', `only money amounts convert, found ${show(t)}`)
}

const checkArg = (cx: Checker, arg: Node, kind: ArgKind, fn: string, index: number): Type => {
  const where = `argument ${index + 1} of ${fn}()`
  if (kind === 'literal') {
    if (arg.kind !== 'string') return fail(cx, arg.pos, 'type', `${where} must be a string literal ("…")`)
    if (fn === 'matches') {
      const r = checkRegex(arg.value)
      if (!r.ok) {
        return fail(cx, arg.pos, 'regex',
          `regular expression refused at character ${r.offset + 1} of the pattern: ${r.message}`)
      }
    }
    return (arg.type = STR)
  }
  if (kind === 'path') {
    if (arg.kind !== 'path') return fail(cx, arg.pos, 'type', `${where} must be a field path`)
    return (arg.type = checkPath(cx, arg))
  }
  if (kind === 'wordOrList' || kind === 'prefixList') {
    if (arg.kind === 'listRef') {
      const def = listDef(cx, arg.name, arg.pos)
      if (def === null) return ERROR
      if (def.kind !== 'set') return fail(cx, arg.pos, 'type', `${where} must be a set list; \`@${arg.name}\` is a map`)
      if (def.dated) {
        return fail(cx, arg.pos, 'type', `\`@${arg.name}\` has dated entries, which only \`in\` supports`)
      }
      return (arg.type = { kind: 'set', element: 'string' })
    }
    if (kind === 'wordOrList' && arg.kind === 'string') return (arg.type = STR)
    if (kind === 'prefixList' && arg.kind === 'listLit') return check(cx, arg)
    const literal = kind === 'wordOrList' ? 'a string literal or ' : 'a list literal or '
    return fail(cx, arg.pos, 'type', `${where} must be ${literal}a list (\`@name\`)`)
  }
  const t = check(cx, arg)
  if (t.kind === 'error') return t
  const ok = kind === 'sized' ? ['string', 'strings', 'records'].includes(t.kind)
    : kind === 'numeric' ? t.kind === 'number' || t.kind === 'money'
      : t.kind === kind
  if (ok) return t
  const wanted = kind === 'sized' ? 'a string or a list field' : kind
  return fail(cx, arg.pos, 'type', `${where} must be ${wanted}, found ${show(t)}`,
    t.kind === 'money' && kind === 'number' ? 'convert money first: `(x in EUR)`' : undefined)
}

const checkCall = (cx: Checker, n: NodeOf<'call'>): Type => {
  const sig = functions.get(n.name)
  if (sig === undefined || FORBIDDEN_NAMES.has(n.name)) {
    for (const a of n.args) check(cx, a)
    return fail(cx, n.pos, 'unknown-function', `unknown function \`${n.name}\``, didYouMean(n.name, functions.keys()))
  }
  if (n.args.length !== sig.args.length) {
    for (const a of n.args) check(cx, a)
    const expected = `${sig.args.length} argument${sig.args.length === 1 ? '' : 's'}`
    return fail(cx, n.pos, 'arity', `${n.name}() takes ${expected}, found ${n.args.length}`, sig.doc)
  }
  const types = n.args.map((a, i) => checkArg(cx, a, sig.args[i] as ArgKind, n.name, i))
  if (types.some((t) => t.kind === 'error')) return ERROR
  if (sig.result === 'numericOfArg') {
    if (types.length === 2 && types[0]?.kind !== types[1]?.kind) {
      return fail(cx, n.pos, 'type', `${n.name}() needs two numbers or two money amounts, ` +
        `found ${show(types[0] as Type)} and ${show(types[1] as Type)}`)
    }
    return types[0] as Type
  }
  return sig.result === 'boolean' ? BOOL : sig.result === 'number' ? NUM : STR
}

const checkSymbols = (cx: Checker, a: Node, b: Node): void => {
  // Comparing an enumeration with a string literal it can never equal is a typo.
  const at = a.type
  if (at?.kind !== 'string' || at.symbols === undefined) return
  const values = b.kind === 'string'
    ? [b.value]
    : b.kind === 'listLit' ? b.values.filter((v) => typeof v === 'string') : []
  for (const v of values) {
    if (!at.symbols.includes(v)) {
      fail(cx, b.pos, 'type', `"${v}" is not a value of this field (${at.symbols.join(', ')})`,
        didYouMean(v, at.symbols))
    }
  }
}

const checkCompare = (cx: Checker, n: NodeOf<'compare'>): Type => {
  const l = check(cx, n.left)
  const r = check(cx, n.right)
  if (l.kind === 'error' || r.kind === 'error') return BOOL
  const ordered = n.op !== '==' && n.op !== '!='
  if (l.kind !== r.kind) {
    const hint = l.kind === 'money' || r.kind === 'money' ? 'convert the amount first: `totalValue in EUR`' : undefined
    return fail(cx, n.pos, 'type', `cannot compare ${show(l)} with ${show(r)}`, hint)
  }
  if (!['string', 'number', 'money', 'boolean', 'timestamp'].includes(l.kind)) {
    return fail(cx, n.pos, 'type', `cannot compare ${show(l)} values`)
  }
  if (ordered && (l.kind === 'string' || l.kind === 'boolean')) {
    return fail(cx, n.pos, 'type', `\`${n.op}\` needs numbers, amounts or dates, found ${show(l)}`)
  }
  checkSymbols(cx, n.left, n.right)
  checkSymbols(cx, n.right, n.left)
  return BOOL
}

const checkArith = (cx: Checker, n: NodeOf<'arith'>): Type => {
  const l = check(cx, n.left)
  const r = check(cx, n.right)
  if (l.kind === 'error' || r.kind === 'error') return ERROR
  const k = `${l.kind} ${n.op} ${r.kind}`
  switch (k) {
    case 'number + number': case 'number - number': case 'number * number': case 'number / number':
    case 'money / money':
      return NUM
    case 'money + money': case 'money - money': case 'money * number': case 'number * money': case 'money / number':
      return { kind: 'money' }
  }
  const hint = l.kind === 'money' || r.kind === 'money'
    ? 'amounts combine with amounts; convert with `in EUR` to mix with numbers'
    : undefined
  return fail(cx, n.pos, 'type', `cannot apply \`${n.op}\` to ${show(l)} and ${show(r)}`, hint)
}

const checkQuant = (cx: Checker, n: NodeOf<'quant'>): Type => {
  const { env, scope } = cx
  const src = check(cx, n.source)
  if (scope.has(n.variable) || RESERVED_VARIABLES.has(n.variable) || FORBIDDEN_NAMES.has(n.variable) ||
    (env.declaration.kind === 'record' && env.declaration.fields.has(n.variable))) {
    return fail(cx, n.pos, 'type', `\`${n.variable}\` is already a name here; pick another variable name`)
  }
  if (src.kind === 'error') return ERROR
  if (src.kind !== 'records' && src.kind !== 'strings') {
    return fail(cx, n.source.pos, 'type', `\`${n.quantifier}\` needs a list field, found ${show(src)}`)
  }
  const element: Shape = src.kind === 'strings' ? { kind: 'scalar', type: STR } : elementShape(cx, n.source)
  scope.set(n.variable, element)
  try {
    if (n.where !== null) {
      const w = check(cx, n.where)
      if (w.kind !== 'error' && w.kind !== 'boolean') {
        fail(cx, n.where.pos, 'type', `\`where\` needs a condition, found ${show(w)}`)
      }
    }
    const b = check(cx, n.body)
    if (b.kind === 'error') return n.quantifier === 'sum' ? ERROR : n.quantifier === 'count' ? NUM : BOOL
    if (n.quantifier === 'sum') {
      return b.kind === 'number' || b.kind === 'money'
        ? b
        : fail(cx, n.body.pos, 'type', `\`sum\` adds numbers or amounts, found ${show(b)}`)
    }
    if (b.kind !== 'boolean') {
      fail(cx, n.body.pos, 'type', `\`${n.quantifier}\` needs a condition after \`:\`, found ${show(b)}`)
    }
    return n.quantifier === 'count' ? NUM : BOOL
  } finally {
    scope.delete(n.variable)
  }
}

const elementShape = (cx: Checker, source: Node): Shape => {
  // Re-walk the checked path to the array's element shape.
  if (source.kind !== 'path' || source.field === undefined) return { kind: 'scalar', type: ERROR }
  let shape: Shape = source.root === 'variable' ? cx.scope.get(source.segments[0] as string) as Shape
    : source.root === 'enrichment' ? cx.env.enrichment : cx.env.declaration
  for (const seg of source.field) shape = shape.kind === 'record' ? shape.fields.get(seg) as Shape : shape
  return shape.kind === 'array' ? shape.element : shape
}
