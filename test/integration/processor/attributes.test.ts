// A custom profile attribute end to end: a ruleset declares `seller.attributes.riskScore`
// and `consignee.attributes.segment`; the seller's value comes from a profiles file through
// `parcel-risk profiles load`, the consignee's from the profile-updates topic; both reach
// Redis in the profile hashes, are read with the same round trip as the fixed fields, and a
// decision's reason shows the value the rule read.
import { appendFileSync, cpSync, mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, inject, it } from 'vitest'
import type { ParcelDeclaration, ProfileUpdate, RiskDecision } from '../../../src/declaration.ts'
import {
  cleanDeclarations, collect, fromSellerTo, loadReferenceData, produceDeclarations, produceProfiles, scenario, startRun,
  waitUntil
} from './harness.ts'
import { stopAfterEach } from './teardown.ts'
import { NO_PAYLOAD } from '../../../src/enrich/profile-write.ts'

const services = inject('services')
const { running, collectors } = stopAfterEach()

const ATTRIBUTES = `
attributes:
  seller:
    riskScore: number
  consignee:
    segment: string
`

const RULES = `rules:
  - id: IND-SELLER-RISK-SCORE
    title: The seller's own risk score is high
    tier: indicator
    weight: 30
    when: "enrichment.seller.attributes.riskScore >= 70"
  - id: IND-CONSIGNEE-SEGMENT
    title: The consignee is a known reshipper
    tier: indicator
    weight: 20
    when: 'enrichment.consignee.attributes.segment == "reshipper"'
`

const rulesetWithAttributes = (): string => {
  const dir = mkdtempSync(join(tmpdir(), 'parcel-risk-attributes-'))
  cpSync(new URL('../../../rules/eu-lvc', import.meta.url).pathname, dir, { recursive: true })
  appendFileSync(join(dir, 'ruleset.yaml'), ATTRIBUTES)
  writeFileSync(join(dir, 'rules/custom-attributes.yaml'), RULES)
  return dir
}

const sellerProfile = (sellerId: string, attributes: Record<string, string>): ProfileUpdate => ({
  kind: 'SELLER',
  updatedAt: Date.now() - 60_000,
  sourceSystem: 'seller-registry',
  ...NO_PAYLOAD,
  seller: {
    sellerId, platformId: null, country: 'CN', firstSeenAt: Date.now() - 400 * 86_400_000, knownConsignor: false,
    violationCount: 0, lastViolationAt: null, flags: [], attributes
  }
})

const EORI = 'DE987654321000'

/** Generated EU-bound declarations with no risk pattern, from the given seller, to a consignee with an EORI. */
const declarations = (ids: readonly string[], sellerId: string): ParcelDeclaration[] =>
  cleanDeclarations(ids, { seed: 43, change: fromSellerTo(sellerId, EORI) })

const reason = (d: RiskDecision | undefined, ruleId: string): RiskDecision['reasons'][number] | undefined =>
  d?.reasons.find((r) => r.ruleId === ruleId)

describe('processor > custom profile attributes', () => {
  it('a rule reads a declared seller attribute loaded from a file and a consignee attribute from the topic; ' +
    'the reason shows the value', async () => {
    const s = scenario(services, {
      PARCEL_RISK_RULES_DIR: rulesetWithAttributes(), PARCEL_RISK_RULES_COST_BUDGET_MICROS_PER_KIB: '1000000'
    })
    const risky = `it-${s.id}-risky`
    const plain = `it-${s.id}-plain`
    await loadReferenceData(services, s, 43, [
      sellerProfile(risky, { riskScore: '87', unrelated: 'x' }), sellerProfile(plain, {})
    ])
    const p = startRun(s, 'attributes')
    running.push(p)
    await p.ready
    const consignee: ProfileUpdate = {
      kind: 'CONSIGNEE',
      updatedAt: Date.now() - 60_000,
      sourceSystem: 'targeting-centre',
      ...NO_PAYLOAD,
      consignee: {
        consigneeKey: EORI, firstSeenAt: Date.now() - 90 * 86_400_000, violationCount: 0, lastViolationAt: null,
        flags: [], attributes: { segment: 'reshipper' }
      }
    }
    await produceProfiles(services, s.env.PARCEL_RISK_TOPIC_PROFILE_UPDATES as string, [consignee])
    const collector = await collect(services, s)
    collectors.push(collector)
    const decided = (id: string): RiskDecision | undefined => collector.collected.decisions.get(id)?.at(-1)
    // The consignee update may land after the first declarations: send new versions until it shows.
    let round = 0
    await waitUntil('the consignee attribute is in force', async () => {
      const ids = [`${s.id}-risky-${round}`, `${s.id}-plain-${round}`]
      const [a, b] = declarations(ids, risky) as [ParcelDeclaration, ParcelDeclaration]
      await produceDeclarations(services, s, [a, { ...b, sellerId: plain }])
      await waitUntil(`round ${round} decided`, async () => ids.every((id) => decided(id) !== undefined), 30_000)
      round++
      return reason(decided(ids[0] as string), 'IND-CONSIGNEE-SEGMENT') !== undefined
    }, 60_000)
    p.child.kill('SIGTERM')
    expect(await p.exited).toBe(0)

    const last = round - 1
    const withScore = decided(`${s.id}-risky-${last}`)
    const without = decided(`${s.id}-plain-${last}`)
    expect(reason(withScore, 'IND-SELLER-RISK-SCORE')?.values)
      .toEqual([{ name: 'enrichment.seller.attributes.riskScore', value: '87' }])
    expect(reason(withScore, 'IND-CONSIGNEE-SEGMENT')?.values)
      .toEqual([{ name: 'enrichment.consignee.attributes.segment', value: 'reshipper' }])
    expect(withScore?.enrichment.status).toBe('OK')
    // A seller whose profile has no riskScore: the rule cannot fire, and it is reported as missing data.
    expect(reason(without, 'IND-SELLER-RISK-SCORE')).toBeUndefined()
    expect(reason(without, 'IND-CONSIGNEE-SEGMENT')?.values)
      .toEqual([{ name: 'enrichment.consignee.attributes.segment', value: 'reshipper' }])
  }, 180_000)
})
