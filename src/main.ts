// The composition root: config → clients → pipeline → consumer. It builds every client and wires the stages; the
// data path itself reads in src/pipeline.ts, and the rulesets and the enrichment side open in src/processor-parts.ts.
// No other module imports this one: `parcel-risk run` (src/cli/run.ts) loads it lazily and owns the process
// (signals, the shutdown bound, exit codes).
import { createDeclarationDecoder, registerProcessorSchemas } from './codec/records.ts'
import { createRegistry } from './codec/registry.ts'
import { coalesce, coalesceVoid } from './coalesce.ts'
import type { Config } from './config.ts'
import type { ParcelDeclaration, RiskDecision } from './declaration.ts'
import { createSeatStore } from './enrich/seats.ts'
import { ParcelRiskError } from './errors.ts'
import { createIngest } from './ingest/consumer.ts'
import type { Logger } from './logger.ts'
import { createCapacityMetrics } from './observe/capacity-metrics.ts'
import { createReadiness, startHttpServer, type HttpServer } from './observe/http.ts'
import { chunkMetrics, observedEnrich } from './observe/pipeline-metrics.ts'
import { createMetrics } from './observe/metrics.ts'
import { annotateAmendment, supersededAnswer } from './decide/amendments.ts'
import { handleChunk, type Stages } from './pipeline.ts'
import { openEnrichment, openRulesets } from './processor-parts.ts'
import { rulesetStages } from './ruleset-stages.ts'
import { buildDeadLetter } from './publish/dead-letter.ts'
import { createKafka } from './kafka/client.ts'
import { createMissingTopics } from './kafka/topics.ts'
import { openChunkSender } from './publish/sender.ts'
import { createValidator } from './validate/validate.ts'
import { warmBeforeJoining } from './warm-up.ts'

type Remember = NonNullable<Stages['remember']>

/** The chunks of one fetch write their decisions back in one round trip (src/coalesce.ts). */
const rememberTogether = (remember: Remember): Remember => {
  type Chunk = readonly [readonly RiskDecision[], ReadonlyArray<ParcelDeclaration | undefined>]
  const all = coalesceVoid<Chunk, undefined>(async (chunks) => {
    await remember(chunks.flatMap((c) => c[0]), chunks.flatMap((c) => c[1]))
  })
  return async (decisions, declarations) => {
    await all([[decisions, declarations]], undefined)
  }
}

export interface Processor {
  readonly http: HttpServer
  /** Stops fetching, finishes in-flight chunks, commits, disconnects. */
  stop (): Promise<void>
}

/** `onFatal` is told of an error the processor cannot go on from (the consumer stopped for good). */
export const startProcessor = async (
  config: Config, log: Logger, onFatal: (err: unknown) => void
): Promise<Processor> => {
  const { kafka: kafkaConfig, redis: redisConfig } = config
  // Every check runs before any connection is opened.
  if (redisConfig.identityKey === undefined) {
    const message = 'PARCEL_RISK_REDIS_IDENTITY_KEY (or PARCEL_RISK_REDIS_IDENTITY_KEY_FILE) is not set: ' +
      'the processor needs the secret key that pseudonymises consignee identities in Redis'
    throw new ParcelRiskError('E_CONFIG_INVALID', message, { path: 'redis.identityKey' })
  }
  const topics = kafkaConfig.topics
  const metrics = createMetrics({ topics: [topics.declarations], processMetrics: true })
  const readiness = createReadiness()
  const http = await startHttpServer({
    host: config.observe.host, port: config.observe.port, metrics, readiness, logger: log.child({ module: 'http' })
  })

  // Rules first: a ruleset that cannot be used stops start-up before any client connects.
  const { active, shadow } = await openRulesets(config, metrics, log)
  readiness.rulesetLoaded = true

  const kafka = createKafka(kafkaConfig, log.child({ module: 'kafka' }))
  if (kafkaConfig.createTopics) await createMissingTopics(kafka, kafkaConfig, log)

  const registry = createRegistry(config.registry)
  const { declarationSchemaId, decisionEncoder: encoder } =
    await registerProcessorSchemas(registry, topics, shadow !== null)
  const decoder = createDeclarationDecoder(registry, config.codec.maxRecordBytes, config.registry.unavailableRetryMs)

  const { redis, store, profilesRedis, profilesStarting, reference } = await openEnrichment(config, {
    identityKey: redisConfig.identityKey, kafka, registry, fields: () => active.current().enrichmentFields,
    metrics, readiness, log
  })

  // Lane capacity: seat counters shared by every instance, on the enrichment connection.
  const seats = createSeatStore(redis, redisConfig, { log: log.child({ module: 'seats' }) })
  const capacityMetrics = createCapacityMetrics(metrics.registry)
  const stagesOf = rulesetStages(config.capacity.location)
  const stages: Stages = {
    decode: (records) => decoder.decodeBatch(records),
    validate: createValidator(),
    // The chunks of one fetch share one Redis round trip and one write-back (src/coalesce.ts).
    enrich: observedEnrich(coalesce(async (declarations, nowMs: number) =>
      await store.enrichBatch(declarations, nowMs, active.current().enrichmentFields)
    ), store, metrics, readiness),
    ruleset: () => stagesOf(active.current()),
    shadow: shadow === null ? null : () => stagesOf(shadow.current()),
    seats: capacityMetrics.observedSeats(seats.reserve),
    now: Date.now,
    amend: { superseded: supersededAnswer, annotate: annotateAmendment },
    remember: rememberTogether(store.remember),
    scoringTook: (role, elapsedMs, bytes) => { (role === 'active' ? active : shadow)?.overrun(elapsedMs, bytes) }
  }
  const sender = await openChunkSender(kafka, kafkaConfig, log.child({ module: 'publish' }))
  const observer = capacityMetrics.observedChunks(chunkMetrics(metrics, log))
  const handle = handleChunk(stages, {
    encode: (d) => encoder.encode(d), deadLetter: buildDeadLetter, send: sender.send
  }, observer)

  // Warm up before joining the group (src/warm-up.ts says how the count was chosen).
  await warmBeforeJoining({
    warmStore: async (declarations) => { await store.warm(declarations, active.current().enrichmentFields) },
    run: config.warmUp.declarations === 0 ? null : {
      // Warm-up chunks run on cold code, slower by design: they do not count as overruns.
      stages: { ...stages, scoringTook: () => {} },
      declarationSchemaId,
      enrichmentFields: active.current().enrichmentFields,
      encodeDecision: (decision) => encoder.encode(decision),
      declarations: config.warmUp.declarations,
      chunkRecords: kafkaConfig.maxBatchRecords,
      timeoutMs: config.warmUp.timeoutMs
    },
    log,
    took: metrics.warmUpMs
  })
  readiness.warmedUp = true

  const ingest = createIngest({
    kafka, config: { ...kafkaConfig, topic: topics.declarations }, handle, log: log.child({ module: 'ingest' }), onFatal
  })
  const [ingestStarted, profilesStarted] = await Promise.allSettled([ingest.start(), profilesStarting])
  if (ingestStarted.status === 'rejected' || profilesStarted.status === 'rejected') {
    await Promise.allSettled([
      ingest.stop(), profilesStarted.status === 'fulfilled' ? profilesStarted.value.stop() : undefined
    ])
    throw ingestStarted.status === 'rejected' ? ingestStarted.reason : (profilesStarted as PromiseRejectedResult).reason
  }
  const profiles = profilesStarted.value
  const joinedTimer = setInterval(() => {
    readiness.groupJoined = ingest.joined()
  }, 500)
  joinedTimer.unref()

  let stopping: Promise<void> | null = null
  const stop = (): Promise<void> => {
    stopping ??= (async () => {
      clearInterval(joinedTimer)
      reference.stop()
      readiness.groupJoined = false
      await ingest.stop()
      await Promise.allSettled([sender.close()])
      await profiles.stop()
      await store.close()
      redis.disconnect()
      profilesRedis.disconnect()
      active.close()
      shadow?.close()
      await http.stop()
    })()
    return stopping
  }
  return { http, stop }
}
