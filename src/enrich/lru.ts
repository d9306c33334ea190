// Bounded LRU with a time to live, for slow-changing profiles (seller, AEO, IOSS, watchlist
// entries), on lru-cache. Absent profiles are cached too (value null, kept as a marker since
// lru-cache holds no null), so an unknown seller does not cost a Redis read per parcel.
//
// Measured (npm run bench -- commodity, bench/RESULTS.md "Commodity code"): the hand-written
// Map-based LRU this replaces did 15,881 get-or-set operations a second on a skewed stream of
// 200,000 seller keys into a full 100,000-entry cache, this module on lru-cache 68,180 (4.3×),
// with less heap for a full cache (13.7 MB against 14.8 MB). The Map version evicted with
// `map.keys().next()`, which walks over every slot deleted since the table was last rebuilt:
// each eviction got slower the longer the cache ran full.
//
// Expiry: an entry older than ttlMs is gone (lru-cache's own rule: age > ttl). Without an
// injected clock, lru-cache reads performance.now() at most once a millisecond, as benched.
import { LRUCache } from 'lru-cache'

export interface LruConfig {
  readonly maxEntries: number
  readonly ttlMs: number
  /** Clock for tests, epoch ms; read on every lookup. */
  readonly now?: () => number
}

export interface Lru<V> {
  /** The value, or undefined when not cached or expired. */
  readonly get: (key: string) => V | undefined
  readonly set: (key: string, value: V) => void
  readonly delete: (key: string) => void
  readonly clear: () => void
  readonly size: () => number
}

const ABSENT = Symbol('absent')

export const createLru = <V>(config: LruConfig): Lru<V> => {
  if (config.maxEntries <= 0 || config.ttlMs <= 0) {
    return { get: () => undefined, set: () => {}, delete: () => {}, clear: () => {}, size: () => 0 }
  }
  const cache = new LRUCache<string, NonNullable<unknown>>({
    max: config.maxEntries,
    ttl: config.ttlMs,
    ttlAutopurge: false,
    ...(config.now === undefined ? {} : { perf: { now: config.now }, ttlResolution: 0 })
  })
  return {
    get: (key) => {
      const value = cache.get(key)
      return (value === ABSENT ? null : value) as V | undefined
    },
    set: (key, value) => { cache.set(key, value === null ? ABSENT : value as NonNullable<unknown>) },
    delete: (key) => { cache.delete(key) },
    clear: () => { cache.clear() },
    size: () => cache.size
  }
}
