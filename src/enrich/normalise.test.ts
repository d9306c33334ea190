import { createHmac } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import type { Party } from '../declaration.ts'
import {
  createIdentityHasher, identityText, normaliseEmail, normaliseIdentifier, normaliseName, normalisePhone, normaliseText
} from './normalise.ts'

const party = (
  name: string, street: string, postcode: string | null = '10115', city = 'Berlin', country = 'DE'
): Party => ({
  name, address: { street, city, postcode, country }, identifiers: { eori: null, tin: null, vat: null },
  phone: null, email: null
})

describe('enrich > normalise', () => {
  it.each([
    ['Erika Mustermann', 'ERIKA MUSTERMANN'],
    ['  erika   MUSTERMANN ', 'ERIKA MUSTERMANN'],
    ['Mustermann, Erika', 'ERIKA MUSTERMANN'],
    ['Frau Erika Mustermann', 'ERIKA MUSTERMANN'],
    ['Dr. Erika Mustermann', 'ERIKA MUSTERMANN'],
    ['Jürgen Müller', 'JURGEN MULLER'],
    ['Łukasz Żółć', 'LUKASZ ZOLC'],
    ['Søren Bjørn', 'BJORN SOREN'],
    ['S. Martinez', 'MARTINEZ S'],
    ['E. W. Smith', 'E SMITH W'],
    ['José-María Núñez', 'JOSE MARIA NUNEZ'],
    ['Acme Trading Co. Ltd', 'ACME COMPANY LIMITED TRADING'],
    ['ACME TRADING COMPANY LIMITED', 'ACME COMPANY LIMITED TRADING']
  ])('name %j → %j', (input, expected) => {
    expect(normaliseName(input)).toBe(expected)
  })

  it.each([
    ['1 Main St.', '1 MAIN STREET'],
    ['Main Street 1', '1 MAIN STREET'],
    ['Musterstr. 1', '1 MUSTERSTRASSE'],
    ['Musterstraße 1', '1 MUSTERSTRASSE'],
    ['Musterstrasse 1', '1 MUSTERSTRASSE'],
    ['12 Baker Rd, Apt 4', '12 4 APARTMENT BAKER ROAD'],
    ['5th Ave', '5TH AVENUE']
  ])('address %j → %j', (input, expected) => {
    expect(normaliseText(input)).toBe(expected)
  })

  it.each([
    ['+49 30 1234567', '49301234567'],
    ['0049 (30) 123-4567', '49301234567'],
    ['+49-30-123 45 67', '49301234567']
  ])('phone %j → %j', (input, expected) => {
    expect(normalisePhone(input)).toBe(expected)
  })

  it.each([
    ['Erika@Example.DE', 'erika@example.de'],
    ['erika+shop@example.de', 'erika@example.de'],
    ['e.r.i.k.a@gmail.com', 'erika@gmail.com'],
    ['Erika.M+parcels@googlemail.com', 'erikam@gmail.com'],
    ['e.rika@example.de', 'e.rika@example.de']
  ])('email %j → %j', (input, expected) => {
    expect(normaliseEmail(input)).toBe(expected)
  })

  it.each([
    ['de 123 456 789', 'DE123456789'], ['im-2760000001', 'IM2760000001']
  ])('identifier %j → %j', (input, expected) => {
    expect(normaliseIdentifier(input)).toBe(expected)
  })

  it('gives spelling variants of one consignee the same identity hash', () => {
    const hash = createIdentityHasher('k1')
    const variants = [
      party('Erika Mustermann', 'Musterstraße 1'),
      party('MUSTERMANN, ERIKA', 'Musterstr. 1'),
      party('Frau erika  mustermann', '1 Musterstrasse', '10 115', 'BERLIN')
    ]
    const hashes = new Set(variants.map((v) => hash(v)))
    expect(hashes.size).toBe(1)
    expect([...hashes][0]).toMatch(/^[0-9a-f]{32}$/)
  })

  it.each([['short key'], ['k'.repeat(100)]])('computes HMAC-SHA256 exactly (key %#)', (key) => {
    const p = party('Erika Mustermann', 'Musterstraße 1')
    const expected = createHmac('sha256', key).update(identityText(p)).digest('hex').slice(0, 32)
    expect(createIdentityHasher(key)(p)).toBe(expected)
  })

  it('keeps different consignees and different keys apart', () => {
    const a = party('Erika Mustermann', 'Musterstraße 1')
    const b = party('Erika Mustermann', 'Musterstraße 2')
    expect(createIdentityHasher('k1')(a)).not.toBe(createIdentityHasher('k1')(b))
    expect(createIdentityHasher('k1')(a)).not.toBe(createIdentityHasher('k2')(a))
  })
})
