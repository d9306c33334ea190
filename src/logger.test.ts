import { Writable } from 'node:stream'
import { describe, expect, it } from 'vitest'
import { createLogger } from './logger.ts'

const capture = () => {
  const lines: Array<Record<string, unknown>> = []
  const stream = new Writable({
    write: (chunk: Buffer, _e, done) => {
      lines.push(JSON.parse(chunk.toString()) as Record<string, unknown>)
      done()
    }
  })
  return { log: createLogger({ level: 'debug' }, stream), lines }
}

const party = (who: string) => ({
  name: `${who} Müller`,
  address: { street: 'Hauptstraße 1', city: 'Berlin', postcode: '10115', country: 'DE' },
  identifiers: { eori: 'DE123456789012345' },
  phone: '+49 30 1234567',
  email: `${who.toLowerCase()}@example.com`
})

const declaration = {
  declarationId: 'decl-1', seller: party('Seller'), consignee: party('Consignee'), destinationCountry: 'DE'
}

// The values that must never appear in a log line, whatever field they are logged under.
const personal = [
  'Müller', 'Hauptstraße', 'Berlin', '10115', '+49 30 1234567', 'seller@example.com', 'consignee@example.com',
  'DE123456789012345'
]

describe('logger > redaction', () => {
  it.each([
    ['a whole declaration', { declaration }],
    ['a party under seller', { seller: party('Seller') }],
    ['a party under consignee', { consignee: party('Consignee') }],
    ['a party under another name', { party: party('Seller') }],
    ['parties inside a record', { record: { seller: party('Seller'), consignee: party('Consignee') } }],
    ['contact fields at the top level', {
      name: 'Seller Müller', email: 'seller@example.com', phone: '+49 30 1234567',
      address: { street: 'Hauptstraße 1', city: 'Berlin', postcode: '10115' }
    }],
    ['an address on its own', { address: party('Seller').address }],
    ['a street, city and postcode', { street: 'Hauptstraße 1', city: 'Berlin', postcode: '10115' }],
    ['registration numbers', { identifiers: { eori: 'DE123456789012345' } }],
    ['an EORI on its own', { party: { eori: 'DE123456789012345' } }],
    ['a consignee key', { profile: { consigneeKey: 'MUSTERMANN SELLER|HAUPTSTRASSE 1|10115|BERLIN|DE' } }],
    ['a watchlist entry', { update: { watchlist: { listId: 'dnl-parties', value: 'SELLER MÜLLER' } } }]
  ])('redacts names, addresses, phones and e-mails in %s', (_case, fields) => {
    const { log, lines } = capture()
    log.info(fields, 'declaration rejected')
    const text = JSON.stringify(lines[0])
    for (const value of personal) expect(text, value).not.toContain(value)
    expect(text).toContain('[redacted]')
  })

  it('keeps what is not personal: ids, codes, countries and the message', () => {
    const { log, lines } = capture()
    log.warn({
      declarationId: 'decl-1', code: 'E_VALIDATE_HS_CODE', destinationCountry: 'DE', consignee: party('Consignee')
    }, 'declaration rejected')
    expect(lines[0]).toMatchObject({
      declarationId: 'decl-1', code: 'E_VALIDATE_HS_CODE', destinationCountry: 'DE', msg: 'declaration rejected',
      level: 40, service: 'parcel-risk'
    })
  })

  it('redacts passwords', () => {
    const { log, lines } = capture()
    log.info({ password: 'p1', redis: { password: 'p2' }, kafka: { sasl: { password: 'p3' } } }, 'connecting')
    const text = JSON.stringify(lines[0])
    for (const secret of ['p1', 'p2', 'p3']) expect(text).not.toContain(`"${secret}"`)
  })

  it('redacts in child loggers too', () => {
    const { log, lines } = capture()
    log.child({ module: 'validate' }).debug({ seller: party('Seller') }, 'declaration checked')
    expect(JSON.stringify(lines[0])).not.toContain('Müller')
    expect(lines[0]).toMatchObject({ module: 'validate' })
  })
})
