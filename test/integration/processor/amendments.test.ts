// Amendments end to end on the real stack: `parcel-risk run` decides version 1 of a
// declaration HOLD, its corrected version 2 again with the version and the reason (a released
// hold), answers version 1 replayed after version 2 as superseded without deciding it again,
// answers version 2 redelivered as the first time, and counts the parcel once in Redis.
import { Redis } from 'ioredis'
import { describe, expect, inject, it } from 'vitest'
import { HOLD_RELEASED, SUPERSEDED } from '../../../src/amendment.ts'
import type { ParcelDeclaration, RiskDecision } from '../../../src/declaration.ts'
import { randomSelector } from '../../../src/decide/selection.ts'
import { generateDeclarations } from '../../../src/generate/stream.ts'
import {
  collect, decisionCore, loadReferenceData, metric, produceDeclarations, scenario, startRun, waitUntil
} from './harness.ts'
import { stopAfterEach } from './teardown.ts'

const services = inject('services')
const { running, collectors } = stopAfterEach()

// rules/eu-lvc/ruleset.yaml: 0.2 % of releases go to NII; the parcel here must not be one of them.
const randomlySelected = randomSelector('eu-lvc-2026q4', 0.002)

/** A generated EU-bound parcel with no risk pattern, under an id random selection leaves alone. */
const cleanParcel = (id: string, sellerId: string): ParcelDeclaration => {
  const stream = generateDeclarations({ seed: 47, startMs: Date.now() - 3_600_000 })
  for (;;) {
    const next = stream.next().value as { declaration: ParcelDeclaration, patterns: readonly string[] }
    const { declaration, patterns } = next
    if (patterns.length > 0 || declaration.destinationCountry !== 'DE') continue
    let n = 0
    while (randomlySelected(`${id}-${n}`)) n++
    return { ...declaration, declarationId: `${id}-${n}`, version: 1, sellerId }
  }
}

const valuesOf = (r: RiskDecision['reasons'][number] | undefined): Record<string, string> =>
  Object.fromEntries((r?.values ?? []).map((v) => [v.name, v.value]))

describe('processor > amendments', () => {
  it('v1 HOLD, v2 corrected → a new decision with the version and the reason; ' +
    'v1 replayed after v2 → superseded, not re-decided', async () => {
    const s = scenario(services)
    await loadReferenceData(services, s, 47)
    const p = startRun(s, 'amendments')
    running.push(p)
    const base = await p.ready
    const collector = await collect(services, s)
    collectors.push(collector)
    const sellerId = `it-${s.id}-seller`
    const corrected = cleanParcel(`it-${s.id}-parcel`, sellerId)
    const id = corrected.declarationId
    // Version 1 describes its goods as "gift": refused as data (REJECT_DATA), a HOLD.
    const v1: ParcelDeclaration = {
      ...corrected, items: corrected.items.map((item) => ({ ...item, description: 'gift' }))
    }
    const v2: ParcelDeclaration = { ...corrected, version: 2, declaredAt: corrected.declaredAt + 60_000 }
    const answers = (): RiskDecision[] => collector.collected.decisions.get(id) ?? []
    const send = async (d: ParcelDeclaration, count: number): Promise<RiskDecision> => {
      await produceDeclarations(services, s, [d])
      await waitUntil(`answer ${count} for ${id}`, async () =>
        answers().length >= count || collector.collected.deadLetters.has(id), 60_000)
      expect(collector.collected.deadLetters.get(id)).toBeUndefined()
      return answers()[count - 1] as RiskDecision
    }

    const first = await send(v1, 1)
    expect([first.version, first.decision]).toEqual([1, 'HOLD'])
    const scoredAfterV1 = await metric(base, 'parcel_risk_declarations_consumed_total')

    const amended = await send(v2, 2)
    expect([amended.version, amended.decision, amended.enrichment.status]).toEqual([2, 'RELEASE', 'OK'])
    const released = amended.reasons.find((r) => r.ruleId === HOLD_RELEASED)
    expect(released?.title).toBe(`Amendment releases the hold of version 1 (${first.action})`)
    expect(valuesOf(released)).toMatchObject({
      previousVersion: '1', previousDecision: 'HOLD', previousAction: first.action,
      lane: `${first.action} → ${amended.action}`
    })

    const replayed = await send(v1, 3)
    expect([replayed.version, replayed.decision, replayed.action, replayed.score])
      .toEqual([1, amended.decision, amended.action, amended.score])
    expect(replayed.reasons.map((r) => r.ruleId)).toEqual([SUPERSEDED])
    expect(valuesOf(replayed.reasons[0])).toMatchObject({ supersededByVersion: '2', standingAction: amended.action })
    expect(replayed.inputDigest).toBe(first.inputDigest)

    const redelivered = await send(v2, 4)
    expect(decisionCore(redelivered)).toEqual(decisionCore(amended))
    expect(await metric(base, 'parcel_risk_declarations_consumed_total')).toBeGreaterThanOrEqual(scoredAfterV1 + 3)
    expect(collector.collected.deadLetters.get(id)).toBeUndefined()

    // Redis: the standing decision is version 2, and the seller's counters hold the parcel once.
    const redis = new Redis(services.redisUrl)
    try {
      const prefix = s.env.PARCEL_RISK_REDIS_KEY_PREFIX as string
      const standing = JSON.parse(await redis.hget(`${prefix}history:{${id}}`, 'cur') ?? '{}') as {
        version?: number, action?: string
      }
      expect(standing).toMatchObject({ version: 2, action: amended.action })
      const counters = await redis.hgetall(`${prefix}agg:s:${sellerId}`)
      const sum = (slot: number): number => Object.entries(counters)
        .filter(([field]) => Number(field) % 4 === slot)
        .reduce((n, [, v]) => n + Number(v), 0)
      expect([sum(0), sum(2)]).toEqual([1, 1])
    } finally {
      redis.disconnect()
    }
    p.child.kill('SIGTERM')
    expect(await p.exited).toBe(0)
  }, 180_000)
})
