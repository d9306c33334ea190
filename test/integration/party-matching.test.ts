// Approximate watchlist matching against the real Redis: a consignee address and a seller
// name listed by `profiles load` (CSV), then declarations whose parties spell them otherwise,
// enriched by the Redis store in one round trip per batch and scored by the eu-lvc ruleset,
// whose decision names the match score in the gate's reason.
import { randomUUID } from 'node:crypto'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Redis } from 'ioredis'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { run as profilesCli } from '../../src/cli/profiles.ts'
import { loadConfig } from '../../src/config-load.ts'
import { scoreAndDecide } from '../../src/decide/decide.ts'
import { loadRulesetOrThrow } from '../../src/engine/load.ts'
import { connectRedis } from '../../src/enrich/redis-client.ts'
import { createRedisProfileStore, type RedisProfileStore } from '../../src/enrich/redis-store.ts'
import { createLogger } from '../../src/logger.ts'
import { makeDeclaration } from '../fixtures/declarations/make.ts'

const services = inject('services')
const prefix = `it-match-${randomUUID()}:`
const log = createLogger({ level: 'silent' })
const config = loadConfig({
  env: {
    REDIS_URL: services.redisUrl, PARCEL_RISK_REDIS_KEY_PREFIX: prefix, PARCEL_RISK_REDIS_COMMAND_TIMEOUT_MS: '2000'
  }
})
const FIELDS = [
  'watchlist.sellerHit', 'watchlist.consigneeHit', 'watchlist.sellerMatchScore', 'watchlist.consigneeMatchScore',
  'watchlist.matchScore'
]

describe('enrich > party matching on redis', () => {
  let admin: Redis
  let redis: Redis
  let store: RedisProfileStore

  beforeAll(async () => {
    admin = new Redis(services.redisUrl, { maxRetriesPerRequest: 1 })
    redis = await connectRedis(config.redis, log, 5_000)
    store = createRedisProfileStore(redis, {
      ...config.redis, identityKey: 'it-match-key', maxAgesMs: config.referenceData.maxAgeMs
    }, { log })
    const dir = mkdtempSync(join(tmpdir(), 'parcel-risk-match-'))
    const csv = join(dir, 'watchlist.csv')
    writeFileSync(csv, 'listId,entityType,value,reason\n' +
      'dnl-parties,ADDRESS,"Lindenstraße 12, 10969 Berlin, DE",intel-7\n' +
      'dnl-parties,PARTY_NAME,"Aleksandr Petrov",intel-8\n')
    const out: string[] = []
    const io = { stdout: { write: (t: string) => out.push(t) }, stderr: { write: (t: string) => out.push(t) } }
    expect(await profilesCli(['load', csv, '--redis', services.redisUrl, '--prefix', prefix], io), out.join('')).toBe(0)
  })

  afterAll(async () => {
    redis.disconnect()
    const keys = await admin.keys(`${prefix}*`)
    if (keys.length > 0) await admin.del(...keys)
    admin.disconnect()
  })

  it('scores spelling variants of listed parties in one round trip, and names the score in the decision', async () => {
    const janNovakAt = (street: string, city: string) =>
      ({ name: 'Jan Novak', address: { street, postcode: '10969', city, country: 'DE' } })
    const listedAddress = makeDeclaration({
      declarationId: 'it-match-1', consignee: janNovakAt('Linden Str. 12', 'Berlin')
    })
    const noNumber = makeDeclaration({ declarationId: 'it-match-2', consignee: janNovakAt('Lindenstr.', 'BERLIN') })
    const nextDoor = makeDeclaration({
      declarationId: 'it-match-3', consignee: janNovakAt('Lindenstraße 14', 'Berlin')
    })
    const seller = makeDeclaration({ declarationId: 'it-match-4', seller: { name: 'PETROW, Alexander' } })
    const before = store.roundTrips()
    const results = await store.enrichBatch([listedAddress, noNumber, nextDoor, seller], Date.now(), FIELDS)
    expect(store.roundTrips() - before).toBe(1)
    expect(results.map((r) => r.status)).toEqual(['OK', 'OK', 'OK', 'OK'])
    const [a, b, c, d] = results.map((r) => r.record.watchlist)
    expect(a).toEqual({
      sellerHit: false, consigneeHit: false, sellerMatchScore: 0, consigneeMatchScore: 1, matchScore: 1
    })
    expect(b?.consigneeMatchScore).toBe(0.97)
    expect(c?.consigneeMatchScore).toBeLessThan(0.85)
    expect(d?.sellerHit).toBe(false)
    expect(d?.sellerMatchScore).toBeGreaterThanOrEqual(0.95)

    const score = scoreAndDecide(await loadRulesetOrThrow('rules/eu-lvc'))
    const decision = score(noNumber, results[1]?.record ?? null, { nowMs: Date.now() })
    const gate = decision.reasons.find((r) => r.ruleId === 'GATE-WATCHLIST-CONSIGNEE')
    expect(gate?.values).toEqual([{ name: 'enrichment.watchlist.consigneeMatchScore', value: '0.97' }])
    const nextDoorRules = score(nextDoor, results[2]?.record ?? null, { nowMs: Date.now() }).reasons
      .map((r) => r.ruleId)
    expect(nextDoorRules).not.toContain('GATE-WATCHLIST-CONSIGNEE')
  })

  // The seller's fields are in the cache by now: the consignee's alone make the round trip.
  it('forgets the variants once the listed entry is removed', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'parcel-risk-match-'))
    const csv = join(dir, 'watchlist-remove.csv')
    writeFileSync(csv, 'listId,entityType,value,op\ndnl-parties,ADDRESS,"Lindenstraße 12, 10969 Berlin, DE",REMOVE\n')
    const out: string[] = []
    const io = { stdout: { write: (t: string) => out.push(t) }, stderr: { write: (t: string) => out.push(t) } }
    const loaded = await profilesCli(['load', csv, '--partial', '--redis', services.redisUrl, '--prefix', prefix], io)
    expect(loaded, out.join('')).toBe(0)
    const fuzzy = (await admin.hkeys(`${prefix}wl`)).filter((f) => f.startsWith('~A:'))
    expect(fuzzy).toEqual([])
    const variant = makeDeclaration({
      declarationId: 'it-match-5',
      consignee: {
        name: 'Jan Novak', address: { street: 'Linden Str. 12', postcode: '10969', city: 'Berlin', country: 'DE' }
      }
    })
    const [r] = await store.enrichBatch([variant], Date.now(), FIELDS)
    expect([r?.status, r?.missing]).toEqual(['OK', []])
    expect(r?.record.watchlist?.consigneeMatchScore).toBe(0)
  })
})
