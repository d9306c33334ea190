// The composition root: config → clients → pipeline → consumer. It builds every client and wires the stages; the
// data path itself reads in src/pipeline.ts. No other module imports this one: `parcel-risk run` (src/cli/run.ts)
// loads it lazily and owns the process (signals, the shutdown bound, exit codes).
import { createDeclarationDecoder, registerProcessorSchemas } from './codec/records.ts'
import { createRegistry } from './codec/registry.ts'
import type { Config } from './config.ts'
import { startProfileConsumer } from './enrich/profile-consumer.ts'
import { connectRedisClient } from './enrich/redis-client.ts'
import { createRedisProfileStore } from './enrich/redis-store.ts'
import { roundTripBudgetMs } from './enrich/round-trip.ts'
import { startReferenceMonitor } from './enrich/reference-monitor.ts'
import { createSeatStore } from './enrich/seats.ts'
import { openRuleset, type RulesetRole } from './engine/in-force.ts'
import type { CostGate } from './engine/load.ts'
import { ParcelRiskError } from './errors.ts'
import { createIngest } from './ingest/consumer.ts'
import type { Logger } from './logger.ts'
import { createCapacityMetrics } from './observe/capacity-metrics.ts'
import { createReadiness, startHttpServer, type HttpServer } from './observe/http.ts'
import { chunkMetrics, observedEnrich } from './observe/pipeline-metrics.ts'
import { createMetrics } from './observe/metrics.ts'
import { reportReferenceData } from './observe/reference-data.ts'
import { annotateAmendment, supersededAnswer } from './decide/amendments.ts'
import { handleChunk, type Stages } from './pipeline.ts'
import { rulesetStages } from './ruleset-stages.ts'
import { buildDeadLetter } from './publish/dead-letter.ts'
import { createKafka } from './kafka/client.ts'
import { createMissingTopics } from './kafka/topics.ts'
import { openChunkSender } from './publish/sender.ts'
import { inputBounds } from './engine/bounds.ts'
import { defaultLimits } from './validate/limits.ts'
import { createValidator } from './validate/validate.ts'
import { warmBeforeJoining } from './warm-up.ts'

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

  // Rules first: a ruleset that does not compile, or is over the cost budget for the largest
  // declarations validation lets through, stops start-up before any client connects.
  const gate: CostGate = { budgetMicrosPerKib: config.rules.costBudgetMicrosPerKib, bounds: inputBounds(defaultLimits) }
  const rulesetIn = async (dir: string, role: RulesetRole) => await openRuleset({
    dir, watch: config.rules.watch, gate, role, log: log.child({ module: 'rules' }),
    onLoaded: (r) => {
      metrics.rulesetLoaded(role, { id: r.id, version: r.version, digest: r.digest }, r.rules.map((rule) => rule.id))
    },
    onOverrun: (reverted) => { metrics.scoringOverrun(role, reverted) },
    onReload: (result) => { metrics.rulesetReload(role, result) }
  })
  const active = await rulesetIn(config.rules.dir, 'active')
  const shadow = config.rules.shadowDir === undefined ? null : await rulesetIn(config.rules.shadowDir, 'shadow')
  readiness.rulesetLoaded = true

  const kafka = createKafka(kafkaConfig, log.child({ module: 'kafka' }))
  if (kafkaConfig.createTopics) await createMissingTopics(kafka, kafkaConfig, log)

  const registry = createRegistry(config.registry)
  const { declarationSchemaId, decisionEncoder: encoder } =
    await registerProcessorSchemas(registry, topics, shadow !== null)
  const decoder = createDeclarationDecoder(registry, config.codec.maxRecordBytes, config.registry.unavailableRetryMs)

  // The store bounds each round trip itself; the client's own per-command bound only has to
  // be above the longest budget (a retried chunk of maxBatchRecords plus a catch-up share).
  const longestBudgetMs = 2 * roundTripBudgetMs(redisConfig, kafkaConfig.maxBatchRecords + redisConfig.catchUpPerBatch)
  const redis = await connectRedisClient(redisConfig, log.child({ module: 'redis' }), longestBudgetMs)
  const store = createRedisProfileStore(redis, {
    ...redisConfig, identityKey: redisConfig.identityKey, maxAgesMs: config.referenceData.maxAgeMs
  }, { log: log.child({ module: 'enrich' }) })
  readiness.redis = 'reachable'

  // Profile updates (compacted topic) keep Redis current. Instances share one group, so each update is written
  // once; the instance that wrote it drops it from its cache at once, the others within redis.cacheTtlMs. Its own
  // connection: writes may take longer than the hot path's timeout allows.
  const profilesRedis = await connectRedisClient(
    redisConfig, log.child({ module: 'redis-profiles' }), Math.max(5_000, redisConfig.commandTimeoutMs)
  )
  // Joined beside the declarations consumer, not before it: each join may wait out the
  // session of a dead predecessor, and in a row those waits would add up.
  const profilesStarting = startProfileConsumer({
    topic: topics.profileUpdates, groupId: `${kafkaConfig.groupId}-profiles`,
    keyPrefix: redisConfig.keyPrefix, maxRecordBytes: config.codec.maxRecordBytes,
    sessionTimeoutMs: kafkaConfig.sessionTimeoutMs, heartbeatIntervalMs: kafkaConfig.heartbeatIntervalMs
  }, {
    kafka,
    registry,
    redis: profilesRedis,
    log,
    onApplied: (keys) => { keys.forEach(store.invalidate) }
  })
  profilesStarting.catch(() => {})

  // Readiness and metrics follow the reference data markers (the hot path reads them itself).
  const reference = startReferenceMonitor({
    redis: profilesRedis, prefix: redisConfig.keyPrefix, maxAgesMs: config.referenceData.maxAgeMs, intervalMs: 2_000,
    fields: () => active.current().enrichmentFields, log: log.child({ module: 'reference-data' }),
    onStatus: reportReferenceData(readiness, metrics, config.referenceData.readiness === 'require')
  })
  // Not being able to read them now leaves /readyz unready (unchecked), not start-up failed.
  await reference.refresh().catch((err: unknown) => {
    log.warn({ err }, 'reference data markers could not be read')
  })

  // Lane capacity: seat counters shared by every instance, on the enrichment connection.
  const seats = createSeatStore(redis, redisConfig, { log: log.child({ module: 'seats' }) })
  const capacityMetrics = createCapacityMetrics(metrics.registry)
  const stagesOf = rulesetStages(config.capacity.location)
  const stages: Stages = {
    decode: (records) => decoder.decodeBatch(records),
    validate: createValidator(),
    enrich: observedEnrich(
      async (declarations, nowMs) => await store.enrichBatch(declarations, nowMs, active.current().enrichmentFields),
      () => store.breakerState(), metrics, readiness),
    ruleset: () => stagesOf(active.current()),
    shadow: shadow === null ? null : () => stagesOf(shadow.current()),
    seats: capacityMetrics.observedSeats(seats.reserve),
    now: Date.now,
    amend: { superseded: supersededAnswer, annotate: annotateAmendment },
    remember: store.remember,
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
