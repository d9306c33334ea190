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
