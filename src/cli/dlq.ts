// `parcel-risk dlq replay`: re-drive dead letters into the declarations topic once their
// cause is fixed (src/publish/replay.ts does the Kafka side, replay-selection.ts the choice).
import { EXIT_OK, EXIT_USAGE, parseCommand, processIo, usageError, type Io } from './args.ts'
import type { Config } from '../config.ts'
import { loadConfig } from '../config-load.ts'
import { catalogue, isParcelRiskError } from '../errors.ts'
import { createKafka } from '../kafka/client.ts'
import { createLogger } from '../logger.ts'
import { isRetriable } from '../publish/producer.ts'
import { emptySummary, replayDeadLetters } from '../publish/replay.ts'
import type { ReplayFilter, ReplaySummary } from '../publish/replay-selection.ts'

export const EXIT_FAILED = 1
export const EXIT_KAFKA_UNAVAILABLE = 4

const USAGE = `usage: parcel-risk dlq replay [--code CODE[,CODE...]] [--from TIME] [--to TIME] [--dry-run]
                              [--dlq-topic T] [--to-topic T] [--ledger-topic T] [--chunk N] [--timeout-ms MS]

Re-drives dead letters into the declarations topic once their cause is fixed (e.g. the schema
registry is back after E_DECODE_SCHEMA_UNAVAILABLE): each matching dead letter's original key,
value and headers are written back, with parcel-risk.replay.* headers naming the dead letter.
Idempotent: a dead letter re-driven once is skipped by every later replay, because the ledger
topic records it in the same Kafka transaction as its re-driven copy.

  --code CODES      only dead letters with one of these error codes (comma-separated);
                    default: every code
  --from TIME       only dead letters written at or after TIME (the parcel-risk.error.timestamp
                    header: when the record was dead-lettered, not when it was produced);
                    ISO 8601, e.g. 2026-11-30T00:00:00Z
  --to TIME         only dead letters written before TIME
  --dry-run         count what would be re-driven; write nothing
  --dlq-topic T     dead-letter topic to read (default: kafka.topics.dlq)
  --to-topic T      topic to re-drive into (default: kafka.topics.declarations)
  --ledger-topic T  compacted topic of re-driven dead letters (default: <dead-letter topic>-replayed)
  --chunk N         re-driven records per transaction (default 500)
  --timeout-ms MS   longest reading one topic to its end may take (default 120000)

Connects with the processor's configuration (KAFKA_BROKERS, TLS, SASL, PARCEL_RISK_CONFIG_FILE).
Prints one line: scanned, matched, re-driven, skipped as already replayed.

Exit codes: 0 done (also when nothing matched), 1 failed part-way (what it reported as
re-driven is committed; run it again for the rest), 2 usage or configuration error (unknown
code, bad time, missing topic), 4 Kafka unreachable.
`

const SPEC = {
  name: 'dlq replay',
  usage: USAGE,
  options: {
    code: { type: 'string' },
    from: { type: 'string' },
    to: { type: 'string' },
    'dry-run': { type: 'boolean' },
    'dlq-topic': { type: 'string' },
    'to-topic': { type: 'string' },
    'ledger-topic': { type: 'string' },
    chunk: { type: 'string' },
    'timeout-ms': { type: 'string' }
  },
  maxPositionals: 0
} as const

/** An ISO 8601 date or date-time as epoch ms; undefined when it is not one. */
export const parseTime = (text: string): number | undefined => {
  if (!/^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?$/.test(text)) return undefined
  const ms = Date.parse(text)
  return Number.isFinite(ms) ? ms : undefined
}

/** The filter from the command line, or what is wrong with it. */
export const parseFilter = (values: { code?: string, from?: string, to?: string }): ReplayFilter | string => {
  let codes: Set<string> | null = null
  if (values.code !== undefined) {
    const listed = values.code.split(',').map((c) => c.trim()).filter((c) => c !== '')
    if (listed.length === 0) return '--code: no code given'
    const unknown = listed.filter((c) => !Object.hasOwn(catalogue, c))
    if (unknown.length > 0) return `--code: unknown error code ${unknown.join(', ')} (see the README's error table)`
    codes = new Set(listed)
  }
  const fromMs = values.from === undefined ? null : parseTime(values.from)
  if (fromMs === undefined) return `--from: '${values.from ?? ''}' is not an ISO 8601 time (e.g. 2026-11-30T00:00:00Z)`
  const toMs = values.to === undefined ? null : parseTime(values.to)
  if (toMs === undefined) return `--to: '${values.to ?? ''}' is not an ISO 8601 time (e.g. 2026-11-30T01:00:00Z)`
  if (fromMs !== null && toMs !== null && toMs <= fromMs) return '--to must be later than --from'
  return { codes, fromMs, toMs }
}

const positive = (text: string | undefined, fallback: number, name: string): number | string => {
  if (text === undefined) return fallback
  return /^\d+$/.test(text) && Number(text) > 0 ? Number(text) : `${name} must be a positive whole number`
}

export const formatSummary = (s: ReplaySummary, dryRun: boolean): string =>
  `scanned ${s.scanned}, matched ${s.matched}, ${dryRun ? 'would re-drive' : 're-driven'} ${s.redriven}, ` +
  `skipped ${s.alreadyReplayed} (already replayed)${dryRun ? ' [dry run]' : ''}\n`

const replay = async (argv: readonly string[], io: Io): Promise<number> => {
  const parsed = parseCommand(argv, SPEC, io)
  if (!parsed.ok) return parsed.exitCode
  const { values } = parsed
  const filter = parseFilter(values)
  if (typeof filter === 'string') return usageError(SPEC, io, filter).exitCode
  const chunk = positive(values.chunk, 500, '--chunk')
  if (typeof chunk === 'string') return usageError(SPEC, io, chunk).exitCode
  const readTimeoutMs = positive(values['timeout-ms'], 120_000, '--timeout-ms')
  if (typeof readTimeoutMs === 'string') return usageError(SPEC, io, readTimeoutMs).exitCode
  let config: Config
  try {
    config = loadConfig()
  } catch (err) {
    io.stderr.write(`parcel-risk dlq replay: ${(err as Error).message}\n`)
    return EXIT_USAGE
  }

  const dryRun = values['dry-run'] === true
  const dlqTopic = values['dlq-topic'] ?? config.kafka.topics.dlq
  // The client's own log lines go to stderr: stdout carries only the summary.
  const kafka = createKafka(
    { ...config.kafka, clientId: 'parcel-risk-dlq-replay' }, createLogger({ level: 'error' }, process.stderr)
  )
  const summary = emptySummary()
  try {
    await replayDeadLetters(kafka, {
      dlqTopic,
      toTopic: values['to-topic'] ?? config.kafka.topics.declarations,
      ledgerTopic: values['ledger-topic'] ?? `${dlqTopic}-replayed`,
      filter,
      dryRun,
      transactionalId: `${config.kafka.transactionalIdPrefix}-dlq-replay-${dlqTopic}`,
      replicationFactor: config.kafka.topicReplicationFactor,
      chunk,
      readTimeoutMs
    }, summary)
  } catch (err) {
    const code = isParcelRiskError(err) ? `${err.code}: ` : ''
    io.stderr.write(`parcel-risk dlq replay: ${code}${(err as Error).message}\n`)
    if (isParcelRiskError(err) && err.code === 'E_CONFIG_INVALID') return EXIT_USAGE
    io.stderr.write(`before failing: ${formatSummary(summary, dryRun)}`)
    const unavailable = (isParcelRiskError(err) && err.code === 'E_KAFKA_UNAVAILABLE') || isRetriable(err)
    return unavailable ? EXIT_KAFKA_UNAVAILABLE : EXIT_FAILED
  }
  io.stdout.write(formatSummary(summary, dryRun))
  return EXIT_OK
}

const USAGE_TOP = `usage: parcel-risk dlq replay [options]

  replay    re-drive dead letters (filtered by code and time) into the declarations topic, idempotently

Run 'parcel-risk dlq replay --help' for its options.
`

export const run = async (argv: readonly string[], io: Io = processIo): Promise<number> => {
  const [name, ...rest] = argv
  if (name === '-h' || name === '--help') {
    io.stdout.write(USAGE_TOP)
    return EXIT_OK
  }
  if (name !== 'replay') {
    const problem = name === undefined ? 'missing sub-command' : `unknown sub-command '${name}'`
    io.stderr.write(`parcel-risk dlq: ${problem}\n\n${USAGE_TOP}`)
    return EXIT_USAGE
  }
  return await replay(rest, io)
}

export const main = async (argv: readonly string[]): Promise<number> => await run(argv)
