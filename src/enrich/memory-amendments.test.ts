import { describe, expect, it } from 'vitest'
import { AMENDED, SUPERSEDED } from '../amendment.ts'
import type { ParcelDeclaration, RiskDecision } from '../declaration.ts'
import { makeDeclaration } from '../../test/fixtures/declarations/make.ts'
import { createMemoryProfileStore } from './memory-store.ts'

const HOUR = 3_600_000
const t0 = Date.UTC(2026, 10, 20, 12, 30)
const FIELDS = [
  'aggregates.sellerCount24h', 'aggregates.sellerValueEur24h',
  'aggregates.consigneeCount7d', 'aggregates.consigneeValueEur7d'
]

const store = () => createMemoryProfileStore({ identityKey: 'test-key' })

const version = (id: string, v: number, over: Partial<ParcelDeclaration> = {}): ParcelDeclaration =>
  makeDeclaration({
    declarationId: id, version: v, declaredAt: t0 + v * 60_000, sellerId: 'seller-amend', totalValue: '100.00',
    currency: 'EUR', ...over
  })

/** A declaration an hour on, read only: its aggregates are what the parcels before it left. */
const probe = (): ParcelDeclaration => version('probe', 5, { totalValue: '1.00', declaredAt: t0 + HOUR })

const decided = (
  id: string, v: number, action: 'RELEASE' | 'SCREEN_NII', extra: Array<{ ruleId: string }> = []
): RiskDecision => ({
  declarationId: id, version: v, decision: action === 'RELEASE' ? 'RELEASE' : 'HOLD', action,
  score: action === 'RELEASE' ? 0 : 75,
  reasons: [{ ruleId: 'IND-A' }, ...extra], ruleset: { id: 'eu-lvc', version: '1', digest: 'ab' }
}) as unknown as RiskDecision

describe('enrich > memory store: declaration history', () => {
  it('reads nothing for a new declarationId, then the standing decision and the one it replaced', async () => {
    const s = store()
    expect((await s.enrichBatch([version('D-1', 1)], t0, []))[0]?.history).toBeNull()
    await s.remember([decided('D-1', 1, 'SCREEN_NII')])
    await s.remember([decided('D-1', 2, 'RELEASE', [{ ruleId: AMENDED }])])
    const [r] = await s.enrichBatch([version('D-1', 1)], t0, [])
    expect(r?.history?.current).toMatchObject({ version: 2, action: 'RELEASE', rules: ['IND-A'] })
    expect(r?.history?.previous).toMatchObject({ version: 1, action: 'SCREEN_NII', decision: 'HOLD', score: 75 })
    expect(r?.status).toBe('OK')
  })

  it('keeps the first decision of a version and never lets an older version ' +
    'or a superseded answer replace it', async () => {
    const s = store()
    await s.remember([decided('D-2', 2, 'SCREEN_NII')])
    await s.remember([decided('D-2', 2, 'RELEASE'), decided('D-2', 1, 'RELEASE')])
    const superseded = { ...decided('D-2', 3, 'RELEASE'), reasons: [{ ruleId: SUPERSEDED }] } as unknown as RiskDecision
    await s.remember([superseded])
    const [r] = await s.enrichBatch([version('D-2', 2)], t0, [])
    expect(r?.history).toMatchObject({ current: { version: 2, action: 'SCREEN_NII' }, previous: null })
  })
})

describe('enrich > memory store: an amended parcel is counted once', () => {
  it('v1 and v2 of one parcel add one parcel to the seller and consignee counters, at the amended value', async () => {
    const s = store()
    const [before] = await s.enrichBatch([version('other', 1, { totalValue: '10.00' })], t0, FIELDS)
    expect(before?.record.aggregates).toMatchObject({ sellerCount24h: 0, consigneeCount7d: 0 })
    await s.enrichBatch([version('P', 1, { totalValue: '120.00' })], t0, FIELDS)
    await s.enrichBatch([version('P', 2, { totalValue: '90.00' })], t0, FIELDS)
    const [after] = await s.enrichBatch([probe()], t0, FIELDS)
    // other (10) + P once, at its amended value (90)
    expect(after?.record.aggregates).toMatchObject({
      sellerCount24h: 2, sellerValueEur24h: 100, consigneeCount7d: 2, consigneeValueEur7d: 100
    })
  })

  it('an older version arriving after the newer one is not counted, ' +
    'and a replay of either changes nothing', async () => {
    const s = store()
    await s.enrichBatch([version('Q', 2, { totalValue: '50.00' })], t0, FIELDS)
    await s.enrichBatch([version('Q', 1, { totalValue: '70.00' })], t0, FIELDS)
    const [replay] = await s.enrichBatch([version('Q', 2, { totalValue: '50.00' })], t0, FIELDS)
    await s.enrichBatch([version('Q', 1, { totalValue: '70.00' })], t0, FIELDS)
    const [after] = await s.enrichBatch([probe()], t0, FIELDS)
    expect(after?.record.aggregates).toMatchObject({ sellerCount24h: 1, sellerValueEur24h: 50 })
    // The replay of version 2 is answered with its first answer: nothing before it.
    expect(replay?.record.aggregates).toMatchObject({ sellerCount24h: 0, sellerValueEur24h: 0 })
  })
})
