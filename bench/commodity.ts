// The hand-written commodity pieces against the well-kept libraries that could replace them,
// each on the operation it does on its path, in one process, the two sides interleaved
// (A B A B …), median of 5 runs, each run on a fresh instance:
//   lru        the hand-written Map LRU (kept as bench/commodity/map-lru.ts) vs src/enrich/lru.ts,
//              now on lru-cache: the enrichment cache's get, and set on a miss, over a skewed
//              stream of 400,000 lookups of 200,000 keys, 100,000 cached (the default
//              redis.cacheMaxEntries, 30 s TTL); plus the heap a full cache keeps
//   breaker    src/enrich/breaker.ts vs cockatiel's circuit breaker: one guarded call per
//              batch (allow → call → success), and a refused call while open
//   retry      the transaction retry loop (src/publish/transactional.ts) vs cockatiel's
//              retry policy: one call that succeeds at once (every chunk in exactly-once mode)
//   csv        parseCsvRows (src/enrich/profile-files.ts) vs csv-parse/sync with line
//              numbers: a 100,000-row watchlist file, quoted fields included
//   histogram  src/cli/demo/latency.ts vs hdr-histogram-js (3 significant digits): record
//              one latency, and the p50/p99/p99.9 read the demo makes every second
// Heap figures are retained bytes (typed-array buffers included) after a forced GC; allocation
// churn is not measured. lru-cache, cockatiel, csv-parse and hdr-histogram-js for the
// comparisons come from bench/package.json; lru-cache is also the product's own dependency.
// Run: npm run bench -- commodity   (results in bench/results/commodity.json)
import { mkdirSync, writeFileSync } from 'node:fs'
import { cpus, loadavg } from 'node:os'
import { setFlagsFromString } from 'node:v8'
import { runInNewContext } from 'node:vm'
import { circuitBreaker, ConsecutiveBreaker, ConstantBackoff, handleAll, handleWhen, retry } from 'cockatiel'
import { parse as parseCsv } from 'csv-parse/sync'
import * as hdr from 'hdr-histogram-js'
import { createLatencyHistogram } from '../src/cli/demo/latency.ts'
import { createBreaker } from '../src/enrich/breaker.ts'
import { createLru } from '../src/enrich/lru.ts'
import { createLru as createMapLru } from './commodity/map-lru.ts'
import { parseCsvRows } from '../src/enrich/profile-files.ts'

const RUNS = 5
setFlagsFromString('--expose-gc')
const gc = runInNewContext('gc') as () => void

const median = (xs: readonly number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number
let sink = 0

/** A seeded stream of numbers in [0, 1) (xorshift32), so every run sees the same keys. */
const uniform = (seed: number): (() => number) => {
  let x = seed
  return () => {
    x ^= x << 13
    x ^= x >>> 17
    x ^= x << 5
    return (x >>> 0) / 4_294_967_296
  }
}

interface Side { readonly name: string, readonly run: () => Promise<number> | number }
interface Pair {
  readonly piece: string, readonly operation: string, readonly unit: string, readonly a: Side, readonly b: Side
}
interface Measured { readonly name: string, readonly perSecond: number, readonly runs: number[] }

/** Interleaved runs; each run returns how many operations it did, timed here. */
const measure = async (pair: Pair): Promise<[Measured, Measured]> => {
  const rates: [number[], number[]] = [[], []]
  for (let i = 0; i <= RUNS; i++) {
    for (const [k, side] of [pair.a, pair.b].entries()) {
      const start = process.hrtime.bigint()
      const ops = await side.run()
      const seconds = Number(process.hrtime.bigint() - start) / 1e9
      if (i > 0) rates[k as 0 | 1].push(ops / seconds) // run 0 warms the JIT
    }
  }
  return [pair.a, pair.b].map((side, k) => ({
    name: side.name, perSecond: median(rates[k as 0 | 1]), runs: rates[k as 0 | 1].map(Math.round)
  })) as [Measured, Measured]
}

/** Heap (typed-array buffers included) kept by what `build` returns, after a forced GC. */
const used = (): number => {
  const m = process.memoryUsage()
  return m.heapUsed + m.arrayBuffers
}
const retained = (build: () => unknown): number => {
  gc()
  gc()
  const before = used()
  const kept = build()
  gc()
  gc()
  const after = used()
  sink += kept === undefined ? 0 : 1
  return after - before
}

// --- lru ----------------------------------------------------------------------------------
const KEYS = 200_000
const CACHED = 100_000
const LRU_OPS = 400_000
const lruKeys: string[] = (() => {
  const next = uniform(7)
  // Skewed as sellers are: a few hot keys, a long tail (rank ~ u³).
  return Array.from({ length: LRU_OPS }, () => `pr:seller:S${Math.floor(KEYS * next() ** 3)}`)
})()
const profile = ['4', '0.02', '1700000000000']

const handLru = (): number => {
  const cache = createMapLru<string[] | null>({ maxEntries: CACHED, ttlMs: 30_000 })
  for (const key of lruKeys) {
    const hit = cache.get(key)
    if (hit === undefined) cache.set(key, profile)
    else sink += 1
  }
  return LRU_OPS
}
const libLru = (): number => {
  const cache = createLru<string[] | null>({ maxEntries: CACHED, ttlMs: 30_000 })
  for (const key of lruKeys) {
    const hit = cache.get(key)
    if (hit === undefined) cache.set(key, profile)
    else sink += 1
  }
  return LRU_OPS
}
const fullHand = (): unknown => {
  const c = createMapLru<string[]>({ maxEntries: CACHED, ttlMs: 30_000 })
  for (let i = 0; i < CACHED; i++) c.set(`pr:seller:S${i}`, profile)
  return c
}
const fullLib = (): unknown => {
  const c = createLru<string[]>({ maxEntries: CACHED, ttlMs: 30_000 })
  for (let i = 0; i < CACHED; i++) c.set(`pr:seller:S${i}`, profile)
  return c
}

// --- breaker ------------------------------------------------------------------------------
const CALLS = 200_000
const work = async (): Promise<number> => 1
const handBreakerCalls = async (): Promise<number> => {
  const breaker = createBreaker({ failureThreshold: 3, coolDownMs: 1_000 })
  for (let i = 0; i < CALLS; i++) {
    if (!breaker.allow()) continue
    sink += await work()
    breaker.success()
  }
  return CALLS
}
const libBreakerCalls = async (): Promise<number> => {
  const policy = circuitBreaker(handleAll, { halfOpenAfter: 1_000, breaker: new ConsecutiveBreaker(3) })
  for (let i = 0; i < CALLS; i++) sink += await policy.execute(work)
  return CALLS
}
const fail = async (): Promise<number> => {
  throw new Error('down')
}
const handBreakerOpen = async (): Promise<number> => {
  const breaker = createBreaker({ failureThreshold: 3, coolDownMs: 60_000 })
  for (let i = 0; i < 3; i++) breaker.failure()
  for (let i = 0; i < CALLS; i++) if (!breaker.allow()) sink += 1
  return CALLS
}
const libBreakerOpen = async (): Promise<number> => {
  const policy = circuitBreaker(handleAll, { halfOpenAfter: 60_000, breaker: new ConsecutiveBreaker(3) })
  for (let i = 0; i < 3; i++) await policy.execute(fail).catch(() => {})
  for (let i = 0; i < CALLS; i++) {
    try {
      await policy.execute(work)
    } catch {
      sink += 1
    }
  }
  return CALLS
}

// --- retry --------------------------------------------------------------------------------
const handRetry = async (): Promise<number> => {
  for (let i = 0; i < CALLS; i++) {
    for (let attempt = 1; ; attempt++) {
      try {
        sink += await work()
        break
      } catch (err) {
        if (attempt < 5) {
          await new Promise((resolve) => setTimeout(resolve, 50 * attempt))
          continue
        }
        throw err
      }
    }
  }
  return CALLS
}
const libRetry = async (): Promise<number> => {
  const policy = retry(handleWhen(() => true), { maxAttempts: 4, backoff: new ConstantBackoff(50) })
  for (let i = 0; i < CALLS; i++) sink += await policy.execute(work)
  return CALLS
}

// --- csv ----------------------------------------------------------------------------------
const CSV_ROWS = 100_000
const csvText = (() => {
  const rows = ['listId,entityType,value,op,reason']
  for (let i = 0; i < CSV_ROWS; i++) {
    rows.push(i % 10 === 0
      ? `dnl-parties,PARTY_NAME,"SHENZHEN ""LIANFA"" TRADING CO., LTD. ${i}",ADD,"intelligence, case ${i}"`
      : `dnl-parties,PARTY_NAME,ACME EXPORT ${i},ADD,case ${i}`)
  }
  return `${rows.join('\n')}\n`
})()
const handCsv = (): number => {
  const rows = parseCsvRows(csvText)
  sink += rows[rows.length - 1]?.line ?? 0
  return rows.length
}
interface CsvRecord { info: { lines: number }, record: string[] }
const libCsv = (): number => {
  const options = { info: true, relax_column_count: true, skip_empty_lines: true }
  const rows = parseCsv(csvText, options) as unknown as CsvRecord[]
  sink += rows[rows.length - 1]?.info.lines ?? 0
  return rows.length
}
// Same rows, same cells, same line numbers, or the comparison means nothing.
const sameCsv = (): boolean => {
  const a = parseCsvRows(csvText)
  const options = { info: true, relax_column_count: true, skip_empty_lines: true }
  const b = parseCsv(csvText, options) as unknown as CsvRecord[]
  return a.length === b.length &&
    a.every((r, i) => JSON.stringify(r.cells) === JSON.stringify(b[i]?.record) && r.line === b[i]?.info.lines)
}

// --- histogram ----------------------------------------------------------------------------
const SAMPLES = 1_000_000
const latencies = (() => {
  const next = uniform(11)
  // Mostly a few ms, a tail to seconds (lognormal-ish), as the demo sees.
  return Float64Array.from({ length: SAMPLES }, () => Math.exp(1 + 2.2 * (next() + next() + next() - 1.5)))
})()
const hdrOptions = {
  lowestDiscernibleValue: 1,
  highestTrackableValue: 3_600_000,
  numberOfSignificantValueDigits: 3 as const,
  bitBucketSize: 32 as const,
  useWebAssembly: false
}
const handRecord = (): number => {
  const h = createLatencyHistogram()
  for (const v of latencies) h.record(v)
  sink += h.count()
  return SAMPLES
}
const libRecord = (): number => {
  const h = hdr.build(hdrOptions)
  for (const v of latencies) h.recordValue(Math.max(0, Math.round(v)))
  sink += h.totalCount
  return SAMPLES
}
const READS = 2_000
const handFilled = createLatencyHistogram()
const libFilled = hdr.build(hdrOptions)
for (const v of latencies) {
  handFilled.record(v)
  libFilled.recordValue(Math.max(0, Math.round(v)))
}
const handRead = (): number => {
  for (let i = 0; i < READS; i++) {
    sink += (handFilled.percentile(0.5) ?? 0) + (handFilled.percentile(0.99) ?? 0) + (handFilled.percentile(0.999) ?? 0)
  }
  return READS
}
const libRead = (): number => {
  for (let i = 0; i < READS; i++) {
    sink += libFilled.getValueAtPercentile(50) + libFilled.getValueAtPercentile(99) +
      libFilled.getValueAtPercentile(99.9)
  }
  return READS
}

const pairs: Pair[] = [
  {
    piece: 'lru', operation: 'get, set on a miss', unit: 'ops',
    a: { name: 'Map LRU (hand-written, before)', run: handLru },
    b: { name: 'src/enrich/lru.ts on lru-cache 11.5.3', run: libLru }
  },
  {
    piece: 'breaker', operation: 'guarded call, closed', unit: 'calls',
    a: { name: 'src/enrich/breaker.ts', run: handBreakerCalls },
    b: { name: 'cockatiel 4.0.0 circuitBreaker', run: libBreakerCalls }
  },
  {
    piece: 'breaker', operation: 'refused call, open', unit: 'calls',
    a: { name: 'src/enrich/breaker.ts', run: handBreakerOpen },
    b: { name: 'cockatiel 4.0.0 circuitBreaker', run: libBreakerOpen }
  },
  {
    piece: 'retry', operation: 'call that succeeds first time', unit: 'calls',
    a: { name: 'retry loop (publish/transactional.ts)', run: handRetry },
    b: { name: 'cockatiel 4.0.0 retry', run: libRetry }
  },
  {
    piece: 'csv', operation: 'parse 100,000 rows with line numbers', unit: 'rows',
    a: { name: 'parseCsvRows (enrich/profile-files.ts)', run: handCsv },
    b: { name: 'csv-parse 7.0.3 sync', run: libCsv }
  },
  {
    piece: 'histogram', operation: 'record one latency', unit: 'records',
    a: { name: 'src/cli/demo/latency.ts', run: handRecord },
    b: { name: 'hdr-histogram-js 3.0.1 (JS, 3 digits)', run: libRecord }
  },
  {
    piece: 'histogram', operation: 'read p50, p99, p99.9 (1 M samples)', unit: 'reads',
    a: { name: 'src/cli/demo/latency.ts', run: handRead },
    b: { name: 'hdr-histogram-js 3.0.1 (JS, 3 digits)', run: libRead }
  }
]

const load = loadavg()[0] ?? 0
interface Result {
  piece: string, operation: string, unit: string,
  handWritten: Measured, library: Measured, libraryOverHandWritten: number
}
const results: Result[] = []
for (const pair of pairs) {
  const [a, b] = await measure(pair)
  results.push({
    piece: pair.piece,
    operation: pair.operation,
    unit: pair.unit,
    handWritten: a,
    library: b,
    libraryOverHandWritten: Number((b.perSecond / a.perSecond).toFixed(2))
  })
}
const heap = {
  lruFull: { handWritten: retained(fullHand), library: retained(fullLib) },
  histogramEmpty: { handWritten: retained(createLatencyHistogram), library: retained(() => hdr.build(hdrOptions)) }
}
const csvIdentical = sameCsv()
const p = (q: number): [number | undefined, number] =>
  [handFilled.percentile(q), libFilled.getValueAtPercentile(q * 100)]

const cpu = cpus()[0]?.model ?? 'unknown cpu'
console.log(`commodity bench: median of ${RUNS} interleaved runs, node ${process.version}, ${cpu}, ` +
  `load ${load.toFixed(1)}`)
const head = [
  'piece'.padEnd(10), 'operation'.padEnd(38), 'hand-written/s'.padStart(15), 'library/s'.padStart(15),
  'library ×'.padStart(10)
]
console.log(head.join(' '))
const perSecond = (m: Measured): string => Math.round(m.perSecond).toLocaleString('en-US').padStart(15)
for (const r of results) {
  const row = [
    r.piece.padEnd(10), r.operation.padEnd(38), perSecond(r.handWritten), perSecond(r.library),
    r.libraryOverHandWritten.toFixed(2).padStart(10)
  ]
  console.log(row.join(' '))
}
const mb = (bytes: number): string => (bytes / 1e6).toFixed(1)
const kb = (bytes: number): string => (bytes / 1e3).toFixed(0)
console.log(`heap kept: full LRU (100,000 entries) Map ${mb(heap.lruFull.handWritten)} MB, ` +
  `lru-cache ${mb(heap.lruFull.library)} MB; empty histogram hand-written ${kb(heap.histogramEmpty.handWritten)} kB, ` +
  `hdr ${kb(heap.histogramEmpty.library)} kB`)
console.log(`csv: same rows, cells and line numbers: ${csvIdentical}; percentiles hand-written vs hdr: ` +
  `p50 ${p(0.5).join(' vs ')}, p99 ${p(0.99).join(' vs ')}, p99.9 ${p(0.999).join(' vs ')} ms`)
console.log(`(sink ${sink})`)

mkdirSync(new URL('./results/', import.meta.url), { recursive: true })
writeFileSync(new URL('./results/commodity.json', import.meta.url), `${JSON.stringify({
  bench: 'commodity', runs: RUNS, node: process.version, cpu: cpus()[0]?.model ?? 'unknown',
  loadAverage1m: Number(load.toFixed(2)),
  results, heapRetainedBytes: heap, csvIdentical, percentiles: { p50: p(0.5), p99: p(0.99), p999: p(0.999) }
}, null, 2)}\n`)
