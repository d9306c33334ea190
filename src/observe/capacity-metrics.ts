// Lane capacity as metrics. Fill levels are read off each batch's seat request and grant
// (seats taken in each lane's current window, the capacity, their ratio); the counters are
// shared, so every instance reports the same window. Downgrades, overbooked seats and
// unchecked holds are counted off the decisions once their chunk is acknowledged, from their
// CAPACITY_DOWNGRADE, CAPACITY_OVERBOOKED and CAPACITY_UNCHECKED reasons, so a chunk decided
// again after a rebalance counts once per decision published, like parcel_risk_decisions_total.
import { Counter, Gauge, type Registry } from 'prom-client'
import type { SeatGrant, SeatRequest } from '../actions.ts'
import { CAPACITY_DOWNGRADE, CAPACITY_OVERBOOKED, CAPACITY_UNCHECKED } from '../decide/capacity.ts'
import type { RiskDecision } from '../declaration.ts'
import type { ChunkObserver, Seats } from '../pipeline.ts'

export interface CapacityMetrics {
  /** The seat counters, with the fill gauges set from every grant. */
  readonly observedSeats: (reserve: Seats) => Seats
  /** The chunk observer, also counting the downgrades and unchecked holds it publishes. */
  readonly observedChunks: (observer: ChunkObserver) => ChunkObserver
}

const valueOf = (values: ReadonlyArray<{ name: string, value: string }>, name: string): string =>
  values.find((v) => v.name === name)?.value ?? ''

export const createCapacityMetrics = (registry: Registry): CapacityMetrics => {
  const registers = [registry]
  const labelNames = ['location', 'lane'] as const
  const gauge = (name: string, help: string): Gauge => new Gauge({ name, help, labelNames, registers })
  const taken = gauge('parcel_risk_capacity_seats_taken',
    'Seats taken in the current window of a lane at a control location (shared by every instance).')
  const seats = gauge('parcel_risk_capacity_seats',
    'Seats per window of a lane at a control location (ruleset.yaml capacity).')
  const reserved = gauge('parcel_risk_capacity_reserve_seats',
    'Seats per window of a lane kept for holds that are never moved (ruleset.yaml capacity reserve).')
  const forcedTaken = gauge('parcel_risk_capacity_forced_seats_taken',
    'Seats taken in the current window of a lane by holds that are never moved (shared by every instance).')
  const fill = gauge('parcel_risk_capacity_fill_ratio',
    'Seats taken over seats per window in the current window of a lane ' +
    '(above 1 when holds that are never moved overbook it).')
  const downgrades = new Counter({
    name: 'parcel_risk_capacity_downgrades_total',
    help: 'Decisions published that were moved down a lane because their lane was full, ' +
      'by control location, lane asked for and action given.',
    labelNames: ['location', 'from', 'to'],
    registers
  })
  const overbooked = new Counter({
    name: 'parcel_risk_capacity_overbooked_total',
    help: 'Decisions published that hold a seat beyond the capacity of their lane: holds that are never moved, ' +
      'more of them than the reserve.',
    labelNames,
    registers
  })
  const unchecked = new Counter({
    name: 'parcel_risk_capacity_unchecked_total',
    help: 'Decisions published that kept their lane without a seat because the seat counters could not be reached.',
    labelNames,
    registers
  })

  const setFill = (request: SeatRequest, grant: SeatGrant): void => {
    const { location, counters } = request
    // The newest window of each lane is the current one.
    const newest = new Map<string, number>()
    counters.forEach((c, i) => {
      const at = newest.get(c.lane)
      if (at === undefined || (counters[at]?.windowStartMs ?? 0) < c.windowStartMs) newest.set(c.lane, i)
    })
    for (const [lane, i] of newest) {
      const c = counters[i]
      if (c === undefined) continue
      const used = grant.taken[i] ?? 0
      taken.set({ location, lane }, used)
      seats.set({ location, lane }, c.perWindow)
      reserved.set({ location, lane }, c.reserve)
      forcedTaken.set({ location, lane }, grant.forcedTaken[i] ?? 0)
      fill.set({ location, lane }, c.perWindow > 0 ? used / c.perWindow : used > 0 ? Infinity : 0)
    }
  }

  const count = (decision: RiskDecision): void => {
    for (const reason of decision.reasons) {
      if (reason.ruleId === CAPACITY_DOWNGRADE) {
        // One per decision: its first full lane is the lane it asked for.
        const location = valueOf(reason.values, 'location')
        downgrades.inc({ location, from: valueOf(reason.values, 'lane'), to: decision.action })
        return
      }
      if (reason.ruleId === CAPACITY_OVERBOOKED) {
        overbooked.inc({ location: valueOf(reason.values, 'location'), lane: valueOf(reason.values, 'lane') })
        return
      }
      if (reason.ruleId === CAPACITY_UNCHECKED) {
        unchecked.inc({ location: valueOf(reason.values, 'location'), lane: valueOf(reason.values, 'lane') })
        return
      }
    }
  }

  return {
    observedSeats: (reserve) => async (request) => {
      const grant = await reserve(request)
      if (grant !== null) setFill(request, grant)
      return grant
    },
    observedChunks: (observer) => ({
      received: observer.received,
      published: (report) => {
        observer.published(report)
        for (const { decision } of report.result.decisions) if (decision.reasons.length > 0) count(decision)
      }
    })
  }
}
