// The cost check: a ruleset's worst case per declaration, measured before it may run.
//
// Scoring is synchronous, so one slow rule on one long declaration would block the event
// loop (no heartbeats, a rebalance, and the next instance stalls on the same batch). The
// language keeps every single operation linear (regex.ts, words.ts, bounded parse depth), but
// what a ruleset costs in total still depends on what analysts write: nested quantifiers
// multiply array lengths, and a large regex on every item's description adds up. So the
// compiled ruleset is run on adversarial declarations built from the schema, at the bounds
// the validation stage enforces, and refused when its slowest evaluation exceeds the budget:
//
//   - every string at its longest, every array at one element and then at its most elements
//     (999 items, 20 route entries by default), each element's text distinct so no cache
//     answers for it;
//   - the text made of each character found in the ruleset's patterns and literals, of plain
//     letters, digits and one-letter words, and of all the rules' literals, patterns and
//     word or prefix lists (phrase starters included) joined together;
//   - enumerations, numbers and booleans varied from one declaration to the next, so
//     conditions guarding a costly test are true on some of them.
//
// Before anything runs, a chain of nested quantifiers whose array bounds multiply to more
// than MAX_LOOP_ITERATIONS is refused at its position: items × items would be a million
// iterations per declaration. Times are CPU times of the measuring thread, averaged over
// repeated runs (at least 10 ms of CPU time; a time over budget is measured twice more and the
// least counts), and are per KiB of the declaration as Avro encodes it, since fetches and chunks are bounded in
// bytes: the budget times kafka.maxBytesPerPartition bounds the scoring of one chunk. Rules
// slower than the budget on their own are reported at their position, a ruleset whose whole
// run exceeds it with its slowest rules. Run it off the event loop: cost-check.ts runs it in
// a worker with a deadline.

import type { Shape } from './fields.ts'
import { declarationShape, enrichmentShape, type AttributeField } from './fields.ts'
import type { CompiledRuleset, Diagnostic, RuleProbe } from './ruleset.ts'

/** Most iterations a chain of nested quantifiers may make on a maximum-size declaration. */
export const MAX_LOOP_ITERATIONS = 100_000

/** The largest input the pipeline lets through to scoring (src/engine/bounds.ts). */
export interface InputBounds {
  /** Longest value of a string field, by dotted path (`items.description`) or by field name. */
  readonly strings: Readonly<Record<string, number>>
  readonly defaultString: number
  /** Most elements of an array field, by dotted path (`items`, `route`). */
  readonly arrays: Readonly<Record<string, number>>
  readonly defaultArray: number
}

export interface CostOptions {
  /** Worst case allowed per KiB of declaration (as Avro encodes it), µs. */
  readonly budgetMicrosPerKib: number
  readonly bounds: InputBounds
  /** The ParcelDeclaration Avro schema (parsed). */
  readonly declarationSchema: unknown
  /** Decision time for the runs; timestamps in the declarations lie just before it. */
  readonly nowMs: number
  /** Told which rule is about to run (a deadline then knows which one did not finish). */
  readonly onRule?: (index: number) => void
}

export interface RuleCost {
  readonly id: string
  readonly file: string
  readonly line: number
  readonly column: number
  /** The rule's slowest evaluation on its own, µs per KiB of declaration. */
  readonly microsPerKib: number
}

export interface CostReport {
  readonly budgetMicrosPerKib: number
  /** Slowest evaluation of the whole ruleset over the adversarial declarations, µs per KiB. */
  readonly worstMicrosPerKib: number
  /** Every measured rule, slowest first. */
  readonly rules: readonly RuleCost[]
  /** How many adversarial declarations were run. */
  readonly declarations: number
  /** Empty when the ruleset is within budget. */
  readonly problems: readonly Diagnostic[]
}

const MONEY = ['150.01', '0.01', '99999.99', '22.00']
const NUMBERS = [1, 1_000_000, 0.5, 22]
const DAY_MS = 86_400_000
/** Most single characters of the rules' patterns and literals tried as a repeated text. */
const MAX_CHARS = 8

const repeatTo = (unit: string, n: number): string =>
  unit.length === 0 || n <= 0 ? '' : unit.repeat(Math.ceil(n / unit.length)).slice(0, n)

/** The repeated units adversarial strings are made of. */
export const adversarialTexts = (probes: readonly RuleProbe[]): string[] => {
  const texts = new Set<string>()
  const samples = new Set<string>()
  for (const p of probes) for (const s of p.samples) samples.add(s)
  for (const s of samples) for (const c of s) if (c.trim() !== '' && texts.size < MAX_CHARS) texts.add(c)
  for (const t of ['a', '0', 'a ', 'ab1 ']) texts.add(t)
  if (samples.size > 0) texts.add([...samples].join(' ') + ' ')
  return [...texts]
}

const lookup = (table: Readonly<Record<string, number>>, path: string, fallback: number): number =>
  table[path] ?? table[path.slice(path.lastIndexOf('.') + 1)] ?? fallback

/** A value for every field of `shape`; strings from `unit`, the rest varied by `variant`. */
export const adversarialValue = (
  shape: Shape, path: string, unit: string, variant: number, bounds: InputBounds, nowMs: number, index = -1
): unknown => {
  switch (shape.kind) {
    case 'record': {
      const out: Record<string, unknown> = {}
      for (const [name, field] of shape.fields) {
        const at = path === '' ? name : `${path}.${name}`
        out[name] = adversarialValue(field, at, unit, variant, bounds, nowMs, index)
      }
      return out
    }
    case 'array': {
      const n = lookup(bounds.arrays, path, bounds.defaultArray)
      return Array.from({ length: n }, (_, k) => adversarialValue(shape.element, path, unit, variant, bounds, nowMs, k))
    }
    case 'scalar': {
      const t = shape.type
      switch (t.kind) {
        case 'string': {
          if (t.symbols !== undefined && t.symbols.length > 0) return t.symbols[variant % t.symbols.length]
          const max = lookup(bounds.strings, path, bounds.defaultString)
          // A distinct tail per element, so no per-text cache can answer for the next one.
          const tag = index < 0 ? '' : String(index)
          return max <= tag.length ? repeatTo(unit, max) : repeatTo(unit, max - tag.length) + tag
        }
        case 'money': return MONEY[variant % MONEY.length]
        case 'number': return NUMBERS[variant % NUMBERS.length]
        case 'boolean': return variant % 2 === 0
        case 'timestamp': return nowMs - (variant % 3) * DAY_MS
        default: return null
      }
    }
  }
}

/** About the bytes Avro takes for a value: string bytes, 8 per number, 1 per flag, enum or array. */
export const encodedSize = (v: unknown): number => {
  if (typeof v === 'string') return Buffer.byteLength(v) + 1
  if (typeof v === 'number') return 8
  if (Array.isArray(v)) return v.reduce((n: number, x) => n + encodedSize(x), 1)
  if (typeof v === 'object' && v !== null) return Object.values(v).reduce((n: number, x) => n + encodedSize(x), 0)
  return 1
}

/** CPU time a measurement covers at least: the thread CPU clock Node reads ticks coarsely. */
const WINDOW_MICROS = 10_000
/** Texts tried on the largest declaration: the slowest ones on the small declaration. */
const LARGE_TEXTS = 3

/**
 * CPU time of this thread per run of `f`, not wall-clock time: on a shared machine (load
 * average 20 on two cores, measured) wall-clock times of the same run varied fivefold, CPU
 * times within 2×. The thread CPU clock advances in steps of milliseconds (runs of 0.4 ms
 * read 0 or 0.7 ms), so `f` runs in doubling batches until WINDOW_MICROS of CPU time have
 * passed (±40 % at worst), and the time is the average; a run longer than the window is timed once.
 */
const timed = (f: () => void): number => {
  const start = process.threadCpuUsage()
  let runs = 0
  for (let batch = 1; ; batch *= 2) {
    for (let k = 0; k < batch; k++) f()
    runs += batch
    const used = process.threadCpuUsage(start)
    const us = used.user + used.system
    if (us >= WINDOW_MICROS || runs >= 1 << 20) return us / runs
  }
}

/** Measurements of a time over budget, the least of which counts. */
const OVER_BUDGET_TRIES = 3

/**
 * `timed`, and a time over `budget` measured again: the least of OVER_BUDGET_TRIES counts. One
 * measurement can take in a garbage collection, or code the optimising compiler has not
 * reached yet (under load average 13 on two cores one run of a rule that takes 11 µs per KiB
 * read 6,069); a rule that is really over budget is over it every time.
 */
const timedAgainst = (budget: number, f: () => void): number => {
  let least = timed(f)
  for (let k = 1; k < OVER_BUDGET_TRIES && least > budget; k++) {
    pause()
    least = Math.min(least, timed(f))
  }
  return least
}

const PAUSE_MS = 100
const sleeper = new Int32Array(new SharedArrayBuffer(4))
/**
 * The optimising compiler works on background threads: on a busy machine they may not have
 * run yet, and this thread goes on in slower, unoptimised code it is charged for (measured:
 * a ruleset of 38 µs per KiB read 3,805). A pause before measuring again lets them finish.
 */
const pause = (): void => {
  Atomics.wait(sleeper, 0, 0, PAUSE_MS)
}

const loopProblems = (
  probes: readonly RuleProbe[],
  bounds: InputBounds
): { problems: Diagnostic[], refused: Set<number> } => {
  const problems: Diagnostic[] = []
  const refused = new Set<number>()
  probes.forEach((p, i) => {
    for (const loop of p.loops) {
      const lengths = loop.arrays.map((a) => lookup(bounds.arrays, a, bounds.defaultArray))
      const iterations = lengths.reduce((a, b) => a * b, 1)
      if (iterations <= MAX_LOOP_ITERATIONS) continue
      refused.add(i)
      const walk = loop.arrays.map((a, k) => `${a === '' ? '(list)' : a} ${lengths[k] as number}`).join(' × ')
      problems.push({
        file: p.file, line: loop.line, column: loop.column, code: 'cost',
        message: `nested quantifiers walk ${walk} = ${iterations.toLocaleString('en')} elements ` +
          `on a maximum-size declaration; at most ${MAX_LOOP_ITERATIONS.toLocaleString('en')} (rule ${p.id})`
      })
      break
    }
  })
  return { problems, refused }
}

const fmt = (us: number): string => us >= 10 ? `${Math.round(us).toLocaleString('en')} µs` : `${us.toFixed(1)} µs`

interface Input { readonly d: unknown, readonly e: unknown, readonly kib: number }

/** The adversarial declarations of one size: one per text unit (with its variant number). */
function * adversarialInputs (
  texts: ReadonlyArray<readonly [number, string]>,
  bounds: InputBounds,
  options: CostOptions,
  attributes: readonly AttributeField[]
): Generator<Input & { variant: number }> {
  const declaration = declarationShape(options.declarationSchema)
  const enrichment = enrichmentShape(attributes)
  for (const [variant, unit] of texts) {
    const d = adversarialValue(declaration, '', unit, variant, bounds, options.nowMs)
    const e = adversarialValue(enrichment, 'enrichment', unit, variant, bounds, options.nowMs)
    yield { d, e, kib: (encodedSize(d) + encodedSize(e)) / 1024, variant }
  }
}

/**
 * Measures in two passes per size (a declaration with one element per array, then the
 * largest): the whole ruleset on every adversarial declaration, then each rule on its own on
 * the declaration that was slowest, which names the rules to blame and is cheaper than
 * timing every rule on every declaration (eu-lvc: about 1 s of CPU time instead of 8).
 */
export const measureCost = (ruleset: CompiledRuleset, options: CostOptions): CostReport => {
  const { budgetMicrosPerKib: budget, nowMs } = options
  const probes = ruleset.probe()
  const { problems, refused } = loopProblems(probes, options.bounds)
  const worstOfRule = probes.map(() => 0)
  const ctx = { nowMs, receivedAtMs: nowMs, inputDigest: '', enrichmentMissing: [] }
  let texts = [...adversarialTexts(probes).entries()]
  const oneEach = Object.fromEntries(Object.keys(options.bounds.arrays).map((k) => [k, 1]))
  const smallest: InputBounds = { ...options.bounds, arrays: oneEach, defaultArray: 1 }
  let worst = 0
  let runs = 0
  const run = refused.size === 0
    ? (x: Input): void => {
        ruleset.evaluate(x.d, x.e as never, ctx)
      }
    // A refused rule is not run at all; time the others one after another.
    : (x: Input): void => {
        probes.forEach((p, i) => {
          if (!refused.has(i)) p.run(x.d, x.e, nowMs)
        })
      }
  // The small declaration first: a ruleset far over budget is found there in milliseconds,
  // where the largest declaration would take seconds per run.
  for (const bounds of [smallest, options.bounds]) {
    if (worst > budget || worstOfRule.some((t) => t > budget)) break
    let slowest: Input | null = null
    let slowestTime = -1
    const times = new Map<number, number>()
    options.onRule?.(-1)
    for (const x of adversarialInputs(texts, bounds, options, ruleset.attributes)) {
      runs++
      const t = timedAgainst(budget * x.kib, () => {
        run(x)
      }) / x.kib
      times.set(x.variant, t)
      if (t > slowestTime) {
        slowest = x
        slowestTime = t
      }
      // Ten times over budget is refused whatever else happens: go and find the rule.
      if (t > budget * 10) break
    }
    worst = Math.max(worst, slowestTime)
    // The largest declarations (about 570 KiB each) only for the texts slowest on the small one.
    const timeOf = (variant: number): number => times.get(variant) as number
    texts = texts.filter(([variant]) => times.has(variant))
      .sort((a, b) => timeOf(b[0]) - timeOf(a[0]))
      .slice(0, LARGE_TEXTS)
    if (slowest === null) continue
    for (let i = 0; i < probes.length; i++) {
      if (refused.has(i)) continue
      options.onRule?.(i)
      const p = probes[i] as RuleProbe
      const x = slowest
      const t = timedAgainst(budget * x.kib, () => {
        p.run(x.d, x.e, nowMs)
      }) / x.kib
      if (t > (worstOfRule[i] as number)) worstOfRule[i] = t
    }
  }
  const rules: RuleCost[] = probes.map((p, i) =>
    ({ id: p.id, file: p.file, line: p.line, column: p.column, microsPerKib: worstOfRule[i] as number }))
  rules.sort((a, b) => b.microsPerKib - a.microsPerKib)
  for (const r of rules) {
    if (r.microsPerKib > budget) {
      problems.push({
        file: r.file, line: r.line, column: r.column, code: 'cost',
        message: `rule ${r.id} alone takes ${fmt(r.microsPerKib)} per KiB of an adversarial declaration; ` +
          `the budget for the whole ruleset is ${fmt(budget)} per KiB`
      })
    }
  }
  if (problems.length === 0 && worst > budget) {
    const top = rules.slice(0, 3).map((r) => `${r.id} ${fmt(r.microsPerKib)}`).join(', ')
    problems.push({
      file: 'ruleset.yaml', line: 1, column: 1, code: 'cost',
      message: `the ruleset takes ${fmt(worst)} per KiB of an adversarial declaration; ` +
        `the budget is ${fmt(budget)} per KiB (slowest rules: ${top})`
    })
  }
  return { budgetMicrosPerKib: budget, worstMicrosPerKib: worst, rules, declarations: runs, problems }
}

/** One line for `rules check` and the logs: the worst case and the slowest rules. */
export const describeCost = (report: CostReport, top = 3): string =>
  `worst case ${fmt(report.worstMicrosPerKib)} per KiB over ${report.declarations} adversarial declarations ` +
  `(budget ${fmt(report.budgetMicrosPerKib)}); ` +
  `slowest rules: ${report.rules.slice(0, top).map((r) => `${r.id} ${fmt(r.microsPerKib)}`).join(', ')}`
