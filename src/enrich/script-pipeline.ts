// The profile store's pipelines (redis-store.ts): its scripts defined once on the client, a
// pipeline that carries them (one per node on a Redis Cluster, node-pipelines.ts), and a round
// trip sent within its time budget, a timeout sent once more with twice the budget
// (round-trip.ts; the store's header says why).
import type { Redis } from 'ioredis'
import type { RedisConfig } from '../config.ts'
import { AGGREGATE_LUA } from './buckets.ts'
import { APPLY_LUA, DECIDE_LUA, type SlotCall } from './cluster-aggregates.ts'
import { HISTORY_LUA, HISTORY_READ_LUA } from './history.ts'
import type { Logger } from '../logger.ts'
import { crossSlot, pipelineFor, scriptArgs, scriptGroups, type KeyAt, type Replies } from './node-pipelines.ts'
import { isCluster, type RedisClient } from './redis-client.ts'
import { PROFILES_READ_LUA, RoundTripTimeout, roundTripBudgetMs, roundTripRetry } from './round-trip.ts'

export type ScriptPipeline = ReturnType<Redis['pipeline']> & {
  prAggregate: (...args: Array<string | number>) => unknown
  /** HISTORY_LUA: the number of keys, the keys, the TTL, then version and standing decision per key. */
  prHistory: (...args: Array<string | number>) => unknown
  /** HISTORY_READ_LUA: the number of keys, then the keys. */
  prHistoryRead: (...args: Array<string | number>) => unknown
  /** PROFILES_READ_LUA (round-trip.ts): the number of keys, the keys, then the fields. */
  prProfiles: (...args: Array<string | number>) => unknown
  /** DECIDE_LUA and APPLY_LUA (cluster-aggregates.ts), called with scriptArgs (node-pipelines.ts). */
  prAggDecide: (...args: Array<string | number>) => unknown
  prAggApply: (...args: Array<string | number>) => unknown
}

export interface ScriptPipelines {
  readonly newPipeline: () => ScriptPipeline
  /** Indices of keys, one group per script call (per primary on a cluster: scriptGroups). */
  readonly groups: (ks: readonly string[]) => number[][]
  /** Adds one script call to a pipeline: `send` is the pipeline's script command. */
  readonly script: (send: (...args: Array<string | number>) => unknown, call: SlotCall) => void
  /** Sends one pipeline within `budgetMs`; an error reply to any command fails it. */
  readonly exec: (pipeline: ScriptPipeline, budgetMs: number) => Promise<Replies>
  /** The round trip `build` makes (roundTrip below). */
  readonly roundTrip: (build: () => ScriptPipeline, records: number) => Promise<Replies>
  /** Pipelines sent (round trips). */
  readonly trips: () => number
}

export const createScriptPipelines = (
  redis: RedisClient, config: Pick<RedisConfig, 'commandTimeoutMs' | 'commandTimeoutPerRecordUs'>, log: Logger
): ScriptPipelines => {
  const cluster = isCluster(redis)
  let trips = 0
  redis.defineCommand('prAggregate', { lua: AGGREGATE_LUA, numberOfKeys: 0 })
  const newPipeline = (): ScriptPipeline => pipelineFor<ScriptPipeline>(redis, SCRIPT_KEYS)
  // Without numberOfKeys: the first argument of each call says how many keys it declares.
  // On a cluster, one call per primary with the keys of several of its slots (crossSlot).
  const lua = (source: string): string => cluster ? crossSlot(source) : source
  redis.defineCommand('prHistory', { lua: lua(HISTORY_LUA) })
  redis.defineCommand('prHistoryRead', { lua: lua(HISTORY_READ_LUA) })
  redis.defineCommand('prProfiles', { lua: lua(PROFILES_READ_LUA) })
  redis.defineCommand('prAggDecide', { lua: lua(DECIDE_LUA) })
  redis.defineCommand('prAggApply', { lua: lua(APPLY_LUA) })
  const groups = (ks: readonly string[]): number[][] => scriptGroups(redis, ks)
  const script = (send: (...args: Array<string | number>) => unknown, call: SlotCall): void => {
    send(...scriptArgs(cluster, call.keys, call.args))
  }

  const exec = async (pipeline: ScriptPipeline, budgetMs: number): Promise<Array<[Error | null, unknown]>> => {
    trips++
    let timer: NodeJS.Timeout | undefined
    const sent = pipeline.exec() as Promise<Array<[Error | null, unknown]> | null>
    const timeout = new Promise<never>((_resolve, reject) => {
      // The rejection waits for the event loop's next I/O poll: a reply that arrived while the
      // loop was busy (a CPU-bound neighbour, a GC pause) is taken, not counted as late.
      timer = setTimeout(() => {
        setImmediate(() => {
          reject(new RoundTripTimeout(budgetMs))
        })
      }, budgetMs)
    })
    sent.catch(() => {})
    try {
      const replies = await Promise.race([sent, timeout])
      if (replies === null) throw new Error('pipeline discarded')
      for (const [err] of replies) if (err !== null) throw err
      return replies
    } finally {
      clearTimeout(timer)
    }
  }

  /** Sends the round trip `build` makes; a timeout is retried once with twice the budget. */
  const roundTrip = async (build: () => ScriptPipeline, records: number): Promise<Array<[Error | null, unknown]>> => {
    const budgetMs = roundTripBudgetMs(config, records)
    for (let attempt = 1; ; attempt++) {
      try {
        return await exec(build(), roundTripRetry.timeoutMs(budgetMs, attempt))
      } catch (err) {
        if (!roundTripRetry.again(err, attempt)) throw err
        log.warn({ budgetMs, records }, 'redis round trip overran its budget; sending it once more')
      }
    }
  }

  return { newPipeline, groups, script, exec, roundTrip, trips: () => trips }
}

/** The scripts defined without numberOfKeys: their first argument is the key count. */
const SCRIPT_KEYS: Readonly<Record<string, KeyAt>> = {
  prProfiles: 'afterCount', prHistory: 'afterCount', prHistoryRead: 'afterCount', prAggDecide: 'afterCount',
  prAggApply: 'afterCount'
}
