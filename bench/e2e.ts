// End-to-end benchmark against the local stack (or KAFKA_BROKERS / SCHEMA_REGISTRY_URL /
// REDIS_URL), three systems, each a child process fed the same pool of declarations:
//   passthrough  a no-work Kafka passthrough with the processor's own kafkajs settings
//   pipeline     `parcel-risk run` (reference ruleset, profiles loaded)
//   naive        the straightforward design (bench/e2e/naive/main.ts), after a check that it
//                decides as the product does on the pool's first declarations (exit 1 if not)
// each at fixed rates and at the maximum rate, measuring throughput, end-to-end latency and
// the CPU of the process under test (/proc, per declaration). Writes bench/results/e2e.json,
// bench/results/e2e.svg and the "End to end" section of bench/RESULTS.md.
//   npm run bench -- e2e [--duration 60] [--rates 2000,5000] [--modes passthrough,pipeline,naive]
//                        [--settle 5] [--verify 2000] [--repeat 1] [--cpus 0] [--others 1] [--quick] [--profile]
//                        [--node-flags="…"]
// --cpus LIST: pins the process under test to those CPUs (taskset -a -p -c LIST, all its
// threads), e.g. --cpus 0 against the default to see what a second core gives it.
// --others LIST: pins the local stack's services (their pid files) and this load generator to
// LIST for the run and gives them their CPUs back at the end; with --cpus on other CPUs, the
// process under test has those to itself (e.g. --cpus 1 --others 0).
// --repeat N: N passes of the systems in turn, each run a new process; every figure is the
// median of its N runs (the naive system runs in the first pass only), the runs are kept.
// --node-flags: V8/Node flags for the pipeline process, space-separated (--max-semi-space-size=64).
// --quick: 10 s per point, 2 s settling, 500 declarations verified (a check that it works).
// --verify 0 skips the check. --profile runs the pipeline under --cpu-prof (bench/results/profiles/).
import { spawnSync } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { loadavg } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { dirs, status } from '../src/stack/stack.ts'
import { createRegistry } from '../src/codec/registry.ts'
import { silenceKafkajsTimeoutWarning } from '../src/kafka/node-warnings.ts'
import { spawnProcessor } from '../src/cli/demo/processor-child.ts'
import { resolveServices } from '../src/cli/demo/run-demo.ts'
import {
  cleanUp, loadProfiles, processorEnv, runNames, servicesConfig, type Services
} from '../src/cli/demo/run-setup.ts'
import { chart } from './e2e/chart.ts'
import { busyShare, machineTicks, processCpuSeconds } from './e2e/cpu.ts'
import { cycle, startLoad } from './e2e/load.ts'
import { buildPool, createTopics, declarationSchema } from './e2e/setup.ts'
import { checkNaive } from './e2e/naive/verify.ts'
import {
  comparison, describeMachine, headline, medianPoints, MODES, section, table, type Mode, type PointResult
} from './e2e/report.ts'

silenceKafkajsTimeoutWarning()
const { values } = parseArgs({
  options: {
    duration: { type: 'string' }, settle: { type: 'string' }, verify: { type: 'string' },
    rates: { type: 'string', default: '2000,5000' }, modes: { type: 'string', default: MODES.join(',') },
    quick: { type: 'boolean', default: false }, profile: { type: 'boolean', default: false },
    'node-flags': { type: 'string', default: '' }, repeat: { type: 'string', default: '1' },
    cpus: { type: 'string' }, others: { type: 'string' }
  }
})
const durationS = Number(values.duration ?? (values.quick ? 10 : 60))
const settleS = Number(values.settle ?? (values.quick ? 2 : 5))
const verifyCount = Number(values.verify ?? (values.quick ? 500 : 2_000))
const rates = values.rates.split(',').map(Number)
const modes = values.modes.split(',') as Mode[]
const nodeFlags = values['node-flags'].split(' ').filter((f) => f !== '')
const repeat = Number(values.repeat)
const valid = durationS > 0 && settleS >= 0 && verifyCount >= 0 && rates.every((r) => r > 0) &&
  modes.every((m) => MODES.includes(m)) && nodeFlags.every((f) => f.startsWith('--')) &&
  Number.isInteger(repeat) && repeat >= 1 &&
  [values.cpus, values.others].every((list) => list === undefined || /^\d+([-,]\d+)*$/.test(list))
if (!valid) {
  console.error('usage: npm run bench -- e2e [--duration S] [--rates R,R,…] [--modes passthrough,pipeline,naive]' +
    ' [--settle S] [--verify N] [--repeat N] [--cpus LIST] [--others LIST] [--quick] [--profile]' +
    ' [--node-flags="FLAGS"]')
  process.exit(2)
}
const SEED = 42
const POOL = 100_000
const MAX_OUTSTANDING = 20_000
const DRAIN_MS = 120_000
const say = (line: string): void => {
  console.error(line)
}
const SCRIPTS: Readonly<Record<Mode, string>> = {
  passthrough: './e2e/passthrough.ts', pipeline: '', naive: './e2e/naive/main.ts'
}
const OUTPUTS = { passthrough: 'copy', pipeline: 'decision', naive: 'json' } as const
// Warm-up rate: the naive system answers a few hundred declarations a second at best.
const WARM_UP_RATE: Readonly<Record<Mode, number>> = { passthrough: 1_000, pipeline: 1_000, naive: 200 }

/** Pins every thread of `pid` (the ones it starts later inherit it) to `cpus`. */
const pin = (pid: number, cpus: string): void => {
  const done = spawnSync('taskset', ['-a', '-p', '-c', cpus, String(pid)], { encoding: 'utf8' })
  if (done.status !== 0) throw new Error(`taskset failed: ${done.stderr || String(done.error)}`)
}

/** The CPUs `pid` may run on now (taskset's list form). */
const affinity = (pid: number): string => {
  const done = spawnSync('taskset', ['-c', '-p', String(pid)], { encoding: 'utf8' })
  if (done.status !== 0) throw new Error(`taskset failed: ${done.stderr || String(done.error)}`)
  return done.stdout.trim().split(': ').pop() ?? ''
}

const services: Services = await resolveServices(say)
// The process under test is this one's child: without --cpus it gets back the CPUs this had.
const ownCpus = affinity(process.pid)
if (values.others !== undefined) {
  const others = values.others
  const stack = (await status()).flatMap((s) => s.pid === undefined ? [] : [{ name: s.service, pid: s.pid }])
  if (stack.length === 0) say('--others: no service of the local stack runs here; only the load generator is pinned')
  const pinned = [...stack, { name: 'load generator', pid: process.pid }].map((p) => ({ ...p, was: affinity(p.pid) }))
  for (const p of pinned) pin(p.pid, others)
  say(`pinned to CPUs ${others}: ${pinned.map((p) => `${p.name} (pid ${p.pid})`).join(', ')}`)
  process.on('exit', () => {
    for (const p of pinned) spawnSync('taskset', ['-a', '-p', '-c', p.was, String(p.pid)])
  })
}
const registry = createRegistry(servicesConfig(services).registry)
// What the machine does before the run, with the stack at rest (report.ts loadNote).
const ticksBefore = machineTicks()
await new Promise((resolve) => setTimeout(resolve, 3_000))
const busyBeforePct = busyShare(ticksBefore, machineTicks()) * 100
const machine = describeMachine()

const runs: PointResult[] = []
const profileDir = fileURLToPath(new URL('./results/profiles/', import.meta.url))

// The naive system is timed only once it decides as the product does.
const verification = modes.includes('naive') && verifyCount > 0
  ? await checkNaive(services, registry, verifyCount, SEED, say)
  : null

const passes = Array.from({ length: repeat }, (_, i) => i + 1)
for (const [repetition, mode] of passes.flatMap((r) => modes.map((m) => [r, m] as const))) {
  if (mode === 'naive' && repetition > 1) continue
  const names = runNames(`bench-${mode}`)
  const env = {
    ...processorEnv(services, names, 'rules/eu-lvc', randomBytes(24).toString('hex')), PARCEL_RISK_LOG_LEVEL: 'warn'
  }
  say(`\n== ${mode}${repeat > 1 ? ` (pass ${repetition} of ${repeat})` : ''}: run ${names.runId}`)
  await createTopics(services, env)
  const schemaId = await registry.register(`${names.topics.declarations}-value`, declarationSchema)
  const pool = buildPool(schemaId, SEED, POOL)
  if (mode !== 'passthrough') {
    say(`loaded ${await loadProfiles(services, names.redisPrefix, SEED)} profiles (seed ${SEED})`)
  }
  mkdirSync(dirs.run, { recursive: true })
  if (values.profile && mode === 'pipeline') mkdirSync(profileDir, { recursive: true })
  const child = await spawnProcessor({
    env,
    logFile: join(dirs.run, `${names.runId}.log`),
    ...(mode === 'pipeline' ? {} : { script: [fileURLToPath(new URL(SCRIPTS[mode], import.meta.url))] }),
    ...(mode === 'pipeline'
      ? { nodeArgs: [...nodeFlags, ...(values.profile ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : [])] }
      : {})
  })
  if (values.cpus !== undefined) pin(child.pid, values.cpus)
  else if (values.others !== undefined) pin(child.pid, ownCpus)
  const flags = (mode === 'pipeline' && nodeFlags.length > 0 ? ` (node ${nodeFlags.join(' ')})` : '') +
    (values.cpus === undefined ? '' : ` (CPUs ${values.cpus})`)
  say(`${mode}: pid ${child.pid}${flags}, log ${child.logFile}`)
  const load = await startLoad({
    brokers: services.KAFKA_BROKERS.split(','), registry, declarations: names.topics.declarations,
    outputs: { main: names.topics.decisions, dlq: names.topics.dlq },
    output: OUTPUTS[mode],
    groupId: `${names.groupId}-measure`
  }, cycle(pool), MAX_OUTSTANDING)
  try {
    if (mode === 'pipeline') await child.ready(120_000)
    // Warm-up: joins the groups, fills caches and the JIT; must come back in full.
    await load.offer(WARM_UP_RATE[mode], performance.now() + 5_000)
    if (!(await load.drain(DRAIN_MS))) {
      throw new Error(`${mode}: warm-up records did not all come back (log: ${child.logFile})`)
    }
    let behind = false
    for (const offered of [...rates, 'max' as const]) {
      // A system that could not answer a lower rate within the drain timeout cannot sustain a
      // higher one: that point is left out (the table says "not sustained"); max still runs.
      if (behind && offered !== 'max') {
        say(`${mode}: ${offered}/s skipped, the previous rate was not sustained`)
        continue
      }
      await load.offer(offered, performance.now() + settleS * 1000)
      const cpu0 = processCpuSeconds(child.pid)
      const m0 = machineTicks()
      const b0 = process.cpuUsage()
      const window = load.openWindow()
      const sent0 = load.sent()
      const t0 = performance.now()
      await load.offer(offered, t0 + durationS * 1000)
      const seconds = (performance.now() - t0) / 1000
      load.closeWindow()
      const cpu1 = processCpuSeconds(child.pid)
      const m1 = machineTicks()
      const b1 = process.cpuUsage(b0)
      const drained = await load.drain(DRAIN_MS)
      behind = !drained
      const h = window.latency
      const point: PointResult = {
        mode,
        offered,
        seconds,
        sent: load.sent() - sent0,
        outcomes: window.outcomes,
        throughputPerS: window.outcomes / seconds,
        latencyMs: {
          p50: h.percentile(0.5), p99: h.percentile(0.99), p999: h.percentile(0.999), max: h.max(), mean: h.mean()
        },
        processCpuPct: (cpu1 - cpu0) / seconds * 100,
        cpuMicrosPerDeclaration: window.outcomes === 0 ? NaN : (cpu1 - cpu0) * 1e6 / window.outcomes,
        loadAverage: loadavg()[0] ?? 0, machineBusyPct: busyShare(m0, m1) * 100,
        benchCpuPct: (b1.user + b1.system) / 1e6 / seconds * 100, drained, repetition
      }
      runs.push(point)
      say(table([point]).split('\n')[2] ?? '')
    }
  } finally {
    const code = await child.stop(60_000)
    say(`${mode}: exited with code ${String(code)}`)
    await load.close()
    await cleanUp(services, names).catch((err: unknown) => {
      say(`clean-up failed: ${(err as Error).message}`)
    })
  }
}

const options = [
  values.quick ? '--quick' : '',
  values.duration !== undefined ? `--duration ${durationS}` : '',
  values.settle !== undefined ? `--settle ${settleS}` : '',
  values.rates === '2000,5000' ? '' : `--rates ${values.rates}`,
  values.modes === MODES.join(',') ? '' : `--modes ${values.modes}`,
  values.verify !== undefined ? `--verify ${verifyCount}` : '',
  nodeFlags.length > 0 ? `--node-flags="${nodeFlags.join(' ')}"` : '',
  repeat > 1 ? `--repeat ${repeat}` : '',
  values.cpus === undefined ? '' : `--cpus ${values.cpus}`,
  values.others === undefined ? '' : `--others ${values.others}`
].filter((o) => o !== '')
const command = ['npm run bench -- e2e', ...options].join(' ')
const results = repeat > 1 ? medianPoints(runs) : runs
const loadAverageAtEnd = loadavg()[0] ?? 0
const loads = `load average (1 min): ${machine.loadAverage.toFixed(1)} at the start, ` +
  `${loadAverageAtEnd.toFixed(1)} at the end`
console.log(`\n${headline(results)}\n\n${comparison(results, rates)}\n\n${table(results)}\n\n${loads}\n`)
mkdirSync(new URL('./results/', import.meta.url), { recursive: true })
writeFileSync(new URL('./results/e2e.json', import.meta.url), `${JSON.stringify({
  bench: 'e2e',
  at: new Date().toISOString(),
  command,
  durationS,
  settleS,
  seed: SEED,
  pool: POOL,
  maxOutstanding: MAX_OUTSTANDING,
  pipelineNodeFlags: nodeFlags,
  cpus: values.cpus ?? null,
  others: values.others ?? null,
  busyBeforePct,
  repeat,
  machine,
  loadAverageAtEnd,
  verification: verification === null ? null : { ...verification, differences: undefined },
  results,
  runs
}, null, 2)}\n`)
const subtitle = `parcel-risk end to end, ${durationS} s per point; ${machine.nproc} cores shared by Kafka, ` +
  'registry, Redis, the process under test and the load generator'
writeFileSync(new URL('./results/e2e.svg', import.meta.url), chart(results, subtitle))
// Only this bench's section is replaced; other sections are left as they are.
const resultsFile = new URL('./RESULTS.md', import.meta.url)
const START = '<!-- e2e:start -->'
const END = '<!-- e2e:end -->'
const text = section({
  points: results, machine, command, seconds: durationS, rates, verification, loadAverageAtEnd, repeat, busyBeforePct
})
const block = `${START}\n${text}\n${END}`
const existing = existsSync(resultsFile) ? readFileSync(resultsFile, 'utf8') : '# Benchmark results\n'
const updated = existing.includes(START)
  ? existing.replace(new RegExp(`${START}[\\s\\S]*?${END}`), block)
  : `${existing.trimEnd()}\n\n${block}\n`
writeFileSync(resultsFile, updated)
process.exit(0)
