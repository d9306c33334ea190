// Inspection capacity on the real stack: two processor instances in one consumer group share
// the PHYSICAL_EXAM seats of one control location through Redis, and a restarted instance
// finds them taken.
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Redis } from 'ioredis'
import { describe, expect, inject, it } from 'vitest'
import type { RiskDecision } from '../../../src/declaration.ts'
import { CAPACITY_DOWNGRADE } from '../../../src/decide/capacity.ts'
import { seatKey } from '../../../src/enrich/seats.ts'
import { collect, loadReferenceData, metric, produceStream, scenario, startRun, waitUntil } from './harness.ts'
import type { Collector, Running } from './harness.ts'
import { stopAfterEach } from './teardown.ts'

const services = inject('services')
const { running, collectors } = stopAfterEach()

const HOUR = 3_600_000
const LOCATION = 'IT-HUB'
const EXAM_SEATS = 20
const NII_SEATS = 100
/** Scores from this band up go to PHYSICAL_EXAM: about one generated declaration in five. */
const EXAM_FROM = 20

const BANDS = `bands:\n  - { min: 0, action: RELEASE }\n  - { min: ${EXAM_FROM}, action: PHYSICAL_EXAM }\n`

/** eu-lvc with a band table that sends many parcels to exam, a visible random slice, and capacity. */
const capacityRuleset = (): string => {
  const dir = mkdtempSync(join(tmpdir(), 'parcel-risk-capacity-'))
  cpSync(new URL('../../../rules/eu-lvc', import.meta.url).pathname, dir, { recursive: true })
  const manifest = readFileSync(join(dir, 'ruleset.yaml'), 'utf8')
    .replace(/bands:\n( {2}- .*\n)+/, BANDS)
    .replace(/randomSelection: .*\n/, 'randomSelection: { rate: 0.02, seed: "capacity-it", action: SCREEN_NII }\n')
  writeFileSync(join(dir, 'ruleset.yaml'), `${manifest}capacity:
  PHYSICAL_EXAM: { perWindow: ${EXAM_SEATS}, window: 1h }
  SCREEN_NII: { perWindow: ${NII_SEATS}, window: 1h }
`)
  return dir
}

const start = (...args: Parameters<typeof startRun>): Running => {
  const r = startRun(...args)
  running.push(r)
  return r
}

const windowOf = (d: RiskDecision): number => Math.floor(d.timings.receivedAt / HOUR) * HOUR
const downgrades = (d: RiskDecision): Array<Record<string, string>> =>
  d.reasons.filter((r) => r.ruleId === CAPACITY_DOWNGRADE)
    .map((r) => Object.fromEntries(r.values.map((v) => [v.name, v.value])))
/** Held whatever the capacity: a gate, a watchlist indicator, random selection, a rule error, degraded enrichment. */
const forced = (d: RiskDecision): boolean =>
  d.gates.length > 0 || d.randomSelection || d.errors.length > 0 || d.enrichment.status !== 'OK' ||
  d.reasons.some((r) => r.ruleId === 'IND-WATCHLIST-FUZZY')

const allDecisions = (c: Collector): RiskDecision[] =>
  [...c.collected.decisions.values()].map((list) => list[0] as RiskDecision)

/** Every rule of the capacity, checked on every decision; returns PHYSICAL_EXAM decisions per window. */
interface Checked { exams: Map<number, number>, forcedExams: Map<number, number>, wouldExam: number, moved: number }
const checkDecisions = (decisions: readonly RiskDecision[]): Checked => {
  const exams = new Map<number, number>()
  const forcedExams = new Map<number, number>()
  let wouldExam = 0
  let moved = 0
  for (const d of decisions) {
    const why = downgrades(d)
    const window = windowOf(d)
    if (d.action === 'PHYSICAL_EXAM') {
      exams.set(window, (exams.get(window) ?? 0) + 1)
      if (forced(d)) forcedExams.set(window, (forcedExams.get(window) ?? 0) + 1)
    }
    if (d.score >= EXAM_FROM || d.action === 'PHYSICAL_EXAM') wouldExam++
    if (d.gates.length > 0) {
      // Every gate hit still held, never moved.
      expect(d.decision, `${d.declarationId} gates ${d.gates.join(',')}`).toBe('HOLD')
      expect(why).toEqual([])
    }
    if (d.randomSelection) {
      // The random slice keeps its share, in its lane.
      expect(d.action).toBe('SCREEN_NII')
      expect(why).toEqual([])
    }
    if (forced(d)) {
      expect(why).toEqual([])
      continue
    }
    if (d.score >= EXAM_FROM && d.action !== 'PHYSICAL_EXAM') {
      // Every downgrade explained: the full lane, its capacity and window, where it went.
      moved++
      expect(['SCREEN_NII', 'RELEASE_POST_AUDIT']).toContain(d.action)
      expect(why[0]).toEqual({
        lane: 'PHYSICAL_EXAM', capacity: String(EXAM_SEATS), window: '1h', location: LOCATION, action: d.action,
        windowStart: new Date(window).toISOString(), windowEnd: new Date(window + HOUR).toISOString()
      })
      const nii = { lane: 'SCREEN_NII', capacity: String(NII_SEATS), action: 'RELEASE_POST_AUDIT' }
      if (d.action === 'RELEASE_POST_AUDIT') expect(why[1]).toMatchObject(nii)
      else expect(why).toHaveLength(1)
    } else {
      expect(why, `${d.declarationId} ${d.action} ${d.score}`).toEqual([])
    }
  }
  return { exams, forcedExams, wouldExam, moved }
}

declare module 'vitest' {
  interface TaskMeta { capacity?: Record<string, unknown> }
}

const figures = (c: Checked): Record<string, unknown> =>
  ({ wouldExam: c.wouldExam, moved: c.moved, exams: [...c.exams.values()], forced: [...c.forcedExams.values()] })

describe('processor > inspection capacity', () => {
  it('two instances share 20 PHYSICAL_EXAM seats per window; gate hits stay held; ' +
    'every downgrade says why; a restart keeps the count', async ({ task }) => {
    const s = scenario(services, {
      PARCEL_RISK_RULES_DIR: capacityRuleset(),
      PARCEL_RISK_CONTROL_LOCATION: LOCATION,
      PARCEL_RISK_WARM_UP_DECLARATIONS: '0',
      PARCEL_RISK_RULES_COST_BUDGET_MICROS_PER_KIB: '1000000',
      // Both instances register their schemas at start-up; a loaded test machine can make
      // the registry slower to answer than the production bound.
      PARCEL_RISK_REGISTRY_REQUEST_TIMEOUT_MS: '30000',
      // Nothing here is SIGKILLed: a longer session and smaller chunks keep a loaded machine
      // from fencing both members out of the group over and over.
      PARCEL_RISK_KAFKA_SESSION_TIMEOUT_MS: '30000',
      PARCEL_RISK_MAX_BATCH_RECORDS: '100'
    })
    await loadReferenceData(services, s, 61)
    await loadReferenceData(services, s, 62)
    const a = start(s, 'a')
    const baseA = await a.ready
    const b = start(s, 'b')
    const bases = [baseA, await b.ready]
    await waitUntil('both instances in the group', async () =>
      (await Promise.all(bases.map(async (base) => (await fetch(`${base}/readyz`)).ok))).every(Boolean), 60_000)
    const first = await produceStream(services, s, 1_500, { seed: 61, poisonEvery: 0 })
    const c = await collect(services, s)
    collectors.push(c)
    await waitUntil('1,500 decisions', async () => c.distinct() >= first.keys.length, 180_000)

    // Both instances decided a share of the stream, in the same windows.
    for (const base of bases) expect(await metric(base, 'parcel_risk_declarations_consumed_total')).toBeGreaterThan(0)
    const before = checkDecisions(allDecisions(c))
    expect(before.wouldExam, 'parcels the bands alone send to PHYSICAL_EXAM').toBeGreaterThanOrEqual(200)
    for (const [window, count] of before.exams) {
      // Holds that may not be moved (gate hits) take their seat even in a full lane: only they exceed it.
      const forcedHere = before.forcedExams.get(window) ?? 0
      expect(count - forcedHere, `PHYSICAL_EXAM from ${new Date(window).toISOString()}`).toBeLessThanOrEqual(EXAM_SEATS)
    }
    expect(before.moved).toBeGreaterThanOrEqual(150)
    // Counted once per downgraded decision published (a chunk decided again after a
    // rebalance may be published twice: the copies are identical and both count).
    const downgradesOf = async (base: string): Promise<number> =>
      await metric(base, 'parcel_risk_capacity_downgrades_total')
    const perInstance = await Promise.all(bases.map(downgradesOf))
    const counted = perInstance.reduce((x, y) => x + y, 0)
    const published = [...c.collected.decisions.values()].flat().filter((d) => downgrades(d).length > 0).length
    expect(published).toBeGreaterThanOrEqual(before.moved)
    expect(counted).toBe(published)

    // The seats held in Redis are exactly the PHYSICAL_EXAM decisions of the window.
    const redis = new Redis(services.redisUrl)
    try {
      for (const [window, count] of before.exams) {
        const key = seatKey(s.env.PARCEL_RISK_REDIS_KEY_PREFIX as string, LOCATION, 'PHYSICAL_EXAM', window)
        expect(await redis.hlen(key)).toBe(count)
      }
    } finally {
      redis.disconnect()
    }

    // A restart: both stop, a new instance carries on; the window's seats stay taken.
    a.child.kill('SIGTERM')
    b.child.kill('SIGTERM')
    expect(await a.exited).toBe(0)
    expect(await b.exited).toBe(0)
    const third = start(s, 'c')
    await third.ready
    const second = await produceStream(services, s, 500, { seed: 62, poisonEvery: 0 })
    await waitUntil('2,000 decisions', async () => c.distinct() >= first.keys.length + second.keys.length, 180_000)
    const after = checkDecisions(allDecisions(c))
    for (const [window, count] of after.exams) {
      expect(count - (after.forcedExams.get(window) ?? 0)).toBeLessThanOrEqual(EXAM_SEATS)
    }
    expect(after.moved).toBeGreaterThan(before.moved)
    // The figures, for the JSON reporter (`--reporter=json`): what the stream would have sent
    // to exam, what was examined per window (and how many of those could not be moved), what moved.
    task.meta.capacity = { before: figures(before), after: figures(after) }
  }, 480_000)
})
