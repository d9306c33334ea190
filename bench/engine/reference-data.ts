// What every implementation in the engine benchmark shares: the eu-lvc ruleset's lists and
// tables, its rule titles, tiers, weights and actions, its bands and random selection, read
// once from rules/eu-lvc so the hand-written, json-rules-engine and ZEN versions cannot drift
// from the YAML the compiled engine runs.

import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { parse } from 'yaml'

export interface RuleMeta {
  readonly id: string
  readonly title: string
  readonly tier: 'gate' | 'indicator' | 'mitigation'
  readonly weight: number
  readonly action: string | null
  readonly effectiveFromMs: number | null
  readonly effectiveToMs: number | null
}

export interface ReferenceData {
  readonly rulesetId: string
  readonly version: string
  readonly sets: ReadonlyMap<string, readonly string[]>
  readonly maps: ReadonlyMap<string, Readonly<Record<string, number>>>
  readonly rules: ReadonlyMap<string, RuleMeta>
  readonly bands: ReadonlyArray<{ readonly min: number, readonly action: string }>
  readonly random: { readonly rate: number, readonly seed: string, readonly action: string }
}

const dateMs = (v: unknown): number | null => (v === undefined || v === null ? null : Date.parse(String(v)))

export const loadReferenceData = (dir: string): ReferenceData => {
  const manifest = parse(readFileSync(join(dir, 'ruleset.yaml'), 'utf8')) as Record<string, unknown>
  const sets = new Map<string, string[]>()
  const maps = new Map<string, Record<string, number>>()
  for (const file of readdirSync(join(dir, 'lists')).sort()) {
    const list = parse(readFileSync(join(dir, 'lists', file), 'utf8')) as { id: string, kind: string, entries: unknown }
    if (list.kind === 'map') maps.set(list.id, list.entries as Record<string, number>)
    else sets.set(list.id, (list.entries as unknown[]).map(String))
  }
  const rules = new Map<string, RuleMeta>()
  for (const file of readdirSync(join(dir, 'rules')).sort()) {
    const doc = parse(readFileSync(join(dir, 'rules', file), 'utf8')) as { rules: Array<Record<string, unknown>> }
    for (const r of doc.rules) {
      rules.set(String(r.id), {
        id: String(r.id),
        title: String(r.title),
        tier: r.tier as RuleMeta['tier'],
        weight: typeof r.weight === 'number' ? r.weight : 0,
        action: typeof r.action === 'string' ? r.action : null,
        effectiveFromMs: dateMs(r.effectiveFrom),
        effectiveToMs: dateMs(r.effectiveTo)
      })
    }
  }
  return {
    rulesetId: String(manifest.id),
    version: String(manifest.version),
    sets,
    maps,
    rules,
    bands: manifest.bands as ReferenceData['bands'],
    random: manifest.randomSelection as ReferenceData['random']
  }
}

/** Least to most severe, as rules/README.md §2 orders them. */
export const SEVERITY: readonly string[] = [
  'RELEASE', 'RELEASE_POST_AUDIT', 'REQUEST_INFO', 'REDIRECT_FULL_DECLARATION',
  'REJECT_DATA', 'SCREEN_NII', 'PHYSICAL_EXAM', 'DO_NOT_LOAD'
]

/** FNV-1a 32-bit over UTF-16 code units (the random-selection hash of rules/README.md §7). */
export const fnv1a32 = (text: string): number => {
  let h = 0x811c9dc5
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i)
    h = Math.imul(h, 0x01000193) >>> 0
  }
  return h >>> 0
}

/** The comparable core of a decision: what all four implementations must agree on. */
export interface Verdict {
  readonly action: string
  readonly score: number
  /** Ids of the rules that fired, sorted. */
  readonly hits: readonly string[]
}

export const sameVerdict = (a: Verdict, b: Verdict): boolean =>
  a.action === b.action && a.score === b.score && a.hits.length === b.hits.length &&
  a.hits.every((h, i) => h === b.hits[i])
