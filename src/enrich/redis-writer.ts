// Applies profile writes (profile-write.ts) to Redis in pipelined chunks: one round trip per
// chunk, each write one EVALSHA of PUT_LUA or WATCH_LUA (so "older never overwrites newer"
// is decided atomically by Redis) or one DEL.
import type { Redis } from 'ioredis'
import { keyLayout } from './keys.ts'
import { pipelineFor } from './node-pipelines.ts'
import { isCluster, type RedisClient } from './redis-client.ts'
import { watchlistLogKey } from './watch-index.ts'
import { PUT_LUA, WATCH_LUA, type ProfileWrite } from './profile-write.ts'

export interface WriteCounts {
  /** Writes Redis applied. */
  applied: number
  /** Writes skipped because Redis held a newer update of the same entity. */
  stale: number
  /** Deletions (tombstones). */
  deleted: number
}

type WriterPipeline = ReturnType<Redis['pipeline']> & {
  prPut: (key: string, ...args: Array<string | number>) => unknown
  prWatch: (key: string, log: string, ...args: Array<string | number>) => unknown
}

export interface ProfileWriter {
  readonly write: (writes: readonly ProfileWrite[], chunkSize?: number) => Promise<WriteCounts>
}

export const createProfileWriter = (redis: RedisClient, prefix: string): ProfileWriter => {
  const keys = keyLayout(prefix, isCluster(redis))
  const watchLog = watchlistLogKey(keys.watchlist)
  redis.defineCommand('prPut', { lua: PUT_LUA, numberOfKeys: 1 })
  redis.defineCommand('prWatch', { lua: WATCH_LUA, numberOfKeys: 2 })

  const write = async (writes: readonly ProfileWrite[], chunkSize = 1_000): Promise<WriteCounts> => {
    const counts: WriteCounts = { applied: 0, stale: 0, deleted: 0 }
    for (let start = 0; start < writes.length; start += chunkSize) {
      const chunk = writes.slice(start, start + chunkSize)
      const pipeline = pipelineFor<WriterPipeline>(redis)
      for (const w of chunk) {
        if (w.kind === 'put') {
          const args: Array<string | number> = [w.updatedAt]
          for (const [field, value] of Object.entries(w.fields)) args.push(field, value)
          pipeline.prPut(w.key, ...args)
        } else if (w.kind === 'delete') pipeline.del(w.key)
        else {
          pipeline.prWatch(
            keys.watchlist, watchLog, w.field, w.listId, w.op, w.expiresAt, w.updatedAt, w.fuzzyMember, ...w.fuzzy
          )
        }
      }
      const replies = await pipeline.exec()
      if (replies === null) throw new Error('profile write pipeline discarded')
      replies.forEach(([err, reply], i) => {
        if (err !== null) throw err
        if (chunk[i]?.kind === 'delete') counts.deleted++
        else if (reply === 1) counts.applied++
        else counts.stale++
      })
    }
    return counts
  }
  return { write }
}
