import { describe, expect, it } from 'vitest'
import { makeDeclaration } from '../../test/fixtures/declarations/make.ts'
import { keyLayout, PROFILE_FIELDS, planFor } from './keys.ts'
import { createIdentityHasher } from './normalise.ts'
import { buildRecord, declarationKeys, defaultRecordConfig } from './record.ts'

const NOW = Date.UTC(2026, 10, 20, 12)

describe('enrich > record > unknown data sets', () => {
  const plan = planFor(['seller.riskTier', 'seller.aeo.status', 'ioss.registered'])
  const d = makeDeclaration({ declaredAt: NOW, aeoCertRef: 'CN1234567890', iossNumber: 'IM2760000001' })
  const k = declarationKeys(d, keyLayout(), createIdentityHasher('k'), plan)
  const aeo = PROFILE_FIELDS.aeo.map((f) => ({ updatedAt: String(NOW), id: 'CN1234567890', operatorKey: 'X', programme: 'AEOS', status: 'ACTIVE', issuingCountry: 'CN', mraPartners: 'EU' } as Record<string, string>)[f] ?? null)

  it('keeps a known AEO record when the seller profiles are unknown, and names what is missing', () => {
    const missing: string[] = []
    const record = buildRecord({ ...d, seller: { ...d.seller, identifiers: { ...d.seller.identifiers, tin: 'CN1234567890' } } }, k, { seller: undefined, aeo, ioss: undefined }, plan, NOW, defaultRecordConfig, missing)
    expect(missing).toEqual(['seller', 'ioss'])
    expect(record.seller).toEqual({ aeo: { programme: 'AEOS', status: 'ACTIVE', mraApplicable: true, stale: false, matchesSeller: true } })
    expect(record.ioss).toBeUndefined()
  })

  it('tells a number absent from a loaded registry (null) from an unknown one (undefined)', () => {
    const absent: string[] = []
    expect(buildRecord(d, k, { seller: null, aeo: null, ioss: null }, plan, NOW, defaultRecordConfig, absent).ioss).toEqual({ registered: false, boundToSeller: false })
    expect(absent).toEqual([])
  })
})

describe('enrich > record > custom attributes', () => {
  const plan = planFor(['enrichment.seller.attributes.riskScore', 'enrichment.seller.riskTier', 'enrichment.consignee.attributes.reshipper'])
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
    const bare = buildRecord(d, k, { seller: [...seller.slice(0, -1), null], consignee: null }, plan, NOW, defaultRecordConfig, missing)
    expect({ ...bare.seller?.attributes }).toEqual({})
    expect(missing).toEqual([])
  })
})
