// Enrichment as it is first written: for each declaration, one Redis command after another,
// each awaited: HGETALL per profile (seller, AEO record, consignee, IOSS entry), HGET per
// watchlist field, and per windowed counter an INCR (count) and INCRBY (EUR cents) of a key
// per hour and per six-hour slot, read back with one MGET of the window's keys. No cache, no
// batching, no script. It reads the profiles the product's `profiles load` wrote (same key
// layout, src/enrich/keys.ts) and derives the record with the product's own functions
// (src/enrich/record.ts: identity hash, watchlist fields, decay, AEO matching, fuzzy score),
// so the two systems see the same facts. Its counters live under `{prefix}naive:` and count
// only the kinds the ruleset reads; a parcel declared more than 7 days before now is not
// counted (as in the product), and a replayed declaration is counted again (the product
// answers it with its first answer).
import type { Redis } from 'ioredis'
import type { ParcelDeclaration } from '../../../src/declaration.ts'
import type { EnrichmentRecord } from '../../../src/enrichment.ts'
import { aggEntry, HOUR_BUCKETS, HOUR_MS, QUARTER_BUCKETS } from '../../../src/enrich/buckets.ts'
import { defaultFxToEur, toEurCents } from '../../../src/enrich/fx.ts'
import { keyLayout, planFor } from '../../../src/enrich/keys.ts'
import { createIdentityHasher } from '../../../src/enrich/normalise.ts'
import type { Hash } from '../../../src/enrich/hash-values.ts'
import { buildRecord, declarationKeys, defaultRecordConfig } from '../../../src/enrich/record.ts'

export type NaiveEnrich = (d: ParcelDeclaration, nowMs: number) => Promise<EnrichmentRecord>

const KINDS = ['c', 's', 'i'] as const

export const createNaiveEnricher = (
  redis: Redis, prefix: string, identityKey: string, fields: readonly string[]
): NaiveEnrich => {
  const keys = keyLayout(prefix)
  const hasher = createIdentityHasher(identityKey)
  const plan = planFor(fields)
  const fam = plan.families

  const profile = async (key: string | null, names: readonly string[]): Promise<Hash> => {
    if (key === null) return null
    const h = await redis.hgetall(key)
    return Object.keys(h).length === 0 ? null : names.map((n) => h[n] ?? null)
  }

  /** Counts the parcel (when recent enough) and reads its 24 h and 7 d windows: n24, v24, n7, v7 per kind. */
  const counters = async (
    d: ParcelDeclaration, ids: readonly [string, string, string], nowMs: number
  ): Promise<{ values: number[], own: [number, number] }> => {
    const cents = toEurCents(d.totalValue, d.currency, defaultFxToEur)
    const e = aggEntry(`${d.declarationId}#${d.version}`, d.declaredAt, cents, ids, nowMs, true)
    const counting = e.mode === 1
    const values: number[] = []
    for (let k = 0; k < 3; k++) {
      const id = ids[k] as string
      if (id === '' || !plan.aggregateMask.includes(KINDS[k] as string)) {
        values.push(0, 0, 0, 0)
        continue
      }
      const base = `${prefix}naive:agg:${KINDS[k] as string}:${id}`
      if (counting) {
        const hourEnd = (e.hourNo + HOUR_BUCKETS) * HOUR_MS
        if (await redis.incr(`${base}:h${e.hourNo}:n`) === 1) await redis.pexpireat(`${base}:h${e.hourNo}:n`, hourEnd)
        await redis.incrby(`${base}:h${e.hourNo}:v`, e.valueCents)
        await redis.pexpireat(`${base}:h${e.hourNo}:v`, hourEnd)
        if (await redis.incr(`${base}:q${e.qNo}:n`) === 1) await redis.pexpireat(`${base}:q${e.qNo}:n`, e.keyExpireAtMs)
        await redis.incrby(`${base}:q${e.qNo}:v`, e.valueCents)
        await redis.pexpireat(`${base}:q${e.qNo}:v`, e.keyExpireAtMs)
      }
      const hours = Array.from({ length: HOUR_BUCKETS }, (_, i) => e.hourNo - i)
      const quarters = Array.from({ length: QUARTER_BUCKETS }, (_, i) => e.qNo - i)
      const window = await redis.mget(
        ...hours.flatMap((h) => [`${base}:h${h}:n`, `${base}:h${h}:v`]),
        ...quarters.flatMap((q) => [`${base}:q${q}:n`, `${base}:q${q}:v`])
      )
      const sum = (from: number, to: number, odd: number): number => {
        let s = 0
        for (let i = from + odd; i < to; i += 2) s += Number(window[i] ?? 0)
        return s
      }
      const h = 2 * HOUR_BUCKETS
      values.push(sum(0, h, 0), sum(0, h, 1), sum(h, window.length, 0), sum(h, window.length, 1))
    }
    return { values, own: counting ? [1, e.valueCents] : [0, 0] }
  }

  return async (d, nowMs) => {
    const k = declarationKeys(d, keys, hasher, plan)
    const seller = fam.has('seller') ? await profile(k.seller, plan.hashFields.seller) : undefined
    const aeo = fam.has('aeo') ? await profile(k.aeo, plan.hashFields.aeo) : undefined
    const consignee = fam.has('consignee') ? await profile(k.consignee, plan.hashFields.consignee) : undefined
    const ioss = fam.has('ioss') ? await profile(k.ioss, plan.hashFields.ioss) : undefined
    let watch: Array<string | null> | undefined
    if (fam.has('watchlist')) {
      watch = []
      for (const field of [...k.sellerWatch, ...k.consigneeWatch]) watch.push(await redis.hget(keys.watchlist, field))
    }
    const agg = fam.has('aggregates') ? await counters(d, [k.identityHash, d.sellerId, k.iossNumber], nowMs) : undefined
    const missing: string[] = []
    const fetched = { seller, aeo, consignee, ioss, watch, aggregates: agg?.values, aggregatesOffset: 0, own: agg?.own }
    return buildRecord(d, k, fetched, plan, nowMs, defaultRecordConfig, missing)
  }
}
