// `parcel-risk demo` options: parsed (src/cli/args.ts) and checked here, used by run-demo.ts.
import { parseCommand, usageError } from '../args.ts'
import type { Io, ParsedValues } from '../args.ts'

const USAGE = `usage: parcel-risk demo [--rate R] [--duration S] [--seed N] [--poison-rate P]
                       [--ruleset DIR] [--drain-timeout S] [--keep] [--verbose] [--no-console]

Starts the local stack if it is not running, loads the synthetic stream's profiles into
Redis, starts the processor (parcel-risk run, as a child process), streams generated
declarations into it and shows a live summary of the decisions and dead letters every
second, and the web console (parcel-risk console, with the outcome loop behind its rule
performance page): its URL and a demo officer's login are printed at start. Ends after --duration seconds \
or on Ctrl-C with a final summary and a clean
shutdown of the processor.

  --rate R           declarations per second (default 200)
  --duration S       seconds to stream (default: until Ctrl-C)
  --seed N           seed of the synthetic stream (default 1)
  --poison-rate P    share of poison records: garbage bytes, truncated records and
                     declarations that fail validation (default 0.005)
  --ruleset DIR      ruleset directory (default rules/eu-lvc)
  --drain-timeout S  after streaming, how long to wait for the last outcomes (default 30)
  --keep             keep this run's topics and Redis keys (default: deleted at the end)
  --verbose          at the end, also show where the processor's time went: mean time
                     per chunk of each stage (fetch wait, decode, enrich, score,
                     publish), the first chunk after start-up, and the warm-up
  --no-console       do not start the web console
  -h, --help         this text

Uses KAFKA_BROKERS, SCHEMA_REGISTRY_URL and REDIS_URL when all three are set; otherwise the
local stack (npm run stack). Each run uses its own topics (demo-<run>-declarations, …),
consumer group and Redis key prefix. The processor's log goes to deploy/local/.run/.
Exit codes: 0 every declaration sent was decided or dead-lettered and the processor shut
down cleanly, 1 otherwise, 2 usage error.
`

export interface DemoOptions {
  readonly rate: number
  /** Seconds; undefined: until interrupted. */
  readonly durationS: number | undefined
  readonly seed: number
  readonly poisonRate: number
  readonly rulesetDir: string
  readonly drainTimeoutS: number
  readonly keep: boolean
  readonly verbose: boolean
  /** Start the web console (and the outcome loop) alongside. */
  readonly console: boolean
}

export const defaultDemoOptions: DemoOptions = {
  rate: 200,
  durationS: undefined,
  seed: 1,
  poisonRate: 0.005,
  rulesetDir: 'rules/eu-lvc',
  drainTimeoutS: 30,
  keep: false,
  verbose: false,
  console: true
}

export const demoCommand = {
  name: 'demo',
  usage: USAGE,
  options: {
    rate: { type: 'string' },
    duration: { type: 'string' },
    seed: { type: 'string' },
    'poison-rate': { type: 'string' },
    ruleset: { type: 'string' },
    'drain-timeout': { type: 'string' },
    keep: { type: 'boolean' },
    verbose: { type: 'boolean' },
    'no-console': { type: 'boolean' }
  },
  maxPositionals: 0,
  helpAfterParse: true
} as const

/** The options, or the message of the first bad one. */
const optionsOf = (values: ParsedValues<typeof demoCommand.options>): DemoOptions | string => {
  const d = defaultDemoOptions
  const rate = values.rate === undefined ? d.rate : Number(values.rate)
  if (!(rate > 0 && rate <= 100_000)) return '--rate must be a number in (0, 100000]'
  const durationS = values.duration === undefined ? undefined : Number(values.duration)
  if (durationS !== undefined && !(durationS > 0)) return '--duration must be a positive number of seconds'
  const seed = values.seed === undefined ? d.seed : Number(values.seed)
  if (!Number.isSafeInteger(seed) || seed < 0 || seed > 0xffffffff) return '--seed must be an integer in 0..4294967295'
  const poisonRate = values['poison-rate'] === undefined ? d.poisonRate : Number(values['poison-rate'])
  if (!(poisonRate >= 0 && poisonRate <= 1)) return '--poison-rate must be a number in [0, 1]'
  const drainTimeoutS = values['drain-timeout'] === undefined ? d.drainTimeoutS : Number(values['drain-timeout'])
  if (!(drainTimeoutS >= 0)) return '--drain-timeout must be a non-negative number of seconds'
  return {
    rate,
    durationS,
    seed,
    poisonRate,
    rulesetDir: values.ruleset ?? d.rulesetDir,
    drainTimeoutS,
    keep: values.keep === true,
    verbose: values.verbose === true,
    console: values['no-console'] !== true
  }
}

/** The options; or, once --help or a usage error is printed to `io`, the exit code. */
export const parseDemoArgs = (argv: readonly string[], io: Io): DemoOptions | { readonly exitCode: number } => {
  const parsed = parseCommand(argv, demoCommand, io)
  if (!parsed.ok) return { exitCode: parsed.exitCode }
  const options = optionsOf(parsed.values)
  return typeof options === 'string' ? { exitCode: usageError(demoCommand, io, options).exitCode } : options
}
