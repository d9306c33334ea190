import { describe, expect, it } from 'vitest'
import { enrichmentFields } from '../enrichment.ts'
import { familyOfPath, keyLayout, planFor } from './keys.ts'

describe('enrich > keys', () => {
  it('builds every key under the configured prefix', () => {
    const k = keyLayout('test:')
    expect([k.seller('s1'), k.consignee('c1'), k.aeo('DE123'), k.ioss('IM2760000001'), k.watchlist]).toEqual([
      'test:seller:s1', 'test:consignee:c1', 'test:aeo:DE123', 'test:ioss:IM2760000001', 'test:wl'
    ])
    expect(keyLayout().seller('s1')).toBe('pr:seller:s1')
  })

  it.each([
    ['seller.riskTier', 'seller'],
    ['seller.aeo.status', 'aeo'],
    ['consignee.violations', 'consignee'],
    ['consignee.identityHash', undefined],
    ['watchlist.matchScore', 'watchlist'],
    ['ioss.registered', 'ioss'],
    ['aggregates.consigneeCount24h', 'aggregates']
  ])('path %s is served by family %s', (path, family) => {
    expect(familyOfPath(path)).toBe(family)
  })

  it('maps every enrichment field except the locally computed identity hash to a family', () => {
    const unmapped = Object.keys(enrichmentFields).filter((p) => familyOfPath(p) === undefined)
    expect(unmapped).toEqual(['consignee.identityHash'])
  })

  it('plans only the families the ruleset reads', () => {
    const plan = planFor(['enrichment.aggregates.consigneeCount24h', 'enrichment.seller.aeo.status'])
    expect([...plan.families].sort()).toEqual(['aeo', 'aggregates'])
    expect(plan.paths.has('seller.aeo.status')).toBe(true)
    expect(planFor([]).families.size).toBe(0)
  })

  it.each([
    [['aggregates.consigneeCount24h'], 'c'],
    [['aggregates.iossValueEur7d', 'aggregates.sellerCount24h'], 'si'],
    [['seller.riskTier'], '']
  ])('reads the aggregate kinds %j (mask %j)', (paths, mask) => {
    expect(planFor(paths).aggregateMask).toBe(mask)
  })
})
