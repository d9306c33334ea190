// The eu-lvc reference ruleset expressed for json-rules-engine 7.3.1. Facts are the
// declaration (`d`), the enrichment record (`e`) and three calculated facts (values in EUR,
// net mass); conditions use its built-in operators plus the custom operators any rule
// engine user would add for what it lacks (set membership, prefixes, whole words, and a
// quantifier over line items, `anyItem`, whose value is a list of per-line tests, all of
// which must hold for one line).

import { Engine, type RuleProperties, type TopLevelCondition } from 'json-rules-engine'
import type { ParcelDeclaration } from '../../src/declaration.ts'
import type { EnrichmentRecord } from '../../src/enrichment.ts'
import type { ReferenceData } from './reference-data.ts'
import { hasPhrase, phrases, wordsOf, type Phrases } from './word-match.ts'

/** `amount in EUR` as the engine computes it: converted, then rounded to the cent. */
const eur = (amount: number, rate: number): number => Math.round(amount * rate * 100) / 100

type Item = ParcelDeclaration['items'][number]
/** A per-line test: [name, argument]; `not` and `or` nest further tests. */
export type LineTest = readonly [string, unknown]

interface Condition { fact: string, path?: string, operator: string, value: unknown }

const d = (path: string, operator: string, value: unknown): Condition => ({ fact: 'd', path, operator, value })
const e = (path: string, operator: string, value: unknown): Condition => ({ fact: 'e', path, operator, value })
const anyItem = (...tests: LineTest[]): Condition => ({ fact: 'd', operator: 'anyItem', value: tests })

/** The 36 rules: id → conditions. Thresholds are those of rules/eu-lvc. */
export const conditions: Readonly<Record<string, TopLevelCondition>> = {
  'GATE-DESC-STOP-WORD': { all: [anyItem(['descLowerIn', 'stopWords'])] },
  'GATE-PARTY-STOP-WORD': {
    any: [d('$.seller.name', 'lowerInSet', 'partyStopWords'), d('$.consignee.name', 'lowerInSet', 'partyStopWords')]
  },
  'GATE-IOSS-FORMAT': { all: [d('$.iossNumber', 'presentNotMatching', '^IM[0-9]{10}$')] },
  'GATE-IOSS-UNREGISTERED': { all: [d('$.iossNumber', 'present', true), e('$.ioss.registered', 'equal', false)] },
  'GATE-IOSS-MULTIPLE': { all: [anyItem(['iossDiffers', null])] },
  'GATE-MASS-INCONSISTENT': {
    all: [{ fact: 'netMassKg', operator: 'greaterThanFact', value: { fact: 'd', path: '$.grossMassKg' } }]
  },
  'GATE-H7-OVER-150': {
    all: [d('$.declarationType', 'equal', 'H7'), { fact: 'intrinsicEur', operator: 'greaterThan', value: 150 }]
  },
  'IND-NEAR-THRESHOLD': {
    all: [
      d('$.declarationType', 'equal', 'H7'),
      { fact: 'totalEur', operator: 'greaterThanInclusive', value: 135 },
      { fact: 'totalEur', operator: 'lessThanInclusive', value: 150 }
    ]
  },
  'IND-SPLIT-CONSIGNEE-24H': { all: [e('$.aggregates.consigneeCount24h', 'greaterThanInclusive', 3)] },
  'IND-SPLIT-CONSIGNEE-7D': { all: [e('$.aggregates.consigneeCount7d', 'greaterThanInclusive', 8)] },
  'IND-SPLIT-VALUE-24H': {
    all: [
      e('$.aggregates.consigneeCount24h', 'greaterThanInclusive', 1),
      { fact: 'consigneeValuePlusThisEur', operator: 'greaterThan', value: 150 }
    ]
  },
  'IND-GIFT-OVER-45': {
    all: [d('$.itemCategory', 'equal', 'GIFT'), { fact: 'totalEur', operator: 'greaterThan', value: 45 }]
  },
  'IND-GIFT-FROM-PLATFORM': { all: [d('$.itemCategory', 'equal', 'GIFT'), d('$.source.kind', 'equal', 'PLATFORM')] },
  'IND-LINE-MERGE-FLAT-DUTY': {
    all: [
      d('$.declaredAt', 'greaterThanInclusive', Date.parse('2026-07-01')),
      d('$.declaredAt', 'lessThan', Date.parse('2028-07-01')),
      d('$.items', 'lengthEquals', 1),
      anyItem(['quantityGte', 5], ['or', [['descHasWord', 'and'], ['descIncludes', '&']]])
    ]
  },
  'GATE-WATCHLIST-SELLER': { all: [e('$.watchlist.sellerHit', 'equal', true)] },
  'GATE-WATCHLIST-CONSIGNEE': { all: [e('$.watchlist.consigneeHit', 'equal', true)] },
  'IND-WATCHLIST-FUZZY': {
    all: [
      e('$.watchlist.matchScore', 'greaterThanInclusive', 0.85),
      e('$.watchlist.sellerHit', 'equal', false),
      e('$.watchlist.consigneeHit', 'equal', false)
    ]
  },
  'IND-DIVERSION-HUB-TRANSIT': { all: [d('$.route', 'anyInSet', 'diversionRiskCountries')] },
  'GATE-CHPL-SANCTIONED-DESTINATION': {
    all: [
      anyItem(['hs6In', 'chplHs6']),
      {
        any: [
          d('$.destinationCountry', 'inSet', 'sanctionedDestinations'),
          d('$.route', 'anyInSet', 'sanctionedDestinations')
        ]
      }
    ]
  },
  'GATE-CHPL-DIVERSION-ROUTE': {
    all: [
      anyItem(['hs6In', 'chplTier1Hs6']),
      {
        any: [
          d('$.destinationCountry', 'inSet', 'diversionRiskCountries'),
          d('$.route', 'anyInSet', 'diversionRiskCountries')
        ]
      }
    ]
  },
  'IND-PRECURSOR-ORIGIN': { all: [anyItem(['hsStartsWithAny', 'precursorHs'], ['originIn', 'precursorOrigins'])] },
  'IND-WILDLIFE': { all: [anyItem(['descHasWord', 'wildlifeKeywords'])] },
  'IND-UNDERVALUED-ITEM': { all: [anyItem(['unitValueEurBelowRef', 'refPriceEur'])] },
  'IND-LOW-VALUE-PER-KG': {
    all: [d('$.grossMassKg', 'greaterThanInclusive', 1), { fact: 'totalEurPerKg', operator: 'lessThan', value: 2 }]
  },
  'IND-HS-MISMATCH-ELECTRONICS': {
    all: [anyItem(['descHasWord', 'electronicsKeywords'], ['not', ['hsStartsWithAny', 'electronicsHs']])]
  },
  'IND-HS-MISMATCH-APPAREL': {
    all: [anyItem(['descHasWord', 'apparelKeywords'], ['not', ['hsStartsWithAny', 'apparelHs']])]
  },
  'IND-VAGUE-DESCRIPTION': { all: [anyItem(['descHasWord', 'vagueTerms'])] },
  'IND-BRAND-IPR': { all: [anyItem(['descHasWord', 'brandKeywords'], ['hsStartsWithAny', 'iprSensitiveHs'])] },
  'IND-FREE-ZONE-IPR': {
    all: [d('$.dispatchLocation.freeZone', 'equal', true), anyItem(['hsStartsWithAny', 'iprSensitiveHs'])]
  },
  'IND-NEW-SELLER': { all: [e('$.seller.ageDays', 'lessThan', 30)] },
  'IND-SELLER-HIGH-RISK': { all: [e('$.seller.riskTier', 'equal', 'HIGH')] },
  'IND-REPEAT-OFFENDER-SELLER': { all: [e('$.seller.violations', 'greaterThanInclusive', 0.5)] },
  'IND-REPEAT-OFFENDER-CONSIGNEE': { all: [e('$.consignee.violations', 'greaterThanInclusive', 0.5)] },
  'IND-IOSS-NOT-BOUND': { all: [d('$.iossNumber', 'present', true), e('$.ioss.boundToSeller', 'equal', false)] },
  'MIT-AEO-SELLER': {
    all: [
      e('$.seller.aeo.programme', 'in', ['AEOS', 'AEOF']),
      e('$.seller.aeo.status', 'equal', 'ACTIVE'),
      e('$.seller.aeo.stale', 'equal', false)
    ]
  },
  'MIT-AEO-MRA-PARTNER': {
    all: [
      e('$.seller.aeo.mraApplicable', 'equal', true),
      e('$.seller.aeo.programme', 'presentNotIn', ['AEOS', 'AEOF']),
      e('$.seller.aeo.status', 'equal', 'ACTIVE'),
      e('$.seller.aeo.stale', 'equal', false),
      d('$.seller.address.country', 'inSet', 'mraPartners')
    ]
  }
}

const present = (v: unknown): boolean => v !== undefined && v !== null

export interface JsonRulesEngineScorer {
  /** Resolves to the ids of the rules that fired. */
  run (declaration: ParcelDeclaration, enrichment: EnrichmentRecord | null): Promise<string[]>
}

export const createJsonRulesEngine = (ref: ReferenceData): JsonRulesEngineScorer => {
  const sets = new Map<string, ReadonlySet<string>>()
  const lists = new Map<string, readonly string[]>()
  const words = new Map<string, Phrases>()
  for (const [id, entries] of ref.sets) {
    sets.set(id, new Set(entries))
    lists.set(id, entries)
    words.set(id, phrases(entries))
  }
  const fx = ref.maps.get('fxToEur') ?? {}
  const refPrice = ref.maps.get('refPriceEur') ?? {}
  const setOf = (id: unknown): ReadonlySet<string> => sets.get(String(id)) ?? new Set()
  const startsWithAny = (id: unknown, s: string): boolean => (lists.get(String(id)) ?? []).some((p) => s.startsWith(p))
  const hasWord = (id: unknown, text: string): boolean =>
    hasPhrase(words.get(String(id)) ?? phrases([String(id)]), wordsOf(text))

  const lineTest = (decl: ParcelDeclaration, it: Item, [name, arg]: LineTest): boolean => {
    switch (name) {
      case 'descLowerIn': return setOf(arg).has(it.description.toLowerCase())
      case 'hs6In': return setOf(arg).has(it.hsCode.slice(0, 6))
      case 'hsStartsWithAny': return startsWithAny(arg, it.hsCode)
      case 'originIn': return setOf(arg).has(it.originCountry)
      case 'descHasWord': return hasWord(arg, it.description)
      case 'descIncludes': return it.description.includes(String(arg))
      case 'quantityGte': return it.quantity >= Number(arg)
      case 'iossDiffers':
        return present(it.iossNumber) && (!present(decl.iossNumber) || it.iossNumber !== decl.iossNumber)
      case 'unitValueEurBelowRef': {
        const rate = fx[decl.currency]
        const p = refPrice[it.hsCode.slice(0, 6)]
        return rate !== undefined && p !== undefined && eur(Number(it.intrinsicValue), rate) / it.quantity < p
      }
      case 'not': return !lineTest(decl, it, arg as LineTest)
      case 'or': return (arg as LineTest[]).some((t) => lineTest(decl, it, t))
      default: throw new Error(`unknown line test ${name}`)
    }
  }

  const engine = new Engine([], { allowUndefinedFacts: true })
  engine.addOperator('inSet', (v: unknown, id: unknown) => typeof v === 'string' && setOf(id).has(v))
  engine.addOperator('lowerInSet', (v: unknown, id: unknown) => typeof v === 'string' && setOf(id).has(v.toLowerCase()))
  engine.addOperator('anyInSet', (v: unknown, id: unknown) =>
    Array.isArray(v) && v.some((x) => setOf(id).has(String(x))))
  engine.addOperator('present', (v: unknown, want: unknown) => present(v) === want)
  engine.addOperator('presentNotMatching', (v: unknown, re: unknown) =>
    typeof v === 'string' && !new RegExp(String(re)).test(v))
  engine.addOperator('presentNotIn', (v: unknown, xs: unknown) => present(v) && !(xs as unknown[]).includes(v))
  engine.addOperator('lengthEquals', (v: unknown, n: unknown) => Array.isArray(v) && v.length === n)
  engine.addOperator('greaterThanFact', (v: unknown, other: unknown) =>
    typeof v === 'number' && typeof other === 'number' && v > other)
  engine.addOperator('anyItem', (decl: unknown, tests: unknown) => {
    const dd = decl as ParcelDeclaration
    return dd.items.some((it) => (tests as LineTest[]).every((t) => lineTest(dd, it, t)))
  })
  const rate = (decl: ParcelDeclaration): number | undefined => fx[decl.currency]
  engine.addFact('totalEur', async (_p, almanac) => {
    const decl = await almanac.factValue<ParcelDeclaration>('d')
    const r = rate(decl)
    return r === undefined ? undefined : eur(Number(decl.totalValue), r)
  })
  engine.addFact('intrinsicEur', async (_p, almanac) => {
    const decl = await almanac.factValue<ParcelDeclaration>('d')
    const r = rate(decl)
    let sum = 0
    for (const it of decl.items) sum += Number(it.intrinsicValue)
    return r === undefined ? undefined : eur(sum, r)
  })
  engine.addFact('netMassKg', async (_p, almanac) => {
    const decl = await almanac.factValue<ParcelDeclaration>('d')
    let sum = 0
    for (const it of decl.items) sum += it.netMassKg
    return sum
  })
  engine.addFact('totalEurPerKg', async (_p, almanac) => {
    const decl = await almanac.factValue<ParcelDeclaration>('d')
    const total = await almanac.factValue<number | undefined>('totalEur')
    return total === undefined ? undefined : total / decl.grossMassKg
  })
  engine.addFact('consigneeValuePlusThisEur', async (_p, almanac) => {
    const enr = await almanac.factValue<EnrichmentRecord | null>('e')
    const total = await almanac.factValue<number | undefined>('totalEur')
    const v = enr?.aggregates?.consigneeValueEur24h
    return v === undefined || total === undefined ? undefined : v + total
  })
  for (const [id, cond] of Object.entries(conditions)) {
    const rule: RuleProperties = {
      name: id, conditions: cond, event: { type: id, params: { title: ref.rules.get(id)?.title } }
    }
    engine.addRule(rule)
  }
  return {
    async run (declaration, enrichment) {
      const result = await engine.run({ d: declaration, e: enrichment ?? {} })
      return result.events.map((ev) => ev.type)
    }
  }
}
