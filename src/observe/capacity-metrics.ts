// Lane capacity as metrics, read off each batch's seat request and grant: how full each
// lane's current window is (seats taken, capacity, their ratio), how many holds were moved
// down a lane and where to, and how many holds were kept unchecked (counters out of reach).
// The counters are shared, so every instance reports the same fill level of a window.
import { Counter, Gauge, type Registry } from 'prom-client'
import type { SeatGrant, SeatRequest } from '../actions.ts'

export type Reserve = (request: SeatRequest) => Promise<SeatGrant | null>

export const observedSeats = (reserve: Reserve, registry: Registry): Reserve => {
  const registers = [registry]
  const labelNames = ['location', 'lane'] as const
  const taken = new Gauge({ name: 'parcel_risk_capacity_seats_taken', help: 'Seats taken in the current window of a lane at a control location (shared by every instance).', labelNames, registers })
  const seats = new Gauge({ name: 'parcel_risk_capacity_seats', help: 'Seats per window of a lane at a control location (ruleset.yaml capacity).', labelNames, registers })
  const fill = new Gauge({ name: 'parcel_risk_capacity_fill_ratio', help: 'Seats taken over seats per window in the current window of a lane (above 1 when forced holds overbook it).', labelNames, registers })
  const downgrades = new Counter({ name: 'parcel_risk_capacity_downgrades_total', help: 'Holds moved down a lane because their lane was full, by control location, lane asked for and action given.', labelNames: ['location', 'from', 'to'], registers })
  const unchecked = new Counter({ name: 'parcel_risk_capacity_unchecked_total', help: 'Holds kept without a seat because the seat counters could not be reached (Redis down, breaker open).', labelNames, registers })

  const observe = (request: SeatRequest, grant: SeatGrant | null): void => {
    const { location, counters } = request
    if (grant === null) {
      for (const c of request.candidates) unchecked.inc({ location, lane: (counters[c.counters[0] as number])?.lane ?? '' })
      return
    }
    request.candidates.forEach((c, k) => {
      const asked = counters[c.counters[0] as number]?.lane ?? ''
      const seat = grant.seats[k] ?? -1
      const got = seat < 0 ? c.fallback : counters[seat]?.lane ?? ''
      if (got !== asked) downgrades.inc({ location, from: asked, to: got })
    })
    // The newest window of each lane is the current one.
    const newest = new Map<string, number>()
    counters.forEach((c, i) => {
      const at = newest.get(c.lane)
      if (at === undefined || (counters[at]?.windowStartMs ?? 0) < c.windowStartMs) newest.set(c.lane, i)
    })
    for (const [lane, i] of newest) {
      const c = counters[i]
      const used = grant.taken[i] ?? 0
      if (c === undefined) continue
      taken.set({ location, lane }, used)
      seats.set({ location, lane }, c.perWindow)
      fill.set({ location, lane }, c.perWindow > 0 ? used / c.perWindow : used > 0 ? Infinity : 0)
    }
  }

  return async (request) => {
    const grant = await reserve(request)
    observe(request, grant)
    return grant
  }
}
