// The Redis round trip's retry, on the call every batch makes: the first attempt answers.
// Four ways to write the store's `roundTrip`, in one process, interleaved (A B C D A B C D …),
// median of 7 runs after a warm-up run, 200,000 calls a run:
//   before     the try/catch redis-store.ts had (timeout → once more, twice the budget)
//   loop       the same loop, asking src/retry.ts's roundTripRetry whether to go again and for
//              each attempt's budget (redis-store.ts now)
//   run        roundTripRetry.run() with the budget and an onRetry closure per call
//   cockatiel  cockatiel 4.0.0's retry: handleWhen(isTimeout), one retry, no back-off, the
//              budget doubled from the attempt number the policy passes in
// `exec` stands in for the pipeline: an async function answering at once, so what is timed is
// the retry around it; a real round trip takes a millisecond or more.
// Run: npm run bench -- retry   (results in bench/results/retry.json)
import { mkdirSync, writeFileSync } from 'node:fs'
import { cpus, loadavg } from 'node:os'
import { ConstantBackoff, handleWhen, retry } from 'cockatiel'
import { isTimeout, roundTripRetry } from '../src/enrich/round-trip.ts'

const RUNS = 7
const CALLS = 200_000
const BUDGET_MS = 100
const median = (xs: readonly number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number
let sink = 0

type Replies = Array<[Error | null, unknown]>
const replies: Replies = [[null, 'OK']]
const exec = async (pipeline: number, budgetMs: number): Promise<Replies> => {
  sink += pipeline + budgetMs
  return replies
}
const build = (): number => 1
const warn = (_fields: object, _message: string): void => {
  sink += 1
}

// Each side is the store's `roundTrip` as it would be written that way, called once per batch.
const before = async (records: number): Promise<Replies> => {
  const budgetMs = BUDGET_MS + records
  try {
    return await exec(build(), budgetMs)
  } catch (err) {
    if (!isTimeout(err)) throw err
    warn({ budgetMs, records }, 'redis round trip overran its budget; sending it once more')
    return await exec(build(), 2 * budgetMs)
  }
}

const policyLoop = async (records: number): Promise<Replies> => {
  const budgetMs = BUDGET_MS + records
  for (let attempt = 1; ; attempt++) {
    try {
      return await exec(build(), roundTripRetry.timeoutMs(budgetMs, attempt))
    } catch (err) {
      if (!roundTripRetry.again(err, attempt)) throw err
      warn({ budgetMs, records }, 'redis round trip overran its budget; sending it once more')
    }
  }
}

const policyRun = async (records: number): Promise<Replies> => {
  const budgetMs = BUDGET_MS + records
  return await roundTripRetry.run(async (_attempt, timeoutMs) => await exec(build(), timeoutMs), {
    timeoutMs: budgetMs,
    onRetry: () => {
      warn({ budgetMs, records }, 'redis round trip overran its budget; sending it once more')
    }
  })
}

const cockatielRetry = retry(handleWhen(isTimeout), { maxAttempts: 1, backoff: new ConstantBackoff(0) })
cockatielRetry.onRetry(() => {
  warn({}, 'redis round trip overran its budget; sending it once more')
})
const cockatiel = async (records: number): Promise<Replies> => {
  const budgetMs = BUDGET_MS + records
  return await cockatielRetry.execute(async ({ attempt }) => await exec(build(), budgetMs * 2 ** attempt))
}

const batches = (roundTrip: (records: number) => Promise<Replies>) => async (): Promise<number> => {
  for (let i = 0; i < CALLS; i++) sink += (await roundTrip(i % 3)).length
  return CALLS
}

const sides = [
  { name: 'try/catch (redis-store.ts before)', run: batches(before) },
  { name: 'loop asking src/retry.ts (now)', run: batches(policyLoop) },
  { name: 'src/retry.ts run()', run: batches(policyRun) },
  { name: 'cockatiel 4.0.0 retry', run: batches(cockatiel) }
]
const rates: number[][] = sides.map(() => [])
const load = loadavg()[0] ?? 0
for (let r = 0; r <= RUNS; r++) {
  for (const [k, side] of sides.entries()) {
    const start = process.hrtime.bigint()
    const calls = await side.run()
    const seconds = Number(process.hrtime.bigint() - start) / 1e9
    if (r > 0) rates[k]?.push(calls / seconds) // run 0 warms the JIT
  }
}

const cpu = cpus()[0]?.model ?? 'unknown cpu'
console.log(`retry bench: Redis round trip answered at the first attempt, median of ${RUNS} interleaved runs ` +
  `of ${CALLS.toLocaleString('en-US')} calls, node ${process.version}, ${cpu}, load ${load.toFixed(1)}`)
const base = median(rates[0] as number[])
const results = sides.map((side, k) => {
  const perSecond = median(rates[k] as number[])
  return { name: side.name, perSecond: Math.round(perSecond), overBefore: Number((perSecond / base).toFixed(2)),
    runs: (rates[k] as number[]).map(Math.round) }
})
for (const r of results) {
  console.log(`${r.name.padEnd(36)} ${r.perSecond.toLocaleString('en-US').padStart(12)}/s ` +
    `${r.overBefore.toFixed(2).padStart(6)}× before`)
}
console.log(`(sink ${sink})`)

mkdirSync(new URL('./results/', import.meta.url), { recursive: true })
writeFileSync(new URL('./results/retry.json', import.meta.url), `${JSON.stringify({
  bench: 'retry', runs: RUNS, calls: CALLS, node: process.version, cpu, loadAverage1m: Number(load.toFixed(2)), results
}, null, 2)}\n`)
