// The in-memory ProfileStore: the same enrichment as redis-store.ts from profiles held in the
// process, for offline scoring (`parcel-risk score --profiles FILE`) and backtests. It applies
// the same writes (profile-write.ts) and the same bucket arithmetic (buckets.ts), so a
// backtest sees what the processor would have seen. Every parcel is counted whatever its age
// (a backtest replays old declarations), and aggregates are not pruned: a run lives
// as long as one offline job.
// As in Redis, a data set nobody loaded is unknown, not empty: with `loaded` given, the data
// sets outside it are reported missing (their rules take the fallback action) instead of
// answering every lookup with "not listed", "not registered".
// It keeps each declarationId's history too (history.ts), so amendments and superseded
// versions are answered offline as the processor answers them.
import type { ParcelDeclaration, ProfileUpdate } from '../declaration.ts'
import { createMemoryAggregates, OUTPUT_STRIDE } from './buckets.ts'
import { defaultFxToEur, type FxToEur } from './fx.ts'
import { createMemoryHistory } from './history.ts'
import { DEFAULT_PREFIX, keyLayout } from './keys.ts'
import { createIdentityHasher } from './normalise.ts'
import { mergeWatch, writeFor, type ProfileWrite } from './profile-write.ts'
import type { Hash } from './hash-values.ts'
import {
  buildRecord, createSellerWatchMemo, declarationKeys, defaultRecordConfig, type DeclarationKeys, type RecordConfig
} from './record.ts'
import { DATA_SETS, type DataSet } from './reference-data.ts'
import { entryOf, ownOf, planOf, resultOf, type EnrichmentResult, type ProfileStore } from './store.ts'

export interface MemoryStoreConfig {
  readonly identityKey: string
  readonly fx?: FxToEur
  readonly record?: RecordConfig
  /** The data sets loaded completely; the others are unknown. Default: every data set. */
  readonly loaded?: ReadonlySet<DataSet>
}

export interface MemoryProfileStore extends ProfileStore {
  readonly apply: (write: ProfileWrite) => boolean
  readonly applyUpdates: (updates: Iterable<ProfileUpdate>) => number
  /** The data sets this store knows (loaded completely). */
  readonly loaded: ReadonlySet<DataSet>
}

export const createMemoryProfileStore = (config: MemoryStoreConfig): MemoryProfileStore => {
  const keys = keyLayout(DEFAULT_PREFIX)
  const hash = createIdentityHasher(config.identityKey)
  const sellers = createSellerWatchMemo()
  const fx = config.fx ?? defaultFxToEur
  const recordConfig = config.record ?? defaultRecordConfig
  const hashes = new Map<string, Readonly<Record<string, string>>>()
  const watch = new Map<string, string>()
  const aggregates = createMemoryAggregates()
  const history = createMemoryHistory()

  const apply = (w: ProfileWrite): boolean => {
    switch (w.kind) {
      case 'put': {
        const current = hashes.get(w.key)
        if (current !== undefined && Number(current.updatedAt) > w.updatedAt) return false
        hashes.set(w.key, w.fields)
        return true
      }
      case 'delete': return hashes.delete(w.key)
      case 'watch': {
        const merged = mergeWatch((field) => watch.get(field), w)
        if (merged === undefined) return false
        for (const [field, value] of merged) {
          if (value === null) watch.delete(field)
          else watch.set(field, value)
        }
        return true
      }
    }
  }

  const known = (set: DataSet): boolean => config.loaded === undefined || config.loaded.has(set)
  const read = (set: DataSet, key: string | null, fields: readonly string[]): Hash | undefined => {
    if (key === null) return null
    if (!known(set)) return undefined
    const h = hashes.get(key)
    return h === undefined ? null : fields.map((f) => h[f] ?? null)
  }

  const commodityHashes = (k: DeclarationKeys, fields: readonly string[]): Map<string, Hash> => {
    const out = new Map<string, Hash>()
    for (const [, lookups] of k.hsCodes) for (const key of lookups) out.set(key, read('hsCode', key, fields) ?? null)
    return out
  }

  const enrichBatch = async (
    declarations: readonly ParcelDeclaration[], nowMs: number, fields?: readonly string[]
  ): Promise<EnrichmentResult[]> => {
    const plan = planOf(fields)
    const out = new Array<number>(OUTPUT_STRIDE)
    return declarations.map((d) => {
      const k: DeclarationKeys = declarationKeys(d, keys, hash, plan, sellers)
      let counts: number[] | undefined
      let own: readonly [number, number] | undefined
      if (plan.families.has('aggregates')) {
        const entry = entryOf(d, k, fx, d.declaredAt)
        aggregates.apply(entry, out, 0)
        counts = out
        own = ownOf(entry)
      }
      const missing: string[] = []
      const record = buildRecord(d, k, {
        seller: read('seller', k.seller, plan.hashFields.seller),
        aeo: read('aeo', k.aeo, plan.hashFields.aeo),
        consignee: read('consignee', k.consignee, plan.hashFields.consignee),
        ioss: read('ioss', k.ioss, plan.hashFields.ioss),
        route: read('route', k.route, plan.hashFields.route),
        hsCodes: known('hsCode') ? commodityHashes(k, plan.hashFields.hsCode) : undefined,
        watch: known('watchlist')
          ? [...k.sellerWatch, ...k.consigneeWatch].map((f) => watch.get(f) ?? null)
          : undefined,
        aggregates: counts,
        aggregatesOffset: 0,
        own
      }, plan, nowMs, recordConfig, missing)
      return resultOf(record, missing, history.read(d.declarationId))
    })
  }

  return {
    enrichBatch,
    remember: async (decisions) => { history.remember(decisions) },
    apply,
    applyUpdates: (updates) => {
      let applied = 0
      for (const u of updates) {
        const w = writeFor(u, keys)
        if (w !== undefined && apply(w)) applied++
      }
      return applied
    },
    loaded: config.loaded ?? new Set(DATA_SETS),
    close: async () => {}
  }
}
