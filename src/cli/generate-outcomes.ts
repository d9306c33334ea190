// `parcel-risk generate outcomes`: inspection outcomes for the held parcels of a generated
// stream. Reads the decisions topic to its end, finds each decision's labelled pattern by
// generating the same stream again (same --seed, --count, --start), and writes one outcome per
// controlled declaration and version (src/generate/outcomes.ts) as Avro to the outcomes topic.
// Running it again writes the same outcomes, which intake counts once.
import { readFileSync, writeFileSync } from 'node:fs'
import { parseCommand, processIo, usageError } from './args.ts'
import type { ParsedValues } from './args.ts'
import { avroType, readSchema } from '../codec/avro-types.ts'
import { createDecoder } from '../codec/decoder.ts'
import { createEncoder } from '../codec/encoder.ts'
import { createRegistry } from '../codec/registry.ts'
import { loadConfig } from '../config-load.ts'
import type { InspectionOutcome, RiskDecision } from '../declaration.ts'
import { outcomeFor } from '../generate/outcomes.ts'
import type { Pattern } from '../generate/patterns.ts'
import { DEFAULT_START_MS, generateDeclarations } from '../generate/stream.ts'
import { createKafka } from '../kafka/client.ts'
import { createLogger } from '../logger.ts'
import { readTopic } from '../publish/replay.ts'
import { openTopicWriter } from '../publish/topic-writer.ts'
import { classifyRefusal } from '../refusals.ts'

const USAGE = `usage: parcel-risk generate outcomes --count N [--seed S] [--start ISO]
                                    [--from-topic T] [--to-topic T] [--timeout-ms MS]
       parcel-risk generate outcomes --count N [--seed S] [--start ISO]
                                    --decisions FILE [--output FILE]

Writes an inspection outcome for every held parcel of a generated
stream, positive at the documented rate of its labelled pattern (README: Synthetic outcomes).
--count, --seed and --start must be those the declarations were generated with.

  --count N          declarations the stream was generated with (required)
  --seed S           its seed (default 1)
  --start ISO        its start (default 2026-03-02T00:00:00Z)
  --from-topic T     decisions topic to read to its end (default: kafka.topics.decisions)
  --to-topic T       outcomes topic to write (default: kafka.topics.inspectionOutcomes)
  --timeout-ms MS    longest to spend reading the decisions (default 120000)
  --decisions FILE   offline: read the decisions from NDJSON (as 'parcel-risk score' writes
                     them) instead of a topic, and write the outcomes as NDJSON
  --output FILE      with --decisions: where to write them (default: stdout)

Connects with the processor's configuration (KAFKA_BROKERS, SCHEMA_REGISTRY_URL, TLS, SASL).
Exit codes: 0 done, 2 usage or configuration error, 3 refused by Kafka or the registry,
4 Kafka stayed unavailable.
`

interface Options {
  readonly count: number
  readonly seed: number
  readonly startMs: number
  readonly from: string | undefined
  readonly to: string | undefined
  readonly timeoutMs: number
  readonly decisions: string | undefined
  readonly output: string | undefined
}

const command = {
  name: 'generate outcomes',
  usage: USAGE,
  options: {
    count: { type: 'string' }, seed: { type: 'string' }, start: { type: 'string' }, 'from-topic': { type: 'string' },
    'to-topic': { type: 'string' }, 'timeout-ms': { type: 'string' },
    decisions: { type: 'string' }, output: { type: 'string' }
  },
  maxPositionals: 0,
  helpAfterParse: true
} as const

/** The options, or the message of the first bad one. */
const optionsOf = (values: ParsedValues<typeof command.options>): Options | string => {
  const count = Number(values.count)
  if (values.count === undefined || !Number.isSafeInteger(count) || count < 0) {
    return '--count must be a non-negative integer'
  }
  const seed = Number(values.seed ?? '1')
  if (!Number.isSafeInteger(seed) || seed < 0 || seed > 0xffffffff) return '--seed must be an integer in 0..4294967295'
  const startMs = values.start === undefined ? DEFAULT_START_MS : Date.parse(values.start)
  if (Number.isNaN(startMs)) return '--start must be an ISO 8601 timestamp'
  const timeoutMs = Number(values['timeout-ms'] ?? '120000')
  if (!Number.isSafeInteger(timeoutMs) || timeoutMs <= 0) return '--timeout-ms must be a positive integer'
  if (values.output !== undefined && values.decisions === undefined) {
    return '--output writes outcomes read from --decisions'
  }
  const topics = values['from-topic'] ?? values['to-topic']
  if (values.decisions !== undefined && topics !== undefined) {
    return '--decisions reads a file: --from-topic and --to-topic do not apply'
  }
  return {
    count,
    seed,
    startMs,
    from: values['from-topic'],
    to: values['to-topic'],
    timeoutMs,
    decisions: values.decisions,
    output: values.output
  }
}

/** declarationId → labelled patterns of the first `count` declarations of the stream. */
const labels = (options: Options): Map<string, readonly Pattern[]> => {
  const out = new Map<string, readonly Pattern[]>()
  for (const { declaration, patterns } of generateDeclarations({ seed: options.seed, startMs: options.startMs })) {
    if (out.size >= options.count) break
    out.set(declaration.declarationId, patterns)
  }
  return out
}

/** Adds the outcome of a decision of the stream, once per declaration and version; false when not of the stream. */
const outcomeOfStream = (
  outcomes: Map<string, InspectionOutcome>, stream: Map<string, readonly Pattern[]>, d: RiskDecision, seed: number
): boolean => {
  const patterns = stream.get(d.declarationId)
  if (patterns === undefined) return false
  const key = `${d.declarationId}:${d.version}`
  if (outcomes.has(key)) return true
  const outcome = outcomeFor(d, patterns, seed)
  if (outcome !== null) outcomes.set(key, outcome)
  return true
}

const summary = (decisions: number, foreign: number, outcomes: Map<string, InspectionOutcome>, to: string): string => {
  const positives = [...outcomes.values()].filter((o) => o.result !== 'NO_FINDING').length
  return `read ${decisions} decisions (${foreign} not of this stream); ` +
    `wrote ${outcomes.size} outcomes (${positives} positive) to ${to}\n`
}

/** Offline: decisions NDJSON in, outcomes NDJSON out; no Kafka, no registry. */
const fromFile = (options: Options & { decisions: string }): number => {
  let text: string
  try {
    text = readFileSync(options.decisions, 'utf8')
  } catch (err) {
    process.stderr.write(`parcel-risk generate outcomes: cannot read --decisions: ${(err as Error).message}\n`)
    return 2
  }
  const stream = labels(options)
  const outcomes = new Map<string, InspectionOutcome>()
  let decisions = 0
  let foreign = 0
  for (const [i, line] of text.split('\n').entries()) {
    if (line.trim() === '') continue
    let d: RiskDecision
    try {
      d = JSON.parse(line) as RiskDecision
    } catch {
      process.stderr.write(`parcel-risk generate outcomes: --decisions line ${i + 1} is not JSON\n`)
      return 2
    }
    decisions++
    if (!outcomeOfStream(outcomes, stream, d, options.seed)) foreign++
  }
  const out = [...outcomes.values()].map((o) => `${JSON.stringify(o)}\n`).join('')
  if (options.output === undefined || options.output === '-') process.stdout.write(out)
  else writeFileSync(options.output, out)
  process.stderr.write(summary(decisions, foreign, outcomes, options.output ?? 'stdout'))
  return 0
}

export const main = async (argv: readonly string[]): Promise<number> => {
  const parsed = parseCommand(argv, command, processIo)
  if (!parsed.ok) return parsed.exitCode
  const options = optionsOf(parsed.values)
  if (typeof options === 'string') return usageError(command, processIo, options).exitCode
  if (options.decisions !== undefined) return fromFile({ ...options, decisions: options.decisions })
  const config = loadConfig()
  const from = options.from ?? config.kafka.topics.decisions
  const to = options.to ?? config.kafka.topics.inspectionOutcomes
  const context = { kafkaUser: config.kafka.sasl.username, kafkaNeeds: { read: [from], write: [to] } }
  const stream = labels(options)
  const registry = createRegistry(config.registry)
  const kafka = createKafka({ ...config.kafka, clientId: 'parcel-risk-generate' }, createLogger({ level: 'error' }))
  const decoder = createDecoder<RiskDecision>({
    readerType: avroType(readSchema('RiskDecision')), registry, maxRecordBytes: config.codec.maxRecordBytes
  })

  // One outcome per declaration and version, whatever the number of decisions for it.
  const outcomes = new Map<string, InspectionOutcome>()
  let decisions = 0
  let foreign = 0
  const admin = kafka.admin()
  try {
    await admin.connect()
    await readTopic(kafka, admin, from, async (records) => {
      for (const result of await decoder.decodeBatch(records)) {
        if (!result.ok) continue
        decisions++
        if (!outcomeOfStream(outcomes, stream, result.value, options.seed)) foreign++
      }
    }, options.timeoutMs)
  } catch (err) {
    throw classifyRefusal(err, context, 'kafka') ?? err
  } finally {
    await admin.disconnect()
  }

  const schema = readSchema('InspectionOutcome')
  let schemaId: number
  try {
    schemaId = await registry.register(`${to}-value`, schema)
  } catch (err) {
    throw classifyRefusal(err, context, 'registry') ?? err
  }
  const encoder = createEncoder<InspectionOutcome>(avroType(schema), schemaId)
  try {
    const writer = await openTopicWriter(kafka, {
      topic: to,
      partitions: config.kafka.topicPartitions,
      replicationFactor: config.kafka.topicReplicationFactor,
      batchSize: 500
    })
    for (const outcome of outcomes.values()) {
      const encoded = encoder.encode(outcome)
      if (!encoded.ok) throw encoded.error
      await writer.write(outcome.declarationId, encoded.value)
    }
    await writer.close()
  } catch (err) {
    throw classifyRefusal(err, context, 'kafka') ?? err
  }
  process.stderr.write(summary(decisions, foreign, outcomes, to))
  return 0
}
