import { describe, expect, it } from 'vitest'
import { enrichmentFields, enrichmentSymbols } from './enrichment.ts'
import type { EnrichmentRecord } from './enrichment.ts'

type DeepRequired<T> = {
  [K in keyof T]-?: NonNullable<T[K]> extends object ? DeepRequired<NonNullable<T[K]>> : NonNullable<T[K]>
}

// A complete record: adding a field to the EnrichmentRecord type without adding it here fails
// the type check, and the test below fails until the field table has it too.
const full: DeepRequired<EnrichmentRecord> = {
  seller: {
    riskTier: 'HIGH',
    firstSeenAt: 1,
    ageDays: 1,
    violations: 1,
    knownConsignor: true,
    offences180d: 1,
    lastOffenceAt: 1,
    aeo: { programme: 'AEOS', status: 'ACTIVE', mraApplicable: true, stale: false, matchesSeller: true },
    attributes: {}
  },
  consignee: { identityHash: 'h', violations: 1, offences180d: 1, lastOffenceAt: 1, attributes: {} },
  watchlist: { sellerHit: true, consigneeHit: true, sellerMatchScore: 1, consigneeMatchScore: 1, matchScore: 1 },
  ioss: { registered: true, boundToSeller: true },
  aggregates: {
    consigneeCount24h: 1, consigneeValueEur24h: 1, consigneeCount7d: 1, consigneeValueEur7d: 1,
    sellerCount24h: 1, sellerValueEur24h: 1, sellerCount7d: 1, sellerValueEur7d: 1,
    iossCount24h: 1, iossValueEur24h: 1, iossCount7d: 1, iossValueEur7d: 1
  },
  // Custom attributes only: no fixed field to list.
  route: { attributes: {} },
  hsCodes: {}
}

const leaves = (value: unknown, prefix = ''): Array<[string, string]> =>
  Object.entries(value as Record<string, unknown>).flatMap(([k, v]) =>
    typeof v === 'object' && v !== null
      ? leaves(v, `${prefix}${k}.`)
      : [[`${prefix}${k}`, typeof v] as [string, string]])

describe('enrichment > field table', () => {
  it('lists every field of the EnrichmentRecord type with its type', () => {
    const expected = Object.fromEntries(leaves(full).map(([path, t]) => [path, path.endsWith('At') ? 'timestamp' : t]))
    expect({ ...enrichmentFields }).toEqual(expected)
  })

  it('gives symbols only for string fields', () => {
    for (const path of Object.keys(enrichmentSymbols)) expect(enrichmentFields[path]).toBe('string')
  })
})
