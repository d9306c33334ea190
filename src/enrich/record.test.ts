import { describe, expect, it } from 'vitest'
import { makeDeclaration } from '../../test/fixtures/declarations/make.ts'
import { keyLayout, PROFILE_FIELDS, planFor } from './keys.ts'
import { createIdentityHasher } from './normalise.ts'
import { buildRecord, createSellerWatchMemo, declarationKeys, defaultRecordConfig } from './record.ts'

const NOW = Date.UTC(2026, 10, 20, 12)

describe('enrich > record > unknown data sets', () => {
  const plan = planFor(['seller.riskTier', 'seller.aeo.status', 'ioss.registered'])
  const d = makeDeclaration({ declaredAt: NOW, aeoCertRef: 'CN1234567890', iossNumber: 'IM2760000001' })
  const k = declarationKeys(d, keyLayout(), createIdentityHasher('k'), plan)
  const stored: Record<string, string> = {
    updatedAt: String(NOW), id: 'CN1234567890', operatorKey: 'X', programme: 'AEOS', status: 'ACTIVE',
    issuingCountry: 'CN', mraPartners: 'EU'
  }
  const aeo = PROFILE_FIELDS.aeo.map((f) => stored[f] ?? null)

  it('keeps a known AEO record when the seller profiles are unknown, and names what is missing', () => {
    const missing: string[] = []
    const withTin = { ...d, seller: { ...d.seller, identifiers: { ...d.seller.identifiers, tin: 'CN1234567890' } } }
    const fetched = { seller: undefined, aeo, ioss: undefined }
    const record = buildRecord(withTin, k, fetched, plan, NOW, defaultRecordConfig, missing)
    expect(missing).toEqual(['seller', 'ioss'])
    expect(record.seller).toEqual({
      aeo: { programme: 'AEOS', status: 'ACTIVE', mraApplicable: true, stale: false, matchesSeller: true }
    })
    expect(record.ioss).toBeUndefined()
  })

  it('tells a number absent from a loaded registry (null) from an unknown one (undefined)', () => {
    const absent: string[] = []
    const none = buildRecord(d, k, { seller: null, aeo: null, ioss: null }, plan, NOW, defaultRecordConfig, absent)
    expect(none.ioss).toEqual({ registered: false, boundToSeller: false })
    expect(absent).toEqual([])
  })
})

describe('enrich > record > custom attributes', () => {
  const plan = planFor([
    'enrichment.seller.attributes.riskScore', 'enrichment.seller.riskTier', 'enrichment.consignee.attributes.reshipper'
  ])
  const d = makeDeclaration({ declaredAt: NOW })
  const k = declarationKeys(d, keyLayout(), createIdentityHasher('k'), plan)
  const seller = [...PROFILE_FIELDS.seller.map((f) => f === 'updatedAt' ? String(NOW) : null), '87']

  it('reads each attribute a ruleset reads with the fixed fields of its profile (one HMGET)', () => {
    expect(plan.hashFields.seller).toEqual([...PROFILE_FIELDS.seller, 'attr:riskScore'])
    expect(plan.hashFields.consignee).toEqual([...PROFILE_FIELDS.consignee, 'attr:reshipper'])
    expect([...plan.families].sort()).toEqual(['consignee', 'seller'])
  })

  it('gives the stored text; an attribute the profile lacks, or a profile that does not exist, is absent', () => {
    const missing: string[] = []
    const record = buildRecord(d, k, { seller, consignee: null }, plan, NOW, defaultRecordConfig, missing)
    expect({ ...record.seller?.attributes }).toEqual({ riskScore: '87' })
    expect(record.consignee?.attributes).toBeUndefined()
    const withoutAttribute = { seller: [...seller.slice(0, -1), null], consignee: null }
    const bare = buildRecord(d, k, withoutAttribute, plan, NOW, defaultRecordConfig, missing)
    expect({ ...bare.seller?.attributes }).toEqual({})
    expect(missing).toEqual([])
  })
})

describe('enrich > record > offences', () => {
  const plan = planFor([
    'enrichment.seller.offences180d', 'enrichment.seller.riskTier', 'enrichment.consignee.lastOffenceAt'
  ])
  const d = makeDeclaration({ declaredAt: NOW })
  const k = declarationKeys(d, keyLayout(), createIdentityHasher('k'), plan)
  const DAY = 86_400_000
  const hashOf = (fields: readonly string[], values: Record<string, string>): Array<string | null> =>
    fields.map((f) => values[f] ?? null)
  // Oldest first, as OFFENCE_LUA keeps them: one just outside the 180 days, one on its edge, two inside.
  const offences = [NOW - 181 * DAY, NOW - 180 * DAY, NOW - 30 * DAY, NOW - DAY].join(',')
  const profile = { updatedAt: String(NOW), firstSeenAt: String(NOW - 400 * DAY), violationCount: '0', flags: '' }

  it.each([
    ['a profile with offences', { ...profile, offences, lastOffenceAt: String(NOW - DAY) }, 'LOW', 3, NOW - DAY],
    ['a profile without any', profile, 'LOW', 0, undefined],
    [
      'offences on a party with no profile (UNKNOWN tier)',
      { offences, lastOffenceAt: String(NOW - DAY) }, 'UNKNOWN', 3, NOW - DAY
    ],
    [
      'only a last offence, older than the window',
      { ...profile, lastOffenceAt: String(NOW - 200 * DAY) }, 'LOW', 0, NOW - 200 * DAY
    ]
  ])('%s: counts the offences of the last 180 days and gives the last one', (_name, values, tier, count, last) => {
    const missing: string[] = []
    const record = buildRecord(d, k, {
      seller: hashOf(plan.hashFields.seller, values), consignee: hashOf(plan.hashFields.consignee, values)
    }, plan, NOW, defaultRecordConfig, missing)
    expect(record.seller).toMatchObject({ riskTier: tier, offences180d: count })
    expect(record.seller?.lastOffenceAt).toBe(last)
    expect(record.consignee).toMatchObject({ offences180d: count })
    expect(record.consignee?.lastOffenceAt).toBe(last)
    expect(missing).toEqual([])
  })

  it('no profile hash at all is 0 offences; a profile Redis could not read is missing, not 0', () => {
    const missing: string[] = []
    const none = buildRecord(d, k, { seller: null, consignee: null }, plan, NOW, defaultRecordConfig, missing)
    expect(none.seller).toMatchObject({ riskTier: 'UNKNOWN', offences180d: 0 })
    expect(none.consignee).toMatchObject({ offences180d: 0 })
    expect(missing).toEqual([])
    const unknown = { seller: undefined, consignee: undefined }
    const unread = buildRecord(d, k, unknown, plan, NOW, defaultRecordConfig, missing)
    expect(unread.seller?.offences180d).toBeUndefined()
    expect(unread.consignee?.offences180d).toBeUndefined()
    expect(missing).toEqual(['seller', 'consignee'])
  })

  it('reads the offence fields with the profile\'s own (one HMGET), for consignee paths too', () => {
    expect(plan.hashFields.seller).toEqual(expect.arrayContaining(['offences', 'lastOffenceAt']))
    expect(plan.hashFields.consignee).toEqual(expect.arrayContaining(['offences', 'lastOffenceAt']))
    expect([...planFor(['consignee.offences180d']).families]).toEqual(['consignee'])
    expect([...planFor(['consignee.lastOffenceAt']).families]).toEqual(['consignee'])
  })

  it('a ruleset that reads no offences does not fetch them, and its records carry none', () => {
    const none = planFor(['seller.riskTier', 'seller.attributes.riskScore', 'consignee.violations'])
    expect(none.hashFields.seller).not.toContain('offences')
    expect(none.hashFields.consignee).not.toContain('lastOffenceAt')
    expect(none.hashFields.seller.at(-1)).toBe('attr:riskScore')
  })
})

describe('enrich > record > seller watch memo', () => {
  const plan = planFor(['watchlist.sellerHit', 'watchlist.consigneeHit'])
  const keys = keyLayout()
  const hash = createIdentityHasher('k')
  const base = makeDeclaration({ declaredAt: NOW, sellerId: 'S-1', iossNumber: 'IM2760000001' })

  it('gives the same keys as without it, and recomputes them when the seller is declared otherwise', () => {
    const memo = createSellerWatchMemo()
    const renamed = { ...base, seller: { ...base.seller, name: 'Other Trading Ltd' } }
    const moved = { ...base, seller: { ...base.seller, address: { ...base.seller.address, city: 'Elsewhere' } } }
    const phoned = { ...base, seller: { ...base.seller, phone: '+86 10 5555 0000' } }
    const newIoss = { ...base, iossNumber: 'IM2760000002' }
    for (const d of [base, base, renamed, base, moved, phoned, newIoss, base]) {
      expect(declarationKeys(d, keys, hash, plan, memo)).toEqual(declarationKeys(d, keys, hash, plan))
    }
    expect(declarationKeys(renamed, keys, hash, plan, memo).sellerWatch)
      .not.toEqual(declarationKeys(base, keys, hash, plan, memo).sellerWatch)
  })

  it('reuses a seller\'s fields while it is declared the same way, and holds at most maxEntries sellers', () => {
    const memo = createSellerWatchMemo(2)
    const copy = { ...base, seller: structuredClone(base.seller) }
    const first = declarationKeys(base, keys, hash, plan, memo).sellerWatch
    expect(declarationKeys(copy, keys, hash, plan, memo).sellerWatch).toBe(first)
    declarationKeys({ ...base, sellerId: 'S-2' }, keys, hash, plan, memo)
    expect(memo.entries.size).toBe(2)
    declarationKeys({ ...base, sellerId: 'S-3' }, keys, hash, plan, memo)
    expect(memo.entries.size).toBe(1)
    expect(declarationKeys(base, keys, hash, plan, memo).sellerWatch).not.toBe(first)
  })
})
