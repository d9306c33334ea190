// The windowed aggregates on a Redis Cluster, spread per entity (keys.ts, the cluster layout).
// One server counts a batch with one call of AGGREGATE_LUA (buckets.ts): its counters, its
// hour's answers and the declarations' histories are one keyspace, so one script sees them
// all. On a cluster a script sees one slot, and a parcel touches up to five: its declaration's
// history, its consignee's, seller's and IOSS number's counters, and (after an amendment that
// changed one) the counters of the entities of the version it replaces. So a batch is counted
// in two steps, each one script call per primary its keys touch (crossSlot, node-pipelines.ts:
// the keys of several slots of that primary, the first declared for routing, so ioredis'
// EVALSHA → EVAL fallback after NOSCRIPT on a promoted replica reaches the right node); the
// atomic unit below is one operation in one slot, which a call per slot would give as well:
//   1. decide, in each declaration's slot (DECIDE_LUA on `{p}history:{<declarationId>}`): the
//      first time a version is counted, the `agg` field (the version counted and what it added,
//      as on one server) decides whether it counts and what it takes out of the counters (the
//      earlier version's contribution, or nothing); that decision is kept in field
//      `d:<version>` before anything else happens, and a later call for the same version
//      returns the kept decision unchanged, whatever `agg` says by then.
//   2. apply, in each entity's slot (APPLY_LUA on `{p}agg:{k}:{<id>}` and
//      `{p}answers:{k}:{<id>}:{hourNo}`): one operation per entity a parcel touches, keyed by
//      its declarationId#version: take the earlier version out (of the buckets still there),
//      count it, read the windows, and record the member with the answer given for that entity
//      (the answers hash: '' when none was given), all in one script. A member already recorded
//      there is not applied again and gets its recorded answer back ('' → read as it is now).
// Crash between the steps, or a round trip retried after Redis ran it: every step is atomic in
// its slot and idempotent on its own record (the `d:<version>` decision, the member in the
// entity's answers), and a replay of a parcel (a redelivery, a retried round trip, the
// catch-up queue after an outage) repeats both steps: step 1 returns the decision already
// taken, and step 2 applies, for each entity, exactly the operations not yet recorded there.
// So at-least-once delivery converges to each operation applied once: a parcel counted once,
// an amendment's move out of the earlier entity applied once. What the steps do not give is
// the one-server atomicity across slots: between a decision and its application, the counters
// do not yet hold the parcel (a reader in between sees it missing, as it would a parcel not
// yet arrived), and a decision whose application was lost (the process died and the record is
// never delivered again: the catch-up queue is in memory) leaves `agg` ahead of the counters;
// a later version then takes out a contribution that is not there (only from buckets that
// exist, as on one server). Versions of one declaration share a partition key, so a replay
// brings them in order and the catch-up queue keeps that order.
// Answers: the entity's part of a parcel's first answer is kept in that entity's slot, so a
// replay gets, per kind, the values it was first given, as on one server; kinds the first
// pass did not read (a ruleset that now reads more) are read as they are now. The answers
// hashes expire with the hour's one-server answers; a `d:<version>` decision lives as long as
// its history (redis.historyTtlMs). Read-only entries (mode 0, too old to count) skip step 1
// and read; catch-up entries (mode 2) take both steps and read nothing.
import { COUNT_LUA, READ_LUA, AGG_KINDS, OUTPUT_STRIDE, type AggEntry, type EntryMode } from './buckets.ts'
import type { KeyLayout } from './keys.ts'

/** An entry as a round trip sends it: its own mode, or 2 for the catch-up backlog. */
export interface Sent {
  readonly entry: AggEntry
  readonly mode: EntryMode
}

/** One script call: the keys it declares, the arguments after them. */
export interface SlotCall {
  readonly keys: string[]
  readonly args: Array<string | number>
  /** What each part of the reply is for: sent indices (decide), operations (apply). */
  readonly parts: number[]
}

// KEYS: one history hash per entry. ARGV: per entry version, hourNo, qNo, EUR cents, the three
// entity ids, the history's expiry (ms) when it has none. Returns per entry its decision: '-'
// not counted (a version not newer than the one counted), '+' counted with nothing to take out,
// else the `agg` value of the version it replaces (JSON: version, hourNo, qNo, cents, c, s, i).
/* eslint-disable max-len -- Lua source, loaded into Redis by its hash: a line broken here is another script */
export const DECIDE_LUA = `
local out = {}
for i = 1, #KEYS do
  local key = KEYS[i]
  local b = (i - 1) * 8
  local version = ARGV[b + 1]
  local decision = redis.call('HGET', key, 'd:' .. version)
  if not decision then
    decision = '+'
    local mark = redis.call('HGET', key, 'agg')
    if mark then
      if tonumber(version) <= tonumber(cjson.decode(mark)[1]) then decision = '-' else decision = mark end
    end
    if decision ~= '-' then
      redis.call('HSET', key, 'agg', cjson.encode({ version, ARGV[b + 2], ARGV[b + 3], ARGV[b + 4], ARGV[b + 5], ARGV[b + 6], ARGV[b + 7] }))
    end
    redis.call('HSET', key, 'd:' .. version, decision)
    if redis.call('PTTL', key) < 0 then redis.call('PEXPIREAT', key, ARGV[b + 8]) end
  end
  out[i] = decision
end
return out
`

/** Values per operation in APPLY_LUA's ARGV. */
const OP_STRIDE = 12

// KEYS: per operation the entity's counters and its answers hash of the member's hour. ARGV:
// per operation member, mode, read (1/0), hourNo, qNo, count (1/0), EUR cents, the earlier
// version's hourNo, qNo and cents to take out ('' for none), the counters' expiry, the
// answers' expiry. Returns per operation `n24,v24,n7,v7` (the recorded answer on a replay).
export const APPLY_LUA = `
local out = {}
local expiring = {}
for o = 1, #KEYS / 2 do
  local key = KEYS[2 * o - 1]
  local answers = KEYS[2 * o]
  local b = (o - 1) * ${OP_STRIDE}
  local member = ARGV[b + 1]
  local mode = ARGV[b + 2]
  local hourNo = tonumber(ARGV[b + 4])
  local qNo = tonumber(ARGV[b + 5])
  local cents = tonumber(ARGV[b + 7])
  local keyExpire = tonumber(ARGV[b + 11])
  local applying = false
  local prior = nil
  if mode ~= '0' then
    local stored = redis.call('HGET', answers, member)
    if stored == false then applying = true elseif stored ~= '' then prior = stored end
  end
  if prior ~= nil then
    out[o] = prior
  else
    if applying and ARGV[b + 8] ~= '' then
      local oc = tonumber(ARGV[b + 10])
      for _, f in ipairs({ tonumber(ARGV[b + 8]) * 4, tonumber(ARGV[b + 9]) * 4 + 2 }) do
        if redis.call('HEXISTS', key, f) == 1 then
          redis.call('HINCRBY', key, f, -1)
          redis.call('HINCRBY', key, f + 1, -oc)
        end
      end
    end
    local counting = applying and ARGV[b + 6] == '1'
    local hn = hourNo * 4
    local qn = qNo * 4 + 2
    local n24, v24, n7, v7 = 0, 0, 0, 0
${COUNT_LUA}
      local reading = ARGV[b + 3] == '1' and mode ~= '2'
${READ_LUA}
    local answer = n24 .. ',' .. v24 .. ',' .. n7 .. ',' .. v7
    if applying then
      if reading and mode == '1' then redis.call('HSET', answers, member, answer) else redis.call('HSET', answers, member, '') end
      if not expiring[answers] then redis.call('PEXPIREAT', answers, ARGV[b + 12]); expiring[answers] = true end
    end
    out[o] = answer
  end
end
return out
`
/* eslint-enable max-len */

const versionOf = (member: string): string => member.slice(member.lastIndexOf('#') + 1)
const declarationOf = (member: string): string => member.slice(0, member.lastIndexOf('#'))

/** How keys are grouped into script calls: per primary (scriptGroups, node-pipelines.ts). */
export type Grouping = (keys: readonly string[]) => number[][]

/** Step 1's calls: one per group of history keys, for the entries that count (mode 1 and 2). */
export const decideCalls = (sent: readonly Sent[], keys: KeyLayout, groups: Grouping): SlotCall[] => {
  const counting = sent.flatMap((s, i) => s.mode === 0 ? [] : [i])
  const historyKeys = counting.map((i) => keys.history(declarationOf((sent[i] as Sent).entry.member)))
  return groups(historyKeys).map((group) => {
    const call: SlotCall = { keys: [], args: [], parts: [] }
    for (const g of group) {
      const i = counting[g] as number
      const e = (sent[i] as Sent).entry
      call.keys.push(historyKeys[g] as string)
      call.args.push(versionOf(e.member), e.hourNo, e.qNo, e.valueCents, e.ids[0], e.ids[1], e.ids[2], e.keyExpireAtMs)
      call.parts.push(i)
    }
    return call
  })
}

/** The decision of each sent entry from step 1's replies (undefined for mode 0). */
export const decisionsOf = (calls: readonly SlotCall[], replies: readonly unknown[]): Array<string | undefined> => {
  const out: Array<string | undefined> = []
  calls.forEach((call, c) => {
    const values = replies[c] as string[]
    call.parts.forEach((i, j) => {
      out[i] = values[j]
    })
  })
  return out
}

/** One operation of step 2: which sent entry and kind, and whether its answer is the entry's. */
export interface Op {
  readonly sent: number
  readonly kind: number
  /** False for taking an earlier version out of another entity: no answer of the entry. */
  readonly answers: boolean
}

/** Step 2's calls, one per group of entity keys, and their operations (in batch order within a call). */
export const applyCalls = (
  sent: readonly Sent[], decisions: ReadonlyArray<string | undefined>, mask: string, keys: KeyLayout,
  groups: Grouping
): { calls: SlotCall[], ops: Op[] } => {
  const ops: Op[] = []
  const opKeys: string[] = []
  const opArgs: Array<Array<string | number>> = []
  sent.forEach((s, i) => {
    const e = s.entry
    const decision = decisions[i]
    const counts = decision !== undefined && decision !== '-'
    const earlier = counts && decision !== '+' ? JSON.parse(decision) as string[] : undefined
    const op = (k: number, id: string, add: boolean, out: readonly string[] | undefined): void => {
      const kind = AGG_KINDS[k] as string
      const answers = add || out === undefined
      ops.push({ sent: i, kind: k, answers })
      opKeys.push(keys.aggregates(kind, id), keys.entityAnswers(kind, id, e.hourNo))
      opArgs.push([
        e.member, s.mode, answers && mask.includes(kind) ? 1 : 0, e.hourNo, e.qNo, add ? 1 : 0, e.valueCents,
        out?.[1] ?? '', out?.[2] ?? '', out?.[3] ?? '', e.keyExpireAtMs, e.answersExpireAtMs
      ])
    }
    for (let k = 0; k < 3; k++) {
      const id = e.ids[k] as string
      const was = earlier?.[4 + k] ?? ''
      if (was !== '' && was !== id) op(k, was, false, earlier)
      if (id !== '') op(k, id, counts, was === id ? earlier : undefined)
    }
  })
  const calls = groups(opKeys.filter((_k, j) => j % 2 === 0)).map((group) => {
    const call: SlotCall = { keys: [], args: [], parts: [] }
    for (const o of group) {
      call.keys.push(opKeys[2 * o] as string, opKeys[2 * o + 1] as string)
      call.args.push(...opArgs[o] as Array<string | number>)
      call.parts.push(o)
    }
    return call
  })
  return { calls, ops }
}

/**
 * The aggregates of the sent entries whose mode is not 2 (the backlog comes first), OUTPUT_STRIDE
 * numbers each, from step 2's replies, as AGGREGATE_LUA returns them on one server.
 */
export const aggregatesOf = (
  sent: readonly Sent[], backlog: number, calls: readonly SlotCall[], ops: readonly Op[], replies: readonly unknown[]
): number[] => {
  const out = new Array<number>((sent.length - backlog) * OUTPUT_STRIDE).fill(0)
  calls.forEach((call, c) => {
    const values = replies[c] as string[]
    call.parts.forEach((o, j) => {
      const op = ops[o] as Op
      if (!op.answers || op.sent < backlog) return
      const at = (op.sent - backlog) * OUTPUT_STRIDE + op.kind * 4
      const numbers = (values[j] as string).split(',')
      for (let n = 0; n < 4; n++) out[at + n] = Number(numbers[n])
    })
  })
  return out
}
