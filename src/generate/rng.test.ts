import { describe, expect, it } from 'vitest'
import { createRng } from './rng.ts'

const draw = (seed: number, n: number): number[] => {
  const rng = createRng(seed)
  return Array.from({ length: n }, () => rng.next())
}

describe('generate > rng', () => {
  it('repeats the same sequence for the same seed', () => {
    expect(draw(7, 1000)).toEqual(draw(7, 1000))
  })

  it('gives a different sequence for neighbouring seeds', () => {
    const a = draw(1, 100)
    const b = draw(2, 100)
    expect(a.filter((x, i) => x === b[i])).toEqual([])
  })

  it('pins the first values of seed 7, so a change to the generator is a visible decision', () => {
    expect(draw(7, 3).map((x) => x.toFixed(8))).toMatchInlineSnapshot(`
      [
        "0.72275074",
        "0.98726267",
        "0.64461488",
      ]
    `)
  })

  it('stays in [0, 1) with a mean near 1/2 over 100,000 draws', () => {
    const xs = draw(3, 100_000)
    expect(Math.min(...xs)).toBeGreaterThanOrEqual(0)
    expect(Math.max(...xs)).toBeLessThan(1)
    expect(Math.abs(xs.reduce((a, b) => a + b, 0) / xs.length - 0.5)).toBeLessThan(0.005)
  })

  it.each([[1, 6], [0, 0], [10, 12]])('draws integers in [%i, %i] and reaches both ends', (min, max) => {
    const rng = createRng(5)
    const seen = new Set(Array.from({ length: 2000 }, () => rng.int(min, max)))
    expect([...seen].sort((a, b) => a - b)).toEqual(Array.from({ length: max - min + 1 }, (_, i) => min + i))
  })

  it('picks by weight in proportion', () => {
    const rng = createRng(11)
    let heavy = 0
    for (let i = 0; i < 20_000; i++) if (rng.weighted([['a', 3], ['b', 1]] as const) === 'a') heavy++
    expect(heavy / 20_000).toBeCloseTo(0.75, 1)
  })

  it('draws a log-normal whose median is the one asked for', () => {
    const rng = createRng(13)
    const xs = Array.from({ length: 20_001 }, () => rng.lognormal(15, 0.5)).sort((a, b) => a - b)
    expect(xs[10_000]).toBeGreaterThan(14.4)
    expect(xs[10_000]).toBeLessThan(15.6)
  })
})
