// Rule fixtures (rules/<set>/tests/*.yaml, rules/README.md §6): expands a test file into
// cases and compares a decision with a case's expectations. Pure; `rules test` does the I/O.
//
//   file     = { defaults?: { now?, declaration?, enrichment?, enrichmentMissing? }, tests: [case…] }
//   case     = { name, now?, declaration?, enrichment?, enrichmentMissing?, expect }
//   expect   = { decision?, action?, gates?: [id…], reasons?: [id…], notReasons?: [id…],
//                score?: { min?, max? } }
//
// A case's declaration and enrichment are merged over the defaults: objects key by key,
// anything else (lists such as `items` included) replaced whole. `gates` is the exact set of
// gates that must fire; `reasons` must all appear, `notReasons` must not.

import type { EnrichmentRecord } from '../enrichment.ts'
import type { RiskDecision } from '../declaration.ts'

export interface Expectation {
  readonly decision?: string
  readonly action?: string
  readonly gates?: readonly string[]
  readonly reasons?: readonly string[]
  readonly notReasons?: readonly string[]
  readonly scoreMin?: number
  readonly scoreMax?: number
}

export interface FixtureCase {
  readonly name: string
  readonly nowMs: number
  readonly declaration: unknown
  readonly enrichment: EnrichmentRecord | null
  readonly enrichmentMissing: readonly string[]
  readonly expect: Expectation
}

type Bag = Record<string, unknown>
const isBag = (v: unknown): v is Bag => typeof v === 'object' && v !== null && !Array.isArray(v)

export const mergeOver = (base: unknown, over: unknown): unknown => {
  if (over === undefined) return base
  if (!isBag(base) || !isBag(over)) return over
  const out: Bag = { ...base }
  for (const [k, v] of Object.entries(over)) out[k] = mergeOver(base[k], v)
  return out
}

const strings = (v: unknown, where: string, problems: string[]): string[] | undefined => {
  if (v === undefined) return undefined
  if (Array.isArray(v) && v.every((x) => typeof x === 'string')) return v
  problems.push(`${where} must be a list of rule ids`)
  return undefined
}

const dateMs = (v: unknown, where: string, problems: string[]): number | undefined => {
  if (v === undefined) return undefined
  const ms = v instanceof Date ? v.getTime() : typeof v === 'string' ? Date.parse(v) : Number.NaN
  if (Number.isNaN(ms)) problems.push(`${where}: \`now\` must be an ISO-8601 date or timestamp`)
  return Number.isNaN(ms) ? undefined : ms
}

const expectation = (v: unknown, where: string, problems: string[]): Expectation => {
  if (!isBag(v)) {
    problems.push(`${where}: \`expect\` is missing`)
    return {}
  }
  const known = ['decision', 'action', 'gates', 'reasons', 'notReasons', 'score']
  for (const k of Object.keys(v)) {
    if (!known.includes(k)) problems.push(`${where}: unknown expectation \`${k}\` (use ${known.join(', ')})`)
  }
  const score = v.score
  if (score !== undefined && !isBag(score)) problems.push(`${where}: \`score\` must be { min, max }`)
  const bound = (b: unknown): number | undefined => (typeof b === 'number' ? b : undefined)
  return {
    decision: typeof v.decision === 'string' ? v.decision : undefined,
    action: typeof v.action === 'string' ? v.action : undefined,
    gates: strings(v.gates, `${where}: gates`, problems),
    reasons: strings(v.reasons, `${where}: reasons`, problems),
    notReasons: strings(v.notReasons, `${where}: notReasons`, problems),
    scoreMin: isBag(score) ? bound(score.min) : undefined,
    scoreMax: isBag(score) ? bound(score.max) : undefined
  }
}

/** Expands one test file; `problems` collects what is malformed (each a finding). */
export const expandFixtures = (data: unknown, defaultNowMs: number): { cases: FixtureCase[], problems: string[] } => {
  const problems: string[] = []
  const cases: FixtureCase[] = []
  if (!isBag(data) || !Array.isArray(data.tests)) return { cases, problems: ['a test file needs a `tests:` list'] }
  const defaults = isBag(data.defaults) ? data.defaults : {}
  const baseNow = dateMs(defaults.now, 'defaults', problems) ?? defaultNowMs
  data.tests.forEach((t: unknown, i: number) => {
    if (!isBag(t) || typeof t.name !== 'string') {
      problems.push(`test #${i + 1} needs a \`name\``)
      return
    }
    const where = `"${t.name}"`
    const missing = t.enrichmentMissing ?? defaults.enrichmentMissing ?? []
    const enrichment = mergeOver(defaults.enrichment, t.enrichment)
    cases.push({
      name: t.name,
      nowMs: dateMs(t.now, where, problems) ?? baseNow,
      declaration: mergeOver(defaults.declaration, t.declaration),
      enrichment: isBag(enrichment) ? enrichment as EnrichmentRecord : null,
      enrichmentMissing: strings(missing, `${where}: enrichmentMissing`, problems) ?? [],
      expect: expectation(t.expect, where, problems)
    })
  })
  return { cases, problems }
}

const list = (ids: readonly string[]): string => (ids.length === 0 ? '(none)' : ids.join(', '))

/** Differences between a decision and the expectation, one readable line each; empty = pass. */
export const compareDecision = (d: RiskDecision, x: Expectation): string[] => {
  const out: string[] = []
  const fired = d.reasons.map((r) => r.ruleId)
  if (x.decision !== undefined && d.decision !== x.decision) {
    out.push(`decision: expected ${x.decision}, got ${d.decision}`)
  }
  if (x.action !== undefined && d.action !== x.action) out.push(`action:   expected ${x.action}, got ${d.action}`)
  if (x.scoreMin !== undefined && d.score < x.scoreMin) out.push(`score:    expected >= ${x.scoreMin}, got ${d.score}`)
  if (x.scoreMax !== undefined && d.score > x.scoreMax) out.push(`score:    expected <= ${x.scoreMax}, got ${d.score}`)
  if (x.gates !== undefined) {
    const want = [...x.gates].sort()
    const got = [...d.gates].sort()
    if (want.join() !== got.join()) out.push(`gates:    expected ${list(want)}, got ${list(got)}`)
  }
  const missing = (x.reasons ?? []).filter((id) => !fired.includes(id))
  if (missing.length > 0) out.push(`reasons:  expected ${list(missing)} to fire; fired: ${list(fired)}`)
  const unwanted = (x.notReasons ?? []).filter((id) => fired.includes(id))
  if (unwanted.length > 0) out.push(`reasons:  expected ${list(unwanted)} not to fire`)
  if (out.length > 0) {
    for (const r of d.reasons) {
      const values = r.values.map((v) => `${v.name}=${v.value}`).join(', ')
      const sign = r.contribution >= 0 ? '+' : ''
      out.push(`  fired ${r.ruleId} (${sign}${r.contribution})${values === '' ? '' : `: ${values}`}`)
    }
    for (const e of d.errors) out.push(`  error ${e}`)
  }
  return out
}
