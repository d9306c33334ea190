// Seat counters in memory: the rule of the seat script (src/enrich/seats.ts SEATS_LUA) for one
// process, for the offline `rules backtest`, which has no Redis and must seat a whole input as
// the processors would. test/integration/seats.test.ts runs both on the same requests and
// compares the grants.
import type { SeatGrant, SeatRequest } from '../actions.ts'

interface Counter {
  /** holder → place */
  readonly holders: Map<string, number>
  forced: number
}

export type MemorySeats = (request: SeatRequest) => SeatGrant

export const createMemorySeats = (): MemorySeats => {
  const counters = new Map<string, Counter>()
  const counterOf = (request: SeatRequest, i: number): Counter => {
    const c = request.counters[i]
    if (c === undefined) throw new Error(`seat request names counter ${i} of ${request.counters.length}`)
    const key = `${request.location}\u0000${c.lane}\u0000${c.windowStartMs}`
    let counter = counters.get(key)
    if (counter === undefined) {
      counter = { holders: new Map(), forced: 0 }
      counters.set(key, counter)
    }
    return counter
  }

  return (request) => {
    const seats: number[] = []
    const places: number[] = []
    for (const candidate of request.candidates) {
      let got = -1
      let place = 0
      for (const i of candidate.counters) {
        const had = counterOf(request, i).holders.get(candidate.holder)
        if (had !== undefined) {
          got = i
          place = had
          break
        }
      }
      if (got < 0) {
        for (const i of candidate.counters) {
          const counter = counterOf(request, i)
          const { perWindow, reserve } = request.counters[i] as SeatRequest['counters'][number]
          const taken = counter.holders.size
          if (candidate.forced || (taken < perWindow && taken - counter.forced < perWindow - reserve)) {
            place = taken + 1
            counter.holders.set(candidate.holder, place)
            if (candidate.forced) counter.forced++
            got = i
            break
          }
        }
      }
      seats.push(got)
      places.push(place)
    }
    const all = request.counters.map((_c, i) => counterOf(request, i))
    return { seats, places, taken: all.map((c) => c.holders.size), forcedTaken: all.map((c) => c.forced) }
  }
}
