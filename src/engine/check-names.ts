// The type checker's names (check.ts runs the expression through them): what one check of an
// expression carries and collects (Checker), field paths resolved against the declaration and
// enrichment shapes or a quantifier variable's element, `@list` names against the ruleset's
// lists, and how a problem is recorded, with a "did you mean" hint where one helps.
import type { NodeOf, Type } from './ast.ts'
import { COMMODITY_ATTRIBUTES, didYouMean, FORBIDDEN_NAMES, ITEM_ATTRIBUTE_ENTITY, typeOfShape } from './fields.ts'
import type { Shape } from './fields.ts'
import type { Pos } from './lex.ts'
import type { DiagnosticCode } from './ruleset.ts'

export interface ListDef {
  readonly name: string
  readonly kind: 'set' | 'map'
  /** For maps: the type of the values. */
  readonly valueType: 'number' | 'string'
  /** Some entries carry their own effective dates (only `in` supports that). */
  readonly dated: boolean
}

export interface CheckEnv {
  readonly declaration: Shape
  readonly enrichment: Shape
  readonly lists: ReadonlyMap<string, ListDef>
  /** The map list used by `in EUR`, if the manifest names one. */
  readonly fx: string | null
}

export interface CheckProblem {
  readonly pos: Pos
  readonly code: DiagnosticCode
  readonly message: string
  readonly hint?: string
}

export const ERROR: Type = { kind: 'error' }
export const BOOL: Type = { kind: 'boolean' }
export const NUM: Type = { kind: 'number' }
export const STR: Type = { kind: 'string' }

export const show = (t: Type): string =>
  t.kind === 'records' ? `list of ${t.element}` : t.kind === 'set' ? `list of ${t.element}s` : t.kind

/** What one expression's check collects; every step, here and in check.ts, reads and adds to it. */
export interface Checker {
  readonly env: CheckEnv
  readonly problems: CheckProblem[]
  readonly declarationPaths: Set<string>
  readonly enrichmentPaths: Set<string>
  /** Quantifier variables in scope, with the shape of the element each stands for. */
  readonly scope: Map<string, Shape>
}

export const fail = (cx: Checker, pos: Pos, code: DiagnosticCode, message: string, hint?: string): Type => {
  cx.problems.push(hint === undefined ? { pos, code, message } : { pos, code, message, hint })
  return ERROR
}

const fieldNames = (shape: Shape): string[] => shape.kind === 'record' ? [...shape.fields.keys()] : []

/** Resolves a field path: a quantifier variable, `enrichment.…`, `declaration.…` or a declaration field. */
export const checkPath = (cx: Checker, n: NodeOf<'path'>): Type => {
  const { env, scope } = cx
  const [first] = n.segments
  let shape: Shape
  let start: number
  if (first !== undefined && scope.has(first)) {
    shape = scope.get(first) as Shape
    start = 1
    n.root = 'variable'
  } else if (first === 'enrichment') {
    shape = env.enrichment
    start = 1
    n.root = 'enrichment'
  } else if (first === 'declaration') {
    shape = env.declaration
    start = 1
    n.root = 'declaration'
  } else {
    shape = env.declaration
    start = 0
    n.root = 'declaration'
  }
  if (start === n.segments.length && n.root === 'variable' && shape.kind === 'scalar') {
    n.field = []
    return shape.type
  }
  if (start === n.segments.length) {
    const examples = fieldNames(shape).slice(0, 3).map((f) => `${first ?? ''}.${f}`).join(', ')
    return fail(cx, n.pos, 'type', `\`${first ?? ''}\` is a whole record; name one of its fields`, `e.g. ${examples}`)
  }
  for (let i = start; i < n.segments.length; i++) {
    const seg = n.segments[i] as string
    const pos = n.segmentPos[i] as Pos
    if (FORBIDDEN_NAMES.has(seg)) return fail(cx, pos, 'forbidden', `\`${seg}\` cannot be read in rules`)
    if (shape.kind !== 'record') return fail(cx, pos, 'type', `\`${n.segments.slice(0, i).join('.')}\` has no fields`)
    const next = shape.fields.get(seg)
    if (next === undefined) {
      const where = i === 0 ? 'the declaration' : `\`${n.segments.slice(0, i).join('.')}\``
      const hint = didYouMean(seg, i === 0 ? [...fieldNames(shape), ...scope.keys(), 'enrichment'] : fieldNames(shape))
      return fail(cx, pos, 'unknown-field', `unknown field \`${seg}\` in ${where}`, hint)
    }
    shape = next
  }
  const field = n.segments.slice(start)
  n.field = field
  if (n.root === 'declaration') cx.declarationPaths.add(field.join('.'))
  if (n.root === 'enrichment') cx.enrichmentPaths.add(field.join('.'))
  if (n.root === 'variable') markCommodity(cx, n, field)
  const t = typeOfShape(shape)
  if (t.kind === 'error') {
    if (shape.kind === 'record') {
      return fail(cx, n.pos, 'type', `\`${n.segments.join('.')}\` is a record; name one of its fields`,
        `fields: ${fieldNames(shape).join(', ')}`)
    }
    return fail(cx, n.pos, 'type', `\`${n.segments.join('.')}\` cannot be used in rules`)
  }
  return t
}

/**
 * `item.attributes.{name}` on an element of `items`: an attribute of the item's commodity
 * code, which the enrichment stage fetches (`hsCode.attributes.{name}`).
 */
export const markCommodity = (cx: Checker, n: NodeOf<'path'>, field: readonly string[]): void => {
  if (field.length !== 2 || field[0] !== 'attributes') return
  const element = cx.scope.get(n.segments[0] as string)
  const attributes = element?.kind === 'record' ? element.fields.get('attributes') : undefined
  if (attributes?.kind !== 'record' || attributes.name !== COMMODITY_ATTRIBUTES) return
  n.commodity = field[1] as string
  cx.enrichmentPaths.add(`${ITEM_ATTRIBUTE_ENTITY}.attributes.${n.commodity}`)
}

export const listDef = (cx: Checker, name: string, pos: Pos): ListDef | null => {
  if (FORBIDDEN_NAMES.has(name)) {
    fail(cx, pos, 'forbidden', `\`@${name}\` is not a valid list name`)
    return null
  }
  const def = cx.env.lists.get(name)
  if (def === undefined) {
    fail(cx, pos, 'unknown-list', `unknown list \`@${name}\``, didYouMean(name, cx.env.lists.keys()))
    return null
  }
  return def
}
