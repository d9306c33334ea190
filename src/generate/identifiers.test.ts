import { describe, expect, it } from 'vitest'
import { airWaybill, iossNumber, s10CheckDigit, s10Id } from './identifiers.ts'

describe('generate > identifiers', () => {
  it.each([
    ['28704377', 5], // RR287043775IN, the example of the UPU S10 standard
    ['12345678', 5] // 1·8+2·6+3·4+4·2+5·3+6·5+7·9+8·7 = 204, 204 mod 11 = 6, 11 − 6 = 5
  ])('computes the S10 check digit of serial %s as %i', (serial, expected) => {
    expect(s10CheckDigit(serial)).toBe(expected)
  })

  it.each([
    ['00000000', 5], // sum 0 → 11 − 0 = 11 → 5
    ['00000001', 4], // sum 7 → 11 − 7 = 4
    ['00000010', 2] // sum 9 → 11 − 9 = 2
  ])('maps serial %s to check digit %i (10 → 0, 11 → 5)', (serial, expected) => {
    expect(s10CheckDigit(serial)).toBe(expected)
  })

  it('builds the UPU example item id', () => {
    expect(s10Id('RR', '28704377', 'IN')).toBe('RR287043775IN')
  })

  it('builds an air waybill whose last digit is the serial modulo 7', () => {
    expect(airWaybill('176', '1234567')).toBe('176-12345675')
  })

  it('builds IOSS numbers as IM plus 10 digits', () => {
    expect(iossNumber('372', '0001234')).toMatch(/^IM[0-9]{10}$/)
  })
})
