import { describe, expect, it } from 'vitest'
import { enrichmentFields } from '../enrichment.ts'
import { familyOfPath, keyLayout, planFor } from './keys.ts'
import { slotOf } from './node-pipelines.ts'

describe('enrich > keys', () => {
  it('builds every key under the configured prefix', () => {
    const k = keyLayout('test:')
    expect([k.seller('s1'), k.consignee('c1'), k.aeo('DE123'), k.ioss('IM2760000001'), k.watchlist]).toEqual([
      'test:seller:s1', 'test:consignee:c1', 'test:aeo:DE123', 'test:ioss:IM2760000001', 'test:wl'
    ])
    expect(keyLayout().seller('s1')).toBe('pr:seller:s1')
  })

  it('keeps the single-server names when not on a cluster: no migration for one server', () => {
    const k = keyLayout('pr:')
    expect([k.seller('s1'), k.history('D1'), k.aggregatePrefix, k.cluster]).toEqual([
      'pr:seller:s1', 'pr:history:{D1}', 'pr:', false
    ])
  })

  it('tags each profile with its entity on a cluster, so profiles spread over the slots', () => {
    const k = keyLayout('pr:', true)
    expect([k.seller('s1'), k.consignee('c1'), k.aeo('DE1'), k.ioss('IM1'), k.hsCode('6109'), k.route('CN-DE')])
      .toEqual([
        'pr:seller:{s1}', 'pr:consignee:{c1}', 'pr:aeo:{DE1}', 'pr:ioss:{IM1}', 'pr:hs:{6109}', 'pr:route:{CN-DE}'
      ])
    expect(slotOf(k.seller('s1'))).toBe(slotOf('s1'))
    expect(new Set(['s1', 's2', 's3', 's4'].map((id) => slotOf(k.seller(id)))).size).toBeGreaterThan(1)
  })

  it('tags the aggregate state by entity and by declaration on a cluster, so it spreads over the slots', () => {
    const k = keyLayout('pr:', true)
    expect([k.aggregates('c', 'X'), k.entityAnswers('s', 'S1', 491000), k.history('D1')]).toEqual([
      'pr:agg:c:{X}', 'pr:answers:s:{S1}:491000', 'pr:history:{D1}'
    ])
    // An entity's counters and its answers share its slot (one script call), the seller's profile too.
    expect(new Set([k.aggregates('s', 'S1'), k.entityAnswers('s', 'S1', 491000), k.seller('S1')].map(slotOf)))
      .toEqual(new Set([slotOf('S1')]))
    expect(new Set(['S1', 'S2', 'S3', 'S4'].map((id) => slotOf(k.aggregates('s', id)))).size).toBeGreaterThan(1)
    expect(slotOf(k.history('D1'))).toBe(slotOf('D1'))
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
