import { describe, expect, it } from 'vitest'
import { can, csrfMatches, hashPassword, verifyPassword, type Role } from './auth.ts'

describe('console > auth', () => {
  it('hashes with scrypt, a salt per hash, and verifies only the right password', async () => {
    const a = await hashPassword('correct horse battery')
    const b = await hashPassword('correct horse battery')
    expect(a).toMatch(/^scrypt\$32768\$8\$1\$[A-Za-z0-9_-]{22}\$[A-Za-z0-9_-]{43}$/)
    expect(a).not.toBe(b)
    expect(await verifyPassword('correct horse battery', a)).toBe(true)
    expect(await verifyPassword('correct horse batterY', a)).toBe(false)
    expect(await verifyPassword('correct horse battery', 'plain$text')).toBe(false)
  })

  it.each([
    ['viewer', false, false, false],
    ['analyst', false, false, false],
    ['officer', true, true, true],
    ['admin', true, true, true]
  ] as Array<[Role, boolean, boolean, boolean]>)('%s: record %s, claim %s, personal data %s',
    (role, record, claim, personal) => {
      expect([can.recordOutcome(role), can.claim(role), can.seePersonalData(role)]).toEqual([record, claim, personal])
    })

  it.each([
    ['abc', 'abc', true],
    ['abc', 'abd', false],
    ['abc', 'ab', false],
    ['abc', undefined, false],
    ['abc', ['abc'], false]
  ])('CSRF %s against %s: %s', (expected, posted, ok) => {
    expect(csrfMatches(expected, posted)).toBe(ok)
  })
})
