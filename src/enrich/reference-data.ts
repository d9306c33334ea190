// Reference data sets and their sync markers. An empty IOSS registry looks exactly like one
// in which a number is absent, and an empty watchlist releases everyone; so every data set a
// rule reads as a negative carries a marker saying when it was last loaded completely, and a
// data set without a marker, or with one older than its freshness limit, is UNKNOWN: its
// lookups are reported missing (as if Redis were down for that family), never as "absent".
//
//   {p}sync   HASH  field {dataSet} → JSON {"loadedAt": epoch ms, "source": text, "entries": n}
//
// Written by `parcel-risk profiles load` once a file load has been written completely, and by
// the profile-updates consumer while it has read its topic to the end. Read by the enrichment
// stage in the same pipeline as the profiles (redis-store.ts), by the readiness/metrics
// monitor and by `parcel-risk profiles status`.
import type { RedisClient } from './redis-client.ts'
import type { ProfileUpdate } from '../declaration.ts'
import type { Family } from './keys.ts'

export type DataSet = Exclude<Family, 'aggregates'>

/** In the order operators read them: the ones that gate first. */
export const DATA_SETS: readonly DataSet[] = ['ioss', 'watchlist', 'aeo', 'seller', 'consignee', 'hsCode', 'route']

export const dataSetOfKind: Readonly<Record<ProfileUpdate['kind'], DataSet>> = {
  IOSS: 'ioss', WATCHLIST: 'watchlist', AEO: 'aeo', SELLER: 'seller', CONSIGNEE: 'consignee', HS_CODE: 'hsCode',
  ROUTE: 'route'
}

export interface SyncMarker {
  /** When the last complete load finished (epoch ms). */
  readonly loadedAt: number
  /** What it was loaded from: file names, or `topic:{name}`. */
  readonly source: string
  /** Entries (updates) the load carried. */
  readonly entries: number
}

/** Longest a data set may go without a complete load before it counts as unknown. */
export type MaxAges = Readonly<Record<DataSet, number>>

export type Markers = ReadonlyMap<DataSet, SyncMarker>

const HOUR_MS = 3_600_000

/**
 * Defaults (README "Reference data" argues them): the IOSS registry, watchlists and AEO/MRA
 * lists are exchanged on a daily cycle, so 48 h tolerates one missed cycle (the AEO record
 * rule uses the same bound); seller and consignee histories change with inspection outcomes
 * and weigh violations over a year, so a week-old copy still says most of what it knows.
 * Commodity code and route profiles are analysts' tables, republished when they change and
 * at least weekly: a week, as for the histories.
 */
export const defaultMaxAgesMs: MaxAges = {
  ioss: 48 * HOUR_MS, watchlist: 48 * HOUR_MS, aeo: 48 * HOUR_MS, seller: 7 * 24 * HOUR_MS, consignee: 7 * 24 * HOUR_MS,
  hsCode: 7 * 24 * HOUR_MS, route: 7 * 24 * HOUR_MS
}

export const syncKey = (prefix: string): string => `${prefix}sync`

export const parseMarker = (raw: string | null | undefined): SyncMarker | undefined => {
  if (raw === null || raw === undefined || raw === '') return undefined
  try {
    const m = JSON.parse(raw) as Partial<SyncMarker>
    if (typeof m.loadedAt !== 'number' || !Number.isFinite(m.loadedAt)) return undefined
    return {
      loadedAt: m.loadedAt,
      source: typeof m.source === 'string' ? m.source : '',
      entries: typeof m.entries === 'number' ? m.entries : 0
    }
  } catch {
    return undefined
  }
}

/** Markers from the HMGET of every data set (DATA_SETS order). */
export const markersOf = (values: ReadonlyArray<string | null>): Map<DataSet, SyncMarker> => {
  const out = new Map<DataSet, SyncMarker>()
  DATA_SETS.forEach((set, i) => {
    const m = parseMarker(values[i])
    if (m !== undefined) out.set(set, m)
  })
  return out
}

/** The data sets whose lookups cannot be trusted at `now`: never loaded, or loaded too long ago. */
export const unknownDataSets = (markers: Markers, now: number, maxAges: MaxAges): Set<DataSet> => {
  const out = new Set<DataSet>()
  for (const set of DATA_SETS) {
    const m = markers.get(set)
    if (m === undefined || now - m.loadedAt > maxAges[set]) out.add(set)
  }
  return out
}

export type DataSetState = 'fresh' | 'stale' | 'missing'

export interface DataSetStatus {
  readonly dataSet: DataSet
  readonly state: DataSetState
  readonly maxAgeMs: number
  readonly marker: SyncMarker | undefined
  readonly ageMs: number | undefined
}

export const dataSetStatus = (markers: Markers, now: number, maxAges: MaxAges): DataSetStatus[] =>
  DATA_SETS.map((dataSet) => {
    const marker = markers.get(dataSet)
    const ageMs = marker === undefined ? undefined : Math.max(0, now - marker.loadedAt)
    const state: DataSetState = ageMs === undefined ? 'missing' : ageMs > maxAges[dataSet] ? 'stale' : 'fresh'
    return { dataSet, state, maxAgeMs: maxAges[dataSet], marker, ageMs }
  })

/** The data sets a set of enrichment families reads (a compiled ruleset's fetch plan). */
export const dataSetsRead = (families: ReadonlySet<Family>): DataSet[] => DATA_SETS.filter((set) => families.has(set))

export const readMarkers = async (redis: RedisClient, prefix: string): Promise<Map<DataSet, SyncMarker>> =>
  markersOf(await redis.hmget(syncKey(prefix), ...DATA_SETS))

/**
 * The markers of one complete load of `updates` from `source`: one per data set they carry,
 * and one for each of `empty`, data sets the load declares complete even without entries.
 */
export const markersOfLoad = (
  updates: Iterable<ProfileUpdate>, source: string, now: number, empty: readonly DataSet[] = []
): Map<DataSet, SyncMarker> => {
  const out = new Map<DataSet, SyncMarker>(empty.map((set) => [set, { loadedAt: now, source, entries: 0 }]))
  for (const u of updates) {
    const set = dataSetOfKind[u.kind]
    out.set(set, { loadedAt: now, source, entries: (out.get(set)?.entries ?? 0) + 1 })
  }
  return out
}

export const writeMarkers = async (redis: RedisClient, prefix: string, markers: Markers): Promise<void> => {
  if (markers.size === 0) return
  const args: string[] = []
  for (const [set, m] of markers) args.push(set, JSON.stringify(m))
  await redis.hset(syncKey(prefix), ...args)
}
