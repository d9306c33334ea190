import { describe, expect, it } from 'vitest'
import { percentile } from './queries.ts'
import { outcomeFromForm } from './server.ts'
import { bucketMicros, consigneeKey, keyPart, latencyBucket, queueOrder, routeOf } from './store.ts'

describe('console > outcome form', () => {
  const base = { version: '2', result: 'SEIZED', method: 'NII', nii: 'ANOMALY', image: 'UFF-1', notes: ' found ' }

  it('turns a complete form into an InspectionOutcome with the NII result and image reference', () => {
    expect(outcomeFromForm('D1', base, ['R1'], 1_000)).toEqual({
      declarationId: 'D1', version: 2, result: 'SEIZED', inspectedAt: 1_000, method: 'NII', ruleIds: ['R1'],
      revenueAmount: null, revenueCurrency: null, notes: 'found', niiResult: 'ANOMALY', imageRef: 'UFF-1'
    })
  })

  it.each([
    [{ version: '0' }, 'version must be a positive integer'],
    [{ result: 'FOUND' }, 'unknown result'],
    [{ method: 'SMELL' }, 'unknown method'],
    [{ nii: 'MAYBE' }, 'unknown NII result'],
    [{ revenueAmount: '12,50', revenueCurrency: 'EUR' }, 'revenue must be a decimal such as 12.50'],
    [{ revenueAmount: '12.50', revenueCurrency: 'E' }, 'revenue needs a three-letter currency'],
    [{ image: 'x'.repeat(201) }, 'image reference too long']
  ])('refuses %j: %s', (over, problem) => {
    expect(outcomeFromForm('D1', { ...base, ...over }, [], 0)).toBe(problem)
  })
})

describe('console > store encodings', () => {
  it('orders the queue by score, then oldest first', () => {
    expect(queueOrder(90, 2_000)).toBeGreaterThan(queueOrder(80, 1_000))
    expect(queueOrder(80, 1_000)).toBeGreaterThan(queueOrder(80, 2_000))
  })

  it('reads percentiles from the latency histogram within its 25 % buckets', () => {
    const histogram = new Map<number, number>()
    for (let us = 100; us <= 10_000; us += 100) {
      histogram.set(latencyBucket(us), (histogram.get(latencyBucket(us)) ?? 0) + 1)
    }
    const p50 = percentile(histogram, 0.5) ?? 0
    const p99 = percentile(histogram, 0.99) ?? 0
    expect(p50).toBeGreaterThan(5_000 / 1.25)
    expect(p50).toBeLessThan(5_000 * 1.25)
    expect(p99).toBeGreaterThan(9_900 / 1.25)
    expect(percentile(new Map(), 0.5)).toBeNull()
    expect(bucketMicros(latencyBucket(1_000))).toBeLessThan(1_000 * 1.25)
  })

  it('keys consignees by a digest, never by their name, and keeps key parts free of separators', () => {
    const key = consigneeKey({
      consignee: {
        name: 'Ann Example',
        address: { street: 's', city: 'c', postcode: '1', country: 'DE' },
        identifiers: { eori: null, tin: null, vat: null },
        phone: null,
        email: null
      }
    })
    expect(key).toMatch(/^[0-9a-f]{24}$/)
    expect(keyPart('a:b,c\nd{e}')).toBe('a_b_c_d_e_')
    expect(routeOf({ originCountry: 'CN', route: ['AE', 'CN'], destinationCountry: 'DE' })).toEqual(['CN', 'AE', 'DE'])
  })
})
