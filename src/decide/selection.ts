// Seeded random selection: a small share of would-be releases is held for calibration
// (ASYCUDA's "minimum random rate"). Deterministic per declarationId so a replay of the
// same declaration gets the same answer, and no Math.random anywhere.
//
// u = fnv1a32(seed + ":" + declarationId) / 2^32, selected when u < rate. FNV-1a runs over
// UTF-16 code units; the seed's part of the hash is computed once per ruleset.

const FNV_OFFSET = 0x811c9dc5
const FNV_PRIME = 0x01000193

const fnv1a = (state: number, text: string): number => {
  let h = state
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i)
    h = Math.imul(h, FNV_PRIME)
  }
  return h >>> 0
}

/** Returns a pure selector for one seed and rate. */
export const randomSelector = (seed: string, rate: number): ((declarationId: string) => boolean) => {
  const prefix = fnv1a(FNV_OFFSET, `${seed}:`)
  const threshold = rate * 0x100000000
  return (declarationId) => fnv1a(prefix, declarationId) < threshold
}
