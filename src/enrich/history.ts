// The declaration history in the stores (src/amendment.ts says what it is for): per
// declarationId, the standing decision and the one it replaced.
//
// Redis: one hash per declarationId, `{p}history:{<declarationId>}`; the hash tag is the
// declarationId, so each declaration's key has its own slot in a Redis Cluster and every
// command below touches one key.
//   cur    the standing decision (JSON of StandingDecision)
//   prev   the decision it replaced, absent for the first
//   agg    the version counted in the windowed aggregates and its contribution (buckets.ts)
//   p:<v>  the parties of version v, for the decisions a control can follow (offences.ts): what
//          the outcome intake records an offence against
// Read: one call of HISTORY_READ_LUA for the batch (cur and prev of every distinct
// declarationId), in the enrichment round trip (redis-store.ts). Written: after the decision,
// beside the send, with one call of HISTORY_LUA for the batch's decisions. The script raises
// each key's version only (a compare-and-set, as two versions of one declaration may be
// decided at once on two partitions), keeps the first decision of a version (a redelivery
// changes nothing), and sets the key's expiry (redis.historyTtlMs, 30 d by default) with
// each new version. One call a batch rather than one command a declaration: each command
// costs the processor a command object, a promise and a timer, and Redis a dispatch (a script
// call per decision cost Redis more than the aggregate script did for the whole batch).
// Both scripts declare their keys (KEYS); on a Redis Cluster the store sends one call per
// primary the batch's keys touch (crossSlot, node-pipelines.ts), one call on one server. On a
// cluster the hash also keeps `d:<version>`, the aggregates' decision for that version
// (cluster-aggregates.ts).
import type { DeclarationHistory, History } from '../amendment.ts'
import { advance, decodeStanding, encodeStanding, isSupersededAnswer, standingOf } from '../amendment.ts'
import type { RiskDecision } from '../declaration.ts'

// KEYS: the history hashes. Returns cur and prev of each, in KEYS order (nil when absent).
export const HISTORY_READ_LUA = `
local out = {}
for i = 1, #KEYS do
  local v = redis.call('HMGET', KEYS[i], 'cur', 'prev')
  out[2 * i - 1] = v[1]
  out[2 * i] = v[2]
end
return out
`

// KEYS: the history hashes, in decision order (one declarationId may come twice). ARGV: 1 TTL
// ms, then per key the version, the standing decision (JSON) and its parties ('' for none).
// Per key: the version becomes the standing one, with its parties, only when newer than the
// stored one; a stored JSON value without a version
// is replaced, one that is not JSON is left as it is (the other keys are written all the
// same). Returns how many became standing. The stored version is read from the JSON's first
// member (encodeStanding writes it first); the value is decoded only when it is not there.
export const HISTORY_LUA = `
local ttl = ARGV[1]
local n = 0
for i = 1, #KEYS do
  local key = KEYS[i]
  local v = tonumber(ARGV[3 * i - 1])
  local cur = redis.call('HGET', key, 'cur')
  local write = true
  if cur then
    local stored = tonumber(string.match(cur, '^{"version":(%-?%d+),'))
    if stored == nil then
      local ok, standing = pcall(cjson.decode, cur)
      if not ok then write = false elseif type(standing) == 'table' then stored = tonumber(standing.version) end
    end
    if write and stored ~= nil and v <= stored then write = false end
    if write then redis.call('HSET', key, 'prev', cur, 'cur', ARGV[3 * i]) end
  else
    redis.call('HSET', key, 'cur', ARGV[3 * i])
  end
  if write then
    if ARGV[3 * i + 1] ~= '' then redis.call('HSET', key, 'p:' .. ARGV[3 * i - 1], ARGV[3 * i + 1]) end
    redis.call('PEXPIRE', key, ttl)
    n = n + 1
  end
end
return n
`

/** The history HISTORY_READ_LUA answered for one key; null when nothing (readable) is stored. */
export const historyOf = (
  cur: string | null | undefined,
  prev: string | null | undefined
): DeclarationHistory | null => {
  const current = decodeStanding(cur)
  if (current === null) return null
  return { current, previous: decodeStanding(prev) }
}

export interface HistoryWrite { declarationId: string, version: number, standing: string, parties: string }

/**
 * One write per decision that may become standing (superseded answers decide nothing);
 * `parties(i)` gives the encoded parties of decisions[i] to keep with it, '' for none.
 */
export const historyWrites = (decisions: readonly RiskDecision[], parties?: (i: number) => string): HistoryWrite[] => {
  const out: HistoryWrite[] = []
  decisions.forEach((d, i) => {
    if (d.declarationId === '' || isSupersededAnswer(d)) return
    const standing = encodeStanding(standingOf(d))
    out.push({ declarationId: d.declarationId, version: d.version, standing, parties: parties?.(i) ?? '' })
  })
  return out
}

/** The same history in the process, for the in-memory store (offline scoring, backtests, warm-up). */
export interface MemoryHistory {
  readonly read: (declarationId: string) => History
  readonly remember: (decisions: readonly RiskDecision[]) => void
}

export const createMemoryHistory = (): MemoryHistory => {
  const histories = new Map<string, DeclarationHistory>()
  return {
    read: (id) => histories.get(id) ?? null,
    remember: (decisions) => {
      for (const d of decisions) {
        if (d.declarationId === '' || isSupersededAnswer(d)) continue
        histories.set(d.declarationId, advance(histories.get(d.declarationId) ?? null, standingOf(d)))
      }
    }
  }
}
