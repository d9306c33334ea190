import { createHash } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { avroType, readSchema } from '../codec/avro-types.ts'
import type { ParcelDeclaration } from '../declaration.ts'
import { validateDeclaration } from '../validate/validate.ts'
import { goods, highRiskTransit, restrictedGoods, stopWordDescriptions, vagueDescriptions } from './catalogue.ts'
import { normaliseName } from './entities.ts'
import { patternRates, patterns, type Pattern } from './patterns.ts'
import { DEFAULT_START_MS, generateDeclarations, generateProfiles, type Generated } from './stream.ts'

const take = (n: number, seed: number, startMs?: number): Generated[] => {
  const out: Generated[] = []
  for (const g of generateDeclarations({ seed, startMs })) {
    if (out.length === n) break
    out.push(g)
  }
  return out
}
const digest = (items: readonly Generated[]): string =>
  createHash('sha256').update(items.map((g) => JSON.stringify(g)).join('\n')).digest('hex')

const N = 20_000
const sample = take(N, 7)
const profiles = generateProfiles({ seed: 7 })
const declarationType = avroType(readSchema('ParcelDeclaration'))
const profileType = avroType(readSchema('ProfileUpdate'))
const withPattern = (pattern: Pattern | null): ParcelDeclaration[] =>
  sample.filter((g) => pattern === null ? g.patterns.length === 0 : g.patterns.includes(pattern))
    .map((g) => g.declaration)

describe('generate > stream > determinism', () => {
  it('gives the same bytes for the same seed', () => {
    expect(digest(take(2000, 7))).toBe(digest(sample.slice(0, 2000)))
  })

  it('gives different declarations for a different seed', () => {
    const other = take(200, 8)
    expect(digest(other)).not.toBe(digest(sample.slice(0, 200)))
    const sameItems = other.filter((g, i) =>
      JSON.stringify(g.declaration.items) === JSON.stringify(sample[i]?.declaration.items))
    expect(sameItems.length).toBeLessThan(20)
  })

  it('starts at the fixed default start, or at --start, and only moves forward', () => {
    expect(sample[0]?.declaration.declaredAt).toBeGreaterThanOrEqual(DEFAULT_START_MS)
    const later = take(50, 7, DEFAULT_START_MS + 1000)
    expect(later.map((g) => g.declaration.declaredAt - 1000))
      .toEqual(sample.slice(0, 50).map((g) => g.declaration.declaredAt))
    expect(sample.every((g, i) =>
      i === 0 || g.declaration.declaredAt >= (sample[i - 1] as Generated).declaration.declaredAt)).toBe(true)
  })

  it('gives the same profiles for the same seed, whatever the count', () => {
    expect(JSON.stringify(generateProfiles({ seed: 7 }))).toBe(JSON.stringify(profiles))
  })
})

describe('generate > stream > shape', () => {
  it('gives unique declaration ids', () => {
    expect(new Set(sample.map((g) => g.declaration.declarationId)).size).toBe(N)
  })

  it('produces declarations and profiles that are valid for their Avro schemas and round-trip through Avro', () => {
    expect(sample.filter((g) => !declarationType.isValid(g.declaration)).length).toBe(0)
    expect(profiles.filter((p) => !profileType.isValid(p)).length).toBe(0)
    const first = sample[0]?.declaration
    expect(JSON.stringify(declarationType.fromBuffer(declarationType.toBuffer(first)))).toBe(JSON.stringify(first))
  })

  it('passes semantic validation for every declaration except those with a malformed IOSS number', () => {
    const rejected = sample.flatMap((g) =>
      validateDeclaration(g.declaration, { now: g.declaration.declaredAt + 60_000 })
        .map((r) => ({ code: r.code, patterns: g.patterns, ioss: g.declaration.iossNumber })))
    const malformedIoss = (r: (typeof rejected)[number]): boolean =>
      r.code === 'E_VALIDATE_IOSS_FORMAT' && r.patterns.includes('invalid-ioss') && !/^IM[0-9]{10}$/.test(r.ioss ?? '')
    expect(rejected.filter((r) => !malformedIoss(r))).toEqual([])
  })

  it('keeps clean EU declarations under the €150 limit and gives postal items S10 ids with valid check digits', () => {
    expect(withPattern(null).filter((d) => Number(d.totalValue) > 150)).toEqual([])
    const postal = sample.map((g) => g.declaration).filter((d) => d.source.kind === 'POSTAL')
    expect(postal.length).toBeGreaterThan(N * 0.15)
    expect(postal.every((d) => d.postalItemId !== null && /^[A-Z]{2}[0-9]{9}[A-Z]{2}$/.test(d.postalItemId))).toBe(true)
  })

  it('draws typical parcel values around €10–30', () => {
    const values = withPattern(null).map((d) => Number(d.totalValue)).sort((a, b) => a - b)
    const median = values[Math.floor(values.length / 2)] as number
    expect(median).toBeGreaterThan(10)
    expect(median).toBeLessThan(30)
  })
})

describe('generate > stream > patterns', () => {
  // Binomial tolerance: 4 standard deviations at n = 20,000 (about 1 failure in 16,000 runs
  // for a correct generator; the seed is fixed, so in practice it either passes or never).
  it.each(patterns)('%s appears at its documented rate', (pattern) => {
    const rate = patternRates[pattern]
    const measured = withPattern(pattern).length / N
    expect(Math.abs(measured - rate)).toBeLessThanOrEqual(4 * Math.sqrt(rate * (1 - rate) / N))
  })

  it('labels every declaration with at most one pattern', () => {
    expect(sample.filter((g) => g.patterns.length > 1)).toEqual([])
  })

  const lowPrice = new Map(goods.map((item) => [item.hs, item.lowEur]))
  const restrictedDescriptions = new Set(restrictedGoods.flatMap((item) => item.descriptions))
  const watchlisted = new Set(profiles.flatMap((p) => p.watchlist === null ? [] : [p.watchlist.value]))
  const validIoss = new Map(profiles.flatMap((p) =>
    p.iossRegistry?.valid === true ? [[p.iossRegistry.iossNumber, p.iossRegistry.sellerId]] : []))
  const aeoIds = new Set(profiles.flatMap((p) => p.aeo === null ? [] : [p.aeo.id]))
  const chapterGroup = (hs: string): string => {
    const c = Number(hs.slice(0, 2))
    return [84, 85, 90].includes(c) ? 'electronics' : c >= 61 && c <= 65 ? 'apparel' : 'other'
  }
  const describedGroup = new Map(goods.flatMap((item) => item.descriptions.map((d) => [d, item.group] as const)))
  const unitEur = (d: ParcelDeclaration, i: number): number =>
    Number(d.items[i]?.intrinsicValue) / (d.items[i]?.quantity ?? 1)
  const vague = new Set<string>([...stopWordDescriptions, ...vagueDescriptions])
  const misdeclared = (description: string, hs: string): boolean => {
    const group = describedGroup.get(description)
    return group !== undefined && group !== 'other' && chapterGroup(hs) !== group
  }

  // What makes each pattern visible in the data, and the same test on clean declarations.
  const shows: Record<Pattern, (d: ParcelDeclaration) => boolean> = {
    'undervaluation': (d) => d.items.some((item, i) => unitEur(d, i) < (lowPrice.get(item.hsCode) ?? 0)),
    'split-shipment': (d) => Number(d.totalValue) >= 95 && Number(d.totalValue) < 150,
    'vague-description': (d) => d.items.some((item) => vague.has(item.description)),
    'hs-mismatch': (d) => d.items.some((item) => misdeclared(item.description, item.hsCode)),
    'watchlist-party': (d) =>
      watchlisted.has(normaliseName(d.consignee.name)) || watchlisted.has(normaliseName(d.seller.name)),
    'high-risk-route': (d) => d.route.some((c) => (highRiskTransit as readonly string[]).includes(c)),
    'invalid-ioss': (d) => d.iossNumber !== null && validIoss.get(d.iossNumber) !== d.sellerId,
    'free-zone': (d) => d.dispatchLocation.freeZone,
    'trusted-aeo': (d) => d.aeoCertRef !== null && aeoIds.has(d.aeoCertRef),
    'restricted-goods': (d) => d.items.some((item) => restrictedDescriptions.has(item.description))
  }

  it.each(patterns)('%s declarations show the pattern in their data', (pattern) => {
    const labelled = withPattern(pattern)
    expect(labelled.filter((d) => !shows[pattern](d)).map((d) => d.declarationId)).toEqual([])
  })

  it.each(patterns.filter((p) => p !== 'split-shipment'))('clean declarations never show %s', (pattern) => {
    expect(withPattern(null).filter((d) => shows[pattern](d)).map((d) => d.declarationId)).toEqual([])
  })

  it('sends each split group of 3 to 5 parcels to one consignee, ' +
    'just under the limit each and over it together', () => {
    const groups = new Map<string, ParcelDeclaration[]>()
    for (const d of withPattern('split-shipment')) {
      const key = `${d.consignee.name}|${d.consignee.address.street}|${d.sellerId}`
      groups.set(key, [...(groups.get(key) ?? []), d])
    }
    const sizes = [...groups.values()].map((g) => g.length)
    // Groups still open at the end of the sample may be cut short.
    expect(sizes.filter((s) => s > 5)).toEqual([])
    expect(sizes.filter((s) => s >= 3).length).toBeGreaterThan(groups.size * 0.9)
    const total = (group: ParcelDeclaration[]): number => group.reduce((sum, d) => sum + Number(d.totalValue), 0)
    expect([...groups.values()].filter((g) => g.length >= 3 && total(g) <= 150)).toEqual([])
  })
})
