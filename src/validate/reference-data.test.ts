import { describe, expect, it } from 'vitest'
import { ParcelRiskError } from '../errors.ts'
import { countries, countryCodes } from './countries.ts'
import { currencies, currencyCodes } from './currencies.ts'
import { defaultLimits, resolveLimits } from './limits.ts'

describe('validate > countries', () => {
  it('holds the 249 officially assigned ISO 3166-1 alpha-2 codes, sorted and unique', () => {
    expect(countryCodes).toHaveLength(249)
    expect(countries.size).toBe(249)
    expect([...countryCodes].sort()).toEqual(countryCodes)
    expect(countryCodes.every((code) => /^[A-Z]{2}$/.test(code))).toBe(true)
  })

  it.each(['CN', 'DE', 'US', 'HK', 'TW', 'AX', 'BQ', 'SS', 'CW', 'SX'])('accepts %s', (code) => {
    expect(countries.has(code)).toBe(true)
  })

  it.each(['EU', 'UK', 'XK', 'XI', 'XU', 'EA', 'IC', 'AN', 'YU', 'CS', 'ZZ', 'de'])('refuses %s', (code) => {
    expect(countries.has(code)).toBe(false)
  })

  it('names only regions the runtime ICU data knows', () => {
    const names = new Intl.DisplayNames(['en'], { type: 'region' })
    expect(countryCodes.filter((code) => names.of(code) === code)).toEqual([])
  })
})

describe('validate > currencies', () => {
  it('is sorted and unique', () => {
    expect(currencies.size).toBe(currencyCodes.length)
    expect([...currencyCodes].sort()).toEqual(currencyCodes)
  })

  it.each(['EUR', 'USD', 'CNY', 'GBP', 'HKD', 'JPY', 'XCG', 'ZWG', 'SLE', 'VES'])('accepts %s', (code) => {
    expect(currencies.has(code)).toBe(true)
  })

  it.each([
    'XAU', 'XAG', 'XDR', 'XTS', 'XXX', 'BOV', 'USN', 'ANG', 'BGN', 'HRK', 'ZWL', 'SLL', 'RMB', 'eur'
  ])('refuses %s', (code) => {
    expect(currencies.has(code)).toBe(false)
  })
})

describe('validate > limits', () => {
  it('returns the defaults, frozen, when nothing is overridden', () => {
    const limits = resolveLimits()
    expect(limits).toEqual(defaultLimits)
    expect(Object.isFrozen(limits)).toBe(true)
  })

  it('applies overrides', () => {
    expect(resolveLimits({ maxItems: 50, maxClockSkewMs: 60_000 }))
      .toMatchObject({ maxItems: 50, maxClockSkewMs: 60_000, maxRouteLength: 20 })
  })

  it('reports every bad key in one E_CONFIG_INVALID', () => {
    let caught: unknown
    try {
      resolveLimits({ maxItems: -1, maxAgeMs: Number.NaN, nope: 1 } as never)
    } catch (err) {
      caught = err
    }
    expect(caught).toBeInstanceOf(ParcelRiskError)
    expect((caught as ParcelRiskError).code).toBe('E_CONFIG_INVALID')
    expect((caught as ParcelRiskError).message).toMatch(/maxItems.*maxAgeMs.*nope: unknown key/)
  })
})
