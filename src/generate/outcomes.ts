// Synthetic inspection outcomes for the synthetic stream: for each held decision, what a
// control of the parcel would have found, drawn from the parcel's labelled pattern. The
// README's "Synthetic outcomes" table is this table. Deterministic per (seed, declarationId,
// version), so generating outcomes again for the same decisions writes the same outcomes
// (and the same outcome ids: intake counts them once).
import type {
  Action, InspectionMethod, InspectionOutcome, InspectionResult, NiiResult, RiskDecision
} from '../declaration.ts'
import type { Pattern } from './patterns.ts'
import { createRng } from './rng.ts'

export interface OutcomeRate {
  /** Share of controls of such parcels that find something. */
  readonly positive: number
  /** What a positive control finds. */
  readonly finding: InspectionResult
}

/** Per labelled pattern (`clean`: no pattern), the chance a control is positive and what it finds. */
export const outcomeRates: Readonly<Record<Pattern | 'clean', OutcomeRate>> = {
  'undervaluation': { positive: 0.70, finding: 'REVENUE' },
  'split-shipment': { positive: 0.60, finding: 'REVENUE' },
  'vague-description': { positive: 0.35, finding: 'CONTENT_MISMATCH' },
  'hs-mismatch': { positive: 0.55, finding: 'REVENUE' },
  'watchlist-party': { positive: 0.50, finding: 'SEIZED' },
  'high-risk-route': { positive: 0.25, finding: 'SEIZED' },
  'invalid-ioss': { positive: 0.60, finding: 'REVENUE' },
  'free-zone': { positive: 0.30, finding: 'SEIZED' },
  'restricted-goods': { positive: 0.85, finding: 'SEIZED' },
  // Not a risk: a trusted trader's parcel, or one with no pattern at all, rarely finds anything.
  'trusted-aeo': { positive: 0.01, finding: 'CONTENT_MISMATCH' },
  'clean': { positive: 0.03, finding: 'CONTENT_MISMATCH' }
}

/** How each lane is controlled; lanes without a control (data rejections, redirects) get no outcome. */
export const controlMethods: Readonly<Partial<Record<Action, InspectionMethod>>> = {
  REQUEST_INFO: 'DOCUMENT_CHECK',
  SCREEN_NII: 'NII',
  PHYSICAL_EXAM: 'PHYSICAL',
  DO_NOT_LOAD: 'PHYSICAL'
}

const HOUR_MS = 3_600_000

/**
 * What a scan of a SCREEN_NII parcel shows: an anomaly for 90 % of the parcels where a control
 * finds something, and a false alarm (8 %) or an unreadable image (3 %) for the others. An
 * anomaly or an unreadable image sends the parcel on to a physical exam (method PHYSICAL, the
 * scan result kept); a clear scan releases it (method NII), so what a clear scan missed stays
 * unfound, as it would at the hall.
 */
export const scanRates = { detected: 0.9, falseAlarm: 0.08, inconclusive: 0.03 } as const

const scan = (rng: ReturnType<typeof createRng>, positive: boolean): NiiResult => {
  if (positive) return rng.chance(scanRates.detected) ? 'ANOMALY' : 'CLEAR'
  const draw = rng.next()
  if (draw < scanRates.falseAlarm) return 'ANOMALY'
  return draw < scanRates.falseAlarm + scanRates.inconclusive ? 'INCONCLUSIVE' : 'CLEAR'
}

/** FNV-1a, to fold a declaration id into the seed. */
const hash = (text: string): number => {
  let h = 0x811c9dc5
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193) >>> 0
  return h
}

/**
 * The outcome of controlling a held parcel, or null for a release (post-audit releases are
 * audited later, if at all: not a control the stream can stand for) and for a lane that is
 * not a control. `patterns` are the declaration's labels from the generator.
 */
export const outcomeFor = (
  decision: RiskDecision, patterns: readonly Pattern[], seed: number
): InspectionOutcome | null => {
  if (decision.decision !== 'HOLD') return null
  const method = controlMethods[decision.action]
  if (method === undefined) return null
  const rng = createRng((seed ^ hash(`${decision.declarationId}:${decision.version}`)) >>> 0)
  const rate = outcomeRates[patterns[0] ?? 'clean']
  const risky = rng.chance(rate.positive)
  const niiResult = method === 'NII' ? scan(rng, risky) : null
  // A parcel the scan shows as clear is released: what it held is not found.
  const positive = risky && niiResult !== 'CLEAR'
  const result: InspectionResult = positive ? rate.finding : 'NO_FINDING'
  const revenue = result === 'REVENUE' ? `${rng.int(5, 60)}.${String(rng.int(0, 99)).padStart(2, '0')}` : null
  return {
    declarationId: decision.declarationId,
    version: decision.version,
    result,
    inspectedAt: decision.timings.decidedAt + rng.int(2, 48) * HOUR_MS,
    method: niiResult === null || niiResult === 'CLEAR' ? method : 'PHYSICAL',
    ruleIds: decision.reasons.map((r) => r.ruleId),
    revenueAmount: revenue,
    revenueCurrency: revenue === null ? null : 'EUR',
    niiResult,
    imageRef: niiResult === null ? null : `uff:${decision.declarationId}:${decision.version}`,
    notes: null
  }
}
