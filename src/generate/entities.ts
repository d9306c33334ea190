// The cast of the synthetic stream, fixed by the seed alone (not by --count): sellers (some
// AEO-certified, some on a watchlist), watchlisted consignees and the IOSS registry. The
// profile file (`--profiles`) is this cast as ProfileUpdate records, so enrichment knows what
// a real profile store would know about the parties in the stream.
import type { AeoRecord, Party, ProfileUpdate } from '../declaration.ts'
import { callingCodes, iossMemberCodes, platforms, sellerCities, sellerTrades, sellerWords } from './catalogue.ts'
import { iossNumber } from './identifiers.ts'
import type { Rng } from './rng.ts'
import { NO_PAYLOAD } from '../enrich/profile-write.ts'

export interface Seller {
  readonly sellerId: string
  readonly party: Party
  readonly platformId: string
  /** The seller's own registered IOSS number, when it has one. */
  readonly ioss: string | null
  readonly aeo: AeoRecord | null
  readonly firstSeenAt: number
  readonly knownConsignor: boolean
  readonly violationCount: number
}

export interface Cast {
  readonly sellers: readonly Seller[]
  readonly aeoSellers: readonly Seller[]
  readonly watchlistedSellers: readonly Seller[]
  readonly watchlistedConsignees: readonly Party[]
  /** IOSS numbers in the registry with valid = false (revoked or deregistered). */
  readonly revokedIoss: readonly string[]
}

const DAY_MS = 86_400_000
export const SELLER_COUNT = 1500
const AEO_SELLER_COUNT = 40
const WATCHLISTED_SELLER_COUNT = 8
const WATCHLISTED_CONSIGNEE_COUNT = 12
const REVOKED_IOSS_COUNT = 20

export const WATCHLIST_ID = 'dnl-parties'

const sellerCountries: ReadonlyArray<readonly [string, number]> = [
  ['CN', 84], ['HK', 6], ['TR', 3], ['GB', 2], ['VN', 2], ['IN', 1.5], ['KR', 1], ['JP', 0.5]
]
const aeoCountries: ReadonlyArray<readonly [string, number]> = [['CN', 70], ['GB', 15], ['JP', 15]]

const sellerParty = (rng: Rng, country: string, name: string): Party => {
  const city = rng.pick(sellerCities[country] ?? ['Capital'])
  const domain = name.toLowerCase().replace(/[^a-z]+/g, '').slice(0, 12)
  return {
    name,
    address: {
      street: `No. ${rng.int(1, 399)} ${rng.pick(sellerWords)} Road`,
      city,
      postcode: country === 'HK' ? null : rng.digits(6),
      country
    },
    identifiers: { eori: null, tin: country === 'CN' ? `CN91${rng.digits(16)}` : null, vat: null },
    phone: `+${callingCodes[country] ?? '1'} ${rng.digits(3)} ${rng.digits(7)}`,
    email: `sales@${domain}.example`
  }
}

const companyName = (rng: Rng, country: string): string => {
  const word = rng.pick(sellerWords)
  const trade = rng.pick(sellerTrades)
  return country === 'CN'
    ? `${rng.pick(sellerCities.CN ?? ['Shenzhen'])} ${word} ${trade} Co., Ltd.`
    : `${word} ${trade} Ltd`
}

// Registered serials start with the entity's 4-digit index (unique, below 9000); numbers that
// are in no registry start with 9.
const registeredIoss = (rng: Rng, index: number): string =>
  iossNumber(rng.pick(iossMemberCodes), `${String(index).padStart(4, '0')}${rng.digits(3)}`)

export const unregisteredIoss = (rng: Rng): string => iossNumber(rng.pick(iossMemberCodes), `9${rng.digits(6)}`)

// Watchlisted sellers get names no other seller can have, so a name match means the listed party.
const watchlistedSellerWords = ['Heilong', 'Zhongrui', 'Baifu', 'Yaoxing', 'Dafeng', 'Longsheng', 'Qiantai', 'Hongyun']

const makeSeller = (
  rng: Rng, index: number, country: string, startMs: number, aeo: boolean, listedName?: string
): Seller => {
  const sellerId = `SLR-${String(index).padStart(6, '0')}`
  const name = listedName ?? companyName(rng, country)
  const party = sellerParty(rng, country, name)
  const ioss = rng.chance(0.7) ? registeredIoss(rng, index) : null
  const firstSeenAt = startMs - (rng.chance(0.1) ? rng.int(1, 30) : rng.int(31, 2000)) * DAY_MS
  let record: AeoRecord | null = null
  if (aeo) {
    const gb = country === 'GB'
    record = {
      id: gb ? `GBAEOF${rng.digits(7)}` : `AEO${country}${rng.digits(10)}`,
      idScheme: gb ? 'EORI' : 'TIN',
      operatorName: name,
      programme: gb ? 'AEOF' : 'OTHER',
      status: 'ACTIVE',
      authorisedAt: startMs - rng.int(200, 3000) * DAY_MS,
      suspendedAt: null,
      issuingCountry: country,
      mraPartners: ['EU']
    }
  }
  return {
    sellerId, party, platformId: rng.pick(platforms), ioss, aeo: record, firstSeenAt,
    knownConsignor: aeo || rng.chance(0.3),
    violationCount: !aeo && rng.chance(0.03) ? rng.int(1, 3) : 0
  }
}

const watchlistedConsignee = (rng: Rng, index: number): Party => {
  const names = [
    'Orion Freight Forwarding', 'Blue Harbour Logistics', 'Kestrel Parcel Services', 'Nordline Reshipping',
    'Argos Mail Drop', 'Vega Import Point'
  ]
  const country = rng.pick(['DE', 'NL', 'BE', 'PL', 'FR', 'ES'])
  return {
    name: `${names[index % names.length] ?? 'Orion'} ${index + 1}`,
    address: {
      street: `${rng.int(1, 200)} Industrial Way`, city: 'Warehouse District', postcode: rng.digits(5), country
    },
    identifiers: { eori: null, tin: null, vat: null },
    phone: null,
    email: null
  }
}

export const createCast = (rng: Rng, startMs: number): Cast => {
  let index = 0
  const sellers = Array.from({ length: SELLER_COUNT }, () =>
    makeSeller(rng, ++index, rng.weighted(sellerCountries), startMs, false))
  const aeoSellers = Array.from({ length: AEO_SELLER_COUNT }, () =>
    makeSeller(rng, ++index, rng.weighted(aeoCountries), startMs, true))
  const watchlistedSellers = Array.from({ length: WATCHLISTED_SELLER_COUNT }, (_, i) => {
    const word = watchlistedSellerWords[i % watchlistedSellerWords.length] ?? 'Heilong'
    return makeSeller(rng, ++index, 'CN', startMs, false, `${word} Global Supply Chain Co., Ltd.`)
  })
  const watchlistedConsignees = Array.from({ length: WATCHLISTED_CONSIGNEE_COUNT }, (_, i) =>
    watchlistedConsignee(rng, i))
  const revokedIoss = Array.from({ length: REVOKED_IOSS_COUNT }, (_, i) => registeredIoss(rng, 8000 + i))
  return { sellers, aeoSellers, watchlistedSellers, watchlistedConsignees, revokedIoss }
}

const update = (
  kind: ProfileUpdate['kind'], updatedAt: number, sourceSystem: string, payload: Partial<ProfileUpdate>
): ProfileUpdate =>
  ({
    kind, updatedAt, sourceSystem, ...NO_PAYLOAD,
    ...payload
  })

/** Normalised as watchlist producers do: upper case, single spaces. */
export const normaliseName = (name: string): string => name.toUpperCase().replace(/\s+/g, ' ').trim()

/** Every profile record the stream's parties need, in a fixed order. */
export const castProfiles = (cast: Cast, startMs: number): ProfileUpdate[] => {
  const at = startMs - DAY_MS
  const all = [...cast.sellers, ...cast.aeoSellers, ...cast.watchlistedSellers]
  const out: ProfileUpdate[] = []
  for (const s of all) {
    out.push(update('SELLER', at, 'seller-registry', {
      seller: {
        sellerId: s.sellerId,
        platformId: s.platformId,
        country: s.party.address.country,
        firstSeenAt: s.firstSeenAt,
        knownConsignor: s.knownConsignor,
        violationCount: s.violationCount,
        lastViolationAt: s.violationCount > 0 ? at - 30 * DAY_MS : null,
        flags: [],
        attributes: {}
      }
    }))
  }
  for (const s of all) {
    if (s.ioss !== null) {
      out.push(update('IOSS', at, 'ioss-registry', {
        iossRegistry: { iossNumber: s.ioss, valid: true, sellerId: s.sellerId, platformId: null }
      }))
    }
  }
  cast.revokedIoss.forEach((number, i) => {
    const owner = cast.sellers[i] as Seller
    out.push(update('IOSS', at, 'ioss-registry', {
      iossRegistry: { iossNumber: number, valid: false, sellerId: owner.sellerId, platformId: null }
    }))
  })
  for (const s of cast.aeoSellers) if (s.aeo !== null) out.push(update('AEO', at, 'mra-sync', { aeo: s.aeo }))
  const listed: Array<{ value: string, reason: string }> = [
    ...cast.watchlistedSellers.map((s) =>
      ({ value: normaliseName(s.party.name), reason: 'intelligence: counterfeit consignor' })),
    ...cast.watchlistedConsignees.map((p) =>
      ({ value: normaliseName(p.name), reason: 'intelligence: reshipping drop address' }))
  ]
  for (const { value, reason } of listed) {
    out.push(update('WATCHLIST', at, 'targeting-centre', {
      watchlist: { listId: WATCHLIST_ID, op: 'ADD', entityType: 'PARTY_NAME', value, reason, expiresAt: null }
    }))
  }
  return out
}
