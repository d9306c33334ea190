// The eu-lvc reference ruleset written by hand in plain JavaScript: the baseline the compiled
// engine is measured against. It does the same work as the engine's score stage and the
// decide stage together (`scoreAndDecide`): every rule, the reasons with the values that
// triggered them, gates, the score and its band, random selection, and a complete decision
// record. It is written the way a careful engineer would write it for speed (lists as Sets,
// each description lower-cased, split into words and looked up in all word lists in one pass
// per line), not the way a generator would.

import type { ParcelDeclaration, Reason, ReasonValue, RiskDecision } from '../../src/declaration.ts'
import type { EnrichmentRecord } from '../../src/enrichment.ts'
import { fnv1a32, SEVERITY, type ReferenceData, type RuleMeta } from './reference-data.ts'
import { lexicon, WORD } from './word-match.ts'

const IOSS = /^IM[0-9]{10}$/

/** `amount in EUR` as the engine computes it: converted, then rounded to the cent. */
const eur = (amount: number, rate: number): number => Math.round(amount * rate * 100) / 100

const startsWithAny = (prefixes: readonly string[], s: string): boolean => {
  for (const p of prefixes) if (s.startsWith(p)) return true
  return false
}

type Item = ParcelDeclaration['items'][number]

/** What one declaration's rules have found so far. */
interface State { reasons: Reason[], gates: string[], action: number, indicators: number, mitigations: number }

const gate = (st: State, m: RuleMeta, values: ReasonValue[]): void => {
  st.reasons.push({ ruleId: m.id, title: m.title, tier: 'GATE', contribution: 0, values })
  st.gates.push(m.id)
  const s = SEVERITY.indexOf(m.action as string)
  if (s > st.action) st.action = s
}
const indicator = (st: State, m: RuleMeta, values: ReasonValue[]): void => {
  st.reasons.push({ ruleId: m.id, title: m.title, tier: 'INDICATOR', contribution: m.weight, values })
  st.indicators += m.weight
}
const mitigation = (st: State, m: RuleMeta, values: ReasonValue[]): void => {
  st.reasons.push({ ruleId: m.id, title: m.title, tier: 'INDICATOR', contribution: -m.weight, values })
  st.mitigations += m.weight
}
const line = (i: number, field: string, value: string): ReasonValue => ({ name: `items[${i}].${field}`, value })

export type HandWrittenScore = (
  d: ParcelDeclaration, e: EnrichmentRecord | null, nowMs: number, digest: string
) => RiskDecision

export const createHandWritten = (ref: ReferenceData, rulesetDigest: string): HandWrittenScore => {
  const set = (id: string): ReadonlySet<string> => new Set(ref.sets.get(id) ?? [])
  const list = (id: string): readonly string[] => ref.sets.get(id) ?? []
  const stopWords = set('stopWords')
  const partyStopWords = set('partyStopWords')
  const chplHs6 = set('chplHs6')
  const chplTier1Hs6 = set('chplTier1Hs6')
  const sanctioned = set('sanctionedDestinations')
  const diversion = set('diversionRiskCountries')
  const precursorOrigins = set('precursorOrigins')
  const mraPartners = set('mraPartners')
  const precursorHs = list('precursorHs')
  const iprHs = list('iprSensitiveHs')
  const electronicsHs = list('electronicsHs')
  const apparelHs = list('apparelHs')
  // One scan per description for all word lists; bit i is list i below.
  const words = lexicon([
    list('wildlifeKeywords'), list('electronicsKeywords'), list('apparelKeywords'), list('vagueTerms'),
    list('brandKeywords'), ['and']
  ])
  const WILDLIFE = 1
  const ELECTRONICS = 2
  const APPAREL = 4
  const VAGUE = 8
  const BRANDS = 16
  const AND = 32
  const refPrice = new Map(Object.entries(ref.maps.get('refPriceEur') ?? {}))
  const fx = new Map(Object.entries(ref.maps.get('fxToEur') ?? {}))
  const meta = (id: string): RuleMeta => {
    const m = ref.rules.get(id)
    if (m === undefined) throw new Error(`rule ${id} is not in the ruleset`)
    return m
  }
  const R = {
    descStop: meta('GATE-DESC-STOP-WORD'), partyStop: meta('GATE-PARTY-STOP-WORD'),
    iossFormat: meta('GATE-IOSS-FORMAT'), iossUnreg: meta('GATE-IOSS-UNREGISTERED'),
    iossMulti: meta('GATE-IOSS-MULTIPLE'), mass: meta('GATE-MASS-INCONSISTENT'),
    h7: meta('GATE-H7-OVER-150'), near: meta('IND-NEAR-THRESHOLD'), split24: meta('IND-SPLIT-CONSIGNEE-24H'),
    split7: meta('IND-SPLIT-CONSIGNEE-7D'), splitValue: meta('IND-SPLIT-VALUE-24H'), gift45: meta('IND-GIFT-OVER-45'),
    giftPlatform: meta('IND-GIFT-FROM-PLATFORM'), lineMerge: meta('IND-LINE-MERGE-FLAT-DUTY'),
    wlSeller: meta('GATE-WATCHLIST-SELLER'), wlConsignee: meta('GATE-WATCHLIST-CONSIGNEE'),
    wlFuzzy: meta('IND-WATCHLIST-FUZZY'),
    chplSanctioned: meta('GATE-CHPL-SANCTIONED-DESTINATION'), chplDiversion: meta('GATE-CHPL-DIVERSION-ROUTE'),
    hubTransit: meta('IND-DIVERSION-HUB-TRANSIT'), precursor: meta('IND-PRECURSOR-ORIGIN'),
    wildlife: meta('IND-WILDLIFE'),
    undervalued: meta('IND-UNDERVALUED-ITEM'), perKg: meta('IND-LOW-VALUE-PER-KG'),
    mismatchElec: meta('IND-HS-MISMATCH-ELECTRONICS'), mismatchApparel: meta('IND-HS-MISMATCH-APPAREL'),
    vague: meta('IND-VAGUE-DESCRIPTION'), brand: meta('IND-BRAND-IPR'), freeZone: meta('IND-FREE-ZONE-IPR'),
    newSeller: meta('IND-NEW-SELLER'), highRisk: meta('IND-SELLER-HIGH-RISK'),
    repeatSeller: meta('IND-REPEAT-OFFENDER-SELLER'),
    repeatConsignee: meta('IND-REPEAT-OFFENDER-CONSIGNEE'), iossNotBound: meta('IND-IOSS-NOT-BOUND'),
    aeo: meta('MIT-AEO-SELLER'), mra: meta('MIT-AEO-MRA-PARTNER')
  }
  // Effective dates are tested against the declaration date (the manifest's dateField).
  const inForce = (m: RuleMeta, t: number): boolean =>
    (m.effectiveFromMs === null || t >= m.effectiveFromMs) && (m.effectiveToMs === null || t < m.effectiveToMs)
  const bands = [...ref.bands].sort((a, b) => b.min - a.min)
  const rejectGates = new Set([...ref.rules.values()].filter((r) => r.action === 'REJECT_DATA').map((r) => r.id))
  const randomSeed = ref.random.seed + ':'

  return (d, e, nowMs, inputDigest) => {
    const st: State = { reasons: [], gates: [], action: 0, indicators: 0, mitigations: 0 }
    const items = d.items
    const rate = fx.get(d.currency)
    const total = Number(d.totalValue)
    const totalEur = rate === undefined ? undefined : eur(total, rate)
    const seller = e?.seller
    const aeo = seller?.aeo
    const agg = e?.aggregates
    const wl = e?.watchlist
    const ioss = d.iossNumber

    // One pass over the lines: everything per line is computed once.
    let stopLine = -1
    let iossLine = -1
    let chplLine = -1
    let chpl1Line = -1
    let precursorLine = -1
    let wildlifeLine = -1
    let underLine = -1
    let elecLine = -1
    let apparelLine = -1
    let vagueLine = -1
    let brandLine = -1
    let iprLine = -1
    let mergeLine = -1
    let intrinsicSum = 0
    let netMass = 0
    for (let i = 0; i < items.length; i++) {
      const it = items[i] as Item
      const desc = it.description
      const lower = desc.toLowerCase()
      const mask = words.scan(lower.match(WORD) ?? [])
      const hs = it.hsCode
      const hs6 = hs.slice(0, 6)
      const value = Number(it.intrinsicValue)
      intrinsicSum += value
      netMass += it.netMassKg
      if (stopLine < 0 && stopWords.has(lower)) stopLine = i
      if (iossLine < 0 && it.iossNumber !== null && it.iossNumber !== undefined &&
        (ioss === null || ioss === undefined || it.iossNumber !== ioss)) iossLine = i
      if (chplLine < 0 && chplHs6.has(hs6)) chplLine = i
      if (chpl1Line < 0 && chplTier1Hs6.has(hs6)) chpl1Line = i
      if (precursorLine < 0 && startsWithAny(precursorHs, hs) && precursorOrigins.has(it.originCountry)) {
        precursorLine = i
      }
      if (wildlifeLine < 0 && (mask & WILDLIFE) !== 0) wildlifeLine = i
      if (underLine < 0 && rate !== undefined) {
        const p = refPrice.get(hs6)
        if (p !== undefined && eur(value, rate) / it.quantity < p) underLine = i
      }
      if (elecLine < 0 && (mask & ELECTRONICS) !== 0 && !startsWithAny(electronicsHs, hs)) elecLine = i
      if (apparelLine < 0 && (mask & APPAREL) !== 0 && !startsWithAny(apparelHs, hs)) apparelLine = i
      if (vagueLine < 0 && (mask & VAGUE) !== 0) vagueLine = i
      const ipr = startsWithAny(iprHs, hs)
      if (brandLine < 0 && ipr && (mask & BRANDS) !== 0) brandLine = i
      if (iprLine < 0 && ipr) iprLine = i
      if (mergeLine < 0 && it.quantity >= 5 && ((mask & AND) !== 0 || desc.includes('&'))) mergeLine = i
    }
    const lineItem = (i: number): Item => items[i] as Item

    // --- data quality
    if (stopLine >= 0) gate(st, R.descStop, [line(stopLine, 'description', lineItem(stopLine).description)])
    if (partyStopWords.has(d.seller.name.toLowerCase()) || partyStopWords.has(d.consignee.name.toLowerCase())) {
      gate(st, R.partyStop, [
        { name: 'seller.name', value: d.seller.name }, { name: 'consignee.name', value: d.consignee.name }
      ])
    }
    if (ioss !== null && ioss !== undefined && !IOSS.test(ioss)) {
      gate(st, R.iossFormat, [{ name: 'iossNumber', value: ioss }])
    }
    if (ioss !== null && ioss !== undefined && e?.ioss?.registered === false) {
      gate(st, R.iossUnreg, [
        { name: 'iossNumber', value: ioss }, { name: 'enrichment.ioss.registered', value: 'false' }
      ])
    }
    if (iossLine >= 0) {
      gate(st, R.iossMulti, [
        line(iossLine, 'iossNumber', String(lineItem(iossLine).iossNumber)),
        { name: 'iossNumber', value: String(ioss ?? '(missing)') }
      ])
    }
    if (netMass > d.grossMassKg) {
      gate(st, R.mass, [
        { name: 'sum(items.netMassKg)', value: String(netMass) }, { name: 'grossMassKg', value: String(d.grossMassKg) }
      ])
    }

    // --- thresholds
    const intrinsicEur = rate === undefined ? undefined : eur(intrinsicSum, rate)
    if (d.declarationType === 'H7' && intrinsicEur !== undefined && intrinsicEur > 150) {
      gate(st, R.h7, [{ name: 'sum(items.intrinsicValue) in EUR', value: String(intrinsicEur) }])
    }
    if (totalEur !== undefined) {
      if (d.declarationType === 'H7' && totalEur >= 135 && totalEur <= 150) {
        indicator(st, R.near, [{ name: 'totalValue in EUR', value: String(totalEur) }])
      }
    }
    const c24 = agg?.consigneeCount24h
    if (c24 !== undefined && c24 >= 3) {
      indicator(st, R.split24, [{ name: 'enrichment.aggregates.consigneeCount24h', value: String(c24) }])
    }
    const c7 = agg?.consigneeCount7d
    if (c7 !== undefined && c7 >= 8) {
      indicator(st, R.split7, [{ name: 'enrichment.aggregates.consigneeCount7d', value: String(c7) }])
    }
    const v24 = agg?.consigneeValueEur24h
    if (c24 !== undefined && c24 >= 1 && v24 !== undefined && totalEur !== undefined && v24 + totalEur > 150) {
      indicator(st, R.splitValue, [
        { name: 'enrichment.aggregates.consigneeCount24h', value: String(c24) },
        { name: 'enrichment.aggregates.consigneeValueEur24h', value: String(v24) },
        { name: 'totalValue in EUR', value: String(totalEur) }
      ])
    }
    if (d.itemCategory === 'GIFT') {
      if (totalEur !== undefined && totalEur > 45) {
        indicator(st, R.gift45, [
          { name: 'itemCategory', value: 'GIFT' }, { name: 'totalValue in EUR', value: String(totalEur) }
        ])
      }
      if (d.source.kind === 'PLATFORM') {
        indicator(st, R.giftPlatform, [
          { name: 'itemCategory', value: 'GIFT' }, { name: 'source.kind', value: 'PLATFORM' }
        ])
      }
    }
    const lineMergeDate = typeof d.declaredAt === 'number' ? d.declaredAt : nowMs
    if (inForce(R.lineMerge, lineMergeDate) && items.length === 1 && mergeLine >= 0) {
      indicator(st, R.lineMerge, [
        line(mergeLine, 'quantity', String(lineItem(mergeLine).quantity)),
        line(mergeLine, 'description', lineItem(mergeLine).description)
      ])
    }

    // --- security
    if (wl?.sellerHit === true) gate(st, R.wlSeller, [{ name: 'enrichment.watchlist.sellerHit', value: 'true' }])
    if (wl?.consigneeHit === true) {
      gate(st, R.wlConsignee, [{ name: 'enrichment.watchlist.consigneeHit', value: 'true' }])
    }
    const ms = wl?.matchScore
    if (ms !== undefined && ms >= 0.85 && wl?.sellerHit === false && wl.consigneeHit === false) {
      indicator(st, R.wlFuzzy, [{ name: 'enrichment.watchlist.matchScore', value: String(ms) }])
    }
    if (chplLine >= 0) {
      let via: string | undefined = sanctioned.has(d.destinationCountry) ? d.destinationCountry : undefined
      if (via === undefined) {
        for (const c of d.route) {
          if (sanctioned.has(c)) {
            via = c
            break
          }
        }
      }
      if (via !== undefined) {
        gate(st, R.chplSanctioned, [
          line(chplLine, 'hsCode', lineItem(chplLine).hsCode),
          { name: 'destinationCountry', value: d.destinationCountry },
          { name: 'route', value: via }
        ])
      }
    }
    if (chpl1Line >= 0) {
      let via: string | undefined = diversion.has(d.destinationCountry) ? d.destinationCountry : undefined
      if (via === undefined) {
        for (const c of d.route) {
          if (diversion.has(c)) {
            via = c
            break
          }
        }
      }
      if (via !== undefined) {
        gate(st, R.chplDiversion, [
          line(chpl1Line, 'hsCode', lineItem(chpl1Line).hsCode),
          { name: 'destinationCountry', value: d.destinationCountry },
          { name: 'route', value: via }
        ])
      }
    }
    for (const c of d.route) {
      if (diversion.has(c)) {
        indicator(st, R.hubTransit, [{ name: 'route', value: c }])
        break
      }
    }
    if (precursorLine >= 0) {
      indicator(st, R.precursor, [
        line(precursorLine, 'hsCode', lineItem(precursorLine).hsCode),
        line(precursorLine, 'originCountry', lineItem(precursorLine).originCountry)
      ])
    }
    if (wildlifeLine >= 0) {
      indicator(st, R.wildlife, [line(wildlifeLine, 'description', lineItem(wildlifeLine).description)])
    }

    // --- valuation
    if (underLine >= 0) {
      indicator(st, R.undervalued, [
        line(underLine, 'intrinsicValue', lineItem(underLine).intrinsicValue),
        line(underLine, 'quantity', String(lineItem(underLine).quantity)),
        line(underLine, 'hsCode', lineItem(underLine).hsCode)
      ])
    }
    if (d.grossMassKg >= 1 && totalEur !== undefined && totalEur / d.grossMassKg < 2) {
      indicator(st, R.perKg, [
        { name: 'grossMassKg', value: String(d.grossMassKg) }, { name: 'totalValue in EUR', value: String(totalEur) }
      ])
    }

    // --- classification and counterfeits
    if (elecLine >= 0) {
      indicator(st, R.mismatchElec, [
        line(elecLine, 'description', lineItem(elecLine).description),
        line(elecLine, 'hsCode', lineItem(elecLine).hsCode)
      ])
    }
    if (apparelLine >= 0) {
      indicator(st, R.mismatchApparel, [
        line(apparelLine, 'description', lineItem(apparelLine).description),
        line(apparelLine, 'hsCode', lineItem(apparelLine).hsCode)
      ])
    }
    if (vagueLine >= 0) indicator(st, R.vague, [line(vagueLine, 'description', lineItem(vagueLine).description)])
    if (brandLine >= 0) {
      indicator(st, R.brand, [
        line(brandLine, 'description', lineItem(brandLine).description),
        line(brandLine, 'hsCode', lineItem(brandLine).hsCode)
      ])
    }
    if (d.dispatchLocation.freeZone && iprLine >= 0) {
      indicator(st, R.freeZone, [
        { name: 'dispatchLocation.freeZone', value: 'true' }, line(iprLine, 'hsCode', lineItem(iprLine).hsCode)
      ])
    }

    // --- profiles
    const age = seller?.ageDays
    if (age !== undefined && age < 30) {
      indicator(st, R.newSeller, [{ name: 'enrichment.seller.ageDays', value: String(age) }])
    }
    if (seller?.riskTier === 'HIGH') indicator(st, R.highRisk, [{ name: 'enrichment.seller.riskTier', value: 'HIGH' }])
    const sv = seller?.violations
    if (sv !== undefined && sv >= 0.5) {
      indicator(st, R.repeatSeller, [{ name: 'enrichment.seller.violations', value: String(sv) }])
    }
    const cv = e?.consignee?.violations
    if (cv !== undefined && cv >= 0.5) {
      indicator(st, R.repeatConsignee, [{ name: 'enrichment.consignee.violations', value: String(cv) }])
    }
    if (ioss !== null && ioss !== undefined && e?.ioss?.boundToSeller === false) {
      indicator(st, R.iossNotBound, [
        { name: 'iossNumber', value: ioss }, { name: 'enrichment.ioss.boundToSeller', value: 'false' }
      ])
    }

    // --- trusted traders
    if (aeo !== undefined && aeo.status === 'ACTIVE' && aeo.stale === false) {
      const p = aeo.programme
      if (p === 'AEOS' || p === 'AEOF') {
        mitigation(st, R.aeo, [{ name: 'enrichment.seller.aeo.programme', value: p }])
      } else if (p !== undefined && aeo.mraApplicable === true && mraPartners.has(d.seller.address.country)) {
        mitigation(st, R.mra, [
          { name: 'enrichment.seller.aeo.programme', value: p },
          { name: 'seller.address.country', value: d.seller.address.country }
        ])
      }
    }

    // --- score, band, severity, random selection
    let action = st.action
    const clamped = st.indicators > 100 ? 100 : st.indicators < 0 ? 0 : st.indicators
    const score = clamped - st.mitigations > 0 ? clamped - st.mitigations : 0
    for (const band of bands) {
      if (score >= band.min) {
        const s = SEVERITY.indexOf(band.action)
        if (s > action) action = s
        break
      }
    }
    let randomSelection = false
    if (action <= 1 && fnv1a32(randomSeed + d.declarationId) / 4294967296 < ref.random.rate) {
      randomSelection = true
      action = SEVERITY.indexOf(ref.random.action)
    }
    const finalAction = SEVERITY[action] as RiskDecision['action']
    // As the engine lists them: gates first, then scored rules by contribution, largest first;
    // every REJECT_DATA gate also becomes a rejection.
    const gateReasons: Reason[] = []
    const scored: Reason[] = []
    const rejections: RiskDecision['rejections'] = []
    for (const r of st.reasons) {
      if (r.tier !== 'GATE') {
        scored.push(r)
        continue
      }
      gateReasons.push(r)
      if (rejectGates.has(r.ruleId)) {
        rejections.push({ code: 'E_RULES_REJECT_DATA', path: r.values[0]?.name ?? '', message: r.title })
      }
    }
    scored.sort((a, b) => b.contribution - a.contribution)
    return {
      declarationId: d.declarationId,
      version: d.version,
      decision: action <= 1 ? 'RELEASE' : 'HOLD',
      action: finalAction,
      score,
      reasons: scored.length === 0 ? gateReasons : gateReasons.concat(scored),
      gates: st.gates,
      errors: [],
      randomSelection,
      ruleset: { id: ref.rulesetId, version: ref.version, digest: rulesetDigest },
      enrichment: { status: 'OK', missing: [] },
      rejections,
      timings: { receivedAt: nowMs, decidedAt: nowMs, latencyMicros: 0 },
      inputDigest
    }
  }
}
