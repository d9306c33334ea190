// The synthetic declaration stream: a pure, seeded, endless sequence of ParcelDeclarations,
// each with the labelled patterns it carries (see patterns.ts for the documented rates).
// Same seed and start → same sequence, record for record; nothing reads the clock.
import type {
  DeclarationType, ParcelDeclaration, Party, ProfileUpdate, SourceKind, TransportMode
} from '../declaration.ts'
import {
  airlinePrefixes, destinations, euMembers, expressCarriers, freeZones, goods, highRiskTransit, ordinaryRoutes,
  restrictedGoods, s10Services, stopWordDescriptions, vagueDescriptions, valuableGoods, type Goods
} from './catalogue.ts'
import { castProfiles, createCast, SELLER_COUNT, unregisteredIoss, type Cast, type Seller } from './entities.ts'
import { airWaybill, s10Id } from './identifiers.ts'
import { CLEAN_CEILING_CENTS, cleanLines, consignee, line, lineCents, money, toItems, type Line } from './lines.ts'
import { freshPatternWeights, splitStartChance, SPLIT_GROUP_SIZES, type Pattern } from './patterns.ts'
import { createRng, type Rng } from './rng.ts'

export interface StreamOptions {
  readonly seed: number
  /** Epoch ms of the first declaration. */
  readonly startMs?: number
}

export interface Generated {
  readonly declaration: ParcelDeclaration
  readonly patterns: readonly Pattern[]
}

/** 2026-03-02T00:00:00Z: the default start, so output never depends on when it runs. */
export const DEFAULT_START_MS = Date.UTC(2026, 2, 2)
/** Mean gap between declarations in stream time. */
const MEAN_GAP_MS = 500
const DAY_MS = 86_400_000

const euDestinations = destinations.filter(([code]) => euMembers.has(code))
const postalCategories = [['SALE_OF_GOODS', 85], ['GIFT', 10], ['OTHER', 5]] as const
const chapter = (hs: string): number => Number(hs.slice(0, 2))
const isElectronicsOrApparel = (hs: string): boolean =>
  [84, 85, 90].includes(chapter(hs)) || (chapter(hs) >= 61 && chapter(hs) <= 65)
// HS codes an electronics or apparel description is misdeclared under: cheap, unrelated chapters.
const mismatchTargets: readonly Goods[] = goods.filter((item) => !isElectronicsOrApparel(item.hs))
const describedGoods: readonly Goods[] = goods.filter((item) => item.group !== 'other')

interface SplitGroup { readonly seller: Seller, readonly consignee: Party, readonly destination: string }
interface Due { readonly index: number, readonly group: SplitGroup }

const roots = (seed: number, startMs: number): { cast: Cast, stream: Rng } => {
  const root = createRng(seed)
  const castRng = root.fork(1)
  return { cast: createCast(castRng, startMs), stream: root.fork(2) }
}

/** Popular sellers ship most parcels: index skewed towards the start of the pool. */
const pickSeller = (rng: Rng, sellers: readonly Seller[]): Seller =>
  sellers[Math.floor(sellers.length * rng.next() ** 2)] as Seller

const sourceKinds: ReadonlyArray<readonly [SourceKind, number]> = [['PLATFORM', 55], ['EXPRESS', 25], ['POSTAL', 20]]

export function * generateDeclarations (options: StreamOptions): Generator<Generated> {
  const startMs = options.startMs ?? DEFAULT_START_MS
  const { cast, stream: rng } = roots(options.seed, startMs)
  const weights = freshPatternWeights()
  const due: Due[] = []
  let clock = startMs
  for (let index = 0; ; index++) {
    clock += Math.round(-Math.log(1 - rng.next()) * MEAN_GAP_MS)
    const ctx = { rng, cast, index, clock, seed: options.seed }
    const next = due[0]
    if (next !== undefined && next.index <= index) {
      due.shift()
      yield compose(ctx, 'split-shipment', next.group)
      continue
    }
    if (rng.chance(splitStartChance)) {
      const seller = pickSeller(rng, cast.sellers)
      const destination = rng.weighted(euDestinations)
      const fixed: SplitGroup = { seller, destination, consignee: consignee(rng, destination) }
      let at = index
      for (let k = rng.pick(SPLIT_GROUP_SIZES) - 1; k > 0; k--) {
        at += rng.int(1, 6)
        due.push({ index: at, group: fixed })
      }
      due.sort((a, b) => a.index - b.index)
      yield compose(ctx, 'split-shipment', fixed)
      continue
    }
    yield compose(ctx, rng.weighted(weights), undefined)
  }
}

interface Context {
  readonly rng: Rng
  readonly cast: Cast
  readonly index: number
  readonly clock: number
  readonly seed: number
}

const linesFor = (rng: Rng, pattern: Pattern | null): Line[] => {
  if (pattern === 'split-shipment') {
    // Just under the €150 limit each; together well over it.
    const item = rng.pick(valuableGoods)
    const target = rng.int(9_500, 14_500)
    const qty = Math.max(1, Math.floor(target / 100 / item.medianEur))
    return [{ ...line(rng, item, qty), unitCents: Math.round(target / qty) }]
  }
  const lines = cleanLines(rng)
  const first = lines[0] as Line
  switch (pattern) {
    case 'undervaluation': {
      const item = rng.pick(valuableGoods)
      const l = line(rng, item, 1)
      lines[0] = { ...l, unitCents: Math.max(1, Math.round(item.lowEur * 100 * (0.15 + 0.55 * rng.next()))) }
      break
    }
    case 'vague-description':
      first.description = rng.chance(0.6) ? rng.pick(stopWordDescriptions) : rng.pick(vagueDescriptions)
      break
    case 'hs-mismatch': {
      const described = line(rng, rng.pick(describedGoods))
      described.hsCode = rng.pick(mismatchTargets).hs
      lines[0] = described.unitCents * described.quantity > CLEAN_CEILING_CENTS
        ? { ...described, unitCents: CLEAN_CEILING_CENTS, quantity: 1 }
        : described
      break
    }
    case 'restricted-goods':
      lines[0] = line(rng, rng.pick(restrictedGoods), 1)
      break
    default:
  }
  return lines
}

const borrowedIoss = (rng: Rng, cast: Cast, seller: Seller): string => {
  const start = rng.int(0, SELLER_COUNT - 1)
  for (let i = 0; i < SELLER_COUNT; i++) {
    const other = cast.sellers[(start + i) % SELLER_COUNT] as Seller
    if (other.ioss !== null && other.ioss !== seller.ioss) return other.ioss
  }
  return unregisteredIoss(rng)
}

const declarationTypeFor = (kind: SourceKind, destination: string): DeclarationType =>
  kind === 'POSTAL' ? 'CN22' : destination === 'US' ? 'T86' : 'H7'

const transportModeFor = (rng: Rng, kind: SourceKind, origin: string, destination: string): TransportMode => {
  if (kind === 'POSTAL') return 'MAIL'
  if (kind === 'PLATFORM' && origin === 'CN' && destination !== 'US' && rng.chance(0.1)) return 'RAIL'
  return 'AIR'
}

const compose = (ctx: Context, pattern: Pattern | null, group: SplitGroup | undefined): Generated => {
  const { rng, cast } = ctx
  const watchSeller = pattern === 'watchlist-party' && rng.chance(0.4)
  const seller = group?.seller ??
    (pattern === 'trusted-aeo'
      ? rng.pick(cast.aeoSellers)
      : watchSeller ? rng.pick(cast.watchlistedSellers) : pickSeller(rng, cast.sellers))
  const destination = group?.destination ?? rng.weighted(pattern === 'invalid-ioss' ? euDestinations : destinations)
  const eu = destination !== 'US'
  const kind = rng.weighted(sourceKinds)
  const zone = pattern === 'free-zone' ? rng.pick(freeZones) : undefined
  const sellerCountry = seller.party.address.country
  const origin = zone?.country ?? (sellerCountry === 'CN' && rng.chance(0.05) ? 'HK' : sellerCountry)
  const lines = linesFor(rng, pattern)
  const cents = lines.reduce((sum, l) => sum + lineCents(l), 0)
  const netMass = lines.reduce((sum, l) => sum + l.netMassKg, 0)
  let route: readonly string[]
  if (pattern === 'high-risk-route') {
    route = rng.chance(0.7)
      ? [rng.pick(highRiskTransit)]
      : [rng.pick(highRiskTransit), rng.pick(['NL', 'DE', 'BE', 'HU'])]
  } else {
    route = rng.weighted(ordinaryRoutes)
    if (route.includes(origin) || route.includes(destination)) route = []
  }
  const consigneeParty = group?.consignee ??
    (pattern === 'watchlist-party' && !watchSeller ? rng.pick(cast.watchlistedConsignees) : consignee(rng, destination))
  const party = consigneeParty.address.country === destination
    ? consigneeParty
    : { ...consigneeParty, address: { ...consigneeParty.address, country: destination } }

  let ioss: string | null = null
  if (pattern === 'invalid-ioss') {
    ioss = rng.weighted<() => string>([
      [() => `IM${rng.digits(9)}`, 25], // malformed: 9 digits
      [() => unregisteredIoss(rng), 25], // well-formed, in no registry
      [() => borrowedIoss(rng, cast, seller), 35], // registered to another seller
      [() => rng.pick(cast.revokedIoss), 15] // revoked
    ])()
  } else if (eu && seller.ioss !== null && rng.chance(kind === 'POSTAL' ? 0.5 : 0.9)) {
    ioss = seller.ioss
  }

  const house = kind === 'POSTAL'
    ? s10Id(rng.pick(s10Services), rng.digits(8), origin)
    : airWaybill(rng.pick(airlinePrefixes), rng.digits(7))
  const declaredAt = ctx.clock
  const declaration: ParcelDeclaration = {
    declarationId: `DCL-${ctx.seed}-${String(ctx.index).padStart(9, '0')}`,
    version: 1,
    houseTransportDocId: house,
    masterTransportDocId: kind !== 'POSTAL' && rng.chance(0.6)
      ? airWaybill(rng.pick(airlinePrefixes), rng.digits(7))
      : null,
    postalItemId: kind === 'POSTAL' ? house : null,
    orderRef: kind === 'PLATFORM' || rng.chance(kind === 'EXPRESS' ? 0.5 : 0.2) ? `ORD-${rng.digits(12)}` : null,
    source: {
      kind,
      sourceId: kind === 'PLATFORM'
        ? seller.platformId
        : kind === 'EXPRESS' ? rng.pick(expressCarriers) : `POST-${origin}`
    },
    declarationType: declarationTypeFor(kind, destination),
    declaredAt,
    estimatedArrival: rng.chance(0.8) ? declaredAt + rng.int(1, 6) * DAY_MS + rng.int(0, 23) * 3_600_000 : null,
    seller: seller.party,
    consignee: party,
    destinationCountry: destination,
    originCountry: origin,
    route: [...route],
    dispatchLocation: { country: origin, freeZone: zone !== undefined, zoneId: zone?.id ?? null, region: null },
    transportMode: transportModeFor(rng, kind, origin, destination),
    pieces: rng.chance(0.94) ? 1 : 2,
    grossMassKg: Math.round((netMass * 1.1 + 0.04) * 1000) / 1000,
    totalValue: money(cents),
    currency: eu ? 'EUR' : 'USD',
    transportInsuranceCost: rng.chance(0.4) ? money(rng.int(100, 899)) : null,
    itemCategory: kind === 'POSTAL' ? rng.weighted(postalCategories) : 'SALE_OF_GOODS',
    items: toItems(lines, origin === 'HK' ? 'CN' : zone !== undefined ? sellerCountry : origin),
    iossNumber: ioss,
    aeoCertRef: pattern === 'trusted-aeo' ? seller.aeo?.id ?? null : null,
    additionalProcedure: eu ? (ioss !== null ? 'F48' : 'C07') : null,
    sellerId: seller.sellerId,
    platformId: kind === 'PLATFORM' ? seller.platformId : null
  }
  return { declaration, patterns: pattern === null ? [] : [pattern] }
}

/** The profile records for the stream's parties; depends on the seed and start only. */
export const generateProfiles = (options: StreamOptions): ProfileUpdate[] => {
  const startMs = options.startMs ?? DEFAULT_START_MS
  return castProfiles(roots(options.seed, startMs).cast, startMs)
}
