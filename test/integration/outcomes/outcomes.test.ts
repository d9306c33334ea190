// Closing the loop on the real stack: declarations → `run` → decisions → `generate outcomes`
// for the held parcels → `outcomes` (intake) → `rules report --format json`, compared with a
// brute-force count over the same topics; then the outcomes are replayed twice (produced
// again, and the intake group's offsets reset) and the report must not move.
import { execFile, spawn, type ChildProcess } from 'node:child_process'
import { createWriteStream } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { Kafka, logLevel } from 'kafkajs'
import { afterEach, describe, expect, inject, it } from 'vitest'
import { avroType, readSchema } from '../../../src/codec/avro-types.ts'
import { createDecoder } from '../../../src/codec/decoder.ts'
import { createEncoder } from '../../../src/codec/encoder.ts'
import { createRegistry } from '../../../src/codec/registry.ts'
import type { InspectionOutcome, ParcelDeclaration, RiskDecision } from '../../../src/declaration.ts'
import { generateDeclarations } from '../../../src/generate/stream.ts'
import { isoWeek, outcomeId, POSITIVE_RESULTS } from '../../../src/outcomes/tally.ts'
import type { RulesetReport } from '../../../src/outcomes/report.ts'
import {
  collect, loadReferenceData, metric, produceDeclarations, scenario, startRun, waitUntil,
  type Collector, type Running, type Scenario
} from '../processor/harness.ts'

const services = inject('services')
const cli = new URL('../../../src/cli/parcel-risk.ts', import.meta.url).pathname
const run = promisify(execFile)
const children: ChildProcess[] = []
const collectors: Collector[] = []
const processors: Running[] = []

afterEach(async () => {
  for (const c of children.splice(0)) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL')
  for (const p of processors.splice(0)) {
    if (p.child.exitCode === null && p.child.signalCode === null) {
      p.child.kill('SIGKILL')
      await p.exited
    }
  }
  for (const c of collectors.splice(0)) await c.stop()
})

/** Starts `parcel-risk outcomes`; resolves with its /metrics base URL once it runs. */
const startOutcomes = (s: Scenario, name: string): Promise<string> => {
  const log = createWriteStream(join(tmpdir(), `parcel-risk-it-${s.id}-${name}.log`))
  const child = spawn(process.execPath, [cli, 'outcomes'], {
    env: { ...process.env, ...s.env }, stdio: ['ignore', 'pipe', 'pipe']
  })
  children.push(child)
  child.stderr?.pipe(log)
  let buffered = ''
  return new Promise<string>((resolve, reject) => {
    child.stdout?.on('data', (chunk: Buffer) => {
      log.write(chunk)
      buffered += chunk.toString()
      const match = /"msg":"outcomes running"/.test(buffered) ? /"http":"http:\/\/[^:]+:(\d+)"/.exec(buffered) : null
      if (match !== null) resolve(`http://127.0.0.1:${match[1]}`)
    })
    child.once('exit', (code) => {
      reject(new Error(`outcomes ${name} exited (${code}) before it was running: ${buffered.slice(-2_000)}`))
    })
  })
}

const stop = async (child: ChildProcess | undefined): Promise<void> => {
  if (child === undefined || child.exitCode !== null) return
  const exited = new Promise((resolve) => child.once('exit', resolve))
  child.kill('SIGTERM')
  await exited
}

const cliRun = async (s: Scenario, args: string[]): Promise<{ stdout: string, stderr: string }> =>
  await run(process.execPath, [cli, ...args], { env: { ...process.env, ...s.env }, maxBuffer: 64 << 20 })

const report = async (s: Scenario): Promise<RulesetReport[]> =>
  (JSON.parse((await cliRun(s, ['rules', 'report', '--format', 'json'])).stdout) as { rulesets: RulesetReport[] })
    .rulesets

/** Every record of a topic from the beginning to its current end, decoded. */
const readAll = async <T>(
  topic: string, schema: 'InspectionOutcome' | 'RiskDecision'
): Promise<Array<{ value: T | null, headers: Record<string, string> }>> => {
  const kafka = new Kafka({
    clientId: 'it-outcomes-reader', brokers: services.kafkaBrokers.split(','), logLevel: logLevel.ERROR
  })
  const admin = kafka.admin()
  await admin.connect()
  const ends = new Map((await admin.fetchTopicOffsets(topic)).map((o) => [o.partition, BigInt(o.high)]))
  await admin.disconnect()
  const registry = createRegistry({ url: services.schemaRegistryUrl, requestTimeoutMs: 10_000, unknownIdTtlMs: 60_000 })
  const decoder = createDecoder<T>({ readerType: avroType(readSchema(schema)), registry, maxRecordBytes: 1 << 20 })
  const out: Array<{ value: T | null, headers: Record<string, string> }> = []
  const remaining = new Set([...ends].filter(([, high]) => high > 0n).map(([p]) => p))
  if (remaining.size === 0) return out
  const consumer = kafka.consumer({ groupId: `it-read-${Math.random().toString(36).slice(2)}` })
  await consumer.connect()
  await consumer.subscribe({ topic, fromBeginning: true })
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      reject(new Error(`${topic}: ${remaining.size} partitions not read to the end`))
    }, 60_000)
    void consumer.run({
      eachBatch: async ({ batch }) => {
        const end = ends.get(batch.partition) ?? 0n
        const messages = batch.messages.filter((m) => BigInt(m.offset) < end)
        const decoded = await decoder.decodeBatch(messages.map((m) => ({ value: m.value })))
        messages.forEach((m, i) => {
          const r = decoded[i]
          const headers = Object.fromEntries(Object.entries(m.headers ?? {}).map(([k, v]) => [k, String(v)]))
          out.push({ value: r?.ok === true ? r.value : null, headers })
        })
        if (BigInt(batch.lastOffset()) + 1n >= end) remaining.delete(batch.partition)
        if (remaining.size === 0) {
          clearTimeout(timer)
          resolve()
        }
      }
    })
  })
  await consumer.disconnect()
  return out
}

interface Count { hits: number, controls: number, positives: number }

/** The brute force: per rule (and * for all), over the first decision of each declaration and version. */
const bruteForce = (
  decisions: readonly RiskDecision[], outcomes: readonly InspectionOutcome[], random: boolean
): Map<string, Count> => {
  const byKey = new Map<string, RiskDecision>()
  for (const d of decisions) {
    if (!byKey.has(`${d.declarationId}:${d.version}`)) byKey.set(`${d.declarationId}:${d.version}`, d)
  }
  const counts = new Map<string, Count>()
  const at = (rule: string): Count => {
    const c = counts.get(rule) ?? { hits: 0, controls: 0, positives: 0 }
    counts.set(rule, c)
    return c
  }
  const rulesOf = (d: RiskDecision): string[] => ['*', ...new Set(d.reasons.map((r) => r.ruleId))]
  for (const d of byKey.values()) if (!random || d.randomSelection) for (const rule of rulesOf(d)) at(rule).hits++
  const seen = new Set<string>()
  for (const o of outcomes) {
    const id = outcomeId(o)
    if (seen.has(id)) continue
    seen.add(id)
    const d = byKey.get(`${o.declarationId}:${o.version}`)
    if (d === undefined || (random && !d.randomSelection)) continue
    for (const rule of rulesOf(d)) {
      at(rule).controls++
      if (POSITIVE_RESULTS.has(o.result)) at(rule).positives++
    }
  }
  return counts
}

const produceRaw = async (topic: string, messages: Array<{ key: string, value: Buffer }>): Promise<void> => {
  const kafka = new Kafka({
    clientId: 'it-outcomes-writer', brokers: services.kafkaBrokers.split(','), logLevel: logLevel.ERROR
  })
  const producer = kafka.producer()
  await producer.connect()
  await producer.send({ topic, acks: -1, messages })
  await producer.disconnect()
}

describe('outcomes > the targeting loop on the real stack', () => {
  it('reports per-rule hits, controls, positives and hit rate equal to a brute-force count, ' +
    'and a replay changes nothing', async () => {
    const count = 3_000
    const seed = 14
    const startMs = Math.floor((Date.now() - 3_600_000) / 1_000) * 1_000
    const s = scenario(services, {
      PARCEL_RISK_OUTCOMES_HTTP_PORT: '0',
      PARCEL_RISK_OUTCOMES_DECISION_WAIT_MS: '5000',
      // Not a test of the cost gate: on a machine shared with other work its start-up
      // measurement of the reference ruleset was seen at 3.8 ms per KiB against the 1 ms budget.
      PARCEL_RISK_RULES_COST_BUDGET_MICROS_PER_KIB: '100000'
    })
    const outcomesGroup = `it-${s.id}-outcomes`
    Object.assign(s.env, {
      PARCEL_RISK_OUTCOMES_GROUP_ID: outcomesGroup, PARCEL_RISK_TOPIC_OUTCOMES_DLQ: `it-${s.id}-outcomes-dlq`
    })
    const topics = { outcomes: `it-${s.id}-outcomes`, outcomesDlq: `it-${s.id}-outcomes-dlq` }

    // Declarations → decisions.
    await loadReferenceData(services, s, seed)
    const declarations: ParcelDeclaration[] = []
    for (const { declaration } of generateDeclarations({ seed, startMs })) {
      if (declarations.length >= count) break
      declarations.push(declaration)
    }
    const processor = startRun(s, 'processor')
    processors.push(processor)
    await processor.ready
    await produceDeclarations(services, s, declarations)
    const collector = await collect(services, s)
    collectors.push(collector)
    // A few generated declarations are dead-lettered by the processor (no decision to control).
    await waitUntil(`${count} answers`, async () => collector.distinct() >= count, 180_000)

    // Outcomes for the held parcels, and three bad records.
    const generateArgs = [
      'generate', 'outcomes', '--count', String(count), '--seed', String(seed),
      '--start', new Date(startMs).toISOString(), '--to-topic', topics.outcomes
    ]
    const generated = await cliRun(s, generateArgs)
    expect(generated.stderr).toMatch(/wrote \d+ outcomes/)
    const registry = createRegistry({
      url: services.schemaRegistryUrl, requestTimeoutMs: 10_000, unknownIdTtlMs: 60_000
    })
    const schemaId = await registry.register(`${topics.outcomes}-value`, readSchema('InspectionOutcome'))
    const encoder = createEncoder<InspectionOutcome>(avroType(readSchema('InspectionOutcome')), schemaId)
    const bad = (o: Partial<InspectionOutcome>): Buffer => {
      const encoded = encoder.encode({
        declarationId: 'NEVER-DECIDED',
        version: 1,
        result: 'SEIZED',
        inspectedAt: Date.now(),
        method: 'PHYSICAL',
        ruleIds: [],
        revenueAmount: null,
        revenueCurrency: null,
        notes: null,
        niiResult: null,
        imageRef: null,
        ...o
      })
      if (!encoded.ok) throw encoded.error
      return encoded.value
    }
    await produceRaw(topics.outcomes, [
      { key: 'garbage', value: Buffer.from([0x07, 1, 2, 3]) },
      { key: 'NEVER-DECIDED', value: bad({}) },
      {
        key: 'bad-revenue',
        value: bad({ declarationId: 'bad-revenue', revenueAmount: '12,50', revenueCurrency: 'EUR' })
      }
    ])

    const base = await startOutcomes(s, 'first')
    const decisions = [...collector.collected.decisions.values()].flat()
    const outcomes = (await readAll<InspectionOutcome>(topics.outcomes, 'InspectionOutcome'))
      .flatMap((r) => r.value === null ? [] : [r.value])
    const goodOutcomes = outcomes.filter((o) =>
      o.declarationId !== 'NEVER-DECIDED' && o.declarationId !== 'bad-revenue')
    expect(goodOutcomes.length).toBeGreaterThan(100)
    const distinctDecisions = new Set(decisions.map((d) => `${d.declarationId}:${d.version}`)).size
    await waitUntil('every decision and outcome taken in', async () =>
      (await metric(base, 'parcel_risk_outcome_intake_decisions_total{status="counted"}')) >= distinctDecisions &&
      (await metric(base, 'parcel_risk_outcome_intake_outcomes_total{status="counted"}')) >= goodOutcomes.length &&
      (await metric(base, 'parcel_risk_outcome_intake_outcomes_total{status="dead-lettered"}')) >= 3, 90_000)

    // Bad records: coded dead letters, none dropped.
    const dead = (await readAll<never>(topics.outcomesDlq, 'InspectionOutcome'))
      .map((r) => r.headers['parcel-risk.error.code'])
      .sort()
    expect(dead).toEqual(['E_DECODE_MAGIC_BYTE', 'E_OUTCOME_DECISION_UNKNOWN', 'E_OUTCOME_INVALID'])

    // The report against the brute force, rule by rule.
    const first = await report(s)
    expect(first).toHaveLength(1)
    const version = first[0] as RulesetReport
    const expected = bruteForce(decisions, goodOutcomes, false)
    const rows = new Map(version.rules.filter((r) => r.lane === '*').map((r) => [r.ruleId, r]))
    expect([...rows.keys()].sort()).toEqual([...expected.keys()].filter((k) => k !== '*').sort())
    for (const [rule, c] of expected) {
      const row = rule === '*' ? version.total : rows.get(rule)
      expect({ rule, hits: row?.hits, controls: row?.controls, positives: row?.positives }).toEqual({ rule, ...c })
      expect(row?.hitRate).toBe(c.controls > 0 ? c.positives / c.controls : null)
    }
    const random = bruteForce(decisions, goodOutcomes, true).get('*') ?? { hits: 0, controls: 0, positives: 0 }
    const { hits, controls, positives } = version.random
    expect({ hits, controls, positives }).toEqual(random)
    expect(version.total.controls).toBe(goodOutcomes.length)

    // What the scans showed, the weekly trend and the Prometheus counters, against the same topics.
    const scanned = goodOutcomes.filter((o) => o.niiResult !== null)
    expect(scanned.length).toBeGreaterThan(0)
    const confirmed = scanned.filter((o) =>
      o.niiResult === 'ANOMALY' && o.method === 'PHYSICAL' && POSITIVE_RESULTS.has(o.result))
    expect(version.total.nii).toMatchObject({
      scanned: scanned.length,
      anomaly: scanned.filter((o) => o.niiResult === 'ANOMALY').length,
      confirmed: confirmed.length
    })
    const firstDecisions = new Map(decisions.map((d) => [`${d.declarationId}:${d.version}`, d] as const).reverse())
    const weeks: Record<string, number> = {}
    for (const d of firstDecisions.values()) {
      weeks[isoWeek(d.timings.decidedAt)] = (weeks[isoWeek(d.timings.decidedAt)] ?? 0) + 1
    }
    expect(Object.fromEntries((version.trend['*'] ?? []).map((p) => [p.week, p.hits]))).toEqual(weeks)
    expect((version.trend['*'] ?? []).reduce((sum, p) => sum + p.controls, 0)).toBe(goodOutcomes.length)
    const yieldMetric = (rule: string, name: string): string =>
      `parcel_risk_rule_yield_total{ruleset="${version.rulesetId}@${version.version}",rule="${rule}",metric="${name}"}`
    expect(await metric(base, yieldMetric('*', 'controlled'))).toBe(version.total.controls)
    expect(await metric(base, yieldMetric('*', 'positive'))).toBe(version.total.positives)
    expect(await metric(base, yieldMetric('*', 'fired'))).toBe(version.total.hits)

    // Replay 1: the same outcomes produced again.
    await cliRun(s, generateArgs)
    const duplicateOutcomes = 'parcel_risk_outcome_intake_outcomes_total{status="duplicate"}'
    await waitUntil('the repeated outcomes read', async () =>
      (await metric(base, duplicateOutcomes)) >= goodOutcomes.length, 60_000)
    expect(await report(s)).toEqual(first)

    // Replay 2: both intake groups read their topics again from the beginning.
    await stop(children.at(-1))
    const kafka = new Kafka({
      clientId: 'it-outcomes-admin', brokers: services.kafkaBrokers.split(','), logLevel: logLevel.ERROR
    })
    const admin = kafka.admin()
    await admin.connect()
    await admin.resetOffsets({ groupId: outcomesGroup, topic: topics.outcomes, earliest: true })
    await admin.resetOffsets({ groupId: `${outcomesGroup}-decisions`, topic: s.topics.decisions, earliest: true })
    await admin.disconnect()
    const again = await startOutcomes(s, 'second')
    await waitUntil('everything read again', async () =>
      (await metric(again, 'parcel_risk_outcome_intake_decisions_total{status="duplicate"}')) >= distinctDecisions &&
      (await metric(again, duplicateOutcomes)) >= 2 * goodOutcomes.length, 90_000)
    expect(await metric(again, 'parcel_risk_outcome_intake_outcomes_total{status="counted"}')).toBe(0)
    expect(await report(s)).toEqual(first)
    await stop(children.at(-1))
  }, 420_000)
})
