import { describe, expect, it } from 'vitest'
import { keyLayout } from './keys.ts'
import { parseCsv, parseCsvRows } from './profile-files.ts'
import { writeFor, writeForTombstone } from './profile-write.ts'

const LOADED = Date.UTC(2026, 10, 26)

describe('enrich > profile files', () => {
  it('reads RFC 4180 quoting, embedded commas, quotes and line breaks', () => {
    expect(parseCsvRows('a,b\r\n"x, y","say ""hi"""\n"two\nlines",z\n')).toEqual([
      { line: 1, cells: ['a', 'b'] },
      { line: 2, cells: ['x, y', 'say "hi"'] },
      { line: 3, cells: ['two\nlines', 'z'] }
    ])
  })

  it('turns a watchlist CSV into ADD and REMOVE updates with normalised index fields', () => {
    const csv = 'listId,entityType,value,op,expiresAt\n' +
      'dnl,PARTY_NAME,"Mustermann, Erika",,\n' +
      'dnl,EMAIL,E.Rika+x@gmail.com,REMOVE,2027-01-01T00:00:00Z\n'
    const { updates, errors } = parseCsv(csv, LOADED)
    expect(errors).toEqual([])
    const writes = updates.map((u) => writeFor(u, keyLayout()))
    expect(writes).toEqual([
      {
        kind: 'watch', field: 'PARTY_NAME:ERIKA MUSTERMANN', listId: 'dnl', op: 'ADD', expiresAt: 0, updatedAt: LOADED,
        fuzzy: ['~N:ARK MSTRMN', '~N:M/ARK', '~N:A/MSTRMN'], fuzzyMember: 'dnl|ERIKA MUSTERMANN'
      },
      {
        kind: 'watch', field: 'EMAIL:erika@gmail.com', listId: 'dnl', op: 'REMOVE', expiresAt: Date.UTC(2027, 0, 1),
        updatedAt: LOADED, fuzzy: [], fuzzyMember: 'dnl|erika@gmail.com'
      }
    ])
  })

  it('turns an AEO CSV into AEO records, MRA partners split on ";"', () => {
    const csv = 'id,idScheme,operatorName,programme,status,authorisedAt,issuingCountry,mraPartners,updatedAt\n' +
      'DE123456789012345,EORI,Beispiel GmbH,AEOF,ACTIVE,2020-05-01,DE,US;JP;CN,1795687200000\n'
    const { updates, errors } = parseCsv(csv, LOADED)
    expect(errors).toEqual([])
    expect(updates[0]?.aeo).toMatchObject({
      programme: 'AEOF', status: 'ACTIVE', mraPartners: ['US', 'JP', 'CN'], authorisedAt: Date.UTC(2020, 4, 1)
    })
    expect(updates[0]?.updatedAt).toBe(1795687200000)
  })

  it.each([
    ['an unknown header', 'foo,bar\n1,2\n', 'line 1'],
    ['a bad enum symbol', 'listId,entityType,value\ndnl,NOT_A_TYPE,x\n', 'line 2']
  ])('reports %s with its line', (_name, csv, path) => {
    expect(parseCsv(csv, LOADED).errors.map((e) => [e.code, e.path])).toEqual([['E_ENRICH_PROFILE_INVALID', path]])
  })

  it.each([
    ['seller:s-1', { kind: 'delete', key: 'pr:seller:s-1' }],
    ['aeo:DE1', { kind: 'delete', key: 'pr:aeo:DE1' }],
    ['watchlist:dnl:ADDRESS:1 MAIN STREET', {
      kind: 'watch', field: 'ADDRESS:1 MAIN STREET', listId: 'dnl', op: 'REMOVE', expiresAt: 0,
      updatedAt: Number.MAX_SAFE_INTEGER, fuzzy: ['~A:|MN', '~A:#1#M'], fuzzyMember: 'dnl|1 MAIN STREET'
    }],
    ['nonsense', undefined]
  ])('a tombstone for %s becomes %j', (key, expected) => {
    expect(writeForTombstone(key, keyLayout())).toEqual(expected)
  })
})
