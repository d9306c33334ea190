// The console store on the real Redis: what at-least-once intake relies on (a record applied
// twice changes nothing), the newest version winning, an outcome taking the parcel out of the
// queue, and claims that two officers cannot both hold.
import { randomUUID } from 'node:crypto'
import { afterAll, describe, expect, inject, it } from 'vitest'
import { createQueries } from '../../../src/console/queries.ts'
import { consolePrefix, createWriter } from '../../../src/console/store.ts'
import type { InspectionOutcome, ParcelDeclaration, RiskDecision } from '../../../src/declaration.ts'
import { generateDeclarations } from '../../../src/generate/stream.ts'
import { adminClient, dropKeys } from '../redis-admin.ts'

const services = inject('services')
// One server, or the Redis Cluster profile's cluster (the prefix then a hash tag, as the console's).
const redis = adminClient(services)
const base = `it:${randomUUID().slice(0, 8)}:`
const prefix = consolePrefix(base, services.redisClusterNodes !== undefined)
const writer = createWriter(redis, { prefix, retentionMs: 600_000, releasedTtlMs: 600_000 })
const queries = createQueries(redis, prefix, 600_000)

afterAll(async () => {
  await dropKeys(redis, base)
  redis.disconnect()
})

const declarations = (): ParcelDeclaration[] => {
  const out: ParcelDeclaration[] = []
  for (const g of generateDeclarations({ seed: 3 })) {
    if (out.length >= 3) break
    out.push(g.declaration)
  }
  return out
}

const decision = (d: ParcelDeclaration, over: Partial<RiskDecision> = {}): RiskDecision => ({
  declarationId: d.declarationId, version: d.version, decision: 'HOLD', action: 'SCREEN_NII', score: 75,
  reasons: [{
    ruleId: 'IND-BRAND-IPR', title: 't', tier: 'INDICATOR', contribution: 30,
    values: [{ name: 'items[0].hsCode', value: '910211' }]
  }],
  gates: [], errors: [], randomSelection: false, ruleset: { id: 'eu-lvc', version: 'it', digest: 'a'.repeat(64) },
  enrichment: { status: 'OK', missing: [] },
  rejections: [],
  timings: { receivedAt: 1, decidedAt: Date.now(), latencyMicros: 1_000 },
  inputDigest: 'b'.repeat(64),
  ...over
})

describe('console > store on the real Redis', () => {
  const [a, b, c] = declarations() as [ParcelDeclaration, ParcelDeclaration, ParcelDeclaration]

  it('applies a decision once however often it is read, and files it under its lane, rule, ' +
    'seller and route', async () => {
    expect(await writer.recordDeclarations([a, b])).toBe(2)
    expect(await writer.recordDecisions([decision(a), decision(b, { score: 90, action: 'PHYSICAL_EXAM' })])).toBe(2)
    const overview = await queries.overview()
    expect(await writer.recordDecisions([decision(a), decision(b, { score: 90, action: 'PHYSICAL_EXAM' })])).toBe(0)
    expect((await queries.overview()).decisions).toBe(overview.decisions)
    const all = await queries.queue({})
    expect(all.rows.map((r) => r.declarationId)).toEqual([b.declarationId, a.declarationId])
    expect((await queries.queue({ lane: 'SCREEN_NII' })).rows.map((r) => r.declarationId)).toEqual([a.declarationId])
    expect((await queries.queue({ rule: 'IND-BRAND-IPR', seller: a.sellerId })).rows.map((r) => r.declarationId))
      .toEqual([a.declarationId])
    expect((await queries.queue({ route: a.originCountry })).rows.map((r) => r.declarationId))
      .toContain(a.declarationId)
  })

  it('files a decision read before its declaration once the declaration arrives', async () => {
    await writer.recordDecisions([decision(c)])
    expect((await queries.queue({ seller: c.sellerId })).total).toBe(0)
    await writer.recordDeclarations([c])
    expect((await queries.queue({ seller: c.sellerId })).rows.map((r) => r.declarationId)).toEqual([c.declarationId])
    expect((await queries.parcel(c.declarationId))?.declaration?.sellerId).toBe(c.sellerId)
  })

  it('lets only one officer claim a parcel, and only the holder release it', async () => {
    expect(await queries.claim(a.declarationId, 'ann')).toBe('ok')
    expect(await queries.claim(a.declarationId, 'bob')).toBe('ann')
    expect(await queries.unclaim(a.declarationId, 'bob', false)).toBe(false)
    expect(await queries.unclaim(a.declarationId, 'ann', false)).toBe(true)
    expect(await queries.claim(a.declarationId, 'bob')).toBe('ok')
  })

  it('takes a parcel out of the queue when its outcome arrives, once, and a newer release ' +
    'replaces an older hold', async () => {
    const outcome: InspectionOutcome = {
      declarationId: a.declarationId, version: a.version, result: 'SEIZED', inspectedAt: Date.now(), method: 'NII',
      ruleIds: ['IND-BRAND-IPR'],
      revenueAmount: null, revenueCurrency: null, notes: null, niiResult: 'ANOMALY', imageRef: 'UFF-1'
    }
    expect(await writer.recordOutcomes([outcome, outcome])).toBe(1)
    expect(await writer.recordOutcomes([outcome])).toBe(0)
    const detail = await queries.parcel(a.declarationId)
    expect(detail?.status).toBe('controlled')
    expect(detail?.outcomes).toHaveLength(1)
    expect(detail?.claimedBy).toBeNull()
    expect(await queries.claim(a.declarationId, 'ann')).toBe('closed')
    await writer.recordDecisions([
      decision(b, { version: b.version + 1, decision: 'RELEASE', action: 'RELEASE', score: 10 })
    ])
    expect((await queries.queue({})).rows.map((r) => r.declarationId)).toEqual([c.declarationId])
    await writer.recordDecisions([decision(b, { score: 90, action: 'PHYSICAL_EXAM' })])
    expect((await queries.queue({})).rows.map((r) => r.declarationId)).toEqual([c.declarationId])
  })
})
