// Inspection capacity, the pure half (rules/README.md §7 "Inspection capacity"; the shared
// counters are enrich/seats.ts). Per control location, a lane (PHYSICAL_EXAM, SCREEN_NII) has
// so many seats per fixed window, `reserve` of them kept for holds that are never moved. After
// the batch is decided:
//
//   request   every decision in a limited lane wants a seat in the window of its record's
//             timestamp. Forced ones first — a gate that demands this lane fired, a rule with a protected tag
//             (watchlist, prohibition, restriction) fired, random selection, a rule error, or
//             any action the score band alone did not give (the fallback of degraded
//             enrichment among them) — they may take the reserve, take their seat even over
//             capacity and are never moved. Then the indicator-driven holds, score descending,
//             each trying its own lane and the limited lanes below, up to capacity − reserve.
//   apply     a hold whose lanes were all full falls to the first lane below them that has no
//             limit (PHYSICAL_EXAM → SCREEN_NII → RELEASE_POST_AUDIT; a degraded one no lower
//             than the fallback action, below), with one
//             CAPACITY_DOWNGRADE reason per full lane: lane, capacity, window start and end.
//             A forced hold seated beyond capacity keeps its lane with a CAPACITY_OVERBOOKED
//             reason (its seat number), so overbooking is never silent.
//             Counters out of reach (Redis down, breaker open): every hold stays where it is
//             (a hold is the safe side for customs), with a CAPACITY_UNCHECKED reason.
//
// Degraded enrichment alone does not make a hold forced: its action is the most severe of the
// score band, the gates, the error action and the fallback action (outcome.ts), so a degraded
// hold whose band gave it its lane is as indicator-driven as any other (its score counts only
// the rules that could run), while one the fallback raised is forced by the band test above.
// But a degraded hold never falls below the ruleset's fallbackAction, the least a decision on
// missing data may be: where its lanes end below it, it lands on the fallback action instead
// (PHYSICAL_EXAM → SCREEN_NII → REQUEST_INFO for eu-lvc), and where the fallback action is a
// limited lane itself, the degraded hold is forced.
//
// Gates the same way: a gate demands its own action, not the lane the score gave. A parcel the
// band sent to PHYSICAL_EXAM whose only gate asks REJECT_DATA (a malformed IOSS number, say)
// moves down like any indicator-driven hold but never below REJECT_DATA; one whose gate asks
// PHYSICAL_EXAM (or more) is forced.
//
// Within a batch the lower scores are moved first; across batches and instances seats go
// first come, first served. Shadow rulesets never take seats.

import { BELOW_CAPACITY_LANES, CAPACITY_LANES, decisionOf, isCapacityLane, severity } from '../actions.ts'
import type {
  Band, CapacityLane, CapacityPolicy, LaneCapacities, LaneCapacity, SeatCandidate, SeatCounter, SeatGrant, SeatRequest
} from '../actions.ts'
import type { Action, Reason, RiskDecision } from '../declaration.ts'
import type { RuleInfo } from '../evaluation.ts'

/** Reason ids of capacity; the colon keeps them apart from every rule id (actions.ts isRuleReason). */
export const CAPACITY_DOWNGRADE = 'capacity:DOWNGRADE'
export const CAPACITY_UNCHECKED = 'capacity:UNCHECKED'
export const CAPACITY_OVERBOOKED = 'capacity:OVERBOOKED'

/** What seating needs of a ruleset (src/engine/ruleset.ts CompiledRuleset has it). */
export interface SeatingRuleset {
  readonly capacity: CapacityPolicy | null
  readonly policy: { readonly bands: readonly Band[], readonly fallbackAction: Action }
  readonly rules: readonly RuleInfo[]
}

export interface Seater {
  /** The batch's claim on seats; null when no decision wants one (then no round trip). */
  readonly request: (decisions: readonly RiskDecision[]) => SeatRequest | null
  /** The batch's decisions once seated; `grant` null: the counters could not be reached. */
  readonly apply: (decisions: readonly RiskDecision[], request: SeatRequest, grant: SeatGrant | null) => RiskDecision[]
}

const MINUTE = 60_000
/** `3600000` → `1h`: how a reason shows a window. */
export const showWindow = (ms: number): string => {
  for (const [unit, size] of [['d', 1_440 * MINUTE], ['h', 60 * MINUTE], ['m', MINUTE]] as const) {
    if (ms % size === 0) return `${ms / size}${unit}`
  }
  return `${ms}ms`
}

/** The lanes of one location: its own entries over the ruleset-wide ones. */
export const lanesAt = (policy: CapacityPolicy, location: string): LaneCapacities =>
  ({ ...policy.lanes, ...(Object.hasOwn(policy.locations, location) ? policy.locations[location] : {}) })

const bandActionOf = (bands: readonly Band[], score: number): Action => {
  let action = bands[0]?.action ?? 'RELEASE'
  for (const b of bands) if (score >= b.min) action = b.action
  return action
}

/**
 * The least action a decision's gates demand (the most severe gate action among those that
 * fired); RELEASE when none fired. A gate whose action is unknown demands the decision's own.
 */
const gateFloorBy = (rules: readonly RuleInfo[]): (d: RiskDecision) => Action => {
  const actionOf = new Map(rules.map((r) => [r.id, r.action]))
  return (d) => {
    let floor: Action = 'RELEASE'
    for (const id of d.gates) {
      const a = actionOf.get(id) ?? d.action
      if (severity(a) > severity(floor)) floor = a
    }
    return floor
  }
}

/**
 * Whether a hold is never moved down a lane (see the header): it may take the reserve, and a
 * seat beyond capacity. `rules backtest` counts them even for a ruleset without capacity.
 */
export const neverMovedBy = (
  ruleset: Omit<SeatingRuleset, 'capacity'>, protectTags: readonly string[]
): (d: RiskDecision) => boolean => {
  const tags = new Set(protectTags)
  const protectedRules = new Set(ruleset.rules.filter((r) => r.tags.some((t) => tags.has(t))).map((r) => r.id))
  const bands = ruleset.policy.bands
  const gateFloor = gateFloorBy(ruleset.rules)
  return (d) =>
    severity(gateFloor(d)) >= severity(d.action) || d.randomSelection || d.errors.length > 0 ||
    bandActionOf(bands, d.score) !== d.action || d.reasons.some((r) => protectedRules.has(r.ruleId))
}

/** Seating for one ruleset at one control location; null when no lane is limited there. */
export const createSeater = (ruleset: SeatingRuleset, location: string): Seater | null => {
  if (ruleset.capacity === null) return null
  const lanes = lanesAt(ruleset.capacity, location)
  if (!CAPACITY_LANES.some((lane) => lanes[lane] !== undefined)) return null
  const forced = neverMovedBy(ruleset, ruleset.capacity.protectTags)

  /** From `lane` down: the limited lanes in a row, then the action below them. */
  const chainOf = (lane: CapacityLane): { lanes: CapacityLane[], fallback: Action } => {
    const out: CapacityLane[] = []
    for (let i = CAPACITY_LANES.indexOf(lane); i < CAPACITY_LANES.length; i++) {
      const next = CAPACITY_LANES[i] as CapacityLane
      if (lanes[next] === undefined) return { lanes: out, fallback: next }
      out.push(next)
    }
    return { lanes: out, fallback: BELOW_CAPACITY_LANES }
  }
  const chains = new Map(CAPACITY_LANES.map((lane) => [lane, chainOf(lane)]))
  const gateFloor = gateFloorBy(ruleset.rules)
  /**
   * Where a hold lands below its lanes: never below what its gates demand, nor, degraded,
   * below the fallback action. A floor that is a limited lane itself makes the hold forced.
   */
  const landing = (d: RiskDecision, fallback: Action): Action | null => {
    let floor = gateFloor(d)
    const least = ruleset.policy.fallbackAction
    if (d.enrichment.status !== 'OK' && severity(least) > severity(floor)) floor = least
    if (severity(fallback) >= severity(floor)) return fallback
    return isCapacityLane(floor) && lanes[floor] !== undefined ? null : floor
  }

  const request = (decisions: readonly RiskDecision[]): SeatRequest | null => {
    const counters: SeatCounter[] = []
    const counterAt = new Map<string, number>()
    const counterOf = (lane: CapacityLane, capacity: LaneCapacity, atMs: number): number => {
      const windowStartMs = Math.floor(atMs / capacity.windowMs) * capacity.windowMs
      const key = `${lane}@${windowStartMs}`
      let at = counterAt.get(key)
      if (at === undefined) {
        at = counters.length
        const { perWindow, reserve, windowMs } = capacity
        counters.push({ lane, perWindow, reserve, windowMs, windowStartMs })
        counterAt.set(key, at)
      }
      return at
    }
    const wanting: Array<SeatCandidate & { readonly score: number }> = []
    decisions.forEach((d, i) => {
      const action = d.action
      if (!isCapacityLane(action) || lanes[action] === undefined) return
      const atMs = d.timings.receivedAt
      const holder = `${d.declarationId}#${d.version}`
      const chain = chains.get(action) as { lanes: CapacityLane[], fallback: Action }
      const fallback = landing(d, chain.fallback)
      if (fallback === null || forced(d)) {
        const own = counterOf(action, lanes[action], atMs)
        wanting.push({ decision: i, holder, forced: true, counters: [own], fallback: action, score: d.score })
        return
      }
      const at = chain.lanes.map((lane) => counterOf(lane, lanes[lane] as LaneCapacity, atMs))
      wanting.push({ decision: i, holder, forced: false, counters: at, fallback, score: d.score })
    })
    if (wanting.length === 0) return null
    wanting.sort(servedFirst)
    return { location, counters, candidates: wanting.map(({ score: _score, ...candidate }) => candidate) }
  }

  const apply = (decisions: readonly RiskDecision[], req: SeatRequest, grant: SeatGrant | null): RiskDecision[] => {
    const out = [...decisions]
    req.candidates.forEach((c, k) => {
      const d = out[c.decision] as RiskDecision
      if (grant === null) {
        const own = req.counters[c.counters[0] as number] as SeatCounter
        out[c.decision] = { ...d, reasons: [...d.reasons, uncheckedReason(own, location)] }
        return
      }
      const seat = grant.seats[k] ?? -1
      if (seat === c.counters[0]) {
        const own = req.counters[seat] as SeatCounter
        const place = grant.places[k] ?? 0
        if (place > own.perWindow) {
          out[c.decision] = { ...d, reasons: [...d.reasons, overbookedReason(own, location, place)] }
        }
        return
      }
      const to = seat < 0 ? c.fallback : (req.counters[seat] as SeatCounter).lane
      const full: Reason[] = []
      for (const at of c.counters) {
        if (at === seat) break
        full.push(fullReason(req.counters[at] as SeatCounter, location, to))
      }
      out[c.decision] = { ...d, action: to, decision: decisionOf(to), reasons: [...d.reasons, ...full] }
    })
    return out
  }

  return { request, apply }
}

/** Forced first, then by score descending; ties by holder, so every instance orders alike. */
interface Served { readonly forced: boolean, readonly score: number, readonly holder: string }
const servedFirst = (a: Served, b: Served): number =>
  Number(b.forced) - Number(a.forced) || b.score - a.score || (a.holder < b.holder ? -1 : a.holder > b.holder ? 1 : 0)

const iso = (ms: number): string => new Date(ms).toISOString()

const counterValues = (c: SeatCounter, location: string): Reason['values'] => [
  { name: 'lane', value: c.lane },
  { name: 'capacity', value: String(c.perWindow) },
  { name: 'reserve', value: String(c.reserve) },
  { name: 'window', value: showWindow(c.windowMs) },
  { name: 'windowStart', value: iso(c.windowStartMs) },
  { name: 'windowEnd', value: iso(c.windowStartMs + c.windowMs) },
  { name: 'location', value: location }
]

/** One lane that was full for a hold, and where the hold went instead. */
export const fullReason = (c: SeatCounter, location: string, to: Action): Reason => ({
  ruleId: CAPACITY_DOWNGRADE,
  title: `${c.lane} full at ${location}: ${c.perWindow} per ${showWindow(c.windowMs)}, ` +
    `window ${iso(c.windowStartMs)} to ${iso(c.windowStartMs + c.windowMs)}; moved to ${to}`,
  tier: 'INDICATOR',
  contribution: 0,
  values: [...counterValues(c, location), { name: 'action', value: to }]
})

/** The counters could not be reached: the hold stays, without a seat. */
export const uncheckedReason = (c: SeatCounter, location: string): Reason => ({
  ruleId: CAPACITY_UNCHECKED,
  title: `${c.lane} capacity at ${location} not checked (seat counters unreachable); the hold stays`,
  tier: 'INDICATOR',
  contribution: 0,
  values: counterValues(c, location)
})

/** A hold that is never moved, seated beyond the lane's capacity: held anyway, and said so. */
export const overbookedReason = (c: SeatCounter, location: string, seat: number): Reason => ({
  ruleId: CAPACITY_OVERBOOKED,
  title: `${c.lane} overbooked at ${location}: seat ${seat} of ${c.perWindow} per ${showWindow(c.windowMs)} ` +
    `(${c.reserve} reserved for holds that are never moved), window ${iso(c.windowStartMs)} to ` +
    `${iso(c.windowStartMs + c.windowMs)}; held anyway`,
  tier: 'INDICATOR',
  contribution: 0,
  values: [...counterValues(c, location), { name: 'seat', value: String(seat) }]
})
