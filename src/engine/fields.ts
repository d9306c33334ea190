// The field model the type checker navigates: built from the ParcelDeclaration Avro schema
// (read when a ruleset is compiled, so a schema change is picked up without code changes),
// from the enrichment field table in src/enrichment.ts and from the custom attributes the
// ruleset declares (`enrichment.seller.attributes.riskScore`).
//
// Avro → rule types: string → string (money when its doc says "decimal string"), enum →
// string with symbols, int/long/float/double → number, long timestamp-millis → timestamp,
// boolean → boolean, ["null", T] → optional T, record → record, array<string> → strings,
// array<record> → records (quantifiers only). Maps, bytes and fixed are not readable by rules.

import { enrichmentFields, enrichmentSymbols, type FieldType } from '../enrichment.ts'
import type { Type } from './ast.ts'

export type Shape =
  | { readonly kind: 'scalar', readonly type: Type }
  | { readonly kind: 'record', readonly name: string, readonly fields: ReadonlyMap<string, Shape> }
  | { readonly kind: 'array', readonly element: Shape }

/** Property names that must never be read, whatever a schema says. */
export const FORBIDDEN_NAMES = new Set([
  '__proto__', 'prototype', 'constructor',
  '__defineGetter__', '__defineSetter__', '__lookupGetter__', '__lookupSetter__'
])
const SAFE_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/

type AvroType = string | AvroType[] | { type: string, [key: string]: unknown }

export const declarationShape = (schema: unknown): Shape => {
  const named = new Map<string, Shape>()
  const convert = (t: AvroType, doc: string): Shape | null => {
    if (typeof t === 'string') {
      switch (t) {
        case 'string': return { kind: 'scalar', type: { kind: /decimal string/i.test(doc) ? 'money' : 'string' } }
        case 'int': case 'long': case 'float': case 'double': return { kind: 'scalar', type: { kind: 'number' } }
        case 'boolean': return { kind: 'scalar', type: { kind: 'boolean' } }
        default: return named.get(t) ?? named.get(t.split('.').pop() ?? '') ?? null
      }
    }
    if (Array.isArray(t)) {
      const rest = t.filter((x) => x !== 'null')
      return rest.length === 1 ? convert(rest[0] as AvroType, doc) : null
    }
    switch (t.type) {
      case 'record': {
        const fields = new Map<string, Shape>()
        const shape: Shape = { kind: 'record', name: String(t.name), fields }
        named.set(String(t.name), shape)
        for (const f of (t.fields as Array<{ name: string, type: AvroType, doc?: string }>)) {
          if (!SAFE_NAME.test(f.name) || FORBIDDEN_NAMES.has(f.name)) continue
          const s = convert(f.type, f.doc ?? '')
          if (s !== null) fields.set(f.name, s)
        }
        return shape
      }
      case 'enum': {
        const shape: Shape = { kind: 'scalar', type: { kind: 'string', symbols: t.symbols as string[] } }
        named.set(String(t.name), shape)
        return shape
      }
      case 'array': {
        const element = convert(t.items as AvroType, doc)
        return element === null ? null : { kind: 'array', element }
      }
      case 'long':
        if (t.logicalType === 'timestamp-millis') return { kind: 'scalar', type: { kind: 'timestamp' } }
        return convert('long', doc)
      default:
        return convert(t.type, doc)
    }
  }
  const root = convert(schema as AvroType, '')
  if (root === null || root.kind !== 'record') throw new TypeError('the declaration schema is not an Avro record')
  return root
}

/**
 * A declared custom attribute: `enrichment.{entity}.attributes.{name}` of that type; those of
 * the commodity code (entity `hsCode`) are read per item instead, as `item.attributes.{name}`.
 */
export interface AttributeField { readonly entity: string, readonly name: string, readonly type: FieldType }

/** The entity whose attributes belong to each item, by its commodity code. */
export const ITEM_ATTRIBUTE_ENTITY = 'hsCode'

/** The name of the record `item.attributes` stands for, so the checker knows a commodity attribute. */
export const COMMODITY_ATTRIBUTES = 'CommodityAttributes'

export const enrichmentShape = (attributes: readonly AttributeField[] = []): Shape => {
  const root = new Map<string, Shape>()
  const attributeFields = attributes
    .filter((a) => a.entity !== ITEM_ATTRIBUTE_ENTITY)
    .map((a): [string, FieldType] => [`${a.entity}.attributes.${a.name}`, a.type])
  const table: Array<[string, FieldType]> = [...Object.entries(enrichmentFields), ...attributeFields]
  for (const [path, kind] of table) {
    const parts = path.split('.')
    let fields = root
    for (const part of parts.slice(0, -1)) {
      let next = fields.get(part)
      if (next === undefined) {
        next = { kind: 'record', name: part, fields: new Map() }
        fields.set(part, next)
      }
      if (next.kind !== 'record') throw new TypeError(`enrichment field ${path} nests under a scalar`)
      fields = next.fields as Map<string, Shape>
    }
    const symbols = enrichmentSymbols[path]
    const type: Type = kind === 'string' && symbols !== undefined ? { kind, symbols } : { kind }
    fields.set(parts[parts.length - 1] as string, { kind: 'scalar', type })
  }
  return { kind: 'record', name: 'EnrichmentRecord', fields: root }
}

/**
 * The declaration's shape with `attributes` on each element of `items`: the declared
 * attributes of the item's commodity code. Unchanged when none is declared (or when the
 * schema's items already have a field of that name).
 */
export const withCommodityAttributes = (declaration: Shape, attributes: readonly AttributeField[]): Shape => {
  const declared = attributes.filter((a) => a.entity === ITEM_ATTRIBUTE_ENTITY)
  if (declared.length === 0 || declaration.kind !== 'record') return declaration
  const items = declaration.fields.get('items')
  if (items?.kind !== 'array' || items.element.kind !== 'record') return declaration
  if (items.element.fields.has('attributes')) return declaration
  const scalar = (a: AttributeField): Shape => ({ kind: 'scalar', type: { kind: a.type } })
  const fields = new Map<string, Shape>(declared.map((a): [string, Shape] => [a.name, scalar(a)]))
  const element: Shape = {
    kind: 'record',
    name: items.element.name,
    fields: new Map([...items.element.fields, ['attributes', { kind: 'record', name: COMMODITY_ATTRIBUTES, fields }]])
  }
  const root = new Map(declaration.fields)
  root.set('items', { kind: 'array', element })
  return { kind: 'record', name: declaration.name, fields: root }
}

export const typeOfShape = (shape: Shape): Type => {
  if (shape.kind === 'scalar') return shape.type
  if (shape.kind === 'array') {
    if (shape.element.kind === 'record') return { kind: 'records', element: shape.element.name }
    if (shape.element.kind === 'scalar' && shape.element.type.kind === 'string') return { kind: 'strings' }
  }
  return { kind: 'error' }
}

/** Edit distance, for "did you mean" hints. */
const distance = (a: string, b: string): number => {
  const row = Array.from({ length: b.length + 1 }, (_, j) => j)
  for (let i = 1; i <= a.length; i++) {
    let diag = row[0] as number
    row[0] = i
    for (let j = 1; j <= b.length; j++) {
      const up = row[j] as number
      const cost = a[i - 1]?.toLowerCase() === b[j - 1]?.toLowerCase() ? 0 : 1
      row[j] = Math.min(up + 1, (row[j - 1] as number) + 1, diag + cost)
      diag = up
    }
  }
  return row[b.length] as number
}

export const suggest = (name: string, candidates: Iterable<string>): string | undefined => {
  let best: string | undefined
  let bestDistance = Math.max(2, Math.floor(name.length / 3)) + 1
  for (const c of candidates) {
    const d = distance(name, c)
    if (d < bestDistance) {
      best = c
      bestDistance = d
    }
  }
  return best
}

/** A "did you mean `x`?" hint, or undefined when nothing is close. */
export const didYouMean = (name: string, candidates: Iterable<string>): string | undefined => {
  const s = suggest(name, candidates)
  return s === undefined ? undefined : `did you mean \`${s}\`?`
}
