// The enrichment cache as it was hand-written before lru-cache replaced it (src/enrich/lru.ts),
// kept here as bench/commodity.ts's baseline. Bounded LRU with a time to live. A Map keeps
// insertion order, so the first key is the least recently used one: a hit re-inserts its key,
// an insert past `maxEntries` drops the first key. Absent profiles
// are cached too (value null), so an unknown seller does not cost a Redis read per parcel.

export interface LruConfig {
  readonly maxEntries: number
  readonly ttlMs: number
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

interface Slot<V> { readonly value: V, readonly expiresAt: number }

export const createLru = <V>(config: LruConfig): Lru<V> => {
  const now = config.now ?? Date.now
  const map = new Map<string, Slot<V>>()
  return {
    get: (key) => {
      const slot = map.get(key)
      if (slot === undefined) return undefined
      if (slot.expiresAt <= now()) {
        map.delete(key)
        return undefined
      }
      map.delete(key)
      map.set(key, slot)
      return slot.value
    },
    set: (key, value) => {
      if (config.maxEntries <= 0 || config.ttlMs <= 0) return
      map.delete(key)
      map.set(key, { value, expiresAt: now() + config.ttlMs })
      if (map.size > config.maxEntries) {
        const first = map.keys().next()
        if (first.done !== true) map.delete(first.value)
      }
    },
    delete: (key) => { map.delete(key) },
    clear: () => { map.clear() },
    size: () => map.size
  }
}
