// The Redis key layout (README "Redis key layout" documents the same table) and the fetch
// plan: which key families and which hash fields a compiled ruleset needs.
//
//   {p}seller:{sellerId}          HASH  seller profile
//   {p}consignee:{consigneeKey}   HASH  consignee profile (EORI when declared, else identity hash)
//   {p}aeo:{ID}                   HASH  AEO record, ID upper case without spaces
//   {p}ioss:{IOSS}                HASH  IOSS registry entry
//   {p}hs:{digits}                HASH  commodity code profile (custom attributes), 2 to 10 digits
//   {p}route:{ORIGIN}-{DEST}      HASH  route profile (custom attributes), dispatch → destination country
//   {p}wl                         HASH  watchlist index: field {ENTITY_TYPE}:{normalised value},
//                                       and ~N:{key} / ~A:{key} approximate-match fields (match.ts)
//   {p}wl:log:{{p}wl}             STREAM the watchlist's change log (watch-index.ts), in {p}wl's slot
//   {p}agg:{c|s|i}:{entity}       HASH  windowed counters of a consignee, seller or IOSS number
//   {p}answers:{hourNo}           HASH  declarationId#version counted in that hour → its first answer
//   {p}history:{<declarationId>}  HASH  standing decision, the one it replaced, the version counted
//                                       in the aggregates (history.ts); the braces are a hash tag
// {p} is the configurable prefix, `pr:` by default.
//
// Redis Cluster (redis.clusterNodes set) takes a layout of its own, chosen by the client the
// keys are for, so one server keeps the names above and needs no migration:
//   {p}seller:{<sellerId>}, {p}consignee:{<key>}, {p}aeo:{<ID>}, {p}ioss:{<IOSS>},
//   {p}hs:{<digits>}, {p}route:{<O>-<D>}   a hash tag per entity: profiles spread over the slots
//   {p}wl, {p}wl:log:{{p}wl}               one hash, one slot, as before; its log in the same slot
//   {p}agg:{c|s|i}:{<entity>}               the entity's windowed counters, tagged by the entity
//   {p}answers:{c|s|i}:{<entity>}:{hourNo}  HASH  declarationId#version applied to that entity's
//                                           counters, declared in that hour → that entity's part
//                                           of its first answer (`n24,v24,n7,v7`, '' when none
//                                           was given); the entity's slot, beside its counters
//   {p}history:{<declarationId>}            the name of one server: tagged by the declarationId;
//                                           also holds `d:<version>`, what counting that version
//                                           decided (cluster-aggregates.ts)
// So the aggregate work spreads per entity and per declaration over the slots and primaries:
// a parcel is counted in two steps, each atomic in its own slot and idempotent on its own
// record (cluster-aggregates.ts says how and why a crash between them converges). One server
// keeps the one script call per batch and its one `{p}answers:{hourNo}` per hour.
// Migration from one server: the profiles and the watchlist are rebuilt under the new names
// by replaying the profile-updates topic into the cluster (a new profiles consumer group, or
// `profiles load` of the same files); the histories keep their names and are copied key by
// key (DUMP from the server, RESTORE on the cluster); the counters are copied under their
// cluster names (`pr:agg:c:X` → `pr:agg:c:{X}`), or left behind, in which case the 24 h and
// 7 d windows refill in 7 days. The one-server answers are not copied (a replay of a parcel
// counted before the move is found counted by its history, not by its answer, and is read as
// the counters are then); older versions of declarations whose histories are left behind are
// decided again rather than answered as superseded.
export type Family = 'seller' | 'aeo' | 'consignee' | 'watchlist' | 'ioss' | 'aggregates' | 'hsCode' | 'route'

export const FAMILIES: readonly Family[] = [
  'seller', 'aeo', 'consignee', 'watchlist', 'ioss', 'aggregates', 'hsCode', 'route'
]

/** Families served from the in-process cache: they change over days, not seconds. */
export const CACHED_FAMILIES: ReadonlySet<Family> = new Set(['seller', 'aeo', 'ioss', 'watchlist', 'hsCode', 'route'])

export const DEFAULT_PREFIX = 'pr:'

export interface KeyLayout {
  readonly prefix: string
  readonly seller: (sellerId: string) => string
  readonly consignee: (consigneeKey: string) => string
  readonly aeo: (id: string) => string
  readonly ioss: (iossNumber: string) => string
  /** A commodity code's profile: `code` as commodityCode() gives it. */
  readonly hsCode: (code: string) => string
  /** A route's profile: `route` as routeOf() gives it. */
  readonly route: (route: string) => string
  readonly watchlist: string
  readonly watchlistField: (entityType: string, normalisedValue: string) => string
  readonly history: (declarationId: string) => string
  /** The prefix the one-server aggregate script builds its keys from (agg:, answers:, history:{id}). */
  readonly aggregatePrefix: string
  /** An entity's windowed counters: kind 'c', 's' or 'i' (buckets.ts). */
  readonly aggregates: (kind: string, id: string) => string
  /** On a cluster: the parcels applied to an entity's counters in an hour, and their answers. */
  readonly entityAnswers: (kind: string, id: string, hourNo: number) => string
  /** Whether this is the Redis Cluster layout. */
  readonly cluster: boolean
}

/** The key layout under `prefix`: one server's, or a Redis Cluster's (header). */
export const keyLayout = (prefix: string = DEFAULT_PREFIX, cluster = false): KeyLayout => {
  const entity = cluster ? (s: string) => `{${s}}` : (s: string) => s
  return Object.freeze({
    prefix,
    seller: (id: string) => `${prefix}seller:${entity(id)}`,
    consignee: (key: string) => `${prefix}consignee:${entity(key)}`,
    aeo: (id: string) => `${prefix}aeo:${entity(id)}`,
    ioss: (n: string) => `${prefix}ioss:${entity(n)}`,
    hsCode: (code: string) => `${prefix}hs:${entity(code)}`,
    route: (route: string) => `${prefix}route:${entity(route)}`,
    watchlist: `${prefix}wl`,
    watchlistField: (type: string, value: string) => `${type}:${value}`,
    history: (declarationId: string) => `${prefix}history:{${declarationId}}`,
    aggregatePrefix: prefix,
    aggregates: (kind: string, id: string) => `${prefix}agg:${kind}:${entity(id)}`,
    entityAnswers: (kind: string, id: string, hourNo: number) => `${prefix}answers:${kind}:${entity(id)}:${hourNo}`,
    cluster
  })
}

/** Hash fields of each profile family, as written by profile-write.ts (offences and lastOffenceAt: offences.ts). */
export const PROFILE_FIELDS = {
  seller: [
    'updatedAt', 'firstSeenAt', 'knownConsignor', 'violationCount', 'lastViolationAt', 'flags'
  ],
  consignee: ['updatedAt', 'firstSeenAt', 'violationCount', 'lastViolationAt', 'flags'],
  aeo: [
    'updatedAt', 'id', 'idScheme', 'operatorKey', 'programme', 'status', 'authorisedAt', 'suspendedAt',
    'issuingCountry', 'mraPartners'
  ],
  ioss: ['updatedAt', 'valid', 'sellerId', 'platformId'],
  hsCode: ['updatedAt'],
  route: ['updatedAt']
} as const

/**
 * The offence fields the outcome intake keeps in a seller's or consignee's hash (offences.ts):
 * read after the fixed fields, and only by a ruleset that reads offences, so one that does not
 * fetches the same values per profile as before there were offences.
 */
export const OFFENCE_FIELDS = ['offences', 'lastOffenceAt'] as const

/** Families whose profiles carry custom attributes (a ruleset's `attributes:`). */
export type AttributeFamily = 'seller' | 'consignee' | 'hsCode' | 'route'

const ATTRIBUTE_FAMILIES: readonly AttributeFamily[] = ['seller', 'consignee', 'hsCode', 'route']

/** A commodity code as profiles are keyed: its digits, at most ten. */
export const commodityCode = (code: string): string => code.replace(/[^0-9]/g, '').slice(0, 10)

/**
 * The profiles an item's code is looked up in, most specific first: the code itself, then its
 * 8-, 6-, 4- and 2-digit prefixes (`61091000` → 61091000, 610910, 6109, 61).
 */
export const commodityLookups = (code: string): string[] => {
  const digits = commodityCode(code)
  const out = digits.length >= 2 ? [digits] : []
  for (const length of [8, 6, 4, 2]) if (length < digits.length) out.push(digits.slice(0, length))
  return out
}

/** A route as profiles are keyed: `{ORIGIN}-{DESTINATION}`, upper case. */
export const routeOf = (origin: string, destination: string): string =>
  `${origin.trim().toUpperCase()}-${destination.trim().toUpperCase()}`

/** The hash field of a custom attribute, beside the fixed PROFILE_FIELDS. */
export const attributeField = (name: string): string => `attr:${name}`

/** The enrichment path prefix (under `enrichment.`) each family answers. */
const PATH_FAMILY: ReadonlyArray<readonly [string, Family]> = [
  ['seller.aeo.', 'aeo'],
  ['seller.', 'seller'],
  ['consignee.violations', 'consignee'],
  ['consignee.offences180d', 'consignee'],
  ['consignee.lastOffenceAt', 'consignee'],
  ['consignee.attributes.', 'consignee'],
  ['hsCode.attributes.', 'hsCode'],
  ['route.attributes.', 'route'],
  ['watchlist.', 'watchlist'],
  ['ioss.', 'ioss'],
  ['aggregates.', 'aggregates']
]

export const familyOfPath = (path: string): Family | undefined => {
  for (const [prefix, family] of PATH_FAMILY) if (path.startsWith(prefix)) return family
  return undefined
}

/** What one compiled ruleset needs fetched; built once per field list. */
export interface FetchPlan {
  readonly families: ReadonlySet<Family>
  /** Paths the ruleset reads, so results carry nothing else. */
  readonly paths: ReadonlySet<string>
  /** Aggregate kinds read: 'c' consignee, 's' seller, 'i' IOSS (the aggregate script's read mask). */
  readonly aggregateMask: string
  /** Custom attribute names read, per family, sorted; fetched with the family's fixed fields. */
  readonly attributes: Readonly<Record<AttributeFamily, readonly string[]>>
  /** Whether the offence fields (OFFENCE_FIELDS) of the seller's and the consignee's hash are read. */
  readonly offences: Readonly<Record<'seller' | 'consignee', boolean>>
  /**
   * Hash fields to read per profile family: PROFILE_FIELDS, then OFFENCE_FIELDS when read, then
   * `attr:{name}` of each attribute read.
   */
  readonly hashFields: Readonly<Record<keyof typeof PROFILE_FIELDS, readonly string[]>>
}

const ATTRIBUTE_PATH = /^(seller|consignee|hsCode|route)\.attributes\.([^.]+)$/

/** Plan for a list of `enrichment.` paths (with or without the `enrichment.` prefix). */
export const planFor = (paths: Iterable<string>): FetchPlan => {
  const families = new Set<Family>()
  const wanted = new Set<string>()
  for (const raw of paths) {
    const path = raw.startsWith('enrichment.') ? raw.slice('enrichment.'.length) : raw
    wanted.add(path)
    const family = familyOfPath(path)
    if (family !== undefined) families.add(family)
  }
  let aggregateMask = ''
  const kinds = [['c', 'aggregates.consignee'], ['s', 'aggregates.seller'], ['i', 'aggregates.ioss']] as const
  for (const [kind, prefix] of kinds) {
    if ([...wanted].some((p) => p.startsWith(prefix))) aggregateMask += kind
  }
  const attributes: Record<AttributeFamily, string[]> = { seller: [], consignee: [], hsCode: [], route: [] }
  for (const p of wanted) {
    const m = ATTRIBUTE_PATH.exec(p)
    if (m !== null) attributes[m[1] as AttributeFamily].push(m[2] as string)
  }
  for (const family of ATTRIBUTE_FAMILIES) attributes[family].sort()
  const readsOffences = (party: 'seller' | 'consignee'): boolean =>
    wanted.has(`${party}.offences180d`) || wanted.has(`${party}.lastOffenceAt`)
  const offences = { seller: readsOffences('seller'), consignee: readsOffences('consignee') }
  const withAttributes = (family: AttributeFamily): string[] => [
    ...PROFILE_FIELDS[family],
    ...(family === 'seller' || family === 'consignee') && offences[family] ? OFFENCE_FIELDS : [],
    ...attributes[family].map(attributeField)
  ]
  const hashFields = {
    seller: withAttributes('seller'),
    consignee: withAttributes('consignee'),
    aeo: PROFILE_FIELDS.aeo,
    ioss: PROFILE_FIELDS.ioss,
    hsCode: withAttributes('hsCode'),
    route: withAttributes('route')
  }
  return { families, paths: wanted, aggregateMask, attributes, offences, hashFields }
}
