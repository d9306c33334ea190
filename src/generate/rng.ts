// Seeded pseudo-random numbers for the synthetic stream. Never Math.random: the same seed must
// give the same bytes on every machine and every run.
//   seeding: splitmix32 scrambles the 32-bit seed (so seeds 1, 2, 3 do not start correlated)
//   stream:  mulberry32 — 32-bit state, period 2^32, passes gjrand/PractRand far beyond the
//            few million draws one run makes, and is only integer ops (identical everywhere).
// Math.log/exp/sqrt/cos below are IEEE-754 on every V8 platform we run on, so derived
// distributions are reproducible too.

export interface Rng {
  /** Uniform in [0, 1). */
  readonly next: () => number
  /** Uniform integer in [min, max], both inclusive. */
  readonly int: (min: number, max: number) => number
  readonly chance: (p: number) => boolean
  readonly pick: <T>(items: readonly T[]) => T
  /** Picks by weight; weights need not sum to 1. */
  readonly weighted: <T>(entries: ReadonlyArray<readonly [T, number]>) => T
  /** Standard normal (Box–Muller, one value per call). */
  readonly normal: () => number
  /** Log-normal with the given median and shape σ (of the underlying normal). */
  readonly lognormal: (median: number, sigma: number) => number
  /** A digit string of the given length. */
  readonly digits: (length: number) => string
  /** An independent generator derived from this one (for sub-streams that must not shift). */
  readonly fork: (salt: number) => Rng
}

const splitmix32 = (seed: number): number => {
  let z = (seed + 0x9e3779b9) | 0
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b)
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35)
  return (z ^ (z >>> 16)) >>> 0
}

export const createRng = (seed: number): Rng => {
  let state = splitmix32(seed >>> 0)
  const next = (): number => {
    state = (state + 0x6d2b79f5) | 0
    let t = Math.imul(state ^ (state >>> 15), 1 | state)
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
  const int = (min: number, max: number): number => min + Math.floor(next() * (max - min + 1))
  const pick = <T>(items: readonly T[]): T => {
    if (items.length === 0) throw new RangeError('pick from an empty list')
    return items[Math.floor(next() * items.length)] as T
  }
  const weighted = <T>(entries: ReadonlyArray<readonly [T, number]>): T => {
    let total = 0
    for (const [, w] of entries) total += w
    let r = next() * total
    for (const [value, w] of entries) {
      r -= w
      if (r < 0) return value
    }
    return (entries[entries.length - 1] as readonly [T, number])[0]
  }
  const normal = (): number => {
    const u = 1 - next() // (0, 1]: log(0) never happens
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * next())
  }
  const digits = (length: number): string => {
    let out = ''
    for (let i = 0; i < length; i++) out += String(Math.floor(next() * 10))
    return out
  }
  return {
    next,
    int,
    chance: (p) => next() < p,
    pick,
    weighted,
    normal,
    lognormal: (median, sigma) => median * Math.exp(sigma * normal()),
    digits,
    fork: (salt) => createRng((Math.floor(next() * 4294967296) ^ splitmix32(salt)) >>> 0)
  }
}
