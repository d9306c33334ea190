import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import type { ParcelDeclaration } from '../declaration.ts'
import { resolveLimits } from './limits.ts'
import { createValidator, validateDeclaration } from './validate.ts'

const fixture = new URL('../../test/fixtures/declarations/valid.json', import.meta.url)
const valid = JSON.parse(readFileSync(fixture, 'utf8')) as ParcelDeclaration
// The fixture was declared at 2026-11-26T09:20Z; judge it an hour later.
const now = valid.declaredAt + 3_600_000
const day = 86_400_000

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- tests poke at arbitrary fields
type Loose = Record<string, any>
const variant = (change: (d: Loose) => void): ParcelDeclaration => {
  const copy = structuredClone(valid) as unknown as Loose
  change(copy)
  return copy as unknown as ParcelDeclaration
}
const codesOf = (declaration: unknown, options = {}): Array<[string, string]> =>
  validateDeclaration(declaration as ParcelDeclaration, { now, ...options }).map((r) => [r.code, r.path])

describe('validate > declaration > valid', () => {
  it('accepts the reference declaration', () => {
    expect(validateDeclaration(valid, { now })).toEqual([])
  })

  it.each<[string, (d: Loose) => void]>([
    ['all optional fields null', (d) => {
      const optional = [
        'masterTransportDocId', 'postalItemId', 'orderRef', 'estimatedArrival', 'transportInsuranceCost',
        'iossNumber', 'aeoCertRef', 'additionalProcedure', 'platformId'
      ]
      for (const key of optional) d[key] = null
      d.seller.phone = d.seller.email = d.consignee.phone = d.consignee.email = null
    }],
    ['a consignee in a country without postcodes',
      (d) => { d.consignee.address = { street: '1 Queen\'s Road', city: 'Hong Kong', postcode: null, country: 'HK' } }],
    ['a direct route', (d) => { d.route = [] }],
    ['an origin region and a dispatch region (ISO 3166-2)', (d) => {
      d.items[0].originRegion = 'UA-43'
      d.dispatchLocation.region = 'UA-40'
    }],
    ['documents declared at zero value', (d) => {
      d.itemCategory = 'DOCUMENTS'
      d.totalValue = '0'
      d.items = [{ ...d.items[0], intrinsicValue: '0.00', hsCode: '490199' }]
    }],
    ['an item repeating the consignment IOSS number', (d) => { d.items[0].iossNumber = 'IM2760000001' }],
    ['an item IOSS number without one on the consignment', (d) => {
      d.iossNumber = null
      d.items[0].iossNumber = 'IM2760000001'
    }],
    ['values within 0.01 per item of the total', (d) => { d.totalValue = '18.92' }],
    ['values within 0.5 % of a large total', (d) => {
      d.totalValue = '1000.00'
      d.items[0].intrinsicValue = '995.10'
      d.items[1].intrinsicValue = '0.01'
    }],
    ['net mass equal to gross mass', (d) => { d.grossMassKg = 0.38 }],
    ['a 10-digit TARIC code', (d) => { d.items[0].hsCode = '6109100010' }],
    ['declared 7 days ahead of the clock', (d) => { d.declaredAt = now + 7 * day }],
    ['declared 365 days ago', (d) => { d.declaredAt = now - 365 * day }],
    ['text at its length limit', (d) => {
      d.items[0].description = 'x'.repeat(512)
      d.seller.name = 'n'.repeat(70)
    }],
    ['999 items', (d) => {
      d.items = Array.from({ length: 999 }, () => ({ ...d.items[0], intrinsicValue: '1.00', netMassKg: 0.001 }))
      d.totalValue = '999.00'
      d.grossMassKg = 1.2
    }]
  ])('accepts %s', (_what, change) => {
    expect(codesOf(variant(change))).toEqual([])
  })
})

describe('validate > declaration > rejections', () => {
  it.each<[string, string, string, (d: Loose) => void]>([
    // presence and types
    ['a blank declarationId', 'E_VALIDATE_REQUIRED', 'declarationId', (d) => { d.declarationId = '  ' }],
    ['a missing houseTransportDocId', 'E_VALIDATE_REQUIRED', 'houseTransportDocId',
      (d) => { delete d.houseTransportDocId }],
    ['a numeric sellerId', 'E_VALIDATE_TYPE', 'sellerId', (d) => { d.sellerId = 42 }],
    ['a missing seller', 'E_VALIDATE_PARTY_MISSING', 'seller', (d) => { d.seller = null }],
    ['a consignee that is a string', 'E_VALIDATE_PARTY_MISSING', 'consignee', (d) => { d.consignee = 'Erika' }],
    ['a consignee without a name', 'E_VALIDATE_REQUIRED', 'consignee.name', (d) => { d.consignee.name = '' }],
    ['a seller without an address', 'E_VALIDATE_REQUIRED', 'seller.address', (d) => { delete d.seller.address }],
    ['a blank city', 'E_VALIDATE_REQUIRED', 'seller.address.city', (d) => { d.seller.address.city = '\t' }],
    ['identifiers that are a list', 'E_VALIDATE_TYPE', 'seller.identifiers', (d) => { d.seller.identifiers = [] }],
    ['a missing source', 'E_VALIDATE_REQUIRED', 'source', (d) => { delete d.source }],
    ['an unknown source kind', 'E_VALIDATE_ENUM', 'source.kind', (d) => { d.source.kind = 'DRONE' }],
    ['an unknown declaration type', 'E_VALIDATE_ENUM', 'declarationType', (d) => { d.declarationType = 'H1' }],
    ['an unknown transport mode', 'E_VALIDATE_ENUM', 'transportMode', (d) => { d.transportMode = 'air' }],
    ['an unknown item category', 'E_VALIDATE_ENUM', 'itemCategory', (d) => { d.itemCategory = 'BRIBE' }],
    ['a freeZone flag that is text', 'E_VALIDATE_TYPE', 'dispatchLocation.freeZone',
      (d) => { d.dispatchLocation.freeZone = 'no' }],
    ['a missing dispatch location', 'E_VALIDATE_REQUIRED', 'dispatchLocation', (d) => { d.dispatchLocation = null }],
    ['a fractional piece count', 'E_VALIDATE_TYPE', 'pieces', (d) => { d.pieces = 1.5 }],
    ['a mass given as text', 'E_VALIDATE_TYPE', 'grossMassKg', (d) => { d.grossMassKg = '0.42' }],
    ['a route that is a string', 'E_VALIDATE_TYPE', 'route', (d) => { d.route = 'AE' }],
    // lengths
    ['a 71-character seller name', 'E_VALIDATE_LENGTH', 'seller.name', (d) => { d.seller.name = 'n'.repeat(71) }],
    ['a 513-character description', 'E_VALIDATE_LENGTH', 'items[1].description',
      (d) => { d.items[1].description = 'x'.repeat(513) }],
    ['a 10 MB description', 'E_VALIDATE_LENGTH', 'items[0].description',
      (d) => { d.items[0].description = 'x'.repeat(10_000_000) }],
    ['an 18-character postcode', 'E_VALIDATE_LENGTH', 'consignee.address.postcode',
      (d) => { d.consignee.address.postcode = '1'.repeat(18) }],
    ['21 transit countries', 'E_VALIDATE_LENGTH', 'route', (d) => { d.route = Array.from({ length: 21 }, () => 'AE') }],
    // countries and currency
    ['an alpha-3 destination', 'E_VALIDATE_COUNTRY', 'destinationCountry', (d) => { d.destinationCountry = 'DEU' }],
    ['a lower-case origin', 'E_VALIDATE_COUNTRY', 'originCountry', (d) => { d.originCountry = 'cn' }],
    ['UK instead of GB', 'E_VALIDATE_COUNTRY', 'consignee.address.country',
      (d) => { d.consignee.address.country = 'UK' }],
    ['an unknown transit country', 'E_VALIDATE_COUNTRY', 'route[1]', (d) => { d.route = ['AE', 'ZZ'] }],
    ['an unknown item origin', 'E_VALIDATE_COUNTRY', 'items[1].originCountry',
      (d) => { d.items[1].originCountry = 'XX' }],
    ['an unknown dispatch country', 'E_VALIDATE_COUNTRY', 'dispatchLocation.country',
      (d) => { d.dispatchLocation.country = 'EU' }],
    ['a currency symbol', 'E_VALIDATE_CURRENCY', 'currency', (d) => { d.currency = '€' }],
    ['a precious metal as currency', 'E_VALIDATE_CURRENCY', 'currency', (d) => { d.currency = 'XAU' }],
    // HS codes
    ['a 4-digit HS heading', 'E_VALIDATE_HS_CODE', 'items[0].hsCode', (d) => { d.items[0].hsCode = '6109' }],
    ['a dotted HS code', 'E_VALIDATE_HS_CODE', 'items[0].hsCode', (d) => { d.items[0].hsCode = '6109.10' }],
    ['an 11-digit HS code', 'E_VALIDATE_HS_CODE', 'items[0].hsCode', (d) => { d.items[0].hsCode = '61091000101' }],
    ['HS chapter 77', 'E_VALIDATE_HS_CHAPTER', 'items[1].hsCode', (d) => { d.items[1].hsCode = '770000' }],
    ['HS chapter 00', 'E_VALIDATE_HS_CHAPTER', 'items[0].hsCode', (d) => { d.items[0].hsCode = '000000' }],
    ['HS chapter 99', 'E_VALIDATE_HS_CHAPTER', 'items[0].hsCode', (d) => { d.items[0].hsCode = '990000' }],
    // money
    ['a float total value', 'E_VALIDATE_TYPE', 'totalValue', (d) => { d.totalValue = 18.9 }],
    ['a comma decimal', 'E_VALIDATE_MONEY_FORMAT', 'transportInsuranceCost',
      (d) => { d.transportInsuranceCost = '3,50' }],
    ['a negative item value', 'E_VALIDATE_MONEY_FORMAT', 'items[0].intrinsicValue', (d) => {
      d.items[0].intrinsicValue = '-14.00'
      d.totalValue = '4.90'
    }],
    ['an exponent', 'E_VALIDATE_MONEY_FORMAT', 'totalValue', (d) => { d.totalValue = '1.89e1' }],
    ['a zero item value for goods', 'E_VALIDATE_NOT_POSITIVE', 'items[1].intrinsicValue', (d) => {
      d.totalValue = '14.00'
      d.items[1].intrinsicValue = '0'
    }],
    // numbers
    ['a NaN gross mass', 'E_VALIDATE_NOT_FINITE', 'grossMassKg', (d) => { d.grossMassKg = Number.NaN }],
    ['an infinite net mass', 'E_VALIDATE_NOT_FINITE', 'items[0].netMassKg',
      (d) => { d.items[0].netMassKg = Number.POSITIVE_INFINITY }],
    ['an infinite quantity', 'E_VALIDATE_NOT_FINITE', 'items[1].quantity',
      (d) => { d.items[1].quantity = Number.NEGATIVE_INFINITY }],
    ['a negative gross mass', 'E_VALIDATE_NOT_POSITIVE', 'grossMassKg', (d) => { d.grossMassKg = -0.42 }],
    ['zero pieces', 'E_VALIDATE_NOT_POSITIVE', 'pieces', (d) => { d.pieces = 0 }],
    ['a zero quantity', 'E_VALIDATE_NOT_POSITIVE', 'items[0].quantity', (d) => { d.items[0].quantity = 0 }],
    ['version 0', 'E_VALIDATE_NOT_POSITIVE', 'version', (d) => { d.version = 0 }],
    ['10,000 pieces', 'E_VALIDATE_OUT_OF_RANGE', 'pieces', (d) => { d.pieces = 10_000 }],
    ['a 6-tonne parcel', 'E_VALIDATE_OUT_OF_RANGE', 'grossMassKg', (d) => { d.grossMassKg = 6_000 }],
    // cross-field
    ['net mass above gross mass', 'E_VALIDATE_NET_MASS_EXCEEDS_GROSS', 'grossMassKg', (d) => { d.grossMassKg = 0.37 }],
    ['items adding up to more than the total', 'E_VALIDATE_VALUE_SUM_MISMATCH', 'totalValue',
      (d) => { d.totalValue = '17.90' }],
    ['items adding up to less than the total', 'E_VALIDATE_VALUE_SUM_MISMATCH', 'totalValue',
      (d) => { d.totalValue = '19.10' }],
    // IOSS
    ['a lower-case IOSS number', 'E_VALIDATE_IOSS_FORMAT', 'iossNumber', (d) => { d.iossNumber = 'im2760000001' }],
    ['two IOSS numbers in one field', 'E_VALIDATE_IOSS_FORMAT', 'iossNumber',
      (d) => { d.iossNumber = 'IM2760000001 IM2760000002' }],
    ['a region that is not ISO 3166-2', 'E_VALIDATE_REGION', 'items[0].originRegion',
      (d) => { d.items[0].originRegion = 'Crimea' }],
    ['a dispatch region of no country', 'E_VALIDATE_REGION', 'dispatchLocation.region',
      (d) => { d.dispatchLocation.region = 'QQ-43' }],
    ['an IOSS number of no EU Member State', 'E_VALIDATE_IOSS_MEMBER_STATE', 'iossNumber',
      (d) => { d.iossNumber = 'IM1560000001' }],
    ['an item IOSS number of no EU Member State', 'E_VALIDATE_IOSS_MEMBER_STATE', 'items[1].iossNumber', (d) => {
      d.iossNumber = null
      d.items[1].iossNumber = 'IM8400000001'
    }],
    ['a malformed item IOSS number', 'E_VALIDATE_IOSS_FORMAT', 'items[1].iossNumber',
      (d) => { d.items[1].iossNumber = 'IM123' }],
    ['an item with another IOSS number', 'E_VALIDATE_IOSS_MULTIPLE', 'items[1].iossNumber',
      (d) => { d.items[1].iossNumber = 'IM2760000002' }],
    ['items with two IOSS numbers', 'E_VALIDATE_IOSS_MULTIPLE', 'items[1].iossNumber', (d) => {
      d.iossNumber = null
      d.items[0].iossNumber = 'IM2760000001'
      d.items[1].iossNumber = 'IM2760000002'
    }],
    // S10
    ['an S10 id without its check digit', 'E_VALIDATE_S10_FORMAT', 'postalItemId',
      (d) => { d.postalItemId = 'RR28704377IN' }],
    ['an S10 id with a wrong check digit', 'E_VALIDATE_S10_CHECK_DIGIT', 'postalItemId',
      (d) => { d.postalItemId = 'RR287043774IN' }],
    // dates
    ['a declaration 8 days in the future', 'E_VALIDATE_DATE_FUTURE', 'declaredAt',
      (d) => { d.declaredAt = now + 8 * day }],
    ['a declaration from 1970', 'E_VALIDATE_DATE_PAST', 'declaredAt', (d) => { d.declaredAt = 0 }],
    ['a declaration dated in seconds, not ms', 'E_VALIDATE_DATE_PAST', 'declaredAt',
      (d) => { d.declaredAt = Math.floor(now / 1000) }],
    ['an arrival 200 days ahead', 'E_VALIDATE_DATE_FUTURE', 'estimatedArrival',
      (d) => { d.estimatedArrival = now + 200 * day }],
    ['an arrival beyond the Date range', 'E_VALIDATE_DATE_FUTURE', 'estimatedArrival',
      (d) => { d.estimatedArrival = 1e300 }],
    ['an infinite declaration time', 'E_VALIDATE_NOT_FINITE', 'declaredAt',
      (d) => { d.declaredAt = Number.POSITIVE_INFINITY }],
    // items
    ['no items', 'E_VALIDATE_ITEMS_COUNT', 'items', (d) => { d.items = [] }],
    ['a million items', 'E_VALIDATE_ITEMS_COUNT', 'items', (d) => { d.items = new Array(1_000_000).fill(d.items[0]) }],
    ['missing items', 'E_VALIDATE_ITEMS_COUNT', 'items', (d) => { delete d.items }],
    ['an item that is a number', 'E_VALIDATE_TYPE', 'items[0]', (d) => {
      d.items = [7]
      d.totalValue = '7'
    }]
  ])('rejects %s with %s at %s', (_what, code, path, change) => {
    expect(codesOf(variant(change))).toEqual([[code, path]])
  })

  it('collects every problem instead of stopping at the first', () => {
    const bad = variant((d) => {
      d.destinationCountry = 'XX'
      d.items[0].hsCode = '77'
      d.items[1].hsCode = '770000'
      d.currency = 'EURO'
    })
    expect(codesOf(bad)).toEqual([
      ['E_VALIDATE_COUNTRY', 'destinationCountry'],
      ['E_VALIDATE_CURRENCY', 'currency'],
      ['E_VALIDATE_HS_CODE', 'items[0].hsCode'],
      ['E_VALIDATE_HS_CHAPTER', 'items[1].hsCode']
    ])
  })

  it('rejects a zero total for goods at the total and at each zero item', () => {
    const zeroTotal = variant((d) => {
      d.totalValue = '0.00'
      d.items = [{ ...d.items[0], intrinsicValue: '0' }]
    })
    expect(codesOf(zeroTotal)).toEqual([
      ['E_VALIDATE_NOT_POSITIVE', 'totalValue'],
      ['E_VALIDATE_NOT_POSITIVE', 'items[0].intrinsicValue']
    ])
  })

  it('gives every rejection a message', () => {
    const rejections = validateDeclaration(variant((d) => {
      d.items[0].hsCode = '1'
      d.totalValue = 'x'
    }), { now })
    expect(rejections.length).toBe(2)
    for (const r of rejections) expect(r.message.length).toBeGreaterThan(5)
  })

  it('never puts personal data into messages', () => {
    const secret = `Erika Mustermann ${'x'.repeat(60)}`
    const rejections = validateDeclaration(variant((d) => {
      d.consignee.name = secret
    }), { now })
    expect(rejections.map((r) => r.code)).toEqual(['E_VALIDATE_LENGTH'])
    expect(JSON.stringify(rejections)).not.toContain('Erika')
  })

  it('applies configured limits', () => {
    const limits = resolveLimits({ maxItems: 1, maxClockSkewMs: 60_000 })
    const early = variant((d) => {
      d.declaredAt = now + 120_000
    })
    expect(codesOf(early, { limits })).toEqual([
      ['E_VALIDATE_DATE_FUTURE', 'declaredAt'],
      ['E_VALIDATE_ITEMS_COUNT', 'items']
    ])
  })

  it.each<[string, unknown]>([
    ['null', null],
    ['a number', 42],
    ['a string', 'declaration'],
    ['an array', [valid]],
    ['an empty object', {}],
    ['every field null', Object.fromEntries(Object.keys(valid).map((k) => [k, null]))],
    ['every field a list', Object.fromEntries(Object.keys(valid).map((k) => [k, []]))],
    ['every field an object', Object.fromEntries(Object.keys(valid).map((k) => [k, {}]))],
    ['every field NaN', Object.fromEntries(Object.keys(valid).map((k) => [k, Number.NaN]))],
    ['items full of nulls', { ...valid, items: [null, { hsCode: null, netMassKg: null, intrinsicValue: null }] }]
  ])('rejects %s with codes instead of throwing', (_what, input) => {
    const rejections = validateDeclaration(input as ParcelDeclaration, { now })
    expect(rejections.length).toBeGreaterThan(0)
    for (const r of rejections) expect(r.code).toMatch(/^E_VALIDATE_[A-Z0-9_]+$/)
  })
})

describe('validate > createValidator', () => {
  it('fixes the limits once and takes the clock per call', () => {
    const validate = createValidator(resolveLimits({ maxClockSkewMs: 0 }))
    expect(validate(valid, valid.declaredAt)).toEqual([])
    expect(validate(valid, valid.declaredAt - 1).map((r) => r.code)).toEqual(['E_VALIDATE_DATE_FUTURE'])
  })

  it('defaults to the default limits', () => {
    expect(createValidator()(valid, now)).toEqual([])
    expect(createValidator()(valid, valid.declaredAt - 8 * day).map((r) => r.code)).toEqual(['E_VALIDATE_DATE_FUTURE'])
  })
})
