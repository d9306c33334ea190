// The declaration history in the stores (src/amendment.ts says what it is for): per
// declarationId, the standing decision and the one it replaced.
//
// Redis: one hash per declarationId, `{p}history:{<declarationId>}`; the hash tag is the
// declarationId, so each declaration's key has its own slot in a Redis Cluster and every
// command below touches one key.
//   cur    the standing decision (JSON of StandingDecision)
//   prev   the decision it replaced, absent for the first
//   agg    the version counted in the windowed aggregates and its contribution (buckets.ts)
// Read: one HMGET cur prev per distinct declarationId, in the enrichment round trip
// (redis-store.ts). Written: after the decision, beside the send, with HISTORY_LUA, one call
// per decision in one pipeline. The script raises the version only (a compare-and-set, as
// two versions of one declaration may be decided at once on two partitions), keeps the
// first decision of a version (a redelivery changes nothing), and sets the key's expiry
// (redis.historyTtlMs, 30 d by default) with each new version.
import type { DeclarationHistory, History } from '../amendment.ts'
import { advance, decodeStanding, encodeStanding, isSupersededAnswer, standingOf } from '../amendment.ts'
import type { RiskDecision } from '../declaration.ts'

export const HISTORY_FIELDS = ['cur', 'prev'] as const

// KEYS[1] the declaration's history hash. ARGV: 1 version, 2 standing decision (JSON), 3 TTL ms.
// Returns 1 when the version became the standing one, 0 when it was not newer.
export const HISTORY_LUA = `
local v = tonumber(ARGV[1])
local cur = redis.call('HGET', KEYS[1], 'cur')
if cur then
  local standing = cjson.decode(cur)
  if type(standing) == 'table' and tonumber(standing.version) ~= nil and v <= tonumber(standing.version) then return 0 end
  redis.call('HSET', KEYS[1], 'prev', cur, 'cur', ARGV[2])
else
  redis.call('HSET', KEYS[1], 'cur', ARGV[2])
end
redis.call('PEXPIRE', KEYS[1], ARGV[3])
return 1
`

/** The history an HMGET cur prev answered; null when nothing is stored (or what is stored is unreadable). */
export const historyFrom = (values: ReadonlyArray<string | null> | undefined): DeclarationHistory | null => {
  const current = decodeStanding(values?.[0])
  if (current === null) return null
  return { current, previous: decodeStanding(values?.[1]) }
}

/** One write per decision that may become standing (superseded answers decide nothing). */
export const historyWrites = (decisions: readonly RiskDecision[]): Array<{ declarationId: string, version: number, standing: string }> => {
  const out: Array<{ declarationId: string, version: number, standing: string }> = []
  for (const d of decisions) {
    if (d.declarationId === '' || isSupersededAnswer(d)) continue
    out.push({ declarationId: d.declarationId, version: d.version, standing: encodeStanding(standingOf(d)) })
  }
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
