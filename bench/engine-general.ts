// Engine benchmark on rulesets the engine was not tuned for: a family of generated rulesets
// (bench/engine/general/ruleset.ts: N rules drawn from a seed out of the language's
// constructs) and, from the same draw, their hand-written equivalents
// (bench/engine/general/hand-written.ts). For 10, 40 and 200 rules, the compiled engine's
// score() and evaluate() are timed against the hand-written function in one process,
// interleaved in chunks, after all three agree on every declaration (action, score, the rules
// that fired; any difference stops the bench with exit 1). The reference-ruleset bench
// (bench/engine.ts) is the other half of the picture.
//
//   npm run bench -- engine-general   (BENCH_COUNT, BENCH_RUNS, BENCH_SEED, BENCH_RULES override)
//
// Declarations and enrichment as in bench/engine.ts (the seeded generator and its profiles in
// the in-memory store, enriched up front), so the timed loops score only.

import { availableParallelism, cpus, loadavg } from 'node:os'
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import type { ParcelDeclaration } from '../src/declaration.ts'
import type { EnrichmentRecord } from '../src/enrichment.ts'
import { compileRuleset } from '../src/engine/compile.ts'
import { scoreAndDecide } from '../src/decide/decide.ts'
import { makeFinisher } from '../src/decide/outcome.ts'
import type { ScoreContext } from '../src/evaluation.ts'
import { createMemoryProfileStore } from '../src/enrich/memory-store.ts'
import { generateDeclarations, generateProfiles } from '../src/generate/stream.ts'
import { createGeneralHandWritten } from './engine/general/hand-written.ts'
import { generateRuleset } from './engine/general/ruleset.ts'
import { sameVerdict, type Verdict } from './engine/reference-data.ts'

const COUNT = Number(process.env.BENCH_COUNT ?? 20_000)
const RUNS = Number(process.env.BENCH_RUNS ?? 9)
const SEED = Number(process.env.BENCH_SEED ?? 42)
const SIZES = (process.env.BENCH_RULES ?? '10,40,200').split(',').map(Number)
const START_MS = Date.UTC(2026, 10, 2)
const CHUNK = 500

const loadAtStart = loadavg()[0] ?? 0

// --- inputs ---------------------------------------------------------------------------------
const declarations: ParcelDeclaration[] = []
for (const g of generateDeclarations({ seed: SEED, startMs: START_MS })) {
  declarations.push(g.declaration)
  if (declarations.length === COUNT) break
}
const nowMs = (declarations.at(-1)?.declaredAt ?? START_MS) + 60_000
const ctx: ScoreContext = { nowMs, receivedAtMs: nowMs, inputDigest: '', enrichmentMissing: [] }
const declarationSchema = JSON.parse(
  readFileSync(new URL('../schemas/parcel-declaration.avsc', import.meta.url), 'utf8')
) as unknown
const fxText = readFileSync(new URL('./engine/eu-lvc-2026.11.0/lists/fxToEur.yaml', import.meta.url), 'utf8')
const fx = new Map(Object.entries((await import('yaml')).parse(fxText).entries as Record<string, number>))
const decl = (i: number): ParcelDeclaration => declarations[i] as ParcelDeclaration

const median = (xs: readonly number[]): number => {
  const s = [...xs].sort((a, b) => a - b)
  const mid = Math.floor(s.length / 2)
  return s.length % 2 === 1 ? s[mid] as number : ((s[mid - 1] as number) + (s[mid] as number)) / 2
}

interface Row {
  readonly rules: number
  readonly templates: Readonly<Record<string, number>>
  readonly hitsPerDeclaration: number
  readonly handNs: number
  readonly scoreNs: number
  readonly evaluateNs: number
  readonly scoreRatio: number
  readonly evaluateRatio: number
  readonly scoreRatios: readonly number[]
  readonly evaluateRatios: readonly number[]
}

let sink = 0
const benchOne = async (size: number): Promise<Row> => {
  // A different draw per size, from the same seed: 200 rules are not 40 repeated.
  const generated = generateRuleset(size, SEED * 1000 + size, fxText)
  const compiled = compileRuleset(generated.files, { declarationSchema })
  if (!compiled.ok) {
    for (const e of compiled.errors) console.error(`${e.file}:${e.line}:${e.column}: ${e.message}`)
    process.exit(1)
  }
  const ruleset = compiled.ruleset
  const store = createMemoryProfileStore({ identityKey: 'bench' })
  store.applyUpdates(generateProfiles({ seed: SEED, startMs: START_MS }))
  const enrichments: EnrichmentRecord[] = []
  for (let i = 0; i < declarations.length; i += 1000) {
    const batch = await store.enrichBatch(declarations.slice(i, i + 1000), nowMs, ruleset.enrichmentFields)
    for (const r of batch) enrichments.push(r.record)
  }
  const enr = (i: number): EnrichmentRecord => enrichments[i] as EnrichmentRecord
  const score = scoreAndDecide(ruleset)
  const finish = makeFinisher({
    ...ruleset.policy, effectiveFromMs: ruleset.effectiveFromMs, effectiveToMs: ruleset.effectiveToMs
  })
  const random = ruleset.policy.randomSelection
  if (random === null) throw new Error('the generated manifest has random selection')
  const hand = createGeneralHandWritten(generated, fx, {
    bands: ruleset.policy.bands, random, ruleset: { id: ruleset.id, version: ruleset.version, digest: ruleset.digest }
  })

  // --- verification: the same decisions before any timing
  const verdictOf = (d: { action: string, score: number, reasons: ReadonlyArray<{ ruleId: string }> }): Verdict =>
    ({ action: d.action, score: d.score, hits: d.reasons.map((r) => r.ruleId).sort() })
  let differences = 0
  let hits = 0
  for (let i = 0; i < COUNT; i++) {
    const engine = score(decl(i), enr(i), ctx)
    if (engine.errors.length > 0) {
      console.error(`${size} rules, declaration ${i}: rule errors ${engine.errors.join(', ')}`)
      differences++
    }
    const want = verdictOf(engine)
    hits += want.hits.length
    const ev = ruleset.evaluate(decl(i), enr(i), ctx)
    const v = finish(ev, decl(i).declarationId, false)
    const fired = ruleset.rules.filter((_, k) => ev.outcomes[k] === 1).map((r) => r.id).sort()
    const evaluated: Verdict = { action: v.action, score: v.score, hits: fired }
    const verdicts = [['hand-written', verdictOf(hand(decl(i), enr(i), nowMs))], ['evaluate()', evaluated]] as const
    for (const [name, got] of verdicts) {
      if (sameVerdict(want, got)) continue
      differences++
      if (differences <= 10) {
        console.error(`MISMATCH ${size} rules ${decl(i).declarationId} ${name}: ` +
          `${JSON.stringify(got)} vs engine ${JSON.stringify(want)}`)
      }
    }
  }
  if (differences > 0) {
    console.error(`engine-general bench: ${differences} differences on the ${size}-rule ruleset; nothing timed`)
    process.exit(1)
  }

  // --- timing: chunks of CHUNK declarations, the three taking turns (order rotating per chunk)
  const impls: ReadonlyArray<(i: number) => number> = [
    (i) => hand(decl(i), enr(i), nowMs).score,
    (i) => score(decl(i), enr(i), ctx).score,
    (i) => finish(ruleset.evaluate(decl(i), enr(i), ctx), decl(i).declarationId, false).score
  ]
  const samples: number[][] = impls.map(() => [])
  for (let run = 0; run < RUNS; run++) {
    const ns = impls.map(() => 0)
    for (let c = 0; c < COUNT; c += CHUNK) {
      const end = Math.min(COUNT, c + CHUNK)
      for (let k = 0; k < impls.length; k++) {
        const j = (k + c / CHUNK) % impls.length
        const one = impls[j] as (i: number) => number
        const t0 = process.hrtime.bigint()
        for (let i = c; i < end; i++) sink += one(i)
        ns[j] = (ns[j] as number) + Number(process.hrtime.bigint() - t0)
      }
    }
    ns.forEach((t, j) => samples[j]?.push(t / COUNT))
  }
  const [handRuns, scoreRuns, evaluateRuns] = samples as [number[], number[], number[]]
  const scoreRatios = scoreRuns.map((x, i) => x / (handRuns[i] as number))
  const evaluateRatios = evaluateRuns.map((x, i) => x / (handRuns[i] as number))
  const row: Row = {
    rules: size,
    templates: generated.templates,
    hitsPerDeclaration: hits / COUNT,
    handNs: Math.round(median(handRuns)),
    scoreNs: Math.round(median(scoreRuns)),
    evaluateNs: Math.round(median(evaluateRuns)),
    scoreRatio: Number(median(scoreRatios).toFixed(2)),
    evaluateRatio: Number(median(evaluateRatios).toFixed(2)),
    scoreRatios: scoreRatios.map((r) => Number(r.toFixed(2))),
    evaluateRatios: evaluateRatios.map((r) => Number(r.toFixed(2)))
  }
  console.log(`${size} rules: verified on ${COUNT} declarations (${row.hitsPerDeclaration.toFixed(2)} hits each); ` +
    `hand-written ${row.handNs} ns, score() ${row.scoreNs} ns (${row.scoreRatio}×), ` +
    `evaluate() ${row.evaluateNs} ns (${row.evaluateRatio}×)`)
  return row
}

const rows: Row[] = []
for (const size of SIZES) rows.push(await benchOne(size))

// --- report ---------------------------------------------------------------------------------
const machine = {
  nproc: availableParallelism(),
  cpu: cpus()[0]?.model ?? 'unknown',
  node: process.version,
  platform: `${process.platform}-${process.arch}`,
  loadAverageAtStart: loadAtStart,
  loadAverageAtEnd: loadavg()[0] ?? 0
}
const table = [
  '| rules | hits/declaration | hand-written ns/declaration | score() ns | evaluate() ns | score() × hand-written ' +
    '| evaluate() × hand-written | score() ratio per run | evaluate() ratio per run |',
  '|---:|---:|---:|---:|---:|---:|---:|---|---|',
  ...rows.map((r) => {
    const cells = [
      r.rules, r.hitsPerDeclaration.toFixed(2), r.handNs.toLocaleString('en-US'), r.scoreNs.toLocaleString('en-US'),
      r.evaluateNs.toLocaleString('en-US'), r.scoreRatio.toFixed(2), r.evaluateRatio.toFixed(2),
      r.scoreRatios.join(', '), r.evaluateRatios.join(', ')
    ]
    return `| ${cells.join(' | ')} |`
  })
].join('\n')
const summary = `${COUNT.toLocaleString('en-US')} generated declarations (seed ${SEED}); for each size a ruleset ` +
  `drawn from seed ${SEED}·1000 + size and its hand-written twin, verified identical (action, score, rules fired) ` +
  `on every declaration; ratios are the median of ${RUNS} runs of per-run ratios (hand-written, score() and ` +
  `evaluate() timed in turns of ${CHUNK} declarations in one process); machine: ${machine.nproc} CPUs (nproc), ` +
  `${machine.cpu}, node ${machine.node}, ${machine.platform}, 1-minute load average ${loadAtStart.toFixed(1)} ` +
  `at the start and ${machine.loadAverageAtEnd.toFixed(1)} at the end (a shared machine).`
console.log(`\n${summary}\n\n${table}\n`)

if (['BENCH_COUNT', 'BENCH_RUNS', 'BENCH_SEED', 'BENCH_RULES'].some((k) => process.env[k] !== undefined)) {
  console.log('BENCH_* overrides set: bench/results/engine-general.json and bench/RESULTS.md left unchanged')
  process.exit(0)
}
mkdirSync(new URL('./results/', import.meta.url), { recursive: true })
const report = { bench: 'engine-general', count: COUNT, runs: RUNS, seed: SEED, machine, results: rows, sink }
writeFileSync(new URL('./results/engine-general.json', import.meta.url), `${JSON.stringify(report, null, 2)}\n`)
const resultsFile = new URL('./RESULTS.md', import.meta.url)
const START = '<!-- engine-general:start -->'
const END = '<!-- engine-general:end -->'
const section = `${START}\n## Engine on generated rulesets\n\n` +
  `Command: \`npm run bench -- engine-general\`. ${summary}\n\n${table}\n${END}`
const existing = existsSync(resultsFile) ? readFileSync(resultsFile, 'utf8') : '# Benchmark results\n'
const updated = existing.includes(START)
  ? existing.replace(new RegExp(`${START}[\\s\\S]*?${END}`), section)
  : `${existing.trimEnd()}\n\n${section}\n`
writeFileSync(resultsFile, updated)
