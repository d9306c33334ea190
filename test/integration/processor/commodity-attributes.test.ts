// Custom attributes of commodity codes and routes end to end: a ruleset declares
// `hsCode.riskScore` and `route.riskScore`; the values come from CSV files through
// `parcel-risk profiles load` into Redis; the Redis store reads an item's code and its
// prefixes and the route in the batch's one round trip; a running processor's decision
// names the item and shows the value the rule read.
import { randomUUID } from 'node:crypto'
import { appendFileSync, cpSync, mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Redis } from 'ioredis'
import { afterAll, describe, expect, inject, it } from 'vitest'
import { run as profilesCli } from '../../../src/cli/profiles.ts'
import { loadConfig } from '../../../src/config-load.ts'
import type { ParcelDeclaration, RiskDecision } from '../../../src/declaration.ts'
import { connectRedis } from '../../../src/enrich/redis-client.ts'
import { createRedisProfileStore } from '../../../src/enrich/redis-store.ts'
import { createLogger } from '../../../src/logger.ts'
import { makeDeclaration } from '../../fixtures/declarations/make.ts'
import {
  cleanDeclarations, collect, loadReferenceData, produceDeclarations, scenario, startRun, waitUntil
} from './harness.ts'
import { stopAfterEach } from './teardown.ts'

const services = inject('services')
const { running, collectors } = stopAfterEach()
const log = createLogger({ level: 'silent' })
const admin = new Redis(services.redisUrl, { lazyConnect: true, maxRetriesPerRequest: 1 })
const prefixes: string[] = []

afterAll(async () => {
  await admin.connect()
  for (const prefix of prefixes) {
    const keys = await admin.keys(`${prefix}*`)
    if (keys.length > 0) await admin.del(...keys)
  }
  admin.disconnect()
})

const dir = mkdtempSync(join(tmpdir(), 'parcel-risk-commodity-'))
const CODES = join(dir, 'hs-codes.csv')
const ROUTES = join(dir, 'routes.csv')
writeFileSync(CODES, 'hsCode,riskScore,dualUse\n95,10,false\n9503,91,\n95030075,,true\n')

/** Loads the CSV files under `prefix` with `parcel-risk profiles load`. */
const load = async (prefix: string, files: readonly string[]): Promise<string> => {
  const out: string[] = []
  const io = { stdout: { write: (t: string) => out.push(t) }, stderr: { write: (t: string) => out.push(t) } }
  const code = await profilesCli(['load', ...files, '--redis', services.redisUrl, '--prefix', prefix], io)
  if (code !== 0) throw new Error(`profiles load exited ${code}: ${out.join('')}`)
  return out.join('')
}

const item = (hsCode: string): ParcelDeclaration['items'][number] => ({
  description: 'plastic toy figure', hsCode, quantity: 1, unit: 'PCE', netMassKg: 0.2, intrinsicValue: '5.00',
  originCountry: 'CN', iossNumber: null, originRegion: null
})

describe('enrich > commodity code and route attributes in Redis', () => {
  it('reads every item\'s code, its prefixes and the route in the one round trip, then from the cache', async () => {
    const prefix = `it-hs-${randomUUID()}:`
    prefixes.push(prefix)
    writeFileSync(ROUTES, 'originCountry,destinationCountry,riskScore\nCN,DE,60\n')
    expect(await load(prefix, [CODES, ROUTES])).toContain('marked loaded: hsCode (3), route (1)')
    const env = {
      REDIS_URL: services.redisUrl, PARCEL_RISK_REDIS_KEY_PREFIX: prefix, PARCEL_RISK_REDIS_COMMAND_TIMEOUT_MS: '2000'
    }
    const config = loadConfig({ env })
    const redis = await connectRedis(config.redis, log, 5_000)
    try {
      const store = createRedisProfileStore(redis,
        { ...config.redis, identityKey: 'integration-identity-key', maxAgesMs: config.referenceData.maxAgeMs }, { log })
      const fields = ['hsCode.attributes.riskScore', 'hsCode.attributes.dualUse', 'route.attributes.riskScore']
      const batch = [
        makeDeclaration({ originCountry: 'CN', destinationCountry: 'DE', items: [item('9503007500'), item('950490')] }),
        makeDeclaration({ originCountry: 'TR', destinationCountry: 'DE', items: [item('610910')] })
      ]
      const before = store.roundTrips()
      const [a, b] = await store.enrichBatch(batch, Date.now(), fields)
      expect(store.roundTrips() - before).toBe(1)
      expect([a?.status, b?.status]).toEqual(['OK', 'OK'])
      expect({ ...a?.record.hsCodes?.['9503007500'] }).toEqual({ riskScore: '91', dualUse: 'true' })
      expect({ ...a?.record.hsCodes?.['950490'] }).toEqual({ riskScore: '10', dualUse: 'false' })
      expect({ ...b?.record.hsCodes?.['610910'] }).toEqual({})
      expect({ ...a?.record.route?.attributes }).toEqual({ riskScore: '60' })
      expect(b?.record.route?.attributes).toBeUndefined()
      // The profiles are cached: the next batch's round trip carries only its history read.
      const [again] = await store.enrichBatch([batch[0] as ParcelDeclaration], Date.now(), fields)
      expect(store.roundTrips() - before).toBe(2)
      expect({ ...again?.record.hsCodes?.['9503007500'] }).toEqual({ riskScore: '91', dualUse: 'true' })
    } finally {
      redis.disconnect()
    }
  })
})

const ATTRIBUTES = `
attributes:
  hsCode:
    riskScore: number
  route:
    riskScore: number
`

const RULES = `rules:
  - id: IND-COMMODITY-RISK
    title: An item's commodity code is rated high risk by the tariff team
    tier: indicator
    weight: 30
    when: "any item in items: item.attributes.riskScore >= 80"
  - id: IND-ROUTE-RISK
    title: The route is rated risky
    tier: indicator
    weight: 10
    when: "enrichment.route.attributes.riskScore >= 50"
`

const rulesetWithAttributes = (): string => {
  const rules = mkdtempSync(join(tmpdir(), 'parcel-risk-commodity-rules-'))
  cpSync(new URL('../../../rules/eu-lvc', import.meta.url).pathname, rules, { recursive: true })
  appendFileSync(join(rules, 'ruleset.yaml'), ATTRIBUTES)
  writeFileSync(join(rules, 'rules/commodity-attributes.yaml'), RULES)
  return rules
}

/** Generated EU-bound declarations with no risk pattern, all from China to Germany. */
const declarations = (ids: readonly string[]): ParcelDeclaration[] =>
  cleanDeclarations(ids, { seed: 44, keep: (d) => d.originCountry === 'CN' })

const reason = (d: RiskDecision | undefined, ruleId: string): RiskDecision['reasons'][number] | undefined =>
  d?.reasons.find((r) => r.ruleId === ruleId)

describe('processor > commodity code and route attributes', () => {
  it('a rule reads an item\'s code attribute and the route\'s from files loaded into Redis; ' +
    'the reason names the item', async () => {
    const s = scenario(services, {
      PARCEL_RISK_RULES_DIR: rulesetWithAttributes(), PARCEL_RISK_RULES_COST_BUDGET_MICROS_PER_KIB: '1000000'
    })
    await loadReferenceData(services, s, 44)
    writeFileSync(ROUTES, 'originCountry,destinationCountry,riskScore\nCN,DE,55\n')
    await load(s.env.PARCEL_RISK_REDIS_KEY_PREFIX as string, [CODES, ROUTES])
    const p = startRun(s, 'commodity-attributes')
    running.push(p)
    await p.ready
    const collector = await collect(services, s)
    collectors.push(collector)
    const ids = [`${s.id}-toy`, `${s.id}-plain`]
    const [toy, plain] = declarations(ids) as [ParcelDeclaration, ParcelDeclaration]
    const items = [item('610910'), item('9503007500')]
    await produceDeclarations(services, s, [{ ...toy, items, totalValue: '10.00' }, plain])
    const decided = (id: string): RiskDecision | undefined => collector.collected.decisions.get(id)?.at(-1)
    await waitUntil('both decided', async () => ids.every((id) => decided(id) !== undefined), 60_000)
    p.child.kill('SIGTERM')
    expect(await p.exited).toBe(0)

    const withToy = decided(ids[0] as string)
    expect(withToy?.enrichment.status).toBe('OK')
    const routeRisk = [{ name: 'enrichment.route.attributes.riskScore', value: '55' }]
    expect(reason(withToy, 'IND-COMMODITY-RISK')?.values)
      .toEqual([{ name: 'items[1].attributes.riskScore', value: '91' }])
    expect(reason(withToy, 'IND-ROUTE-RISK')?.values).toEqual(routeRisk)
    const other = decided(ids[1] as string)
    expect(reason(other, 'IND-ROUTE-RISK')?.values).toEqual(routeRisk)
    const plainRisky = plain.items.some((i) => i.hsCode.startsWith('9503'))
    expect(reason(other, 'IND-COMMODITY-RISK') !== undefined).toBe(plainRisky)
  }, 180_000)
})
