// `parcel-risk generate`: the seeded synthetic declaration stream (src/generate/) as NDJSON or
// Avro on stdout or a file, or Avro in the Confluent wire format to a Kafka topic. Output is
// byte-identical for the same --seed, --count and --start; --rate only paces it.
import { createWriteStream, type WriteStream } from 'node:fs'
import { once } from 'node:events'
import type { Writable } from 'node:stream'
import avsc from 'avsc'
import { parseCommand, processIo, usageError } from './args.ts'
import type { ParsedValues } from './args.ts'
import { avroType, readSchema } from '../codec/avro-types.ts'
import { createEncoder } from '../codec/encoder.ts'
import { createRegistry } from '../codec/registry.ts'
import { loadConfig } from '../config-load.ts'
import type { ParcelDeclaration } from '../declaration.ts'
import { createRng } from '../generate/rng.ts'
import { DEFAULT_START_MS, generateDeclarations, generateProfiles } from '../generate/stream.ts'
import { createKafka } from '../kafka/client.ts'
import { classifyRefusal } from '../refusals.ts'
import { createLogger } from '../logger.ts'
import { openTopicWriter } from '../publish/topic-writer.ts'

const USAGE = `usage: parcel-risk generate --count N [--seed S] [--rate R] [--format ndjson|avro]
                           [--out FILE] [--to-topic T] [--labels FILE] [--profiles FILE] [--start ISO]
       parcel-risk generate outcomes --count N [--seed S] [--start ISO] (see its --help)

  --count N        declarations to generate (required)
  --seed S         32-bit unsigned seed (default 1); same seed, same bytes
  --rate R         pace output at R declarations per second (default: as fast as possible);
                   to a topic, sent 10 ms' worth at a time (batches of 500 unpaced)
  --format F       ndjson (default) or avro (an Avro object container file)
  --out FILE       write declarations to FILE instead of stdout
  --to-topic T     produce Avro (Confluent wire format) to Kafka topic T instead; connects
                   with the processor's configuration (KAFKA_BROKERS, SCHEMA_REGISTRY_URL,
                   TLS, SASL, registry credentials; default: the local stack)
  --labels FILE    write {"declarationId","patterns"} NDJSON, one line per declaration
  --profiles FILE  write the ProfileUpdate NDJSON the stream's parties need
  --start ISO      timestamp of the first declaration (default 2026-03-02T00:00:00Z)

Exit codes: 0 done, 2 usage or configuration error, 3 --to-topic refused by Kafka or the
registry (E_KAFKA_AUTH_FAILED, E_KAFKA_NOT_AUTHORISED, E_TLS_UNTRUSTED, E_REGISTRY_AUTH),
4 Kafka stayed unavailable (E_KAFKA_UNAVAILABLE).
`

interface Options {
  readonly count: number
  readonly seed: number
  readonly rate: number | undefined
  readonly format: 'ndjson' | 'avro'
  readonly out: string | undefined
  readonly topic: string | undefined
  readonly labels: string | undefined
  readonly profiles: string | undefined
  readonly startMs: number
}

const command = {
  name: 'generate',
  usage: USAGE,
  options: {
    count: { type: 'string' }, seed: { type: 'string' }, rate: { type: 'string' }, format: { type: 'string' },
    out: { type: 'string' }, 'to-topic': { type: 'string' }, labels: { type: 'string' }, profiles: { type: 'string' },
    start: { type: 'string' }
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
  const rate = values.rate === undefined ? undefined : Number(values.rate)
  if (rate !== undefined && !(rate > 0)) return '--rate must be a positive number'
  const format = values.format ?? 'ndjson'
  if (format !== 'ndjson' && format !== 'avro') return '--format must be ndjson or avro'
  const startMs = values.start === undefined ? DEFAULT_START_MS : Date.parse(values.start)
  if (Number.isNaN(startMs)) return '--start must be an ISO 8601 timestamp'
  return {
    count,
    seed,
    rate,
    format,
    out: values.out,
    topic: values['to-topic'],
    labels: values.labels,
    profiles: values.profiles,
    startMs
  }
}

const write = async (stream: Writable, chunk: string | Buffer): Promise<void> => {
  if (!stream.write(chunk)) await once(stream, 'drain')
}

const end = async (stream: Writable): Promise<void> => {
  if (stream === process.stdout) return
  stream.end()
  await once(stream, 'finish')
}

const sleep = async (ms: number): Promise<void> => {
  await new Promise((resolve) => setTimeout(resolve, ms))
}

/** Where encoded declarations go: a byte sink, or a Kafka topic. */
type Sink = { readonly put: (d: ParcelDeclaration) => Promise<void>, readonly close: () => Promise<void> }

// A reader that goes away (`generate … | head`) ends the stream; that is not an error.
const isBrokenPipe = (err: unknown): boolean => (err as NodeJS.ErrnoException | null)?.code === 'EPIPE'

const fileSink = (options: Options): Sink => {
  const out: Writable = options.out === undefined ? process.stdout : createWriteStream(options.out)
  if (out === process.stdout) {
    out.on('error', (err) => {
      if (!isBrokenPipe(err)) throw err
    })
  }
  if (options.format === 'ndjson') {
    return {
      put: async (d) => {
        await write(out, `${JSON.stringify(d)}\n`)
      },
      close: async () => {
        await end(out)
      }
    }
  }
  // Avro object container file; its sync marker comes from the seed so the bytes repeat.
  const type = avroType(readSchema('ParcelDeclaration'))
  const syncRng = createRng(options.seed ^ 0x5a5a5a5a)
  const syncMarker = Buffer.from(Array.from({ length: 16 }, () => syncRng.int(0, 255)))
  const encoder = new avsc.streams.BlockEncoder(type, { syncMarker, codec: 'null' })
  encoder.pipe(out, { end: out !== process.stdout })
  return {
    put: async (d) => { await write(encoder, d as unknown as Buffer) },
    close: async () => {
      encoder.end()
      if (out !== process.stdout) await once(out as WriteStream, 'finish')
      else await once(encoder, 'end')
    }
  }
}

// Paced output is sent in batches of 10 ms worth of declarations, so each record's timestamp is
// close to when it was due; unpaced output goes in batches of 500.
export const batchSizeFor = (rate: number | undefined): number =>
  rate === undefined ? 500 : Math.max(1, Math.min(500, Math.round(rate / 100)))

const topicSink = async (topic: string, rate: number | undefined): Promise<Sink> => {
  // The processor's own configuration (environment, PARCEL_RISK_CONFIG_FILE): the same
  // brokers, TLS, SASL and registry credentials.
  const config = loadConfig()
  const context = { kafkaUser: config.kafka.sasl.username, kafkaNeeds: { write: [topic] } }
  const registry = createRegistry(config.registry)
  const schema = readSchema('ParcelDeclaration')
  let schemaId: number
  try {
    schemaId = await registry.register(`${topic}-value`, schema)
  } catch (err) {
    throw classifyRefusal(err, context, 'registry') ?? err
  }
  const encoder = createEncoder<ParcelDeclaration>(avroType(schema), schemaId)
  const kafka = createKafka({ ...config.kafka, clientId: 'parcel-risk-generate' }, createLogger({ level: 'error' }))
  let writer: Awaited<ReturnType<typeof openTopicWriter>>
  try {
    writer = await openTopicWriter(kafka, {
      topic,
      partitions: config.kafka.topicPartitions,
      replicationFactor: config.kafka.topicReplicationFactor,
      batchSize: batchSizeFor(rate)
    })
  } catch (err) { throw classifyRefusal(err, context, 'kafka') ?? err }
  return {
    put: async (d) => {
      const encoded = encoder.encode(d)
      if (!encoded.ok) throw encoded.error
      try {
        await writer.write(d.declarationId, encoded.value)
      } catch (err) {
        throw classifyRefusal(err, context, 'kafka') ?? err
      }
    },
    close: async () => {
      try {
        await writer.close()
      } catch (err) {
        throw classifyRefusal(err, context, 'kafka') ?? err
      }
    }
  }
}

export const main = async (argv: readonly string[]): Promise<number> => {
  if (argv[0] === 'outcomes') return await (await import('./generate-outcomes.ts')).main(argv.slice(1))
  const parsed = parseCommand(argv, command, processIo)
  if (!parsed.ok) return parsed.exitCode
  const options = optionsOf(parsed.values)
  if (typeof options === 'string') return usageError(command, processIo, options).exitCode
  const { count, seed, startMs, rate } = options

  if (options.profiles !== undefined) {
    const out = createWriteStream(options.profiles)
    for (const profile of generateProfiles({ seed, startMs })) await write(out, `${JSON.stringify(profile)}\n`)
    await end(out)
  }
  const labels = options.labels === undefined ? undefined : createWriteStream(options.labels)
  const sink = options.topic === undefined ? fileSink(options) : await topicSink(options.topic, rate)
  const started = performance.now()
  let produced = 0
  try {
    for (const { declaration, patterns } of generateDeclarations({ seed, startMs })) {
      if (produced >= count) break
      if (rate !== undefined) {
        const due = started + (produced / rate) * 1000
        const wait = due - performance.now()
        if (wait > 1) await sleep(wait)
      }
      await sink.put(declaration)
      if (labels !== undefined) {
        await write(labels, `${JSON.stringify({ declarationId: declaration.declarationId, patterns })}\n`)
      }
      produced++
    }
  } catch (err) {
    if (!isBrokenPipe(err)) throw err
  } finally {
    await sink.close().catch((err: unknown) => {
      if (!isBrokenPipe(err)) throw err
    })
    if (labels !== undefined) await end(labels)
  }
  if (options.topic !== undefined) {
    const seconds = ((performance.now() - started) / 1000).toFixed(1)
    process.stderr.write(`produced ${produced} declarations to ${options.topic} in ${seconds} s\n`)
  }
  return 0
}
