// The labelled patterns of the synthetic stream and their documented rates (share of all
// declarations). The README's "Synthetic stream" table is this table; generate.test.ts checks
// measured rates against it. A declaration carries at most one pattern.

export const patternRates = {
  'undervaluation': 0.06,
  'split-shipment': 0.03,
  'vague-description': 0.04,
  'hs-mismatch': 0.03,
  'watchlist-party': 0.005,
  'high-risk-route': 0.02,
  'invalid-ioss': 0.02,
  'free-zone': 0.02,
  'trusted-aeo': 0.05,
  'restricted-goods': 0.01
} as const

export type Pattern = keyof typeof patternRates

export const patterns = Object.keys(patternRates) as Pattern[]

/** Parcels per split-shipment group: 3, 4 or 5, equally likely. */
export const SPLIT_GROUP_SIZES = [3, 4, 5] as const
const meanGroupSize = SPLIT_GROUP_SIZES.reduce((a, b) => a + b, 0) / SPLIT_GROUP_SIZES.length

/**
 * Chance that a fresh declaration opens a split group. A group of mean size k fills k slots,
 * so for a share r of labelled slots: p·k / (p·k + 1 − p) = r  ⇒  p = r / (k − r·(k − 1)).
 */
const splitRate = patternRates['split-shipment']
export const splitStartChance = splitRate / (meanGroupSize - splitRate * (meanGroupSize - 1))

/** Weights for a fresh declaration that did not open a split group (the rest is clean). */
export const freshPatternWeights = (): ReadonlyArray<readonly [Pattern | null, number]> => {
  const rest = 1 - patternRates['split-shipment']
  const entries: Array<readonly [Pattern | null, number]> = []
  let used = 0
  for (const pattern of patterns) {
    if (pattern === 'split-shipment') continue
    const weight = patternRates[pattern] / rest
    entries.push([pattern, weight])
    used += weight
  }
  entries.push([null, 1 - used])
  return entries
}
