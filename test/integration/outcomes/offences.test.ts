// Offences end to end on the real stack: declarations from one seller to one consignee →
// `run` holds them → positive outcomes for two of the three → `outcomes` (intake) records two
// offences on the seller's profile and on the consignee's (which has no profile) → a later
// declaration of the same seller and consignee is scored by rules reading
// `enrichment.seller.offences180d` and `enrichment.consignee.offences180d`, whose reasons
// show the count; then the outcomes are produced again and nothing moves, and `rules report`
// counts the three controls and two positives once.
import { execFile, spawn, type ChildProcess } from 'node:child_process'
import { cpSync, createWriteStream, mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { afterEach, describe, expect, inject, it } from 'vitest'
import type { InspectionOutcome, ParcelDeclaration, ProfileUpdate, RiskDecision } from '../../../src/declaration.ts'
import { keyLayout } from '../../../src/enrich/keys.ts'
import type { RulesetReport } from '../../../src/outcomes/report.ts'
import {
  cleanDeclarations, collect, fromSellerTo, loadReferenceData, metric, produceDeclarations, produceOutcomes, scenario,
  startRun, waitUntil, type Scenario
} from '../processor/harness.ts'
import { stopAfterEach } from '../processor/teardown.ts'
import { adminClient } from '../redis-admin.ts'

const services = inject('services')
const { running, collectors } = stopAfterEach()
const cli = new URL('../../../src/cli/parcel-risk.ts', import.meta.url).pathname
const children: ChildProcess[] = []

afterEach(() => {
  for (const c of children.splice(0)) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL')
})

const RULES = `rules:
  - id: GATE-IT-HOLD
    title: Held for the test
    tier: gate
    action: PHYSICAL_EXAM
    when: 'startsWith(declarationId, "hold-")'
  - id: IND-SELLER-OFFENCES
    title: The seller's parcels were found positive in the last 180 days
    tier: indicator
    weight: 30
    when: "enrichment.seller.offences180d >= 1"
  - id: IND-CONSIGNEE-OFFENCES
    title: The consignee's parcels were found positive in the last 180 days
    tier: indicator
    weight: 20
    when: "enrichment.consignee.offences180d >= 2"
`

const ruleset = (): string => {
  const dir = mkdtempSync(join(tmpdir(), 'parcel-risk-offences-'))
  cpSync(new URL('../../../rules/eu-lvc', import.meta.url).pathname, dir, { recursive: true })
  writeFileSync(join(dir, 'rules/offences.yaml'), RULES)
  return dir
}

const EORI = 'DE555000111222'

const sellerProfile = (sellerId: string): ProfileUpdate => ({
  kind: 'SELLER', updatedAt: Date.now() - 60_000, sourceSystem: 'seller-registry',
  consignee: null, aeo: null, watchlist: null, iossRegistry: null, hsCode: null, route: null,
  seller: {
    sellerId, platformId: null, country: 'CN', firstSeenAt: Date.now() - 400 * 86_400_000, knownConsignor: false,
    violationCount: 0, lastViolationAt: null, flags: [], attributes: {}
  }
})

/** Generated EU-bound declarations with no risk pattern, from `sellerId` to the consignee with EORI. */
const declarations = (ids: readonly string[], sellerId: string): ParcelDeclaration[] =>
  cleanDeclarations(ids, { seed: 61, change: fromSellerTo(sellerId, EORI) })

const outcome = (
  declarationId: string, result: InspectionOutcome['result'], inspectedAt: number
): InspectionOutcome => ({
  declarationId, version: 1, result, inspectedAt, method: 'PHYSICAL', ruleIds: ['GATE-IT-HOLD'],
  revenueAmount: null, revenueCurrency: null, notes: null, niiResult: null, imageRef: null
})

/** Starts `parcel-risk outcomes`; resolves with its /metrics base URL once it runs. */
const startOutcomes = async (s: Scenario): Promise<string> => {
  const log = createWriteStream(join(tmpdir(), `parcel-risk-it-${s.id}-offences-outcomes.log`))
  const child = spawn(process.execPath, [cli, 'outcomes'], {
    env: { ...process.env, ...s.env }, stdio: ['ignore', 'pipe', 'pipe']
  })
  children.push(child)
  child.stderr?.pipe(log)
  let buffered = ''
  return await new Promise<string>((resolve, reject) => {
    child.stdout?.on('data', (chunk: Buffer) => {
      log.write(chunk)
      buffered += chunk.toString()
      const match = /"msg":"outcomes running"/.test(buffered) ? /"http":"http:\/\/[^:]+:(\d+)"/.exec(buffered) : null
      if (match !== null) resolve(`http://127.0.0.1:${match[1]}`)
    })
    child.once('exit', (code) => {
      reject(new Error(`outcomes exited (${code}) before it was running: ${buffered.slice(-2_000)}`))
    })
  })
}

const reason = (d: RiskDecision | undefined, ruleId: string): RiskDecision['reasons'][number] | undefined =>
  d?.reasons.find((r) => r.ruleId === ruleId)

describe('outcomes > offences feed the profiles rules read', () => {
  it('positive outcomes of held parcels become offences a later declaration is scored on; ' +
    'a replay changes nothing', async () => {
    const s = scenario(services, {
      PARCEL_RISK_RULES_DIR: ruleset(),
      PARCEL_RISK_RULES_COST_BUDGET_MICROS_PER_KIB: '1000000',
      PARCEL_RISK_OUTCOMES_HTTP_PORT: '0',
      PARCEL_RISK_OUTCOMES_DECISION_WAIT_MS: '5000',
      // The seller's profile is cached in the processor; a short TTL lets the offences show at once.
      PARCEL_RISK_REDIS_CACHE_TTL_MS: '200'
    })
    Object.assign(s.env, {
      PARCEL_RISK_OUTCOMES_GROUP_ID: `it-${s.id}-outcomes`, PARCEL_RISK_TOPIC_OUTCOMES_DLQ: `it-${s.id}-outcomes-dlq`
    })
    const seller = `it-${s.id}-seller`
    const other = `it-${s.id}-other`
    await loadReferenceData(services, s, 61, [sellerProfile(seller), sellerProfile(other)])
    const p = startRun(s, 'offences')
    running.push(p)
    await p.ready
    const collector = await collect(services, s)
    collectors.push(collector)
    const decided = (id: string): RiskDecision | undefined => collector.collected.decisions.get(id)?.at(-1)

    // Three held parcels; before any offence, the offence rules do not fire.
    const held = ['hold-1', 'hold-2', 'hold-3'].map((id) => `${id}-${s.id}`)
    await produceDeclarations(services, s, declarations(held, seller))
    await waitUntil('the held parcels decided', async () => held.every((id) => decided(id) !== undefined), 60_000)
    for (const id of held) {
      expect(decided(id)?.decision).toBe('HOLD')
      expect(reason(decided(id), 'IND-SELLER-OFFENCES')).toBeUndefined()
    }

    // Two positive controls and one without a finding.
    const at = Date.now() - 60_000
    const outcomes = [
      outcome(held[0] as string, 'SEIZED', at),
      outcome(held[1] as string, 'NO_FINDING', at + 1),
      outcome(held[2] as string, 'REVENUE', at + 2)
    ]
    const topic = s.env.PARCEL_RISK_TOPIC_INSPECTION_OUTCOMES as string
    const base = await startOutcomes(s)
    await produceOutcomes(services, topic, outcomes)
    await waitUntil('the offences recorded', async () =>
      (await metric(base, 'parcel_risk_outcome_intake_outcomes_total{status="counted"}')) >= 3, 60_000)
    expect(await metric(base, 'parcel_risk_outcome_intake_offences_total{status="recorded"}')).toBe(4)
    expect(await metric(base, 'parcel_risk_outcome_intake_offences_total{status="unattributed"}')).toBe(0)

    const prefix = s.env.PARCEL_RISK_REDIS_KEY_PREFIX as string
    // The suites' Redis: one server, or the cluster (its layout) on the Redis Cluster profile.
    const redis = adminClient(services)
    await redis.connect()
    const keys = keyLayout(prefix, services.redisClusterNodes !== undefined)
    const profiles = async (): Promise<unknown[]> =>
      await Promise.all([redis.hgetall(keys.seller(seller)), redis.hgetall(keys.consignee(EORI))])
    const [sellerHash, consigneeHash] = await profiles() as Array<Record<string, string>>
    expect(sellerHash?.offences).toBe(`${at},${at + 2}`)
    expect(sellerHash?.lastOffenceAt).toBe(String(at + 2))
    expect(sellerHash?.updatedAt).toBeDefined()
    // The consignee had no profile: its hash holds the offences only.
    expect(consigneeHash).toMatchObject({ offences: `${at},${at + 2}`, lastOffenceAt: String(at + 2) })

    // A later declaration of the same seller and consignee, and one of another seller to the same consignee.
    const later = [`later-${s.id}`, `later-other-${s.id}`]
    const [mine, theirs] = declarations(later, seller) as [ParcelDeclaration, ParcelDeclaration]
    await produceDeclarations(services, s, [mine, { ...theirs, sellerId: other }])
    await waitUntil('the later parcels decided', async () => later.every((id) => decided(id) !== undefined), 60_000)
    const scored = decided(later[0] as string)
    expect(reason(scored, 'IND-SELLER-OFFENCES')?.values)
      .toEqual([{ name: 'enrichment.seller.offences180d', value: '2' }])
    expect(reason(scored, 'IND-CONSIGNEE-OFFENCES')?.values)
      .toEqual([{ name: 'enrichment.consignee.offences180d', value: '2' }])
    expect(scored?.enrichment.status).toBe('OK')
    const clean = decided(later[1] as string)
    expect(reason(clean, 'IND-SELLER-OFFENCES')).toBeUndefined()
    expect(reason(clean, 'IND-CONSIGNEE-OFFENCES')?.values)
      .toEqual([{ name: 'enrichment.consignee.offences180d', value: '2' }])

    // Replay: the same outcomes produced again change neither the profiles nor the count.
    const before = await profiles()
    await produceOutcomes(services, topic, outcomes)
    await waitUntil('the repeated outcomes read', async () =>
      (await metric(base, 'parcel_risk_outcome_intake_outcomes_total{status="duplicate"}')) >= 3, 60_000)
    expect(await profiles()).toEqual(before)
    expect(await metric(base, 'parcel_risk_outcome_intake_offences_total{status="recorded"}')).toBe(4)
    redis.disconnect()

    // `rules report` reads the counters the intake kept: three controls, two positive, once each.
    const { stdout } = await promisify(execFile)(process.execPath, [cli, 'rules', 'report', '--format', 'json'],
      { env: { ...process.env, ...s.env } })
    const [version] = (JSON.parse(stdout) as { rulesets: RulesetReport[] }).rulesets
    expect([version?.total.controls, version?.total.positives]).toEqual([3, 2])
  }, 240_000)
})
