// The last few seconds of outcomes, for a live view that shows the latency of now rather
// than an average dragged by the start: one slot per whole second of the clock, reused
// round-robin, each holding that second's outcome count, holds and latencies. A view reads
// the completed seconds only (the current one is still filling), so it lags by under 1 s.
export const WINDOW_S = 10

interface Slot {
  second: number
  outcomes: number
  decisions: number
  holds: number
  latencies: number[]
}

export interface WindowView {
  /** Completed seconds the view covers: WINDOW_S, or fewer just after the start. */
  readonly seconds: number
  readonly outcomesPerS: number
  /** HOLD decisions / decisions in the window. */
  readonly holdRate: number
  readonly latencyMs: { readonly p50?: number, readonly p99?: number, readonly max?: number }
}

export interface RollingWindow {
  /** One outcome seen at `nowMs`; `hold` is undefined for a dead letter (not a decision). */
  record (nowMs: number, latencyMs: number, hold: boolean | undefined): void
  view (nowMs: number): WindowView
}

/** The value with at least q of `sorted` at or below it (nearest rank), as the histogram does. */
const rank = (sorted: Float64Array, q: number): number | undefined =>
  sorted.length === 0 ? undefined : sorted[Math.max(1, Math.ceil(q * sorted.length)) - 1]

export const createRollingWindow = (startedMs: number, windowS = WINDOW_S): RollingWindow => {
  const slots: Slot[] = Array.from({ length: windowS + 1 }, () => ({
    second: -1, outcomes: 0, decisions: 0, holds: 0, latencies: []
  }))
  const slotFor = (second: number): Slot => {
    const slot = slots[second % slots.length] as Slot
    if (slot.second !== second) {
      slot.second = second
      slot.outcomes = 0
      slot.decisions = 0
      slot.holds = 0
      slot.latencies = []
    }
    return slot
  }
  return {
    record: (nowMs, latencyMs, hold) => {
      const slot = slotFor(Math.floor(nowMs / 1000))
      slot.outcomes++
      if (hold !== undefined) {
        slot.decisions++
        if (hold) slot.holds++
      }
      slot.latencies.push(Math.max(0, Math.round(latencyMs)))
    },
    view: (nowMs) => {
      const current = Math.floor(nowMs / 1000)
      const first = Math.max(current - windowS, Math.floor(startedMs / 1000))
      let outcomes = 0
      let decisions = 0
      let holds = 0
      const parts: number[][] = []
      for (let second = first; second < current; second++) {
        const slot = slots[second % slots.length] as Slot
        if (slot.second !== second) continue
        outcomes += slot.outcomes
        decisions += slot.decisions
        holds += slot.holds
        parts.push(slot.latencies)
      }
      const sorted = Float64Array.from(parts.flat()).sort()
      const seconds = Math.max(0, current - first)
      const p50 = rank(sorted, 0.5)
      const p99 = rank(sorted, 0.99)
      const max = sorted.length === 0 ? undefined : sorted[sorted.length - 1]
      return {
        seconds,
        outcomesPerS: seconds === 0 ? 0 : outcomes / seconds,
        holdRate: decisions === 0 ? 0 : holds / decisions,
        latencyMs: {
          ...(p50 === undefined ? {} : { p50 }),
          ...(p99 === undefined ? {} : { p99 }),
          ...(max === undefined ? {} : { max })
        }
      }
    }
  }
}
