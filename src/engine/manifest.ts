// The ruleset's manifest, ruleset.yaml (rules/README.md §2): its shape (id, version, dates,
// FX tables, bands, fallback and error actions, random selection, custom profile attributes,
// lane capacity) and its reader, which reports every structural problem with its position
// through the typed readers of files.ts.

import type { Band, CapacityPolicy } from '../actions.ts'
import type { Action } from '../declaration.ts'
import { readCapacity } from './capacity.ts'
import { didYouMean, FORBIDDEN_NAMES, suggest } from './fields.ts'
import { ID_PATTERN, LIST_NAME, reader, type Fields } from './files.ts'
import type { Pos } from './lex.ts'
import { entries, items, posOf, scalar, unknownKeys } from './yaml-source.ts'
import type { Problems, YamlFile } from './yaml-source.ts'

export interface Manifest {
  readonly id: string
  readonly version: string
  readonly jurisdiction: string
  readonly description: string
  readonly effectiveFromMs: number | null
  readonly effectiveToMs: number | null
  /**
   * FX tables by date, oldest first: `fx: name` is one table in force throughout;
   * `fx: [{ table, effectiveFrom }, …]` gives each table from its date (inclusive) until the
   * next one's, so an amount converts at the rate of the declaration's date.
   */
  readonly fx: ReadonlyArray<{ readonly name: string, readonly fromMs: number | null, readonly pos: Pos }>
  readonly dateField: string
  readonly bands: readonly Band[]
  readonly fallbackAction: Action
  readonly errorAction: Action
  readonly randomSelection: { readonly rate: number, readonly seed: string, readonly action: Action } | null
  /** Custom profile attributes: `enrichment.{entity}.attributes.{name}`, per item `item.attributes.{name}`. */
  readonly attributes: readonly AttributeDef[]
  /** Seats per window of the inspection lanes (capacity.ts); null: no lane is limited. */
  readonly capacity: CapacityPolicy | null
}

/**
 * One declared custom attribute of a profile: a seller, a consignee, a commodity code (read
 * per item as `item.attributes.{name}`) or a route (dispatch country → destination).
 */
export interface AttributeDef {
  readonly entity: AttributeEntity
  readonly name: string
  readonly type: AttributeType
  readonly pos: Pos
}

export type AttributeEntity = 'seller' | 'consignee' | 'hsCode' | 'route'
export type AttributeType = 'number' | 'string' | 'boolean' | 'timestamp'
export const ATTRIBUTE_ENTITIES: readonly AttributeEntity[] = ['seller', 'consignee', 'hsCode', 'route']
export const ATTRIBUTE_TYPES: readonly AttributeType[] = ['number', 'string', 'boolean', 'timestamp']
/** Attribute names: identifiers, and none that an object has already (the record has no prototype, but be plain). */
export const ATTRIBUTE_NAME = /^[A-Za-z][A-Za-z0-9_]{0,63}$/

export const MANIFEST_KEYS = [
  'id', 'version', 'jurisdiction', 'description', 'effectiveFrom', 'effectiveTo', 'fx', 'dateField', 'bands',
  'fallbackAction', 'errorAction', 'randomSelection', 'attributes', 'capacity'
]

export const readManifest = (file: YamlFile, problems: Problems): Manifest | null => {
  const fields = entries(file.root)
  if (fields === null) {
    problems.add(file.path, posOf(file, file.root), 'structure', 'ruleset.yaml must be a map (id, version, bands, …)')
    return null
  }
  unknownKeys(file, fields, MANIFEST_KEYS, 'ruleset.yaml', problems, suggest)
  const r = reader(file, fields, 'ruleset.yaml', problems)
  const bands: Band[] = []
  const bandNodes = items(fields.get('bands')?.value)
  if (bandNodes === null || bandNodes.length === 0) {
    problems.add(file.path, r.at('bands'), 'structure',
      'ruleset.yaml needs `bands`: a list of { min, action }, the first with min 0')
  }
  for (const b of bandNodes ?? []) {
    const bf = entries(b)
    if (bf === null) {
      problems.add(file.path, posOf(file, b), 'structure', 'a band is { min, action }')
      continue
    }
    const br = reader(file, bf, 'a band', problems)
    const min = br.num('min', true, 0, 100)
    const action = br.action('action', true)
    if (bands.length === 0 && min !== 0) {
      problems.add(file.path, br.at('min'), 'structure', 'the first band must start at min 0')
    }
    if (bands.length > 0 && min <= (bands[bands.length - 1] as Band).min) {
      problems.add(file.path, br.at('min'), 'structure', 'bands must be in ascending order of min')
    }
    if (action !== null) bands.push({ min, action })
  }
  let randomSelection: Manifest['randomSelection'] = null
  const rsNode = fields.get('randomSelection')?.value
  if (rsNode !== undefined && rsNode !== null) {
    const rf = entries(rsNode)
    if (rf === null) {
      problems.add(file.path, posOf(file, rsNode), 'structure', 'randomSelection is { rate, seed, action }')
    } else {
      const rr = reader(file, rf, 'randomSelection', problems)
      const rate = rr.num('rate', true, 0, 1)
      const seed = rr.str('seed', true)
      const action = rr.action('action', true, true)
      if (action !== null) randomSelection = { rate, seed, action }
    }
  }
  const fx = readFx(file, fields, problems, r.at('fx'))
  const dates = r.window()
  const manifest: Manifest = {
    effectiveFromMs: dates.fromMs,
    effectiveToMs: dates.toMs,
    id: r.str('id', true, ID_PATTERN),
    version: r.str('version', true),
    jurisdiction: r.str('jurisdiction', true),
    description: r.str('description', false),

    fx,
    dateField: r.str('dateField', false) || 'declaredAt',
    bands,
    fallbackAction: r.action('fallbackAction', true) ?? 'REQUEST_INFO',
    errorAction: r.action('errorAction', false, true) ?? 'REQUEST_INFO',
    randomSelection,
    attributes: readAttributes(file, fields, problems, r.at('attributes')),
    capacity: readCapacity(file, fields.get('capacity')?.value, problems)
  }
  return manifest
}

/** `attributes: { seller: { riskScore: number, … }, consignee: { … }, hsCode: { … }, route: { … } }`. */
const readAttributes = (file: YamlFile, fields: Fields, problems: Problems, pos: Pos): AttributeDef[] => {
  const node = fields.get('attributes')?.value
  if (node === undefined || node === null) return []
  const byEntity = entries(node)
  if (byEntity === null) {
    problems.add(file.path, pos, 'structure',
      '`attributes` is a map of entity (seller, consignee, hsCode, route) to { name: type }')
    return []
  }
  unknownKeys(file, byEntity, ATTRIBUTE_ENTITIES, '`attributes`', problems, suggest)
  const out: AttributeDef[] = []
  for (const entity of ATTRIBUTE_ENTITIES) {
    const entry = byEntity.get(entity)
    if (entry === undefined) continue
    const names = entries(entry.value)
    if (names === null) {
      problems.add(file.path, posOf(file, entry.value ?? entry.key), 'structure',
        `\`attributes.${entity}\` is a map of attribute name to type (${ATTRIBUTE_TYPES.join(', ')})`)
      continue
    }
    for (const [name, { key, value }] of names) {
      const at = posOf(file, key)
      if (!ATTRIBUTE_NAME.test(name) || FORBIDDEN_NAMES.has(name)) {
        problems.add(file.path, at, 'structure', `attribute name \`${name}\` must match ${String(ATTRIBUTE_NAME)}`)
        continue
      }
      const type = scalar(value)
      const known = ATTRIBUTE_TYPES.find((t) => t === type)
      if (known === undefined) {
        problems.add(file.path, posOf(file, value ?? key), 'structure',
          `attribute \`${entity}.${name}\` has type \`${String(type)}\`; ` +
          `a type is one of ${ATTRIBUTE_TYPES.join(', ')}`,
          didYouMean(String(type), ATTRIBUTE_TYPES))
        continue
      }
      out.push({ entity, name, type: known, pos: at })
    }
  }
  return out
}

const readFx = (file: YamlFile, fields: Fields, problems: Problems, pos: Pos): Manifest['fx'] => {
  const node = fields.get('fx')?.value
  if (node === undefined || node === null) return []
  const name = scalar(node)
  if (typeof name === 'string') {
    if (!LIST_NAME.test(name)) {
      problems.add(file.path, pos, 'structure', `\`fx\` must be a list name matching ${String(LIST_NAME)}`)
    }
    return [{ name, fromMs: null, pos }]
  }
  const list = items(node)
  if (list === null || list.length === 0) {
    problems.add(file.path, pos, 'structure', '`fx` is a list name, or a list of { table, effectiveFrom }')
    return []
  }
  const out: Array<Manifest['fx'][number]> = []
  for (const n of list) {
    const ef = entries(n)
    if (ef === null) {
      problems.add(file.path, posOf(file, n), 'structure', 'an `fx` entry is { table, effectiveFrom }')
      continue
    }
    unknownKeys(file, ef, ['table', 'effectiveFrom'], 'an fx entry', problems, suggest)
    const er = reader(file, ef, 'an fx entry', problems)
    const table = er.str('table', true, LIST_NAME)
    const fromMs = er.date('effectiveFrom')
    const prior = out[out.length - 1]
    if (out.length > 0 && fromMs === null) {
      problems.add(file.path, er.at('table'), 'structure', 'every `fx` entry after the first needs `effectiveFrom`')
    } else if (prior !== undefined && fromMs !== null && prior.fromMs !== null && fromMs <= prior.fromMs) {
      problems.add(file.path, er.at('effectiveFrom'), 'structure',
        '`fx` entries must be in ascending order of effectiveFrom')
    }
    if (table !== '') out.push({ name: table, fromMs, pos: er.at('table') })
  }
  return out
}
