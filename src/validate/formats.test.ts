import { describe, expect, it } from 'vitest'
import {
  hsChapter, isHsChapter, isHsCodeShape, iossMemberState, iossMemberStateCodes, isIossNumber, isMoney,
  isS10CheckDigitValid, isS10Shape, moneyValue, s10CheckDigit
} from './formats.ts'

describe('validate > formats > money', () => {
  it.each(['18.90', '0', '0.5', '1200', '14.00', '0.0001', '999999999999.9999'])('accepts %j', (text) => {
    expect(isMoney(text)).toBe(true)
  })

  it.each([
    '', '18,90', '-1', '+1', '01', '00.5', '.5', '18.', '18.90000', '1e3', ' 18.90', '18.90 ', 'NaN', 'Infinity',
    '1000000000000', '18.9O', '١٨'
  ])('rejects %j', (text) => {
    expect(isMoney(text)).toBe(false)
  })

  it('rejects a huge digit string without running the pattern over it', () => {
    expect(isMoney('1'.repeat(1_000_000))).toBe(false)
  })
})

describe('validate > formats > hs code', () => {
  it.each(['610910', '6109100010', '85423100', '0101210', '970110'])('accepts the shape of %j', (code) => {
    expect(isHsCodeShape(code)).toBe(true)
  })

  it.each(['61091', '61091000101', '6109.10', '6109 10', 'ABCDEF', '', '61091O'])('rejects the shape of %j', (code) => {
    expect(isHsCodeShape(code)).toBe(false)
  })

  it.each([
    ['010121', 1, true],
    ['610910', 61, true],
    ['970110', 97, true],
    ['760110', 76, true],
    ['780110', 78, true],
    ['000000', 0, false],
    ['770000', 77, false],
    ['980000', 98, false],
    ['990000', 99, false]
  ])('%s is in chapter %i, valid: %s', (code, chapter, valid) => {
    expect(hsChapter(code)).toBe(chapter)
    expect(isHsChapter(chapter)).toBe(valid)
  })
})

describe('validate > formats > ioss', () => {
  it.each([
    ['IM2760000001', true],
    ['IM0000000000', true],
    ['im2760000001', false],
    ['IM276000001', false],
    ['IM27600000012', false],
    ['IN2760000001', false],
    ['IM27600000A1', false],
    ['IM2760000001,IM2760000002', false]
  ])('%j is an IOSS number: %s', (text, valid) => {
    expect(isIossNumber(text)).toBe(valid)
  })

  it.each([
    ['IM2760000001', 'DE'], ['IM3000000001', 'GR'], ['IM0400000001', 'AT'], ['IM7520000001', 'SE'],
    ['IM1560000001', undefined], ['IM8260000001', undefined], ['IM0000000000', undefined]
  ])('%s is identified in %s', (ioss, state) => {
    expect(iossMemberState(ioss)).toBe(state)
  })

  it('knows the 27 Member States, each once', () => {
    expect(iossMemberStateCodes.size).toBe(27)
    expect(new Set(iossMemberStateCodes.values()).size).toBe(27)
  })
})

describe('validate > formats > UPU S10', () => {
  it.each([
    // sum 204, r = 6 → 5: the usual published example
    ['RR123456785IN', 5],
    // sum 231, r = 0 → 11 → 5
    ['RR287043775IN', 5],
    // sum 56, r = 1 → 10 → 0
    ['EE000000080US', 0],
    // sum 7, r = 7 → 4
    ['CP000000014CN', 4]
  ])('%s has check digit %i', (id, digit) => {
    expect(isS10Shape(id)).toBe(true)
    expect(s10CheckDigit(id)).toBe(digit)
    expect(isS10CheckDigitValid(id)).toBe(true)
  })

  it.each(['RR123456784IN', 'RR287043770IN', 'EE000000085US'])('rejects the check digit of %s', (id) => {
    expect(isS10Shape(id)).toBe(true)
    expect(isS10CheckDigitValid(id)).toBe(false)
  })

  it.each([
    'RR12345678IN', 'RR1234567851IN', 'R1123456785IN', 'rr123456785in', 'RR123456785I', '', 'RR 12345678 5 IN'
  ])('rejects the shape of %j', (id) => {
    expect(isS10Shape(id)).toBe(false)
  })
})

describe('validate > formats > money value', () => {
  it.each([
    '18.90', '0', '0.5', '1200', '14.00', '0.0001', '999999999999.9999', '123.4567', '7.1'
  ])('reads %j as Number() does', (text) => {
    expect(moneyValue(text)).toBeCloseTo(Number(text), 10)
  })
})
