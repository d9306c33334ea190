// The watchlist index's part of a batch's read (watch-index.ts holds the index itself): which of
// a seller's watchlist fields the index holds (memoised per seller), the follow-up read of
// fields the batch's change log read says were written, and a declaration's watchlist values
// from what the batch read (none looked up when none of its fields is listed).
import type { Logger } from '../logger.ts'
import type { Answer, Asked, Trip } from './batch-read.ts'
import type { KeyLayout } from './keys.ts'
import type { DeclarationKeys } from './record.ts'
import { watchValues } from './round-trip.ts'
import type { ScriptPipelines } from './script-pipeline.ts'
import type { WatchIndex } from './watch-index.ts'

/** The fields of `fields` that `index` holds; all of them while no index is loaded (null). */
export type ListedOf = (index: WatchIndex | null, fields: readonly string[]) => readonly string[]

export const createListedOf = (): ListedOf => {
  // A seller's watchlist fields (one array per seller, record.ts's memo) → those the index holds.
  const sellerListed = new WeakMap<readonly string[], { version: number, listed: readonly string[] }>()
  const listedOf = (index: WatchIndex | null, fields: readonly string[]): readonly string[] => {
    if (index === null) return fields
    const memo = sellerListed.get(fields)
    if (memo !== undefined && memo.version === index.version()) return memo.listed
    const listed = fields.filter(index.has)
    sellerListed.set(fields, { version: index.version(), listed })
    return listed
  }
  return listedOf
}

export interface ChangedReadDeps {
  readonly keys: KeyLayout
  readonly pipelines: Pick<ScriptPipelines, 'newPipeline' | 'roundTrip'>
  readonly log: Logger
}

export type ReadChanged = (
  ks: readonly DeclarationKeys[], trip: Trip, asked: Asked, answer: Answer
) => Promise<void>

export const createReadChanged = (deps: ChangedReadDeps): ReadChanged => {
  const { keys, log } = deps
  const { newPipeline, roundTrip } = deps.pipelines

  /**
   * A watchlist write the batch's log read brought in, for a field of the batch that its round
   * trip did not ask (chosen by the index before the write was read) or took from the cache: read
   * now, so a batch sees every write made before its round trip, as it would without the index.
   * Rare (a write to a field of this very batch, or the log lost: then every field it did not
   * ask); failing, the batch's watchlist is missing.
   */
  const readChanged = async (
    ks: readonly DeclarationKeys[], trip: Trip, asked: Asked, answer: Answer
  ): Promise<void> => {
    const sent = new Set(trip.watch)
    const fields = new Set<string>()
    for (const k of ks) {
      for (const list of [k.sellerWatch, k.consigneeWatch]) {
        for (const f of list) if ((answer.watchAll || answer.watchChanged.has(f)) && !sent.has(f)) fields.add(f)
      }
    }
    if (fields.size === 0) return
    const read = [...fields]
    try {
      const replies = await roundTrip(() => {
        const pipeline = newPipeline()
        pipeline.hmget(keys.watchlist, ...read)
        return pipeline
      }, read.length)
      const values = replies[0]?.[1] as Array<string | null>
      read.forEach((f, i) => {
        asked.known.set(f, values[i] ?? null)
      })
    } catch (err) {
      answer.watchFailed = true
      log.error({ err, fields: read.length }, 'changed watchlist fields not read; the batch\'s watchlist is missing')
    }
  }

  return readChanged
}

/**
 * A declaration none of whose fields the index holds, in a batch that brought no watchlist
 * write: listed nowhere, without looking each field up (most declarations).
 */
export const watchOf = (
  k: DeclarationKeys, i: number, asked: Asked, answer: Answer
): ReadonlyArray<string | null> | undefined =>
  answer.failed || asked.watchLooked[i] !== false || answer.watchChanged.size > 0 || answer.watchAll
    ? watchValues(k, asked.known, !answer.failed)
    : NOT_LISTED

/** The watchlist values of a declaration none of whose fields is listed (buildRecord reads no value). */
const NOT_LISTED: ReadonlyArray<string | null> = Object.freeze([])
