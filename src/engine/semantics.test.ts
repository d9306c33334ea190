import { describe, expect, it } from 'vitest'
import type { ParcelDeclaration } from '../declaration.ts'
import type { EnrichmentRecord } from '../enrichment.ts'
import { compileRules, DECLARED_AT, declaration } from '../../test/fixtures/inline-ruleset.ts'
import { OUTCOME_ERROR, OUTCOME_HIT, OUTCOME_NOT_HIT } from '../evaluation.ts'
import type { CompiledRuleset } from './ruleset.ts'

// Each row: a condition, the declaration fields that differ from the base parcel, the
// enrichment record, and what the rule must do: fire or not, and which missing values it saw
// (0 none, 1 declaration, 2 enrichment). The base parcel: 1 piece, 0.42 kg, 18.00 EUR, origin
// CN, one item "men's cotton t-shirt" 610910 × 2, declared 2026-11-26T09:00Z.

const compiled = new Map<string, CompiledRuleset>()
const run = (
  when: string, over: Partial<ParcelDeclaration>, e: EnrichmentRecord | null
): { outcome: number, missing: number } => {
  let rs = compiled.get(when)
  if (rs === undefined) {
    rs = compileRules([{ id: 'R', when }])
    compiled.set(when, rs)
  }
  const ev = rs.evaluate(declaration(over), e, { nowMs: DECLARED_AT + 36 * 3_600_000 })
  return { outcome: ev.outcomes[0] as number, missing: ev.sawMissing[0] as number }
}

const HIT = OUTCOME_HIT
const NOT = OUTCOME_NOT_HIT
const ERR = OUTCOME_ERROR
const item = declaration().items[0] as ParcelDeclaration['items'][number]
const aeo: EnrichmentRecord = {
  seller: { ageDays: 10, violations: 1.5, riskTier: 'HIGH', aeo: { programme: 'AEOS', status: 'ACTIVE', stale: false } }
}

describe('engine > semantics > operators', () => {
  it.each<[string, Partial<ParcelDeclaration>, EnrichmentRecord | null, number, number]>([
    ['pieces == 1', {}, null, HIT, 0],
    ['pieces != 1', {}, null, NOT, 0],
    ['pieces < 2', {}, null, HIT, 0],
    ['pieces <= 1', {}, null, HIT, 0],
    ['pieces > 1', {}, null, NOT, 0],
    ['pieces >= 1', {}, null, HIT, 0],
    ['originCountry == "CN"', {}, null, HIT, 0],
    ['originCountry != "CN"', { originCountry: 'TR' }, null, HIT, 0],
    [
      'dispatchLocation.freeZone == true',
      { dispatchLocation: { country: 'AE', freeZone: true, zoneId: 'JAFZ', region: null } }, null, HIT, 0
    ],
    ['dispatchLocation.freeZone', {}, null, NOT, 0],
    ['pieces == 1 and originCountry == "CN"', {}, null, HIT, 0],
    ['pieces == 2 and originCountry == "CN"', {}, null, NOT, 0],
    ['pieces == 2 or originCountry == "CN"', {}, null, HIT, 0],
    ['not (pieces == 2)', {}, null, HIT, 0],
    ['originCountry in @highRiskOrigins', {}, null, HIT, 0],
    ['originCountry not in @highRiskOrigins', {}, null, NOT, 0],
    ['originCountry in ["TR", "CN"]', {}, null, HIT, 0],
    ['originCountry in ["A1", "A2", "A3", "A4", "CN"]', {}, null, HIT, 0],
    ['originCountry in ["A1", "A2", "A3", "A4", "A5"]', {}, null, NOT, 0],
    ['currency in @fxToEur', {}, null, HIT, 0],
    ['pieces + 1 == 2', {}, null, HIT, 0],
    ['pieces - 1 == 0', {}, null, HIT, 0],
    ['grossMassKg * 100 > 41', {}, null, HIT, 0],
    ['pieces / 4 == 0.25', {}, null, HIT, 0],
    ['-pieces < 0', {}, null, HIT, 0],
    ['pieces / (pieces - 1) > 0', {}, null, ERR, 0],
    ['totalValue in EUR == 18', {}, null, HIT, 0],
    ['totalValue in EUR == 9', { currency: 'USD' }, null, HIT, 0],
    ['totalValue in EUR > 0', { currency: 'XAF' }, null, NOT, 1],
    ['totalValue + totalValue > totalValue', {}, null, HIT, 0],
    ['totalValue / totalValue == 1', {}, null, HIT, 0],
    ['(totalValue * 2) in EUR == 36', {}, null, HIT, 0],
    ['@refPriceEur["610910"] == 4.5', {}, null, HIT, 0],
    ['@refPriceEur["999999"] > 0', {}, null, NOT, 1],
    ['declaredAt >= 2026-11-26', {}, null, HIT, 0],
    ['declaredAt < 2026-11-26T08:30Z', {}, null, NOT, 0],
    ['now > declaredAt', {}, null, HIT, 0],
    ['daysSince(declaredAt) == 1.5', {}, null, HIT, 0]
  ])('%s → outcome %#', (when, over, e, outcome, missing) => {
    expect(run(when, over, e)).toEqual({ outcome, missing })
  })
})

describe('engine > semantics > functions', () => {
  it.each<[string, Partial<ParcelDeclaration>, number]>([
    ['lower(seller.name) == "lianfa trading"', {}, HIT],
    ['upper(seller.name) == "LIANFA TRADING"', {}, HIT],
    ['length(seller.name) == 14', {}, HIT],
    ['length(items) == 1', {}, HIT],
    ['left(originCountry, 1) == "C"', {}, HIT],
    ['contains(seller.name, "fa Tr")', {}, HIT],
    ['startsWith(houseTransportDocId, "176-")', {}, HIT],
    ['any i in items: startsWithAny(i.hsCode, @electronicsHs)', { items: [{ ...item, hsCode: '900610' }] }, HIT],
    ['any i in items: startsWithAny(i.hsCode, ["61", "62"])', {}, HIT],
    ['any i in items: startsWithAny(i.hsCode, @electronicsHs)', {}, NOT],
    ['any i in items: containsWord(i.description, "cotton")', {}, HIT],
    ['any i in items: containsWord(i.description, "cot")', {}, NOT],
    [
      'any i in items: containsWord(i.description, @stopWords)',
      { items: [{ ...item, description: 'Spare PARTS, assorted' }] }, HIT
    ],
    [
      'any i in items: containsWord(i.description, @stopWords)',
      { items: [{ ...item, description: 'sent as per  Invoice' }] }, HIT
    ],
    [
      'any i in items: containsWord(i.description, @stopWords)',
      { items: [{ ...item, description: 'as per the invoice' }] }, NOT
    ],
    ['matches(houseTransportDocId, "^[0-9]{3}-[0-9]{8}$")', {}, HIT],
    ['matches(houseTransportDocId, "^X")', {}, NOT],
    ['exists(iossNumber)', {}, NOT],
    ['exists(iossNumber)', { iossNumber: 'IM1234567890' }, HIT],
    ['min(pieces, 5) == 1 and max(pieces, 5) == 5 and abs(-pieces) == 1', {}, HIT],
    ['min(totalValue, totalValue) in EUR == 18', {}, HIT]
  ])('%s → outcome %#', (when, over, outcome) => {
    expect(run(when, over, null).outcome).toBe(outcome)
  })
})

describe('engine > semantics > quantifiers', () => {
  const two = [item, { ...item, hsCode: '851830', intrinsicValue: '30.00', quantity: 5 }]
  it.each<[string, Partial<ParcelDeclaration>, number]>([
    ['any i in items: i.hsCode == "851830"', { items: two }, HIT],
    ['any i in items: i.hsCode == "000000"', { items: two }, NOT],
    ['any i in items: i.hsCode == "610910"', { items: [] }, NOT],
    ['all i in items: i.originCountry == "CN"', { items: two }, HIT],
    ['all i in items: i.hsCode == "610910"', { items: two }, NOT],
    ['all i in items: i.hsCode == "000000"', { items: [] }, HIT],
    ['(count i in items: i.quantity > 1) == 2', { items: two }, HIT],
    ['(count i in items: i.quantity > 2) == 1', { items: two }, HIT],
    ['(sum i in items: i.quantity) == 7', { items: two }, HIT],
    ['(sum i in items: i.intrinsicValue) in EUR == 48', { items: two }, HIT],
    ['(sum i in items where i.quantity > 2: i.quantity) == 5', { items: two }, HIT],
    ['(sum i in items: i.quantity) == 0', { items: [] }, HIT],
    ['any c in route: c in @highRiskOrigins', { route: ['AE', 'HK'] }, HIT],
    ['any a in items: any b in items: a.hsCode != b.hsCode', { items: two }, HIT],
    ['any a in items: all b in items: a.quantity >= b.quantity', { items: two }, HIT]
  ])('%s → outcome %#', (when, over, outcome) => {
    expect(run(when, over, null).outcome).toBe(outcome)
  })
})

describe('engine > semantics > missing values', () => {
  // One rule: a comparison with a missing value is false, and the rule records what it saw.
  it.each<[string, Partial<ParcelDeclaration>, EnrichmentRecord | null, number, number]>([
    ['transportInsuranceCost in EUR > 1', {}, null, NOT, 1],
    ['not (transportInsuranceCost in EUR > 1)', {}, null, HIT, 1],
    ['transportInsuranceCost in EUR + 1 > 0', {}, null, NOT, 1],
    ['iossNumber in @highRiskOrigins', {}, null, NOT, 1],
    ['iossNumber not in @highRiskOrigins', {}, null, NOT, 1],
    ['lower(iossNumber) == "x"', {}, null, NOT, 1],
    ['contains(iossNumber, "IM")', {}, null, NOT, 1],
    ['exists(iossNumber) == false', {}, null, HIT, 0],
    ['enrichment.seller.ageDays < 30', {}, null, NOT, 2],
    ['enrichment.seller.ageDays < 30', {}, {}, NOT, 2],
    ['enrichment.seller.ageDays < 30', {}, aeo, HIT, 0],
    ['enrichment.seller.aeo.stale == false', {}, { seller: {} }, NOT, 2],
    ['enrichment.seller.aeo.stale == false', {}, aeo, HIT, 0],
    ['enrichment.watchlist.sellerHit', {}, null, NOT, 2],
    ['enrichment.seller.aeo.programme in ["AEOS", "AEOF"]', {}, aeo, HIT, 0],
    ['enrichment.seller.violations * 2 >= 3', {}, aeo, HIT, 0],
    ['enrichment.seller.violations > transportInsuranceCost / totalValue', {}, aeo, NOT, 3],
    ['pieces == 1 or enrichment.seller.ageDays < 30', {}, null, HIT, 0],
    ['enrichment.seller.ageDays < 30 or pieces == 1', {}, null, HIT, 2],
    ['any i in items: i.iossNumber == "IM1"', {}, null, NOT, 1],
    ['(sum i in items: i.netMassKg) > 0', { items: [{ ...item, netMassKg: null as unknown as number }] }, null, NOT, 1]
  ])('%s → outcome %#', (when, over, e, outcome, missing) => {
    expect(run(when, over, e)).toEqual({ outcome, missing })
  })

  it('compiles and runs the longest chain an expression can hold', () => {
    const when = `pieces == 2${' or pieces == 2'.repeat(600)} or pieces == 1`
    expect(when.length).toBeLessThan(10_000)
    expect(run(when, {}, null)).toEqual({ outcome: HIT, missing: 0 })
  })

  it('treats a declaration that is not an object as an error of every rule', () => {
    const rs = compileRules([{ id: 'A', when: 'pieces == 1' }, { id: 'B', when: 'pieces == 2' }])
    const ev = rs.evaluate(null, null, { nowMs: DECLARED_AT })
    expect([...ev.outcomes]).toEqual([ERR, ERR])
    expect(ev.errors).toBe(2)
  })
})
