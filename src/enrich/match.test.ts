import { describe, expect, it } from 'vitest'
import type { ProfileUpdate } from '../declaration.ts'
import { makeDeclaration } from '../../test/fixtures/declarations/make.ts'
import { addressKeys, addressScore, addressTokens, foldName, nameKeys, nameScore, skeleton } from './match.ts'
import { createMemoryProfileStore } from './memory-store.ts'
import { normaliseName, normaliseText } from './normalise.ts'
import { NO_PAYLOAD } from './profile-write.ts'

const name = (a: string, b: string): { found: boolean, score: number } => {
  const x = normaliseName(a)
  const y = normaliseName(b)
  const keys = new Set(nameKeys(x))
  return { found: nameKeys(y).some((k) => keys.has(k)), score: nameScore(x, y) }
}

const address = (a: string, b: string): { found: boolean, score: number } => {
  const x = normaliseText(a)
  const y = normaliseText(b)
  const keys = new Set(addressKeys(x))
  return { found: addressKeys(y).some((k) => keys.has(k)), score: addressScore(x, y) }
}

describe('enrich > match', () => {
  it.each([
    ['MOHAMMED', 'MUHAMMAD', 'MOHAMED'],
    ['ALEKSANDR', 'ALEXANDER', 'ALEKSANDER'],
    ['KHALIL', 'CHALIL', 'KHALIL'],
    ['CHERNOV', 'TSCHERNOW', 'CHERNOV'],
    ['MUELLER', 'MULLER', 'MULLER'],
    ['YEVGENY', 'EVGENY', 'JEWGENI']
  ])('folds %s, %s and %s to one skeleton', (a, b, c) => {
    const s = skeleton(foldName(a))
    expect([skeleton(foldName(b)), skeleton(foldName(c))]).toEqual([s, s])
  })

  it('folds a word the same whether it comes from the word memo or not, also once the memo ran full', () => {
    const first = [foldName('TSCHERNOW'), skeleton(foldName('TSCHERNOW'))]
    expect(first).toEqual(['HERNOV', 'HRNV'])
    expect([foldName('TSCHERNOW'), skeleton(foldName('TSCHERNOW'))]).toEqual(first)
    // More distinct words than the memo holds: it is emptied and filled again.
    for (let i = 0; i < 25_000; i++) skeleton(foldName(`W${i}CH`))
    expect([foldName('TSCHERNOW'), skeleton(foldName('TSCHERNOW'))]).toEqual(first)
    expect(foldName('W24999CH')).toBe('V249H')
  })

  it.each([
    ['Lindenstraße 12, 10969 Berlin, DE', 'DE', ['BERLIN', 'LINDEN', 'STRASSE'], ['10969', '12']],
    ['Linden Str. 12 10969 Berlin DE', 'DE', ['BERLIN', 'LINDEN', 'STRASSE'], ['10969', '12']],
    ['Markt Pl. 3, 50667 Köln, DE', 'DE', ['KOLN', 'MARKT', 'PLATZ'], ['3', '50667']],
    ['12 R. de la Paix, 75002 Paris, FR', 'FR', ['DE', 'LA', 'PAIX', 'PARIS', 'RUE'], ['12', '75002']],
    ['12 St Michel, 75002 Paris, FR', 'FR', ['MICHEL', 'PARIS', 'SAINT'], ['12', '75002']],
    ['12 Mill Cl, M1 1AE Manchester, GB', 'GB', ['CLOSE', 'MANCHESTER', 'MILL'], ['12', '1AE', 'M1']],
    ['C/ Mayor 5, 28013 Madrid, ES', 'ES', ['CALLE', 'MADRID', 'MAYOR'], ['28013', '5']],
    ['V.le Europa 7, 00184 Roma, IT', 'IT', ['EUROPA', 'ROMA', 'VIA'], ['00184', '7']],
    ['Kerkstr. 4, 3511 AA Utrecht, NL', 'NL', ['AA', 'KERK', 'STRAAT', 'UTRECHT'], ['3511', '4']],
    ['ul. Długa 9, 00-950 Warszawa, PL', 'PL', ['DLUGA', 'ULICA', 'WARSZAWA'], ['00', '9', '950']],
    ['Linden Strase 12, 10969 Berlin, DE', 'DE', ['BERLIN', 'LINDEN', 'STRASSE'], ['10969', '12']]
  ])('reads %j with the %s table', (text, country, words, numbers) => {
    const a = addressTokens(normaliseText(text))
    expect([a.country, [...a.words].sort(), [...a.numbers].sort()]).toEqual([country, words, numbers])
  })

  it.each([
    ['transliteration', 'Mohammed Al Hassan', 'Muhammad Al Hasan', 0.9],
    ['transliteration', 'Aleksandr Petrov', 'Alexander Petrow', 0.95],
    ['German transliteration', 'Yusuf Khalil', 'Youssef Chalil', 0.95],
    ['umlaut spelled out', 'Hans Müller', 'Hans Mueller', 1],
    ['word order and honorific', 'Erika Mustermann', 'Frau MUSTERMANN, Erika', 1],
    ['first name as an initial', 'Sofia Martinez', 'S. Martinez', 0.95],
    ['middle name missing', 'Anna Maria Schmidt', 'Anna Schmidt', 0.95],
    ['one slip', 'Katarzyna Kowalski', 'Katarzyna Kowalksi', 0.95]
  ])('a name with %s is found: %s, %s scores >= %s', (_kind, listed, declared, min) => {
    const r = name(listed, declared)
    expect(r.found).toBe(true)
    expect(r.score).toBeGreaterThanOrEqual(min)
  })

  it.each([
    ['another first name', 'Hans Schmidt', 'Peter Schmidt'],
    ['another surname', 'Anna Schmidt', 'Anna Weber'],
    ['another person altogether', 'Anna Schmidt', 'Wei Zhang']
  ])('a name with %s scores below 0.85', (_kind, listed, declared) => {
    expect(name(listed, declared).score).toBeLessThan(0.85)
  })

  it.each([
    ['Straße abbreviated', 'Lindenstraße 12, 10969 Berlin, DE', 'Lindenstr. 12, 10969 Berlin, DE', 1],
    ['compound split', 'Lindenstraße 12, 10969 Berlin, DE', 'Linden Straße 12, 10969 Berlin, DE', 1],
    ['Road abbreviated, number moved', '12 Station Road, LS1 4DY Leeds, GB', 'Station Rd 12, LS1 4DY Leeds, GB', 1],
    ['house number missing', 'Lindenstraße 12, 10969 Berlin, DE', 'Lindenstraße, 10969 Berlin, DE', 0.95],
    ['a slip in the street type', '12 Baker Street, NW1 6XE London, GB', '12 Baker Stret, NW1 6XE London, GB', 0.95],
    ['Calle abbreviated', 'Calle Mayor 5, 28013 Madrid, ES', 'C/ Mayor 5, 28013 Madrid, ES', 1]
  ])('an address with %s is found: %s, %s scores >= %s', (_kind, listed, declared, min) => {
    const r = address(listed, declared)
    expect(r.found).toBe(true)
    expect(r.score).toBeGreaterThanOrEqual(min)
  })

  it.each([
    ['the house next door', 'Lindenstraße 12, 10969 Berlin, DE', 'Lindenstraße 14, 10969 Berlin, DE'],
    ['the same street in another city', 'Lindenstraße 12, 10969 Berlin, DE', 'Lindenstraße 12, 20095 Hamburg, DE'],
    ['another street of the same postcode', 'Lindenstraße 12, 10969 Berlin, DE', 'Hauptstraße 12, 10969 Berlin, DE']
  ])('an address that is %s scores below 0.85', (_kind, listed, declared) => {
    expect(address(listed, declared).score).toBeLessThan(0.85)
  })

  it('scores a variant of a listed consignee in the enrichment record, ' +
    'and forgets it when the entry is removed', async () => {
    const store = createMemoryProfileStore({ identityKey: 'test-key' })
    const watch = (
      op: 'ADD' | 'REMOVE', entityType: 'PARTY_NAME' | 'ADDRESS', value: string, updatedAt: number
    ): ProfileUpdate => ({
      kind: 'WATCHLIST', updatedAt, sourceSystem: 'test', ...NO_PAYLOAD,
      watchlist: { listId: 'dnl', op, entityType, value, reason: null, expiresAt: null }
    })
    store.applyUpdates([
      watch('ADD', 'ADDRESS', 'Lindenstraße 12, 10969 Berlin, DE', 1), watch('ADD', 'PARTY_NAME', 'Aleksandr Petrov', 1)
    ])
    const variant = makeDeclaration({
      consignee: {
        name: 'Jan Novak', address: { street: 'Linden Str. 12', postcode: '10969', city: 'Berlin', country: 'DE' }
      }
    })
    const seller = makeDeclaration({ seller: { name: 'Alexander Petrow' } })
    const fields = [
      'watchlist.sellerHit', 'watchlist.consigneeHit', 'watchlist.sellerMatchScore', 'watchlist.consigneeMatchScore',
      'watchlist.matchScore'
    ]
    const [a, b] = await store.enrichBatch([variant, seller], 2, fields)
    expect(a?.record.watchlist).toEqual({
      sellerHit: false, consigneeHit: false, sellerMatchScore: 0, consigneeMatchScore: 1, matchScore: 1
    })
    expect(b?.record.watchlist?.sellerHit).toBe(false)
    expect(b?.record.watchlist?.sellerMatchScore).toBeGreaterThanOrEqual(0.95)
    store.applyUpdates([watch('REMOVE', 'ADDRESS', 'Lindenstraße 12, 10969 Berlin, DE', 3)])
    const [c] = await store.enrichBatch([variant], 4, fields)
    expect(c?.record.watchlist?.consigneeMatchScore).toBe(0)
  })
})
