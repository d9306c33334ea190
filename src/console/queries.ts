// What the pages read from the console store (store.ts has the key layout). Every page is a
// few pipelined round trips whatever the store holds: the queue reads one page of a sorted
// set (or of the intersection of the filters' sorted sets, kept for a few seconds), then the
// rows of that page.
import type { Redis } from 'ioredis'
import type { RedisClient } from '../enrich/redis-client.ts'
import type { InspectionOutcome, ParcelDeclaration, RiskDecision } from '../declaration.ts'
import { bucketMicros, defineScripts, HOUR_MS, keyPart } from './store.ts'

export interface QueueFilter {
  readonly lane?: string
  readonly rule?: string
  readonly seller?: string
  readonly route?: string
  /** Only parcels held at least this many minutes ago. */
  readonly minAgeMinutes?: number
  readonly offset?: number
}

export interface QueueRow {
  readonly declarationId: string
  readonly version: number
  readonly score: number
  readonly lane: string
  readonly rules: readonly string[]
  readonly seller: string
  readonly route: readonly string[]
  readonly decidedAt: number
  readonly claimedBy: string | null
}

export interface QueuePage {
  readonly total: number
  readonly rows: readonly QueueRow[]
  readonly offset: number
  readonly more: boolean
}

export interface PartyEntry {
  readonly declarationId: string
  readonly summary: string
  readonly decidedAt: number
  readonly outcomes: readonly InspectionOutcome[]
}

export interface ParcelDetail {
  readonly declarationId: string
  readonly version: number
  readonly status: string
  readonly decision: RiskDecision
  readonly declaration: ParcelDeclaration | null
  readonly outcomes: readonly InspectionOutcome[]
  readonly claimedBy: string | null
  readonly shadow: RiskDecision | null
  readonly sellerHistory: readonly PartyEntry[]
  readonly consigneeHistory: readonly PartyEntry[]
}

export interface Overview {
  readonly windowSeconds: number
  readonly decisionsPerSecond: number
  readonly decisions: number
  readonly held: number
  readonly degraded: number
  readonly lanes: ReadonlyMap<string, number>
  readonly p50Micros: number | null
  readonly p99Micros: number | null
  readonly deadLettersWindow: ReadonlyMap<string, number>
  readonly deadLettersTotal: ReadonlyMap<string, number>
  readonly rulesets: ReadonlyArray<{ readonly ruleset: string, readonly lastSeen: number, readonly shadow: boolean }>
  readonly queued: number
}

export interface TrendPoint {
  readonly hour: number
  readonly hits: number
  readonly holds: number
  readonly controls: number
  readonly positives: number
}

export const PAGE_SIZE = 50
const SCAN_CHUNK = 500
/** Filtered intersections are reused for this long (a page, its next page, a refresh). */
const INTERSECTION_TTL_S = 5

const replies = async (pipeline: ReturnType<Redis['pipeline']>): Promise<unknown[]> => {
  const out = await pipeline.exec()
  if (out === null) throw new Error('console pipeline discarded')
  return out.map(([err, reply]) => {
    if (err !== null) throw err
    return reply
  })
}

const parseJson = <T>(raw: unknown): T | null => {
  if (typeof raw !== 'string' || raw === '') return null
  try {
    return JSON.parse(raw) as T
  } catch {
    return null
  }
}

/** Percentile from the latency histogram fields (lat:<bucket> → count). */
export const percentile = (histogram: ReadonlyMap<number, number>, q: number): number | null => {
  const total = [...histogram.values()].reduce((a, b) => a + b, 0)
  if (total === 0) return null
  const rank = Math.ceil(q * total)
  let seen = 0
  for (const bucket of [...histogram.keys()].sort((a, b) => a - b)) {
    seen += histogram.get(bucket) ?? 0
    if (seen >= rank) return bucketMicros(bucket)
  }
  return null
}

export const createQueries = (redis: RedisClient, prefix: string, claimTtlMs: number) => {
  const p = prefix
  defineScripts(redis)
  const scripts = redis as unknown as Record<string, (...args: Array<string | number>) => Promise<unknown>>

  const sourceSet = async (filter: QueueFilter): Promise<string> => {
    const sets = [
      filter.lane === undefined ? undefined : `${p}q:lane:${keyPart(filter.lane)}`,
      filter.rule === undefined ? undefined : `${p}q:rule:${keyPart(filter.rule)}`,
      filter.seller === undefined ? undefined : `${p}q:seller:${keyPart(filter.seller)}`,
      filter.route === undefined ? undefined : `${p}q:route:${keyPart(filter.route)}`
    ].filter((s): s is string => s !== undefined)
    if (sets.length === 0) return `${p}q`
    if (sets.length === 1) return sets[0] as string
    const target = `${p}tmp:${sets.join('|')}`
    if (await redis.exists(target) === 0) {
      // Every index holds the same order value for a parcel: MIN keeps it.
      await redis.multi()
        .zinterstore(target, sets.length, ...sets, 'AGGREGATE', 'MIN')
        .expire(target, INTERSECTION_TTL_S)
        .exec()
    }
    return target
  }

  const rowsOf = async (ids: readonly string[]): Promise<QueueRow[]> => {
    if (ids.length === 0) return []
    const pipeline = redis.pipeline()
    for (const id of ids) {
      const fields = ['version', 'lane', 'rules', 'seller', 'route', 'decidedAt', 'summary', 'decision']
      pipeline.hmget(`${p}parcel:${id}`, ...fields)
    }
    pipeline.mget(...ids.map((id) => `${p}claim:${id}`))
    const out = await replies(pipeline)
    const claims = out.pop() as Array<string | null>
    return ids.map((id, i) => {
      const [version, lane, rules, seller, route, decidedAt] = out[i] as Array<string | null>
      const decision = parseJson<Pick<RiskDecision, 'score'>>((out[i] as Array<string | null>)[7])
      return {
        declarationId: id,
        version: Number(version),
        score: decision?.score ?? 0,
        lane: lane ?? '',
        rules: (rules ?? '').split(',').filter(Boolean),
        seller: seller ?? '',
        route: (route ?? '').split(',').filter(Boolean),
        decidedAt: Number(decidedAt),
        claimedBy: claims[i] ?? null
      }
    })
  }

  const queue = async (filter: QueueFilter, now = Date.now()): Promise<QueuePage> => {
    const source = await sourceSet(filter)
    const offset = Math.max(0, filter.offset ?? 0)
    const total = await redis.zcard(source)
    if (filter.minAgeMinutes === undefined) {
      const ids = await redis.zrevrange(source, offset, offset + PAGE_SIZE - 1)
      return { total, rows: await rowsOf(ids), offset, more: offset + PAGE_SIZE < total }
    }
    // Age is checked on the rows: the queue is ordered by score, not by age.
    const oldest = now - filter.minAgeMinutes * 60_000
    const rows: QueueRow[] = []
    let skipped = 0
    let start = 0
    while (rows.length < PAGE_SIZE + 1 && start < total) {
      const ids = await redis.zrevrange(source, start, start + SCAN_CHUNK - 1)
      start += SCAN_CHUNK
      for (const row of await rowsOf(ids)) {
        if (row.decidedAt > oldest) continue
        if (skipped < offset) {
          skipped++
          continue
        }
        rows.push(row)
      }
    }
    return { total, rows: rows.slice(0, PAGE_SIZE), offset, more: rows.length > PAGE_SIZE }
  }

  const history = async (kind: 's' | 'c', key: string, except: string): Promise<PartyEntry[]> => {
    const ids = (await redis.zrevrange(`${p}party:${kind}:${key}`, 0, 20)).filter((id) => id !== except).slice(0, 20)
    if (ids.length === 0) return []
    const pipeline = redis.pipeline()
    for (const id of ids) {
      pipeline.hmget(`${p}parcel:${id}`, 'summary', 'decidedAt')
      pipeline.lrange(`${p}outcomes:${id}`, 0, -1)
    }
    const out = await replies(pipeline)
    return ids.map((id, i) => {
      const [summary, decidedAt] = out[2 * i] as Array<string | null>
      const outcomes = (out[2 * i + 1] as string[])
        .map((raw) => parseJson<InspectionOutcome>(raw))
        .filter((o): o is InspectionOutcome => o !== null)
      return { declarationId: id, summary: summary ?? '(expired)', decidedAt: Number(decidedAt), outcomes }
    })
  }

  const parcel = async (id: string): Promise<ParcelDetail | undefined> => {
    const pipeline = redis.pipeline()
    pipeline.hgetall(`${p}parcel:${id}`)
    pipeline.hget(`${p}decl:${id}`, 'json')
    pipeline.lrange(`${p}outcomes:${id}`, 0, -1)
    pipeline.get(`${p}claim:${id}`)
    pipeline.hget(`${p}shadow:${id}`, 'decision')
    const [hash, declaration, outcomes, claim, shadow] = await replies(pipeline) as
      [Record<string, string>, string | null, string[], string | null, string | null]
    const decision = parseJson<RiskDecision>(hash.decision)
    if (decision === null) return undefined
    return {
      declarationId: id, version: Number(hash.version), status: hash.status ?? 'released', decision,
      declaration: parseJson<ParcelDeclaration>(declaration), claimedBy: claim,
      outcomes: outcomes
        .map((raw) => parseJson<InspectionOutcome>(raw))
        .filter((o): o is InspectionOutcome => o !== null),
      shadow: parseJson<RiskDecision>(shadow),
      sellerHistory: hash.seller === undefined || hash.seller === '' ? [] : await history('s', hash.seller, id),
      consigneeHistory: hash.consignee === undefined || hash.consignee === ''
        ? []
        : await history('c', hash.consignee, id)
    }
  }

  /** 'ok', 'closed' (not in the queue) or the name of the officer who has it. */
  const claim = async (id: string, user: string): Promise<string> =>
    String(await scripts.prcClaim?.(p, p, id, user, claimTtlMs))
  const unclaim = async (id: string, user: string, force: boolean): Promise<boolean> =>
    Number(await scripts.prcUnclaim?.(p, p, id, user, force ? '1' : '0')) === 1

  const overview = async (now = Date.now(), windowSeconds = 60): Promise<Overview> => {
    const last = Math.floor(now / 1000)
    const pipeline = redis.pipeline()
    for (let s = last - windowSeconds + 1; s <= last; s++) pipeline.hgetall(`${p}ov:${s}`)
    pipeline.hgetall(`${p}dlq`)
    pipeline.hgetall(`${p}rulesets`)
    pipeline.hgetall(`${p}shadow-rulesets`)
    pipeline.zcard(`${p}q`)
    const out = await replies(pipeline)
    const queued = out.pop() as number
    const [dlq, rulesets, shadowRulesets] = out.splice(-3) as Array<Record<string, string>>
    const sums = new Map<string, number>()
    for (const hash of out as Array<Record<string, string>>) {
      for (const [f, v] of Object.entries(hash)) sums.set(f, (sums.get(f) ?? 0) + Number(v))
    }
    const pick = (prefix: string): Map<string, number> =>
      new Map([...sums].filter(([f]) => f.startsWith(prefix)).map(([f, v]) => [f.slice(prefix.length), v]))
    const histogram = new Map([...pick('lat:')].map(([b, v]) => [Number(b), v]))
    const decisions = sums.get('n') ?? 0
    const seen = (hash: Record<string, string> | undefined, shadow: boolean) =>
      Object.entries(hash ?? {}).map(([ruleset, at]) => ({ ruleset, lastSeen: Number(at), shadow }))
    return {
      windowSeconds,
      decisions,
      decisionsPerSecond: decisions / windowSeconds,
      held: sums.get('held') ?? 0,
      degraded: sums.get('degraded') ?? 0,
      lanes: pick('lane:'),
      p50Micros: percentile(histogram, 0.5),
      p99Micros: percentile(histogram, 0.99),
      deadLettersWindow: pick('dlq:'),
      deadLettersTotal: new Map(Object.entries(dlq ?? {}).map(([c, v]) => [c, Number(v)])),
      rulesets: [...seen(rulesets, false), ...seen(shadowRulesets, true)].sort((a, b) => b.lastSeen - a.lastSeen),
      queued
    }
  }

  /** Hourly figures per rule over the last `hours` hours. */
  const trend = async (
    rules: readonly string[], hours: number, now = Date.now()
  ): Promise<Map<string, TrendPoint[]>> => {
    const pipeline = redis.pipeline()
    for (const rule of rules) pipeline.hgetall(`${p}trend:${keyPart(rule)}`)
    const out = await replies(pipeline) as Array<Record<string, string>>
    const first = Math.floor(now / HOUR_MS) * HOUR_MS - (hours - 1) * HOUR_MS
    return new Map(rules.map((rule, i) => {
      const hash = out[i] ?? {}
      const at = (hour: number, metric: string): number => Number(hash[`${hour}|${metric}`] ?? 0)
      const points = Array.from({ length: hours }, (_v, n) => {
        const hour = first + n * HOUR_MS
        return {
          hour,
          hits: at(hour, 'hits'),
          holds: at(hour, 'holds'),
          controls: at(hour, 'controls'),
          positives: at(hour, 'positives')
        }
      })
      return [rule, points]
    }))
  }

  const disagreements = async (limit = 100): Promise<Array<{ active: RiskDecision, shadow: RiskDecision }>> => {
    const ids = await redis.zrevrange(`${p}disagree`, 0, limit - 1)
    if (ids.length === 0) return []
    const pipeline = redis.pipeline()
    for (const id of ids) {
      pipeline.hget(`${p}parcel:${id}`, 'decision')
      pipeline.hget(`${p}shadow:${id}`, 'decision')
    }
    const out = await replies(pipeline)
    return ids.flatMap((_id, i) => {
      const active = parseJson<RiskDecision>(out[2 * i])
      const shadow = parseJson<RiskDecision>(out[2 * i + 1])
      return active === null || shadow === null ? [] : [{ active, shadow }]
    })
  }

  return { queue, parcel, claim, unclaim, overview, trend, disagreements }
}

export type ConsoleQueries = ReturnType<typeof createQueries>
