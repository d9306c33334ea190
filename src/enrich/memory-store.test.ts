import { describe, expect, it } from 'vitest'
import type { ParcelDeclaration, ProfileUpdate } from '../declaration.ts'
import { makeDeclaration } from '../../test/fixtures/declarations/make.ts'
import { createMemoryProfileStore } from './memory-store.ts'
import { parseNdjson } from './profile-files.ts'
import { defaultRecordConfig } from './record.ts'
import { NO_PAYLOAD } from './profile-write.ts'

const HOUR = 3_600_000
const DAY = 24 * HOUR
const t0 = Date.UTC(2026, 10, 20, 12, 30)

const update = (u: Partial<ProfileUpdate> & Pick<ProfileUpdate, 'kind'>): ProfileUpdate =>
  ({ updatedAt: t0, sourceSystem: 'test', ...NO_PAYLOAD, ...u })

const aeo = (status: 'ACTIVE' | 'SUSPENDED', updatedAt = t0): ProfileUpdate => update({
  kind: 'AEO', updatedAt,
  aeo: {
    id: 'CN1234567890', idScheme: 'TIN', operatorName: 'Shenzhen Example Trading Co. Ltd.', programme: 'AEOS', status,
    authorisedAt: t0 - 400 * DAY, suspendedAt: null, issuingCountry: 'CN', mraPartners: ['EU']
  }
})

const store = () => createMemoryProfileStore({ identityKey: 'test-key' })

describe('enrich > memory store', () => {
  it('reads seller, IOSS and watchlist profiles', async () => {
    const s = store()
    s.applyUpdates([
      update({
        kind: 'SELLER',
        seller: {
          sellerId: 'seller-000042', platformId: null, country: 'CN', firstSeenAt: t0 - 10 * DAY, knownConsignor: false,
          violationCount: 2, lastViolationAt: t0, flags: [], attributes: {}
        }
      }),
      update({
        kind: 'IOSS',
        iossRegistry: { iossNumber: 'IM2760000001', valid: true, sellerId: 'someone-else', platformId: null }
      }),
      update({
        kind: 'WATCHLIST',
        watchlist: {
          listId: 'dnl', op: 'ADD', entityType: 'PARTY_NAME', value: 'MUSTERMANN ERIKA', reason: null, expiresAt: null
        }
      })
    ])
    const [r] = await s.enrichBatch([makeDeclaration({ declaredAt: t0 })], t0)
    expect(r?.status).toBe('OK')
    expect(r?.record.seller).toMatchObject({ riskTier: 'HIGH', ageDays: 10, violations: 2, knownConsignor: false })
    expect(r?.record.ioss).toEqual({ registered: true, boundToSeller: false })
    expect(r?.record.watchlist).toEqual({
      sellerHit: false, consigneeHit: true, sellerMatchScore: 0, consigneeMatchScore: 1, matchScore: 1
    })
  })

  it.each([
    ['unknown seller', [], { riskTier: 'UNKNOWN', violations: 0 }],
    ['violation one half-life (a year) ago', [365], { riskTier: 'MEDIUM', violations: 0.5 }]
  ] as const)('%s', async (_name, ago, expected) => {
    const s = store()
    for (const days of ago) {
      const seller = {
        sellerId: 'seller-000042', platformId: null, country: null, firstSeenAt: 0, knownConsignor: true,
        violationCount: 1, lastViolationAt: t0 - days * DAY, flags: [], attributes: {}
      }
      s.applyUpdates([update({ kind: 'SELLER', seller })])
    }
    const [r] = await s.enrichBatch([makeDeclaration()], t0, ['seller.riskTier', 'seller.violations'])
    expect(r?.record.seller).toMatchObject(expected)
  })

  it.each([
    [
      'active, fresh, matching the seller by name', [aeo('ACTIVE')], t0 + HOUR,
      { programme: 'AEOS', status: 'ACTIVE', mraApplicable: true, stale: false, matchesSeller: true }
    ],
    ['suspended by a later update', [aeo('ACTIVE'), aeo('SUSPENDED', t0 + 1)], t0 + HOUR, { status: 'SUSPENDED' }],
    ['older update ignored', [aeo('SUSPENDED', t0 + 1), aeo('ACTIVE')], t0 + HOUR, { status: 'SUSPENDED' }],
    ['stale after 48 h without sync', [aeo('ACTIVE')], t0 + 49 * HOUR, { stale: true }]
  ] as const)('AEO %s', async (_name, updates, now, expected) => {
    const s = store()
    s.applyUpdates(updates)
    const [r] = await s.enrichBatch([makeDeclaration({ aeoCertRef: 'CN 1234567890' })], now, ['seller.aeo.status'])
    expect(r?.record.seller?.aeo).toEqual(expect.objectContaining(expected))
    if ('stale' in expected && expected.stale === true) expect(r?.record.seller?.aeo?.status).toBeUndefined()
  })

  it('does not trust an AEO certificate of another operator', async () => {
    const s = store()
    s.applyUpdates([aeo('ACTIVE')])
    const other = makeDeclaration({ aeoCertRef: 'CN1234567890', seller: { name: 'Someone Else GmbH' } })
    const [r] = await s.enrichBatch([other], t0)
    expect(r?.record.seller?.aeo).toEqual({ matchesSeller: false })
  })

  const stream = () => [
    makeDeclaration({ declarationId: 'a', declaredAt: t0, totalValue: '10.00' }),
    makeDeclaration({
      declarationId: 'b', declaredAt: t0 + HOUR, totalValue: '20.00',
      consignee: {
        name: 'MUSTERMANN, Erika', address: { street: 'Musterstr. 1', city: 'BERLIN', postcode: '10115', country: 'DE' }
      }
    }),
    makeDeclaration({ declarationId: 'c', declaredAt: t0 + 2 * DAY, totalValue: '5.00', currency: 'USD' })
  ]

  it('counts spelling variants of one consignee together; a parcel sees the earlier ones of its windows', async () => {
    const s = store()
    const batch = stream()
    const first = await s.enrichBatch(batch, t0)
    expect(first.map((r) => r.record.aggregates?.consigneeCount24h)).toEqual([0, 1, 0])
    expect(first.map((r) => r.record.aggregates?.consigneeCount7d)).toEqual([0, 1, 2])
    expect(first[1]?.record.aggregates?.consigneeValueEur24h).toBe(10)
    expect(first[2]?.record.aggregates?.consigneeValueEur7d).toBe(30)
    expect(first[2]?.record.aggregates?.iossCount7d).toBe(2)
  })

  it('counts a declaration version once: a replay gets its first answer back, ' +
    'an amendment does not count again', async () => {
    const s = store()
    const batch = stream()
    const probe = (id: string): ParcelDeclaration => makeDeclaration({ declarationId: id, declaredAt: t0 + 2 * DAY })
    const first = await s.enrichBatch(batch, t0)
    const [p1] = await s.enrichBatch([probe('p1')], t0)
    expect(await s.enrichBatch(batch, t0)).toEqual(first)
    const [p2] = await s.enrichBatch([probe('p2')], t0)
    expect(p2?.record.aggregates?.consigneeCount7d).toBe((p1?.record.aggregates?.consigneeCount7d ?? 0) + 1)
    const [p1Again] = await s.enrichBatch([probe('p1')], t0)
    expect(p1Again?.record.aggregates).toEqual(p1?.record.aggregates)
    await s.enrichBatch([{ ...(batch[2] as typeof batch[number]), version: 2 }], t0)
    const [p3] = await s.enrichBatch([probe('p3')], t0)
    // p1 and p2 since p1's answer; the amended parcel was in the counters already.
    expect(p3?.record.aggregates?.consigneeCount7d).toBe((p1?.record.aggregates?.consigneeCount7d ?? 0) + 2)
  })

  it('includes the parcel itself when configured to', async () => {
    const record = { ...defaultRecordConfig, aggregatesIncludeCurrent: true }
    const s = createMemoryProfileStore({ identityKey: 'test-key', record })
    const results = await s.enrichBatch(stream(), t0)
    expect(results.map((r) => r.record.aggregates?.consigneeCount24h)).toEqual([1, 2, 1])
    expect(results[2]?.record.aggregates?.consigneeValueEur7d).toBe(34.3)
  })

  it('fetches nothing the ruleset does not read', async () => {
    const [r] = await store().enrichBatch([makeDeclaration()], t0, ['consignee.identityHash'])
    expect(Object.keys(r?.record ?? {})).toEqual(['consignee'])
    expect(r?.record.consignee?.identityHash).toMatch(/^[0-9a-f]{32}$/)
  })

  it('loads the NDJSON profile format', async () => {
    const parsed = parseNdjson(`${JSON.stringify(aeo('ACTIVE'))}\n\n{"kind":"NOPE"}\n`)
    expect(parsed.updates).toHaveLength(1)
    expect(parsed.errors.map((e) => [e.code, e.path])).toEqual([['E_ENRICH_PROFILE_INVALID', 'line 3']])
  })
})
