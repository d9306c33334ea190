// `parcel-risk demo` options: parsed and checked here, used by run-demo.ts.
import { parseArgs } from 'node:util'

export const USAGE = `usage: parcel-risk demo [--rate R] [--duration S] [--seed N] [--poison-rate P]
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

/** The options, 'help', or the message of the first bad option. */
export const parseDemoArgs = (argv: readonly string[]): DemoOptions | 'help' | { readonly error: string } => {
  let values
  try {
    values = parseArgs({
      args: [...argv],
      options: {
        rate: { type: 'string' },
        duration: { type: 'string' },
        seed: { type: 'string' },
        'poison-rate': { type: 'string' },
        ruleset: { type: 'string' },
        'drain-timeout': { type: 'string' },
        keep: { type: 'boolean' },
        verbose: { type: 'boolean' },
        'no-console': { type: 'boolean' },
        help: { type: 'boolean', short: 'h' }
      },
      strict: true
    }).values
  } catch (err) {
    return { error: (err as Error).message }
  }
  if (values.help === true) return 'help'
  const d = defaultDemoOptions
  const rate = values.rate === undefined ? d.rate : Number(values.rate)
  if (!(rate > 0 && rate <= 100_000)) return { error: '--rate must be a number in (0, 100000]' }
  const durationS = values.duration === undefined ? undefined : Number(values.duration)
  if (durationS !== undefined && !(durationS > 0)) return { error: '--duration must be a positive number of seconds' }
  const seed = values.seed === undefined ? d.seed : Number(values.seed)
  if (!Number.isSafeInteger(seed) || seed < 0 || seed > 0xffffffff) {
    return { error: '--seed must be an integer in 0..4294967295' }
  }
  const poisonRate = values['poison-rate'] === undefined ? d.poisonRate : Number(values['poison-rate'])
  if (!(poisonRate >= 0 && poisonRate <= 1)) return { error: '--poison-rate must be a number in [0, 1]' }
  const drainTimeoutS = values['drain-timeout'] === undefined ? d.drainTimeoutS : Number(values['drain-timeout'])
  if (!(drainTimeoutS >= 0)) return { error: '--drain-timeout must be a non-negative number of seconds' }
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
