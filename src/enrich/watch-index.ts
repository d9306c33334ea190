// The watchlist's field names, kept in the process, so a batch asks Redis only for the fields
// that are listed. Every declaration brings about ten watchlist fields of its consignee (name,
// address, their approximate-match keys, identifiers) and as many of its seller; almost none
// are listed. Asked of Redis, each was built into the batch's HMGET, written, looked up and
// answered with a nil; here it is one Set look-up.
//
// Kept current by the change log: every watchlist write (WATCH_LUA, profile-write.ts) appends
// the fields it wrote to a stream beside the watchlist hash, in the same script, so no write
// is missed. Each batch that reads the watchlist carries one XRANGE from the last entry seen
// (inclusive) in its pipeline; the fields of new entries join the index (a field whose lists
// were all removed stays in it: a field in the index that is not listed costs one HMGET field,
// a listed one missing from it would be a missed hit) and leave the in-process cache, so every
// instance sees a write with its next batch, not after the cache's TTL. The fields a batch asks
// for are chosen before its answer arrives: a write is used from the batch after the one that
// read it.
//
// Loading: HSCAN of the whole hash, after reading the log's last entry, so a write during the
// scan is read again from the log. Until the index is loaded (start-up, or a reload), batches
// ask Redis for every field as before. It is reloaded when the entry last seen is no longer in
// the log: trimmed (the log keeps about LOG_MAX_ENTRIES entries; an instance that stopped
// reading for longer) or gone (Redis restarted without its data, or the keys were deleted).
// A watchlist larger than `maxFields` is not indexed (every field is asked, as before), and
// the log says so once.
import type { Logger } from '../logger.ts'
import type { RedisClient } from './redis-client.ts'

/** Entries the change log keeps (approximately: trimmed with MAXLEN ~). */
export const LOG_MAX_ENTRIES = 100_000

/** Log entries one batch reads at most; the rest are read by the batches after it. */
const READ_COUNT = 1_000

/** After a failed load, how long before the next batch tries again. */
const RETRY_MS = 5_000

const SCAN_COUNT = 5_000

/** Redis's hash tag rule: the part between the first `{` and the next `}`, when not empty. */
const hasHashTag = (key: string): boolean => {
  const open = key.indexOf('{')
  if (open < 0) return false
  const close = key.indexOf('}', open + 1)
  return close > open + 1
}

/**
 * The change log's key: under the watchlist's name (so under the key prefix, for ACLs and
 * clean-ups by prefix) and in its slot, so one script writes both on a cluster: the watchlist's
 * own hash tag when it has one, else its whole name as the tag.
 */
export const watchlistLogKey = (watchlist: string): string =>
  hasHashTag(watchlist) ? `${watchlist}:log` : `${watchlist}:log:{${watchlist}}`

export type StreamEntry = [id: string, fields: string[]]

export interface LogRead {
  /** XRANGE key start + COUNT n. */
  readonly args: readonly [key: string, start: string, end: '+', count: 'COUNT', n: number]
  readonly generation: number
}

/** Stream entry ids (`ms-seq`) in order. */
export const idAfter = (a: string, b: string): boolean => {
  const [am = '0', as = '0'] = a.split('-')
  const [bm = '0', bs = '0'] = b.split('-')
  return am.length !== bm.length ? am.length > bm.length : am !== bm ? am > bm : Number(as) > Number(bs)
}

export interface WatchIndex {
  /** Loaded and current: fields it lacks are not listed. */
  readonly ready: () => boolean
  readonly has: (field: string) => boolean
  /** Changes whenever the fields held may have: a load, a reload, a field added from the log. */
  readonly version: () => number
  /** Starts a load when none is loaded and none is under way (not awaited). */
  readonly ensure: () => void
  /** Loads the index now (start-up); false when it could not. */
  readonly load: () => Promise<boolean>
  /** What a batch reads of the log (XRANGE in its pipeline); null when the index is not loaded. */
  readonly read: () => LogRead | null
  /**
   * Takes the XRANGE answer to `read`; `changed` is told of each field written since the entry
   * last applied. Answers of concurrent batches may come in any order: what was applied is skipped.
   * false: the log did not go on from the entry read (a reload started), so any field may have
   * changed.
   */
  readonly apply: (read: LogRead, entries: readonly StreamEntry[], changed: (field: string) => void) => boolean
  readonly size: () => number
}

export interface WatchIndexOptions {
  readonly watchlist: string
  readonly maxFields: number
  readonly log: Logger
  readonly now?: () => number
}

type State = 'empty' | 'loading' | 'ready' | 'too-large' | 'refused'

export const createWatchIndex = (redis: RedisClient, options: WatchIndexOptions): WatchIndex => {
  const { watchlist, maxFields, log } = options
  const now = options.now ?? Date.now
  const logKey = watchlistLogKey(watchlist)
  let fields = new Set<string>()
  let state: State = maxFields > 0 ? 'empty' : 'too-large'
  /** The log entry last applied; '' when the log was empty at the load. */
  let lastId = ''
  let retryAt = 0
  let generation = 0
  let version = 0

  const scan = async (into: Set<string>): Promise<boolean> => {
    let cursor = '0'
    do {
      const [next, flat] = await redis.hscan(watchlist, cursor, 'COUNT', SCAN_COUNT)
      for (let i = 0; i < flat.length; i += 2) into.add(flat[i] as string)
      if (into.size > maxFields) return false
      cursor = next
    } while (cursor !== '0')
    return true
  }

  const load = async (): Promise<boolean> => {
    if (state === 'too-large' || state === 'refused') return false
    const mine = ++generation
    state = 'loading'
    const started = now()
    try {
      const last = await redis.xrevrange(logKey, '+', '-', 'COUNT', 1)
      const loaded = new Set<string>()
      const fits = await scan(loaded)
      if (mine !== generation) return false
      if (!fits) {
        state = 'too-large'
        fields = new Set()
        log.warn({ maxFields }, 'watchlist larger than redis.watchlistIndexMaxFields; every field is asked of Redis')
        return false
      }
      fields = loaded
      version++
      lastId = last[0]?.[0] ?? ''
      state = 'ready'
      log.info({ fields: loaded.size, ms: now() - started }, 'watchlist index loaded')
      return true
    } catch (err) {
      if (mine !== generation) return false
      // An ACL without the commands the index reads with: not worth asking again.
      if (String((err as Error).message).startsWith('NOPERM')) {
        state = 'refused'
        log.error({ err }, 'watchlist index refused by the Redis ACL (hscan, xrevrange, xrange); every field is ' +
          'asked of Redis')
        return false
      }
      state = 'empty'
      retryAt = now() + RETRY_MS
      log.warn({ err }, 'watchlist index not loaded; every field is asked of Redis until it is')
      return false
    }
  }

  const reload = (why: string): void => {
    log.info({ lastId }, `watchlist change log ${why}; reloading the watchlist index`)
    state = 'empty'
    fields = new Set()
    void load()
  }

  return {
    ready: () => state === 'ready',
    has: (field) => fields.has(field),
    version: () => version,
    ensure: () => {
      if (state === 'empty' && now() >= retryAt) void load()
    },
    load,
    read: () => state !== 'ready' ? null : {
      args: [logKey, lastId === '' ? '-' : lastId, '+', 'COUNT', READ_COUNT], generation
    },
    apply: (read, entries, changed) => {
      // Read before a reload: the reload reads everything again, and every field is asked until then.
      if (state !== 'ready' || read.generation !== generation) return state === 'ready'
      const start = read.args[1]
      // Read from an entry seen, inclusive: it must still be there. (A log that was empty at the
      // load is read from its start: writes trimmed away before this instance's next batch,
      // over LOG_MAX_ENTRIES of them within milliseconds, would not be seen.)
      if (start !== '-' && entries[0]?.[0] !== start) {
        reload(entries.length === 0 ? 'is gone' : 'was trimmed past the last entry read')
        return false
      }
      for (const [id, values] of entries) {
        if (lastId !== '' && !idAfter(id, lastId)) continue
        for (let j = 1; j < values.length; j += 2) {
          const field = values[j] as string
          fields.add(field)
          changed(field)
        }
        version++
        lastId = id
      }
      if (fields.size > maxFields) {
        state = 'too-large'
        fields = new Set()
        log.warn({ maxFields }, 'watchlist larger than redis.watchlistIndexMaxFields; every field is asked of Redis')
      }
      return true
    },
    size: () => fields.size
  }
}
