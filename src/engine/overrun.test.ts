import { describe, expect, it } from 'vitest'
import { compileRules } from '../../test/fixtures/inline-ruleset.ts'
import { OVERRUN_FLOOR_MS, overrunGuard } from './overrun.ts'
import type { Overrun } from './overrun.ts'
import type { CompiledRuleset, RulesetWatch } from './ruleset.ts'

const before = compileRules([{ id: 'BEFORE', when: 'pieces > 1' }])
const reloaded = compileRules([{ id: 'RELOADED', when: 'pieces > 2' }])

/** A watch whose last reload swapped `before` for `reloaded`. */
const afterReload = (): RulesetWatch => {
  let active: CompiledRuleset = reloaded
  let previous: CompiledRuleset | null = before
  return {
    current: () => active,
    revert: () => {
      if (previous === null) return null
      active = previous
      previous = null
      return active
    },
    close: () => {}
  }
}

describe('engine > overrun', () => {
  it.each([
    // budget µs/KiB, elapsed ms, bytes, overrun?
    [1_000, 99, 1_024, false], // under the floor
    [1_000, 101, 1_024, true], // over the floor, which is above 2 × 1 ms
    [1_000, 1_999, 1_024_000, false], // 1,000 KiB × 2 ms = 2,000 ms allowed
    [1_000, 2_001, 1_024_000, true],
    [10, 150, 1_024_000, true] // 1,000 KiB × 20 µs = 20 ms, so the floor applies
  ])('budget %i µs/KiB, %i ms for %i bytes: overrun %s', (budget, elapsedMs, bytes, expected) => {
    const seen: Overrun[] = []
    const watch = afterReload()
    overrunGuard(budget, watch, (o) => seen.push(o))(elapsedMs, bytes)
    expect(seen.length === 1).toBe(expected)
    expect(watch.current()).toBe(expected ? before : reloaded)
  })

  it('reverts the last reload once, then reports overruns with nothing to return to', () => {
    const seen: Overrun[] = []
    const watch = afterReload()
    const guard = overrunGuard(1_000, watch, (o) => seen.push(o))
    guard(OVERRUN_FLOOR_MS * 5, 1_024)
    guard(OVERRUN_FLOOR_MS * 5, 1_024)
    expect(seen.map((o) => [o.ruleset.rules[0]?.id, o.revertedTo?.rules[0]?.id ?? null]))
      .toEqual([['RELOADED', 'BEFORE'], ['BEFORE', null]])
    expect(seen[0]?.allowedMs).toBe(OVERRUN_FLOOR_MS)
    expect(watch.current()).toBe(before)
  })
})
