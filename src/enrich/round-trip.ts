// What one Redis round trip of the profile store asks for and brings back, without the client:
// the profile families read by key, a declaration's share of the answers, and the trip's time
// budget and how it runs out. The store (redis-store.ts) builds and sends the trip; the seat
// script (seats.ts) is held to the same budget.
import type { RedisConfig } from '../config.ts'
import { retryPolicy } from '../retry.ts'
import type { Hash } from './hash-values.ts'
import type { DeclarationKeys } from './record.ts'

/** The families read as HMGETs of profile hashes, in the order a trip asks for them. */
export const HASH_FAMILIES = ['seller', 'aeo', 'consignee', 'ioss', 'route', 'hsCode'] as const

/**
 * The profile hashes of one family, one call for the batch (one per primary on a cluster):
 * KEYS the hashes, ARGV the fields; the fields' values, key after key (a missing one nil).
 * One call rather than an HMGET per key: each command costs the processor a command object, a
 * promise and its arguments written, and a batch reads a consignee profile per declaration.
 */
export const PROFILES_READ_LUA = `
local out, n = {}, #ARGV
for i = 1, #KEYS do
  local v = redis.call('HMGET', KEYS[i], unpack(ARGV))
  for f = 1, n do out[(i - 1) * n + f] = v[f] end
end
return out
`
export type HashFamily = typeof HASH_FAMILIES[number]

/** The one key of a family a declaration reads; commodity codes have several (DeclarationKeys.hsCodes). */
export const keyOf = (k: DeclarationKeys, f: HashFamily): string | null => {
  switch (f) {
    case 'seller': return k.seller
    case 'consignee': return k.consignee
    case 'aeo': return k.aeo
    case 'ioss': return k.ioss
    case 'route': return k.route
    case 'hsCode': return null
  }
}

/** The commodity code profiles a declaration looks up, by key; undefined when one was not read. */
export const commodityHashes = (
  k: DeclarationKeys, known: ReadonlyMap<string, Hash | string | null>
): Map<string, Hash> | undefined => {
  const out = new Map<string, Hash>()
  for (const [, lookups] of k.hsCodes) {
    for (const key of lookups) {
      const h = known.get(key)
      if (h === undefined) return undefined
      out.set(key, h as Hash)
    }
  }
  return out
}

/**
 * The watchlist values of a declaration's parties, sellers first; undefined when one was not
 * read. `complete`: the batch's round trip answered, so a field it did not ask for (the
 * watchlist index, watch-index.ts, holds no such field) is not listed.
 */
export const watchValues = (
  k: DeclarationKeys, known: ReadonlyMap<string, Hash | string | null>, complete: boolean
): Array<string | null> | undefined => {
  const out: Array<string | null> = []
  for (const field of k.sellerWatch) {
    const v = known.get(field)
    if (v === undefined && !complete) return undefined
    out.push((v ?? null) as string | null)
  }
  for (const field of k.consigneeWatch) {
    const v = known.get(field)
    if (v === undefined && !complete) return undefined
    out.push((v ?? null) as string | null)
  }
  return out
}

/** A round trip that overran its time budget. */
export class RoundTripTimeout extends Error {
  constructor (budgetMs: number) { super(`redis did not answer within ${budgetMs} ms`) }
}

// ioredis' own per-command bound (the client's `commandTimeout`) reports 'Command timed out'.
export const isTimeout = (err: unknown): boolean =>
  err instanceof RoundTripTimeout || (err instanceof Error && err.message === 'Command timed out')

/**
 * A round trip that overran its budget is sent once more at once with twice the budget (its
 * reads are safe to repeat, its writes compare-and-set); any other failure is final.
 */
export const roundTripRetry = retryPolicy({
  attempts: 2,
  backoff: { firstMs: 0, growth: 'exponential', maxMs: 0 },
  retryable: isTimeout,
  timeoutFactor: 2
})

/** The time budget of one round trip carrying `records` declarations and catch-up parcels. */
export const roundTripBudgetMs = (
  config: Pick<RedisConfig, 'commandTimeoutMs' | 'commandTimeoutPerRecordUs'>,
  records: number
): number =>
  Math.ceil(config.commandTimeoutMs + config.commandTimeoutPerRecordUs * records / 1_000)
