// From a declaration to the keys it needs, and from fetched hashes to its EnrichmentRecord.
// Pure: both stores (redis-store.ts, memory-store.ts) fetch, then call these.
//
// Derived values (documented in README "Enrichment"):
//   violations  violationCount × 0.5^(days since lastViolationAt / violationHalfLifeDays)
//   riskTier    an analyst flag `risk:HIGH|MEDIUM|LOW` when set; else HIGH when violations ≥ 1,
//               MEDIUM when violations > 0 or other flags are set, LOW otherwise; UNKNOWN when
//               the seller has no profile
//   aeo         looked up by aeoCertRef, else the seller's EORI, else its TIN; it matches the
//               seller when its id is the seller's EORI/TIN or its operator name normalises to
//               the seller's name. Stale (last sync older than aeoStaleAfterMs) → {stale:true}
//               only; not matching the seller → {matchesSeller:false} only: either way
//               programme and status stay unknown, so no trusted-trader rule can fire.
//   offences180d  offences (positive controls, offences.ts) of the last 180 days; 0 without any;
//               lastOffenceAt the latest. A hash holding only offences is no profile (UNKNOWN tier)
//   mraApplicable  programme is not AEOC and the destination's jurisdiction issued it or is
//               among its MRA partners (EU member states count as EU)
//   hsCodes     per item code, each attribute from the most specific profile that carries it:
//               the code itself, then its 8-, 6-, 4- and 2-digit prefixes (keys.ts)
//   route       the profile of originCountry-destinationCountry
import type { Party, ParcelDeclaration, WatchlistEntityType } from '../declaration.ts'
import type { AeoEnrichment, AggregatesEnrichment, EnrichmentRecord, SellerRiskTier } from '../enrichment.ts'
import type { FetchPlan, KeyLayout } from './keys.ts'
import { commodityLookups, OFFENCE_FIELDS, PROFILE_FIELDS, routeOf } from './keys.ts'
import { bestFuzzyScore, fuzzyFields } from './match.ts'
import { attributesOf, commodityAttributes, hasProfile, num, offencesOf, type Hash } from './hash-values.ts'
import type { IdentityHasher } from './normalise.ts'
import { normaliseEmail, normaliseIdentifier, normaliseName, normalisePhone, normaliseText } from './normalise.ts'

export interface RecordConfig {
  readonly aeoStaleAfterMs: number
  readonly violationHalfLifeDays: number
  /**
   * Whether the aggregates a declaration sees include itself. false (default): they cover the
   * EARLIER parcels of the windows, so `consigneeValueEur24h + totalValue > 150` reads as
   * "with this parcel"; the parcel is counted all the same, for the ones after it.
   */
  readonly aggregatesIncludeCurrent: boolean
}

export const defaultRecordConfig: RecordConfig = {
  aeoStaleAfterMs: 48 * 3_600_000, violationHalfLifeDays: 365, aggregatesIncludeCurrent: false
}

const DAY_MS = 86_400_000

export const EU_MEMBERS: ReadonlySet<string> = new Set([
  'AT', 'BE', 'BG', 'HR', 'CY', 'CZ', 'DK', 'EE', 'FI', 'FR', 'DE', 'GR', 'HU', 'IE', 'IT', 'LV',
  'LT', 'LU', 'MT', 'NL', 'PL', 'PT', 'RO', 'SK', 'SI', 'ES', 'SE'
])

export const jurisdictionOf = (country: string): string => EU_MEMBERS.has(country) ? 'EU' : country

/** Keys one declaration needs, computed once per declaration. */
export interface DeclarationKeys {
  readonly identityHash: string
  readonly seller: string
  readonly consignee: string
  readonly aeo: string | null
  readonly aeoId: string | null
  readonly ioss: string | null
  readonly iossNumber: string
  /** Watchlist fields of each party: exact ones, then approximate-match ones (match.ts). */
  readonly sellerWatch: readonly string[]
  readonly consigneeWatch: readonly string[]
  readonly sellerForms: PartyForms
  readonly consigneeForms: PartyForms
  /** The route profile's key, when a rule reads route attributes. */
  readonly route: string | null
  /** Each distinct item code as declared, with its profile keys most specific first. */
  readonly hsCodes: ReadonlyArray<readonly [string, readonly string[]]>
}

const NO_CODES: ReadonlyArray<readonly [string, readonly string[]]> = []

/** The distinct codes of the items, each with the keys of the profiles it is looked up in. */
const commodityKeys = (d: ParcelDeclaration, keys: KeyLayout): Array<readonly [string, readonly string[]]> => {
  const out = new Map<string, readonly string[]>()
  for (const item of d.items) {
    if (!out.has(item.hsCode)) out.set(item.hsCode, commodityLookups(item.hsCode).map(keys.hsCode))
  }
  return [...out]
}

const NO_FORMS: PartyForms = { name: '', address: '' }

/** A party's normalised name and address, as the watchlist holds them; scored against fuzzy candidates. */
export interface PartyForms { readonly name: string, readonly address: string }

export const partyForms = (party: Party): PartyForms => {
  const a = party.address
  return {
    name: normaliseName(party.name),
    address: normaliseText(`${a.street} ${a.postcode ?? ''} ${a.city} ${a.country}`)
  }
}

const watchFields = (
  keys: KeyLayout, party: Party, forms: PartyForms, extra: ReadonlyArray<readonly [WatchlistEntityType, string | null]>
): string[] => {
  const out = [
    keys.watchlistField('PARTY_NAME', forms.name),
    keys.watchlistField('ADDRESS', forms.address),
    ...fuzzyFields('PARTY_NAME', forms.name),
    ...fuzzyFields('ADDRESS', forms.address)
  ]
  const ids = party.identifiers
  for (const [type, value] of [['EORI', ids.eori], ['OTHER', ids.tin], ['OTHER', ids.vat], ...extra] as const) {
    if (value !== null && value !== '') out.push(keys.watchlistField(type, normaliseIdentifier(value)))
  }
  if (party.phone !== null && party.phone !== '') out.push(keys.watchlistField('PHONE', normalisePhone(party.phone)))
  if (party.email !== null && party.email !== '') out.push(keys.watchlistField('EMAIL', normaliseEmail(party.email)))
  return out
}

const NONE: readonly string[] = []

/** What a seller's watchlist lookup needs, as computed from one declared party. */
interface SellerWatch {
  readonly party: Party
  readonly iossNumber: string | null
  readonly forms: PartyForms
  readonly fields: readonly string[]
}

/**
 * A seller's normalised forms and watchlist fields, kept per seller id for as long as the
 * seller is declared the same way (every field they are made from is compared). Sellers recur:
 * 1,548 distinct ones in 100,000 generated declarations, while the normalising and the
 * approximate-match keys are most of what declarationKeys costs. One per store; cleared when
 * it holds `maxEntries` sellers.
 */
export interface SellerWatchMemo {
  readonly entries: Map<string, SellerWatch>
  readonly maxEntries: number
}

export const createSellerWatchMemo = (maxEntries = 20_000): SellerWatchMemo => ({ entries: new Map(), maxEntries })

const sameParty = (a: Party, b: Party): boolean => a === b || (
  a.name === b.name && a.address.street === b.address.street && a.address.postcode === b.address.postcode &&
  a.address.city === b.address.city && a.address.country === b.address.country &&
  a.identifiers.eori === b.identifiers.eori && a.identifiers.tin === b.identifiers.tin &&
  a.identifiers.vat === b.identifiers.vat && a.phone === b.phone && a.email === b.email
)

const sellerWatchOf = (d: ParcelDeclaration, keys: KeyLayout, memo: SellerWatchMemo | undefined): SellerWatch => {
  const known = memo?.entries.get(d.sellerId)
  if (known !== undefined && known.iossNumber === d.iossNumber && sameParty(known.party, d.seller)) return known
  const forms = partyForms(d.seller)
  const sellerIds = [['SELLER_ID', d.sellerId], ['IOSS', d.iossNumber]] as const
  const fields = watchFields(keys, d.seller, forms, sellerIds)
  const made = { party: d.seller, iossNumber: d.iossNumber, forms, fields }
  if (memo !== undefined) {
    if (memo.entries.size >= memo.maxEntries) memo.entries.clear()
    memo.entries.set(d.sellerId, made)
  }
  return made
}

const NO_WATCH: SellerWatch = { party: {} as Party, iossNumber: null, forms: NO_FORMS, fields: NONE }

/**
 * Only what `plan` needs is computed: the identity HMAC and the watchlist fields cost most.
 * With a memo, a seller's watchlist fields are computed once while it is declared the same way.
 */
export const declarationKeys = (
  d: ParcelDeclaration, keys: KeyLayout, hash: IdentityHasher, plan: FetchPlan, sellers?: SellerWatchMemo
): DeclarationKeys => {
  const fam = plan.families
  const hashed = fam.has('consignee') || fam.has('aggregates') || plan.paths.has('consignee.identityHash')
  const watch = fam.has('watchlist')
  const consigneeForms = watch ? partyForms(d.consignee) : NO_FORMS
  const identityHash = hashed ? hash(d.consignee, watch ? consigneeForms.name : undefined) : ''
  const eori = d.consignee.identifiers.eori
  const claimed = d.aeoCertRef ?? d.seller.identifiers.eori ?? d.seller.identifiers.tin
  const aeoId = claimed === null || claimed === '' ? null : normaliseIdentifier(claimed)
  const iossNumber = d.iossNumber === null ? '' : normaliseIdentifier(d.iossNumber)
  const seller = watch ? sellerWatchOf(d, keys, sellers) : NO_WATCH
  return {
    identityHash,
    seller: keys.seller(d.sellerId),
    consignee: keys.consignee(eori !== null && eori !== '' ? normaliseIdentifier(eori) : identityHash),
    aeo: aeoId === null ? null : keys.aeo(aeoId),
    aeoId,
    ioss: iossNumber === '' ? null : keys.ioss(iossNumber),
    iossNumber,
    sellerWatch: seller.fields,
    consigneeWatch: watch ? watchFields(keys, d.consignee, consigneeForms, []) : NONE,
    sellerForms: seller.forms,
    consigneeForms,
    route: fam.has('route') ? keys.route(routeOf(d.originCountry, d.destinationCountry)) : null,
    hsCodes: fam.has('hsCode') ? commodityKeys(d, keys) : NO_CODES
  }
}

const decayed = (count: number, lastAt: number | null, now: number, halfLifeDays: number): number => {
  if (count <= 0) return 0
  if (lastAt === null || lastAt >= now) return count
  return Math.round(count * 0.5 ** ((now - lastAt) / DAY_MS / halfLifeDays) * 1000) / 1000
}

export interface Fetched {
  /** undefined = the family could not be read (degraded). */
  readonly seller?: Hash
  readonly aeo?: Hash
  readonly consignee?: Hash
  readonly ioss?: Hash
  /** Index values for sellerWatch then consigneeWatch, same order; undefined when not read. */
  readonly watch?: ReadonlyArray<string | null>
  /** The aggregate script's output (OUTPUT_STRIDE numbers from aggregatesOffset); undefined when not read. */
  readonly aggregates?: readonly number[]
  readonly aggregatesOffset?: number
  /** This parcel's own contribution (it is in its buckets): [count, EUR cents]; [0, 0] when too old to count. */
  readonly own?: readonly [number, number]
  readonly route?: Hash
  /** Commodity code profiles by key (DeclarationKeys.hsCodes); undefined when not read. */
  readonly hsCodes?: ReadonlyMap<string, Hash>
}

const listedNow = (raw: string | null, now: number): boolean => {
  if (raw === null) return false
  const lists = JSON.parse(raw) as Record<string, [number, number]>
  for (const listId in lists) {
    const expiresAt = (lists[listId] as [number, number])[0]
    if (expiresAt === 0 || expiresAt > now) return true
  }
  return false
}

const aeoOf = (
  h: Hash, d: ParcelDeclaration, k: DeclarationKeys, now: number, config: RecordConfig
): AeoEnrichment | undefined => {
  if (h === null || k.aeoId === null) return undefined
  const F = PROFILE_FIELDS.aeo
  const at = (name: typeof F[number]): string | null => h[F.indexOf(name)] ?? null
  const updatedAt = num(at('updatedAt')) ?? 0
  if (now - updatedAt > config.aeoStaleAfterMs) return { stale: true }
  const ids = d.seller.identifiers
  const matches = (ids.eori !== null && normaliseIdentifier(ids.eori) === k.aeoId) ||
    (ids.tin !== null && normaliseIdentifier(ids.tin) === k.aeoId) ||
    at('operatorKey') === normaliseName(d.seller.name)
  if (!matches) return { matchesSeller: false }
  const programme = at('programme') as AeoEnrichment['programme']
  const here = jurisdictionOf(d.destinationCountry)
  const partners = (at('mraPartners') ?? '').split(',')
  const issuedHere = jurisdictionOf(at('issuingCountry') ?? '') === here
  const mraApplicable = programme !== 'AEOC' && (issuedHere || partners.includes(here))
  const status = at('status') as AeoEnrichment['status']
  return { programme, status, mraApplicable, stale: false, matchesSeller: true }
}

/** Builds the record for one declaration; `missing` receives the families not read. */
export const buildRecord = (
  d: ParcelDeclaration, k: DeclarationKeys, f: Fetched, plan: FetchPlan, now: number, config: RecordConfig,
  missing: string[]
): EnrichmentRecord => {
  const record: {
    seller?: EnrichmentRecord['seller'], consignee?: EnrichmentRecord['consignee'],
    watchlist?: EnrichmentRecord['watchlist'], ioss?: EnrichmentRecord['ioss'],
    aggregates?: EnrichmentRecord['aggregates'], route?: EnrichmentRecord['route'],
    hsCodes?: EnrichmentRecord['hsCodes']
  } = {}
  const fam = plan.families
  let aeo: AeoEnrichment | undefined
  if (fam.has('aeo')) {
    if (f.aeo === undefined && k.aeo !== null) missing.push('aeo')
    else aeo = aeoOf(f.aeo ?? null, d, k, now, config)
  }
  if (fam.has('seller')) {
    const h = f.seller
    // The seller's profile unknown, its AEO record known: the AEO part still counts.
    if (h === undefined) {
      missing.push('seller')
      if (aeo !== undefined) record.seller = { aeo }
    } else if (h === null || !hasProfile(h, PROFILE_FIELDS.seller.length)) {
      // No profile, or only the offences the outcome intake recorded (offences.ts).
      const offences = offencesOf(h, PROFILE_FIELDS.seller.length, plan.offences.seller, now)
      record.seller = { riskTier: 'UNKNOWN', violations: 0, ...offences, aeo }
    } else {
      const S = PROFILE_FIELDS.seller
      const attributesFrom = S.length + (plan.offences.seller ? OFFENCE_FIELDS.length : 0)
      const firstSeenAt = num(h[S.indexOf('firstSeenAt')]) ?? now
      const violationCount = num(h[S.indexOf('violationCount')]) ?? 0
      const lastViolationAt = num(h[S.indexOf('lastViolationAt')])
      const violations = decayed(violationCount, lastViolationAt, now, config.violationHalfLifeDays)
      const flags = h[S.indexOf('flags')] ?? ''
      const tierFlag = /(?:^|,)risk:(HIGH|MEDIUM|LOW)(?:,|$)/.exec(flags)?.[1] as SellerRiskTier | undefined
      const byViolations: SellerRiskTier = violations >= 1 ? 'HIGH' : violations > 0 || flags !== '' ? 'MEDIUM' : 'LOW'
      const riskTier: SellerRiskTier = tierFlag ?? byViolations
      record.seller = {
        riskTier, firstSeenAt, ageDays: Math.max(0, Math.floor((now - firstSeenAt) / DAY_MS)), violations,
        knownConsignor: h[S.indexOf('knownConsignor')] === '1',
        ...offencesOf(h, S.length, plan.offences.seller, now),
        aeo, attributes: attributesOf(h, attributesFrom, plan.attributes.seller)
      }
    }
  } else if (aeo !== undefined) record.seller = { aeo }
  if (fam.has('consignee') || plan.paths.has('consignee.identityHash')) {
    const h = f.consignee
    if (!fam.has('consignee')) record.consignee = { identityHash: k.identityHash }
    else if (h === undefined) {
      missing.push('consignee')
      record.consignee = { identityHash: k.identityHash }
    } else {
      const C = PROFILE_FIELDS.consignee
      const violations = h === null ? 0 : decayed(
        num(h[C.indexOf('violationCount')]) ?? 0, num(h[C.indexOf('lastViolationAt')]), now,
        config.violationHalfLifeDays
      )
      const attributesFrom = C.length + (plan.offences.consignee ? OFFENCE_FIELDS.length : 0)
      record.consignee = {
        identityHash: k.identityHash, violations,
        ...offencesOf(h, C.length, plan.offences.consignee, now),
        attributes: h === null ? undefined : attributesOf(h, attributesFrom, plan.attributes.consignee)
      }
    }
  }
  if (fam.has('watchlist')) {
    const w = f.watch
    if (w === undefined) missing.push('watchlist')
    else {
      let sellerHit = false
      let consigneeHit = false
      let sellerScore = 0
      let consigneeScore = 0
      const sellers = k.sellerWatch.length
      for (let i = 0; i < w.length; i++) {
        const raw = w[i] ?? null
        if (raw === null) continue
        const seller = i < sellers
        const field = (seller ? k.sellerWatch[i] : k.consigneeWatch[i - sellers]) as string
        if (field.startsWith('~')) {
          const forms = seller ? k.sellerForms : k.consigneeForms
          const s = bestFuzzyScore(field, raw, forms.name, forms.address, now)
          if (seller) sellerScore = Math.max(sellerScore, s)
          else consigneeScore = Math.max(consigneeScore, s)
        } else if (listedNow(raw, now)) {
          if (seller) sellerHit = true
          else consigneeHit = true
        }
      }
      if (sellerHit) sellerScore = 1
      if (consigneeHit) consigneeScore = 1
      record.watchlist = {
        sellerHit, consigneeHit, sellerMatchScore: sellerScore, consigneeMatchScore: consigneeScore,
        matchScore: Math.max(sellerScore, consigneeScore)
      }
    }
  }
  if (fam.has('ioss') && k.ioss !== null) {
    const h = f.ioss
    if (h === undefined) missing.push('ioss')
    else if (h === null) record.ioss = { registered: false, boundToSeller: false }
    else {
      const I = PROFILE_FIELDS.ioss
      const seller = h[I.indexOf('sellerId')] ?? ''
      const platform = h[I.indexOf('platformId')] ?? ''
      record.ioss = {
        registered: h[I.indexOf('valid')] === '1',
        boundToSeller: (seller !== '' && seller === d.sellerId) || (platform !== '' && platform === d.platformId)
      }
    }
  }
  if (fam.has('aggregates')) {
    const a = f.aggregates
    if (a === undefined) missing.push('aggregates')
    else {
      const o = f.aggregatesOffset ?? 0
      const [ownCount, ownCents] = config.aggregatesIncludeCurrent ? [0, 0] : f.own ?? [0, 0]
      const at = (i: number): number => (a[o + i] ?? 0) - (i % 2 === 0 ? ownCount : ownCents)
      const agg: { -readonly [K in keyof AggregatesEnrichment]: AggregatesEnrichment[K] } = {}
      const mask = plan.aggregateMask
      if (mask.includes('c')) {
        agg.consigneeCount24h = at(0)
        agg.consigneeValueEur24h = at(1) / 100
        agg.consigneeCount7d = at(2)
        agg.consigneeValueEur7d = at(3) / 100
      }
      if (mask.includes('s')) {
        agg.sellerCount24h = at(4)
        agg.sellerValueEur24h = at(5) / 100
        agg.sellerCount7d = at(6)
        agg.sellerValueEur7d = at(7) / 100
      }
      if (k.iossNumber !== '' && mask.includes('i')) {
        agg.iossCount24h = at(8)
        agg.iossValueEur24h = at(9) / 100
        agg.iossCount7d = at(10)
        agg.iossValueEur7d = at(11) / 100
      }
      record.aggregates = agg
    }
  }
  if (fam.has('route')) {
    const h = f.route
    if (h === undefined) missing.push('route')
    else {
      const attributes = h === null ? undefined : attributesOf(h, PROFILE_FIELDS.route.length, plan.attributes.route)
      record.route = { attributes }
    }
  }
  if (fam.has('hsCode')) {
    const hashes = f.hsCodes
    if (hashes === undefined) missing.push('hsCode')
    else record.hsCodes = commodityAttributes(k.hsCodes, hashes, PROFILE_FIELDS.hsCode.length, plan.attributes.hsCode)
  }
  return record
}
