// Pipelines that keep to ioredis' rule for a Redis Cluster: every command of one pipeline goes
// to one node. A batch's commands are recorded in the order they are given, each with the key
// that routes it; exec() sends one pipeline per node touched, all at once, and gives the
// replies back in the order the commands were given, as one pipeline's exec() would. On one
// Redis server the client's own pipeline is used: one pipeline, one round trip, unchanged.
//
// The node of a key is the primary that the client's slot map holds for its slot (ioredis
// computes the slot, hash tags included). A slot map gone stale after a failover costs no
// more than ioredis' own handling: a node pipeline answered MOVED is sent again by ioredis
// to the new owner when every command of it was a read or failed the same way; otherwise the
// error is the batch's, and the next batch goes by the refreshed map. Scripts declare their
// keys, so ioredis' EVALSHA → EVAL fallback after NOSCRIPT (a promoted replica that never saw
// the script) goes to the node that owns them.
import { Command, type Cluster } from 'ioredis'
import { isCluster, type RedisClient } from './redis-client.ts'

/** How a command's routing key is found among its arguments. */
export type KeyAt = 'first' | 'afterCount'

export type Replies = Array<[Error | null, unknown]>

/** The commands a caller gives (ioredis' pipeline interface, custom commands included) and exec. */
export interface PipelineLike {
  readonly exec: () => Promise<Replies | null>
}

interface Recorded {
  readonly name: string
  readonly args: unknown[]
}

/** The slot of a key as ioredis routes it (CRC16 of the key or of its hash tag, mod 16384). */
export const slotOf = (key: string): number => new Command('exists', [key]).getSlot()

/** The indices of `keys` grouped by slot, each group in the order given. */
export const slotGroups = (keys: readonly string[]): number[][] => groupsBy(keys, slotOf)

/**
 * The indices of `keys` grouped for script calls, each group in the order given: on one server
 * one group; on a cluster one group per primary in the client's slot map, for a script that
 * may touch several slots of one node (crossSlot).
 */
export const scriptGroups = (redis: RedisClient, keys: readonly string[]): number[][] =>
  isCluster(redis)
    ? groupsBy(keys, (key) => nodeOf(redis, slotOf(key)))
    : keys.length === 0 ? [] : [keys.map((_k, i) => i)]

const groupsBy = <T>(keys: readonly string[], by: (key: string) => T): number[][] => {
  const groups = new Map<T, number[]>()
  keys.forEach((key, i) => {
    const at = by(key)
    const group = groups.get(at)
    if (group === undefined) groups.set(at, [i])
    else group.push(i)
  })
  return [...groups.values()]
}

/**
 * A script as a cluster node runs it with the keys of several of its slots, so that a batch
 * makes one call per primary rather than one per slot: Redis 7's allow-cross-slot-keys flag,
 * and a prelude that gives the script its KEYS and ARGV back from the call's arguments. Redis
 * wants a script's declared keys in one slot, so the call declares one key, the first, which
 * routes it (and ioredis' EVALSHA → EVAL fallback after NOSCRIPT), and passes them all as
 * arguments: `1 <first key> <n> <n keys> <arguments>` (crossSlotArgs). Every key is checked
 * by Redis to be served by the node; a slot moved away meanwhile (resharding, a slot map gone
 * stale) fails the call, and the batch with it, to be sent again (the scripts are idempotent);
 * a failover moves all of a primary's slots at once.
 */
export const crossSlot = (lua: string): string => '#!lua flags=allow-cross-slot-keys\n' +
  'local KEYS, ARGV = (function (a) local n, k, v = tonumber(a[1]), {}, {} ' +
  'for i = 1, n do k[i] = a[i + 1] end for i = n + 2, #a do v[#v + 1] = a[i] end return k, v end)(ARGV)\n' + lua

/** The arguments of a script call: keys declared on one server, passed as crossSlot wants on a cluster. */
export const scriptArgs = (
  cluster: boolean, keys: readonly string[], args: ReadonlyArray<string | number>
): Array<string | number> => !cluster
  ? [keys.length, ...keys, ...args]
  : keys.length === 0 ? [0, 0, ...args] : [1, keys[0] as string, keys.length, ...keys, ...args]

/** The primary (its node key, host:port) that owns a slot in the client's slot map, if known. */
const nodeOf = (cluster: Cluster, slot: number): string => cluster.slots[slot]?.[0] ?? `slot:${slot}`

/**
 * A pipeline for `redis`: the client's own on one server; on a cluster, one that sends one
 * pipeline per node. `keyAt` names the commands whose first argument is a key count (scripts
 * defined without numberOfKeys): their routing key is the second argument. A command with no
 * key (a count of 0) goes with the first node's pipeline.
 */
export const pipelineFor = <P extends PipelineLike>(
  redis: RedisClient, keyAt: Readonly<Record<string, KeyAt>> = {}
): P => {
  if (!isCluster(redis)) return redis.pipeline() as unknown as P
  const recorded: Recorded[] = []
  const exec = async (): Promise<Replies | null> => {
    const groups = new Map<string, number[]>()
    const keyless: number[] = []
    for (let i = 0; i < recorded.length; i++) {
      const command = recorded[i] as Recorded
      const key = keyAt[command.name] === 'afterCount'
        ? (Number(command.args[0]) > 0 ? command.args[1] : undefined)
        : command.args[0]
      if (key === undefined) {
        keyless.push(i)
        continue
      }
      const node = nodeOf(redis, slotOf(String(key)))
      const group = groups.get(node)
      if (group === undefined) groups.set(node, [i])
      else group.push(i)
    }
    if (keyless.length > 0) {
      const first = groups.values().next()
      if (first.done === true) groups.set('', keyless)
      else first.value.push(...keyless)
    }
    const out: Replies = new Array(recorded.length)
    let discarded = false
    await Promise.all([...groups.values()].map(async (indices) => {
      const pipeline = redis.pipeline() as unknown as Record<string, (...args: unknown[]) => unknown> & PipelineLike
      for (const i of indices) {
        const command = recorded[i] as Recorded
        const send = pipeline[command.name]
        if (send === undefined) throw new TypeError(`no command ${command.name} on the pipeline`)
        send.apply(pipeline, command.args)
      }
      const replies = await pipeline.exec()
      if (replies === null) {
        discarded = true
        return
      }
      indices.forEach((at, j) => {
        out[at] = replies[j] ?? [new Error('no reply'), null]
      })
    }))
    return discarded ? null : out
  }
  const proxy: P = new Proxy({}, {
    get: (_target, name) => {
      if (name === 'exec') return exec
      // Not a thenable: awaiting the pipeline itself is a mistake, not a command.
      if (typeof name !== 'string' || name === 'then') return undefined
      return (...args: unknown[]) => {
        recorded.push({ name, args })
        return proxy
      }
    }
  }) as P
  return proxy
}
