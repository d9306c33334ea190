import { describe, expect, it } from 'vitest'
import { makeDeclaration } from '../../test/fixtures/declarations/make.ts'
import { keyLayout, planFor } from './keys.ts'
import { createIdentityHasher } from './normalise.ts'
import { consigneeKeyOf, decodeParties, encodeParties, offencesSince } from './offences.ts'
import { declarationKeys } from './record.ts'

describe('enrich > offences', () => {
  it.each([
    [null, 0, 0],
    ['', 0, 0],
    ['100', 100, 1],
    ['100', 101, 0],
    ['50,100,150,200', 100, 3],
    ['50,100,150,200', 0, 4],
    ['50,100,150,200', 201, 0]
  ])('offences %j since %d: %d', (times, from, count) => {
    expect(offencesSince(times, from)).toBe(count)
  })

  it('names the consignee profile the enrichment reads: the EORI, else the identity hash', () => {
    const hash = createIdentityHasher('k')
    const plan = planFor(['consignee.violations'])
    const withEori = makeDeclaration({})
    const withId = (eori: string | null) => ({
      ...withEori, consignee: { ...withEori.consignee, identifiers: { ...withEori.consignee.identifiers, eori } }
    })
    const eori = withId('de 123')
    const none = withId(null)
    for (const d of [eori, none]) {
      expect(keyLayout().consignee(consigneeKeyOf(d, hash))).toBe(declarationKeys(d, keyLayout(), hash, plan).consignee)
    }
    expect(consigneeKeyOf(eori, hash)).toBe('DE123')
  })

  it('keeps parties as text and reads back only a pair of non-empty strings', () => {
    const parties = { sellerId: 'S-1', consigneeKey: 'DE123' }
    expect(decodeParties(encodeParties(parties))).toEqual(parties)
    for (const bad of [null, '', 'x', '[]', '["S-1"]', '["S-1",""]', '[1,2]', '{"sellerId":"S"}']) {
      expect(decodeParties(bad)).toBeNull()
    }
  })
})
