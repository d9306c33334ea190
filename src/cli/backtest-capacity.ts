// Inspection load against capacity for `parcel-risk rules backtest`: each side's decisions are
// seated as the processor seats them (src/decide/capacity.ts, with the in-memory counters of
// src/enrich/memory-seats.ts in place of Redis), each side at the same control location with
// its own ruleset's `capacity:` and its own counters. Per limited lane and window it counts
// the holds the rules give the lane, how many of them are never moved (the reserve they need),
// how many the lane keeps, how many would move down and where, and the seats overbooked.
//
// A file has no Kafka timestamps: a declaration takes its seat in the window of its own
// `declaredAt` (the processor uses the record's timestamp, in production close to it), and the
// lines are served in input order, a batch of lines at a time (forced first, then by score,
// within a batch, as the processor serves a chunk).
import { CAPACITY_LANES, isCapacityLane } from '../actions.ts'
import type { CapacityLane } from '../actions.ts'
import { CAPACITY_OVERBOOKED, createSeater, lanesAt, neverMovedBy, showWindow } from '../decide/capacity.ts'
import type { RiskDecision } from '../declaration.ts'
import { DEFAULT_PROTECT_TAGS } from '../engine/capacity.ts'
import type { CompiledRuleset } from '../engine/ruleset.ts'
import { createMemorySeats } from '../enrich/memory-seats.ts'

export interface WindowLoad {
  readonly windowStart: string
  /** Holds the rules gave the lane. */
  asked: number
  /** Of those, never moved (gates, protected tags, random selection, rule errors, raised actions). */
  neverMoved: number
  /** In the lane once seated, holds moved in from the lane above included. */
  held: number
  /** Asked for the lane and moved below it. */
  movedDown: number
  /** Held beyond capacity (never-moved holds beyond the reserve). */
  overbooked: number
}

export interface LaneLoad {
  readonly lane: CapacityLane
  /** Seats per window at the location; null: the lane has no limit in this ruleset. */
  readonly perWindow: number | null
  readonly reserve: number
  /** The window the holds are counted in (`1h`): the lane's own, or the other side's. */
  readonly window: string
  asked: number
  neverMoved: number
  held: number
  overbooked: number
  /** Holds moved down from this lane, by the action they got. */
  readonly movedDown: Record<string, number>
  /** Windows with a hold asked or held, oldest first. */
  readonly windows: WindowLoad[]
}

export interface CapacityLoad {
  readonly location: string
  readonly lanes: LaneLoad[]
}

export interface LoadCounter {
  /** One batch of a side's decisions, in input order, with each one's declaredAt. */
  readonly observe: (decisions: readonly RiskDecision[], atMs: readonly number[]) => void
  readonly result: () => CapacityLoad
}

/** The window of each lane, from either side's capacity at the location (the side's own first). */
export const loadWindows = (rulesets: readonly CompiledRuleset[], location: string): Map<CapacityLane, number> => {
  const out = new Map<CapacityLane, number>()
  for (const r of rulesets) {
    if (r.capacity === null) continue
    const lanes = lanesAt(r.capacity, location)
    for (const lane of CAPACITY_LANES) {
      const windowMs = lanes[lane]?.windowMs
      if (windowMs !== undefined && !out.has(lane)) out.set(lane, windowMs)
    }
  }
  return out
}

export const createLoadCounter = (
  ruleset: CompiledRuleset, location: string, windows: ReadonlyMap<CapacityLane, number>
): LoadCounter => {
  const seater = createSeater(ruleset, location)
  const serve = createMemorySeats()
  const lanes = ruleset.capacity === null ? {} : lanesAt(ruleset.capacity, location)
  const neverMoved = neverMovedBy(ruleset, ruleset.capacity?.protectTags ?? DEFAULT_PROTECT_TAGS)
  const loads = new Map<CapacityLane, { load: LaneLoad, windowMs: number, byStart: Map<number, WindowLoad> }>()
  for (const [lane, ownOrOther] of windows) {
    const own = lanes[lane]
    const windowMs = own?.windowMs ?? ownOrOther
    loads.set(lane, {
      load: {
        lane, perWindow: own?.perWindow ?? null, reserve: own?.reserve ?? 0, window: showWindow(windowMs),
        asked: 0, neverMoved: 0, held: 0, overbooked: 0, movedDown: {}, windows: []
      },
      windowMs,
      byStart: new Map()
    })
  }
  const windowOf = (lane: CapacityLane, atMs: number): { load: LaneLoad, window: WindowLoad } | null => {
    const entry = loads.get(lane)
    if (entry === undefined) return null
    const start = Math.floor(atMs / entry.windowMs) * entry.windowMs
    let window = entry.byStart.get(start)
    if (window === undefined) {
      const windowStart = new Date(start).toISOString()
      window = { windowStart, asked: 0, neverMoved: 0, held: 0, movedDown: 0, overbooked: 0 }
      entry.byStart.set(start, window)
    }
    return { load: entry.load, window }
  }

  return {
    observe: (decisions, atMs) => {
      const timed = decisions.map((d, i) =>
        ({ ...d, timings: { ...d.timings, receivedAt: atMs[i] ?? d.timings.receivedAt } }))
      const request = seater === null ? null : seater.request(timed)
      const seated = seater === null || request === null ? timed : seater.apply(timed, request, serve(request))
      timed.forEach((d, i) => {
        const at = d.timings.receivedAt
        const got = seated[i] as RiskDecision
        if (isCapacityLane(d.action)) {
          const w = windowOf(d.action, at)
          if (w !== null) {
            w.load.asked++
            w.window.asked++
            if (neverMoved(d)) {
              w.load.neverMoved++
              w.window.neverMoved++
            }
            if (got.action !== d.action) {
              w.load.movedDown[got.action] = (w.load.movedDown[got.action] ?? 0) + 1
              w.window.movedDown++
            }
          }
        }
        if (isCapacityLane(got.action)) {
          const w = windowOf(got.action, at)
          if (w === null) return
          w.load.held++
          w.window.held++
          if (got.reasons.some((r) => r.ruleId === CAPACITY_OVERBOOKED)) {
            w.load.overbooked++
            w.window.overbooked++
          }
        }
      })
    },
    result: () => ({
      location,
      lanes: [...loads.values()].map(({ load, byStart }) => ({
        ...load, windows: [...byStart].sort(([a], [b]) => a - b).map(([, w]) => w)
      }))
    })
  }
}

type Row = [string, string, string, string]
const signed = (n: number): string => `${n >= 0 ? '+' : ''}${n}`
const busiest = (l: LaneLoad): number => Math.max(0, ...l.windows.map((w) => w.asked))
const overCapacity = (l: LaneLoad): number =>
  l.perWindow === null ? 0 : l.windows.filter((w) => w.asked > (l.perWindow as number)).length
const moved = (l: LaneLoad): number => Object.values(l.movedDown).reduce((x, y) => x + y, 0)
const movedText = (l: LaneLoad): string => {
  const parts = Object.entries(l.movedDown).sort(([a], [b]) => a.localeCompare(b)).map(([to, n]) => `${n} → ${to}`)
  return parts.length === 0 ? '0' : `${moved(l)} (${parts.join(', ')})`
}
const seatsText = (l: LaneLoad): string =>
  l.perWindow === null ? `no limit (per ${l.window})` : `${l.perWindow} per ${l.window}, ${l.reserve} reserved`

/** The table rows of the load section: per lane, champion and challenger side by side. */
export const loadRows = (a: CapacityLoad, b: CapacityLoad): Row[] => {
  const rows: Row[] = [['', '', '', ''], [`inspection load at ${a.location} (windows by declaredAt)`, '', '', '']]
  for (const x of a.lanes) {
    const y = b.lanes.find((l) => l.lane === x.lane)
    if (y === undefined) continue
    const count = (label: string, f: (l: LaneLoad) => number): Row =>
      [label, String(f(x)), String(f(y)), signed(f(y) - f(x))]
    rows.push(
      [`${x.lane} seats`, seatsText(x), seatsText(y), ''],
      count('  holds asked', (l) => l.asked),
      count('  windows with holds', (l) => l.windows.length),
      count('  busiest window', busiest),
      count('  windows over capacity', overCapacity),
      count('  never moved', (l) => l.neverMoved),
      [`  moved down`, movedText(x), movedText(y), signed(moved(y) - moved(x))],
      count('  overbooked', (l) => l.overbooked),
      count('  held after capacity', (l) => l.held)
    )
  }
  return rows
}
