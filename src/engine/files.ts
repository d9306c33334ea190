// The structure of the ruleset files (rules/README.md §1–§4; schemas/ruleset.schema.json is
// the editor-facing copy): reads rule files (§3) and list files (§4) into plain data and
// reports every structural problem with its position, through the typed readers here that
// manifest.ts (ruleset.yaml, §2) uses too. Expressions are parsed later.

import type { Node as YamlNode } from 'yaml'
import { decisionOf, isAction } from '../actions.ts'
import type { Action } from '../declaration.ts'
import type { RuleInfo, Tier } from '../evaluation.ts'
import type { SetEntry } from './codegen.ts'
import { didYouMean, suggest } from './fields.ts'
import type { Pos } from './lex.ts'
import { parseDate } from './parse.ts'
import { entries, expressionMapper, items, posOf, scalar, unknownKeys } from './yaml-source.ts'
import type { Problems, YamlFile } from './yaml-source.ts'

export const ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/
export const LIST_NAME = /^[A-Za-z][A-Za-z0-9_]{0,63}$/

/** A rule as its file declares it: what a decision reports of it, and where and when it applies. */
type RuleFields = 'id' | 'title' | 'description' | 'tier' | 'weight' | 'action' | 'tags' | 'owner'
export interface RuleDef extends Pick<RuleInfo, RuleFields> {
  readonly fromMs: number | null
  readonly toMs: number | null
  readonly when: string
  readonly mapPos: (pos: Pos) => Pos
  readonly file: string
  readonly pos: Pos
}

export type ListFile =
  | {
    readonly name: string
    readonly kind: 'set'
    readonly entries: readonly SetEntry[]
    readonly file: string
    readonly pos: Pos
  }
  | {
    readonly name: string
    readonly kind: 'map'
    readonly valueType: 'number' | 'string'
    readonly entries: ReadonlyMap<string, number | string>
    readonly file: string
    readonly pos: Pos
  }

export type Fields = Map<string, { key: YamlNode, value: YamlNode | null }>

const ACTIONS = [
  'RELEASE', 'RELEASE_POST_AUDIT', 'REQUEST_INFO', 'SCREEN_NII', 'PHYSICAL_EXAM', 'DO_NOT_LOAD', 'REJECT_DATA',
  'REDIRECT_FULL_DECLARATION'
]

/** Small typed readers over one YAML map that report problems at the value's position. */
export const reader = (file: YamlFile, fields: Fields, where: string, problems: Problems) => {
  const at = (name: string): Pos => posOf(file, fields.get(name)?.value ?? fields.get(name)?.key)
  const bad = (name: string, what: string): void =>
    problems.add(file.path, at(name), 'structure', `\`${name}\` in ${where} must be ${what}`)
  /** A required key that is absent; an optional one is not a problem. */
  const absent = (name: string, required: boolean): void => {
    if (required) problems.add(file.path, at(name), 'structure', `${where} needs \`${name}\``)
  }
  const str = (name: string, required: boolean, pattern?: RegExp): string => {
    const v = scalar(fields.get(name)?.value)
    if (v === undefined || v === null) {
      absent(name, required)
      return ''
    }
    if (typeof v !== 'string' && typeof v !== 'number') {
      bad(name, 'text')
      return ''
    }
    const s = String(v)
    if (pattern !== undefined && !pattern.test(s)) bad(name, `text matching ${String(pattern)}`)
    return s
  }
  const num = (name: string, required: boolean, min: number, max: number, integer = false): number => {
    const v = scalar(fields.get(name)?.value)
    if (v === undefined || v === null) {
      absent(name, required)
      return 0
    }
    if (typeof v !== 'number' || v < min || v > max || (integer && !Number.isInteger(v))) {
      bad(name, `a${integer ? 'n integer' : ' number'} from ${min} to ${max}`)
      return 0
    }
    return v
  }
  const date = (name: string): number | null => {
    const v = scalar(fields.get(name)?.value)
    if (v === undefined || v === null) return null
    const ms = typeof v === 'string' ? parseDate(v) : NaN
    if (Number.isNaN(ms)) {
      bad(name, 'a date (2026-07-01) or UTC timestamp (2026-07-01T00:00Z)')
      return null
    }
    return ms
  }
  /** effectiveFrom/effectiveTo, refusing an empty window. */
  const window = (): { fromMs: number | null, toMs: number | null } => {
    const fromMs = date('effectiveFrom')
    const toMs = date('effectiveTo')
    if (fromMs !== null && toMs !== null && fromMs >= toMs) bad('effectiveTo', 'later than effectiveFrom')
    return { fromMs, toMs }
  }
  const action = (name: string, required: boolean, mustHold = false): Action | null => {
    const v = scalar(fields.get(name)?.value)
    if (v === undefined || v === null) {
      absent(name, required)
      return null
    }
    if (!isAction(v)) {
      problems.add(file.path, at(name), 'structure', `\`${String(v)}\` is not an action`,
        didYouMean(String(v), ACTIONS))
      return null
    }
    if (mustHold && decisionOf(v) === 'RELEASE') {
      bad(name, 'an action that holds the parcel')
      return null
    }
    return v
  }
  return { at, str, num, date, window, action }
}

export const RULE_KEYS = [
  'id', 'title', 'description', 'tier', 'when', 'weight', 'action', 'tags', 'owner', 'effectiveFrom', 'effectiveTo'
]
const TIERS: readonly Tier[] = ['gate', 'indicator', 'mitigation']

export const readRules = (file: YamlFile, problems: Problems): RuleDef[] => {
  const top = entries(file.root)
  const list = items(top?.get('rules')?.value)
  if (top === null || list === null) {
    problems.add(file.path, posOf(file, file.root), 'structure', 'a rule file is a map with `rules:`, a list of rules')
    return []
  }
  unknownKeys(file, top, ['rules'], file.path, problems, suggest)
  const out: RuleDef[] = []
  for (const node of list) {
    const fields = entries(node)
    if (fields === null) {
      problems.add(file.path, posOf(file, node), 'structure', 'a rule is a map (id, title, tier, when, …)')
      continue
    }
    const r = reader(file, fields, 'a rule', problems)
    const id = r.str('id', true, ID_PATTERN)
    unknownKeys(file, fields, RULE_KEYS, `rule ${id}`, problems, suggest)
    const tierText = r.str('tier', true)
    const tier = TIERS.find((t) => t === tierText)
    if (tier === undefined && tierText !== '') {
      problems.add(file.path, r.at('tier'), 'structure',
        `tier must be gate, indicator or mitigation, found \`${tierText}\``, didYouMean(tierText, TIERS))
    }
    const gate = tier === 'gate'
    if (gate && fields.has('weight')) {
      problems.add(file.path, r.at('weight'), 'structure', 'a gate has an `action`, not a `weight`')
    }
    if (!gate && tier !== undefined && fields.has('action')) {
      problems.add(file.path, r.at('action'), 'structure', `an ${tier} has a \`weight\`, not an \`action\``)
    }
    const weight = gate || tier === undefined ? 0 : r.num('weight', true, 0, 100, true)
    const action = gate ? r.action('action', true) : null
    const whenNode = fields.get('when')?.value
    const when = scalar(whenNode)
    if (typeof when !== 'string' || when.trim() === '') {
      problems.add(file.path, r.at('when'), 'structure', `rule ${id} needs \`when\`: the condition, as text`)
    }
    const tagNodes = items(fields.get('tags')?.value)
    const tags = (tagNodes ?? []).map((t) => String(scalar(t)))
    if (fields.has('tags') && tagNodes === null) {
      problems.add(file.path, r.at('tags'), 'structure', '`tags` is a list of words')
    }
    const def: RuleDef = {
      id, title: r.str('title', true), description: r.str('description', false),
      tier: tier ?? 'indicator', weight, action, tags, owner: r.str('owner', false),
      ...r.window(),
      when: typeof when === 'string' ? when : '',
      mapPos: whenNode === null || whenNode === undefined ? () => r.at('when') : expressionMapper(file, whenNode),
      file: file.path, pos: posOf(file, node)
    }
    if (tier !== undefined && typeof when === 'string' && (gate ? action !== null : true)) out.push(def)
  }
  return out
}

export const LIST_KEYS = ['id', 'kind', 'description', 'entries']

export const readList = (file: YamlFile, problems: Problems): ListFile | null => {
  const fields = entries(file.root)
  if (fields === null) {
    problems.add(file.path, posOf(file, file.root), 'structure', 'a list file is a map (id, kind, entries)')
    return null
  }
  unknownKeys(file, fields, LIST_KEYS, file.path, problems, suggest)
  const r = reader(file, fields, 'a list file', problems)
  const name = r.str('id', true, LIST_NAME)
  const kind = r.str('kind', true)
  const pos = posOf(file, file.root)
  const entriesNode = fields.get('entries')?.value
  if (kind === 'set') {
    const list = items(entriesNode)
    if (list === null) {
      problems.add(file.path, r.at('entries'), 'structure', 'a set\'s `entries` is a list of strings')
      return null
    }
    const out: SetEntry[] = []
    for (const e of list) {
      const v = scalar(e)
      if (typeof v === 'string' || typeof v === 'number') {
        out.push({ value: String(v), fromMs: null, toMs: null })
        continue
      }
      const ef = entries(e)
      if (ef === null) {
        problems.add(file.path, posOf(file, e), 'structure',
          'a set entry is a string or { value, effectiveFrom, effectiveTo }')
        continue
      }
      const er = reader(file, ef, 'a set entry', problems)
      out.push({ value: er.str('value', true), ...er.window() })
    }
    return { name, kind: 'set', entries: out, file: file.path, pos }
  }
  if (kind === 'map') {
    const map = entries(entriesNode)
    if (map === null) {
      problems.add(file.path, r.at('entries'), 'structure', 'a map\'s `entries` is a map of key: value')
      return null
    }
    const out = new Map<string, number | string>()
    const types = new Set<string>()
    for (const [k, { value }] of map) {
      const v = scalar(value)
      if (typeof v === 'number' && Number.isFinite(v)) {
        out.set(k, v)
        types.add('number')
      } else if (typeof v === 'string') {
        out.set(k, v)
        types.add('string')
      } else {
        problems.add(file.path, posOf(file, value), 'structure', `map values are numbers or strings (key ${k})`)
      }
    }
    if (types.size > 1) {
      problems.add(file.path, r.at('entries'), 'structure',
        'all values of a map must have one type: numbers or strings')
    }
    const valueType = types.has('string') ? 'string' : 'number'
    return { name, kind: 'map', valueType, entries: out, file: file.path, pos }
  }
  if (kind !== '') problems.add(file.path, r.at('kind'), 'structure', `kind must be set or map, found \`${kind}\``)
  return null
}
