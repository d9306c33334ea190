// The eu-lvc reference ruleset expressed for GoRules ZEN 0.54.0: one decision graph (input →
// expression node → output) with one boolean expression per rule, in ZEN's expression
// language. Lists are array literals in the expressions; whole-word lists become one
// case-insensitive regular expression each (ZEN has no tokeniser); the exchange-rate and
// reference-price tables travel in the input beside the declaration and enrichment.

import { ZenEngine, type ZenDecision } from '@gorules/zen-engine'
import type { ParcelDeclaration } from '../../src/declaration.ts'
import type { EnrichmentRecord } from '../../src/enrichment.ts'
import type { ReferenceData } from './reference-data.ts'

const NW = '[^\\p{L}\\p{N}]'

export const zenExpressions = (ref: ReferenceData): Readonly<Record<string, string>> => {
  const q = (s: string): string => `'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`
  const arr = (id: string): string => `[${(ref.sets.get(id) ?? []).map(q).join(', ')}]`
  const words = (entries: readonly string[]): string => {
    const alts = entries.map((e) => (e.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? []).join(`${NW}+`)).filter((a) => a !== '')
    return q(`(?:^|${NW})(?:${alts.join('|')})(?:${NW}|$)`)
  }
  const w = (id: string): string => words(ref.sets.get(id) ?? [])
  const prefixes = (id: string, subject: string): string =>
    `(${(ref.sets.get(id) ?? []).map((p) => `startsWith(${subject}, ${q(p)})`).join(' or ')})`
  const has = (path: string): string => `${path} != null`
  const totalEur = 'round(number(d.totalValue) * fx[d.currency] * 100) / 100'
  const knownFx = 'fx[d.currency] != null'
  return {
    'GATE-DESC-STOP-WORD': `some(d.items, lower(#.description) in ${arr('stopWords')})`,
    'GATE-PARTY-STOP-WORD':
      `lower(d.seller.name) in ${arr('partyStopWords')} or lower(d.consignee.name) in ${arr('partyStopWords')}`,
    'GATE-IOSS-FORMAT': `${has('d.iossNumber')} and not matches(d.iossNumber, '^IM[0-9]{10}$')`,
    'GATE-IOSS-UNREGISTERED': `${has('d.iossNumber')} and e.ioss.registered == false`,
    'GATE-IOSS-MULTIPLE':
      'some(d.items, #.iossNumber != null and (d.iossNumber == null or #.iossNumber != d.iossNumber))',
    'GATE-MASS-INCONSISTENT': 'sum(map(d.items, #.netMassKg)) > d.grossMassKg',
    'GATE-H7-OVER-150': `d.declarationType == 'H7' and ${knownFx} and ` +
      'round(sum(map(d.items, number(#.intrinsicValue))) * fx[d.currency] * 100) / 100 > 150',
    'IND-NEAR-THRESHOLD': `d.declarationType == 'H7' and ${knownFx} and ${totalEur} >= 135 and ${totalEur} <= 150`,
    'IND-SPLIT-CONSIGNEE-24H': `${has('e.aggregates.consigneeCount24h')} and e.aggregates.consigneeCount24h >= 3`,
    'IND-SPLIT-CONSIGNEE-7D': `${has('e.aggregates.consigneeCount7d')} and e.aggregates.consigneeCount7d >= 8`,
    'IND-SPLIT-VALUE-24H': `${has('e.aggregates.consigneeCount24h')} and e.aggregates.consigneeCount24h >= 1 and ` +
      `${has('e.aggregates.consigneeValueEur24h')} and ${knownFx} and ` +
      `e.aggregates.consigneeValueEur24h + ${totalEur} > 150`,
    'IND-GIFT-OVER-45': `d.itemCategory == 'GIFT' and ${knownFx} and ${totalEur} > 45`,
    'IND-GIFT-FROM-PLATFORM': "d.itemCategory == 'GIFT' and d.source.kind == 'PLATFORM'",
    'IND-LINE-MERGE-FLAT-DUTY': `d.declaredAt >= ${Date.parse('2026-07-01')} and ` +
      `d.declaredAt < ${Date.parse('2028-07-01')} and len(d.items) == 1 and some(d.items, #.quantity >= 5 and ` +
      `(matches(lower(#.description), ${words(['and'])}) or contains(#.description, '&')))`,
    'GATE-WATCHLIST-SELLER': 'e.watchlist.sellerHit == true',
    'GATE-WATCHLIST-CONSIGNEE': 'e.watchlist.consigneeHit == true',
    'IND-WATCHLIST-FUZZY': `${has('e.watchlist.matchScore')} and e.watchlist.matchScore >= 0.85 and ` +
      'e.watchlist.sellerHit == false and e.watchlist.consigneeHit == false',
    'IND-DIVERSION-HUB-TRANSIT': `some(d.route, # in ${arr('diversionRiskCountries')})`,
    'GATE-CHPL-SANCTIONED-DESTINATION': `some(d.items, #.hsCode[0:5] in ${arr('chplHs6')}) and ` +
      `(d.destinationCountry in ${arr('sanctionedDestinations')} or ` +
      `some(d.route, # in ${arr('sanctionedDestinations')}))`,
    'GATE-CHPL-DIVERSION-ROUTE': `some(d.items, #.hsCode[0:5] in ${arr('chplTier1Hs6')}) and ` +
      `(d.destinationCountry in ${arr('diversionRiskCountries')} or ` +
      `some(d.route, # in ${arr('diversionRiskCountries')}))`,
    'IND-PRECURSOR-ORIGIN':
      `some(d.items, ${prefixes('precursorHs', '#.hsCode')} and #.originCountry in ${arr('precursorOrigins')})`,
    'IND-WILDLIFE': `some(d.items, matches(lower(#.description), ${w('wildlifeKeywords')}))`,
    'IND-UNDERVALUED-ITEM': `${knownFx} and some(d.items, ref[#.hsCode[0:5]] != null and ` +
      'round(number(#.intrinsicValue) * fx[d.currency] * 100) / 100 / #.quantity < ref[#.hsCode[0:5]])',
    'IND-LOW-VALUE-PER-KG': `d.grossMassKg >= 1 and ${knownFx} and ${totalEur} / d.grossMassKg < 2`,
    'IND-HS-MISMATCH-ELECTRONICS': `some(d.items, matches(lower(#.description), ${w('electronicsKeywords')}) and ` +
      `not ${prefixes('electronicsHs', '#.hsCode')})`,
    'IND-HS-MISMATCH-APPAREL': `some(d.items, matches(lower(#.description), ${w('apparelKeywords')}) and ` +
      `not ${prefixes('apparelHs', '#.hsCode')})`,
    'IND-VAGUE-DESCRIPTION': `some(d.items, matches(lower(#.description), ${w('vagueTerms')}))`,
    'IND-BRAND-IPR': `some(d.items, matches(lower(#.description), ${w('brandKeywords')}) and ` +
      `${prefixes('iprSensitiveHs', '#.hsCode')})`,
    'IND-FREE-ZONE-IPR':
      `d.dispatchLocation.freeZone == true and some(d.items, ${prefixes('iprSensitiveHs', '#.hsCode')})`,
    'IND-NEW-SELLER': `${has('e.seller.ageDays')} and e.seller.ageDays < 30`,
    'IND-SELLER-HIGH-RISK': "e.seller.riskTier == 'HIGH'",
    'IND-REPEAT-OFFENDER-SELLER': `${has('e.seller.violations')} and e.seller.violations >= 0.5`,
    'IND-REPEAT-OFFENDER-CONSIGNEE': `${has('e.consignee.violations')} and e.consignee.violations >= 0.5`,
    'IND-IOSS-NOT-BOUND': `${has('d.iossNumber')} and e.ioss.boundToSeller == false`,
    'MIT-AEO-SELLER': "e.seller.aeo.programme in ['AEOS', 'AEOF'] and e.seller.aeo.status == 'ACTIVE' and " +
      'e.seller.aeo.stale == false',
    'MIT-AEO-MRA-PARTNER': `e.seller.aeo.mraApplicable == true and ${has('e.seller.aeo.programme')} and ` +
      "not (e.seller.aeo.programme in ['AEOS', 'AEOF']) and e.seller.aeo.status == 'ACTIVE' and " +
      `e.seller.aeo.stale == false and d.seller.address.country in ${arr('mraPartners')}`
  }
}

/** The JSON Decision Model: input → one expression node (r0…rN) → output. */
export const zenGraph = (expressions: Readonly<Record<string, string>>): { graph: object, keys: readonly string[] } => {
  const ids = Object.keys(expressions)
  const graph = {
    nodes: [
      { id: 'in', type: 'inputNode', name: 'request', position: { x: 0, y: 0 } },
      {
        id: 'rules',
        type: 'expressionNode',
        name: 'eu-lvc',
        position: { x: 300, y: 0 },
        content: { expressions: ids.map((id, i) => ({ id: `x${i}`, key: `r${i}`, value: expressions[id] })) }
      },
      { id: 'out', type: 'outputNode', name: 'response', position: { x: 600, y: 0 } }
    ],
    edges: [
      { id: 'e1', sourceId: 'in', targetId: 'rules', type: 'edge' },
      { id: 'e2', sourceId: 'rules', targetId: 'out', type: 'edge' }
    ]
  }
  return { graph, keys: ids }
}

export interface ZenScorer {
  run (declaration: ParcelDeclaration, enrichment: EnrichmentRecord | null): Promise<string[]>
  dispose (): void
}

export const createZen = (ref: ReferenceData): ZenScorer => {
  const { graph, keys } = zenGraph(zenExpressions(ref))
  const engine = new ZenEngine()
  const decision: ZenDecision = engine.createDecision(graph)
  const fx = ref.maps.get('fxToEur') ?? {}
  const refPrice = ref.maps.get('refPriceEur') ?? {}
  return {
    async run (declaration, enrichment) {
      const response = await decision.evaluate({ d: declaration, e: enrichment ?? {}, fx, ref: refPrice })
      const result = response.result as Record<string, unknown>
      const hits: string[] = []
      for (let i = 0; i < keys.length; i++) if (result[`r${i}`] === true) hits.push(keys[i] as string)
      return hits
    },
    dispose () { engine.dispose() }
  }
}
