// Rule regexes: V8's linear-time engine (the `l` flag, how rule regexes ran before) against
// the backtracking engine with the linear-time fallback after src/engine/regex.ts's
// BACKTRACKS_BEFORE_FALLBACK backtracks (how they run now), in one process, interleaved:
//   - ns per test of rule-like patterns on the generator's item descriptions and ids;
//   - ms per test of the catastrophic families of src/engine/regex.test.ts on 4,096 characters
//     (the backtracking engine alone does not finish them; the fallback must).
//
//   npm run bench -- regex   (BENCH_RUNS overrides the 7 runs; the median is reported)
//
// Saves bench/results/regex.json.

import { mkdirSync, writeFileSync } from 'node:fs'
import { availableParallelism, cpus, loadavg } from 'node:os'
import { BACKTRACKS_BEFORE_FALLBACK, LINEAR_FLAGS, MAX_SUBJECT, RULE_FLAGS } from '../src/engine/regex.ts'
import { generateDeclarations } from '../src/generate/stream.ts'

const RUNS = Number(process.env.BENCH_RUNS ?? 7)
const loadAtStart = loadavg()[0] ?? 0

// What rules test: item descriptions (lower-cased, as `matches(lower(s), …)` does), ids.
const subjects: string[] = []
for (const { declaration: d } of generateDeclarations({ seed: 7, startMs: Date.UTC(2026, 10, 2) })) {
  for (const item of d.items) subjects.push(item.description.toLowerCase())
  subjects.push(d.iossNumber ?? d.declarationId)
  if (subjects.length >= 5_000) break
}

const patterns = [
  '^IM[0-9]{10}$', '^gift', '(phone|mobile|tablet)', '(replica|copy|fake) (watch|bag|shoe)',
  '\\b(gift|sample|free of charge)\\b', '[a-z]+ [0-9]{2,4} ?(mg|ml|g)\\b', '^[A-Z]{2}[0-9]{9}[A-Z]{2}$',
  '(battery|lithium).*(pack|cell)', '\\d+\\.\\d{2}', '(?:vape|e-cig|nicotine)'
]
const catastrophic: ReadonlyArray<[string, string]> = [
  ['(a+)+$', 'a'.repeat(MAX_SUBJECT - 1) + '!'],
  ['(a|aa)*b', 'a'.repeat(MAX_SUBJECT)],
  ['.*.*.*.*.*.*.*.*=x', 'a'.repeat(MAX_SUBJECT)],
  ['(x+x+)+y', 'x'.repeat(MAX_SUBJECT)]
]

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b)
  return s[Math.floor(s.length / 2)] as number
}

const nsPerTest = (re: RegExp): number => {
  let hits = 0
  const started = process.hrtime.bigint()
  for (let k = 0; k < 20; k++) for (const s of subjects) if (re.test(s)) hits++
  const ns = Number(process.hrtime.bigint() - started) / (20 * subjects.length)
  if (hits < 0) throw new Error('unreachable')
  return ns
}
const msPerTest = (re: RegExp, subject: string): number => {
  const started = process.hrtime.bigint()
  for (let k = 0; k < 5; k++) if (re.test(subject + (k === 0 ? '' : String(k)))) throw new Error(`${re.source} matched`)
  return Number(process.hrtime.bigint() - started) / 5e6
}

const engines = { linear: LINEAR_FLAGS, fallback: RULE_FLAGS } as const
type Engine = keyof typeof engines
const rows: Array<{ pattern: string, kind: 'rule' | 'catastrophic', unit: string } & Record<Engine, number[]>> = [
  ...patterns.map((pattern) => ({ pattern, kind: 'rule' as const, unit: 'ns/test', linear: [], fallback: [] })),
  ...catastrophic.map(([pattern]) => ({
    pattern, kind: 'catastrophic' as const, unit: 'ms/test', linear: [], fallback: []
  }))
]
// Results first: both engines must agree on every subject.
for (const pattern of patterns) {
  const [l, f] = [new RegExp(pattern, LINEAR_FLAGS), new RegExp(pattern, RULE_FLAGS)]
  const differ = subjects.filter((s) => l.test(s) !== f.test(s))
  if (differ.length > 0) {
    console.error(`${pattern}: engines disagree on ${differ.length} subjects`)
    process.exit(1)
  }
}
for (let run = 0; run < RUNS; run++) {
  for (const engine of (run % 2 === 0 ? ['linear', 'fallback'] : ['fallback', 'linear']) as Engine[]) {
    for (const row of rows) {
      const re = new RegExp(row.pattern, engines[engine])
      const subject = catastrophic.find(([p]) => p === row.pattern)?.[1]
      row[engine].push(subject === undefined ? nsPerTest(re) : msPerTest(re, subject))
    }
  }
}

const table = rows.map((r) => ({
  pattern: r.pattern, kind: r.kind, unit: r.unit, linear: median(r.linear), fallback: median(r.fallback),
  ratio: median(r.linear) / median(r.fallback)
}))
console.log(`rule regexes: linear-time engine vs backtracking with the linear fallback after ` +
  `${BACKTRACKS_BEFORE_FALLBACK} backtracks; ${subjects.length} subjects, median of ${RUNS} runs, ` +
  `load ${loadAtStart.toFixed(1)}`)
const head = [
  'pattern'.padEnd(40), 'unit'.padEnd(8), 'linear'.padStart(9), 'fallback'.padStart(9), 'linear÷fb'.padStart(9)
]
console.log(head.join(' '))
for (const r of table) {
  const digits = r.kind === 'rule' ? 0 : 2
  console.log(`${r.pattern.padEnd(40)} ${r.unit.padEnd(8)} ${r.linear.toFixed(digits).padStart(9)} ` +
    `${r.fallback.toFixed(digits).padStart(9)} ${r.ratio.toFixed(1).padStart(8)}×`)
}
mkdirSync(new URL('results/', import.meta.url), { recursive: true })
writeFileSync(new URL('results/regex.json', import.meta.url), JSON.stringify({
  at: new Date().toISOString(), node: process.version, cpus: availableParallelism(), cpu: cpus()[0]?.model,
  loadAtStart, runs: RUNS, backtracksBeforeFallback: BACKTRACKS_BEFORE_FALLBACK, subjects: subjects.length, rows: table
}, null, 2) + '\n')
