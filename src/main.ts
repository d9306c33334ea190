// The composition root: config → clients → pipeline → consumer; signals. It builds every
// client and wires the stages; no other module imports it (the CLI's `run` loads it lazily).
//
//   node src/main.ts            (or: parcel-risk run)
//
// Exit codes: 0 after a clean shutdown, 1 after a fatal error or a shutdown that overran
// shutdownTimeoutMs, 2 for invalid configuration.
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { Producer } from 'kafkajs'
import { readSchema } from './codec/avro-types.ts'
import type { Encoder } from './codec/encoder.ts'
import { createDeclarationDecoder, registerDecisionEncoder } from './codec/records.ts'
import { createRegistry } from './codec/registry.ts'
import { loadConfig, type Config } from './config.ts'
import type { RiskDecision } from './declaration.ts'
import { startProfileConsumer } from './enrich/profile-consumer.ts'
import { connectRedis } from './enrich/redis-client.ts'
import { createRedisProfileStore, roundTripBudgetMs } from './enrich/redis-store.ts'
import { planFor } from './enrich/keys.ts'
import { dataSetsRead, type DataSet } from './enrich/reference-data.ts'
import { startReferenceMonitor } from './enrich/reference-monitor.ts'
import { formatDiagnostic, loadRulesetOrThrow, type CostGate } from './engine/load.ts'
import { overrunGuard, type Overrun } from './engine/overrun.ts'
import type { CompiledRuleset, RulesetWatch } from './engine/ruleset.ts'
import { watchRuleset } from './engine/watch.ts'
import { isParcelRiskError, ParcelRiskError } from './errors.ts'
import { createIngest, type ChunkHandler } from './ingest/consumer.ts'
import { createLogger, type Logger } from './logger.ts'
import { createReadiness, startHttpServer, type HttpServer } from './observe/http.ts'
import { createMetrics, type Metrics, type RulesetRole } from './observe/metrics.ts'
import { processBatch, type DecidedRecord, type InputRecord, type Stages } from './pipeline.ts'
import { buildDeadLetter, type SourceRecord } from './publish/dead-letter.ts'
import { createKafka } from './kafka/client.ts'
import { createProducer, createPublisher, topicMessages, type OutgoingRecord, type PublishBatch } from './publish/producer.ts'
import { ensureTopics } from './kafka/topics.ts'
import { createTransactionalPublisher } from './publish/transactional.ts'
import { inputBounds } from './validate/bounds.ts'
import { defaultLimits } from './validate/limits.ts'
import { createValidator } from './validate/validate.ts'
import { warmUp } from './warm-up.ts'

export interface Processor {
  readonly http: HttpServer
  /** Stops fetching, finishes in-flight chunks, commits, disconnects. */
  stop (): Promise<void>
}

const asSource = (r: InputRecord): SourceRecord => ({
  topic: r.topic, partition: r.partition, offset: r.offset, timestamp: String(r.timestampMs), key: r.key, value: r.value,
  headers: r.headers as SourceRecord['headers']
})

/**
 * Loads a ruleset that passes the cost check, watching it when configured; every swap, every
 * refused reload and every scoring overrun (with the revert it caused) is logged.
 */
const openRuleset = async (dir: string, watch: boolean, gate: CostGate, role: RulesetRole, log: Logger, metrics: Metrics): Promise<RulesetWatch & { overrun: (elapsedMs: number, bytes: number) => void }> => {
  const loaded = (r: CompiledRuleset): void => {
    metrics.rulesetLoaded(role, { id: r.id, version: r.version, digest: r.digest }, r.rules.map((rule) => rule.id))
    log.info({ role, dir, id: r.id, version: r.version, digest: r.digest, rules: r.rules.length }, 'ruleset in force')
  }
  if (!existsSync(join(dir, 'ruleset.yaml'))) {
    throw new ParcelRiskError('E_CONFIG_INVALID', `${role === 'active' ? 'rules.dir' : 'rules.shadowDir'}: no ruleset.yaml in ${dir}`, { path: role === 'active' ? 'rules.dir' : 'rules.shadowDir' })
  }
  const onOverrun = (o: Overrun): void => {
    metrics.scoringOverrun(role, o.revertedTo !== null)
    const fields = { role, dir, elapsedMs: Math.round(o.elapsedMs), allowedMs: Math.round(o.allowedMs), id: o.ruleset.id, version: o.ruleset.version, digest: o.ruleset.digest }
    if (o.revertedTo === null) { log.error(fields, 'scoring overran its budget; no earlier ruleset to return to'); return }
    log.error(fields, 'scoring overran its budget; returned to the ruleset in force before the last reload')
    loaded(o.revertedTo)
  }
  if (!watch) {
    const ruleset = await loadRulesetOrThrow(dir, undefined, gate)
    loaded(ruleset)
    const fixed: RulesetWatch = { current: () => ruleset, revert: () => null, close: () => {} }
    return { ...fixed, overrun: overrunGuard(gate.budgetMicrosPerKib, fixed, onOverrun) }
  }
  const handle = await watchRuleset(dir, (next) => { loaded(next) }, (errors) => {
    log.error({ role, dir, errors: errors.map(formatDiagnostic) }, 'ruleset change rejected; the running ruleset stays in force')
  }, { gate })
  loaded(handle.current())
  return { ...handle, overrun: overrunGuard(gate.budgetMicrosPerKib, handle, onOverrun) }
}

export const startProcessor = async (config: Config, log: Logger): Promise<Processor> => {
  const { kafka: kafkaConfig, redis: redisConfig } = config
  // Every check runs before any connection is opened.
  if (redisConfig.identityKey === undefined) {
    throw new ParcelRiskError('E_CONFIG_INVALID', 'PARCEL_RISK_REDIS_IDENTITY_KEY is not set: the processor needs the secret key that pseudonymises consignee identities in Redis', { path: 'redis.identityKey' })
  }
  const identityKey = redisConfig.identityKey
  const topics = kafkaConfig.topics
  const metrics = createMetrics({ topics: [topics.declarations], processMetrics: true })
  const readiness = createReadiness()
  const http = await startHttpServer({ host: config.observe.host, port: config.observe.port, metrics, readiness, logger: log.child({ module: 'http' }) })

  // Rules first: a ruleset that does not compile, or is over the cost budget for the largest
  // declarations validation lets through, stops start-up before any client connects.
  const gate: CostGate = { budgetMicrosPerKib: config.rules.costBudgetMicrosPerKib, bounds: inputBounds(defaultLimits) }
  const active = await openRuleset(config.rules.dir, config.rules.watch, gate, 'active', log.child({ module: 'rules' }), metrics)
  const shadow = config.rules.shadowDir === undefined ? null : await openRuleset(config.rules.shadowDir, config.rules.watch, gate, 'shadow', log.child({ module: 'rules' }), metrics)
  readiness.rulesetLoaded = true

  const kafka = createKafka(kafkaConfig, log.child({ module: 'kafka' }))
  if (kafkaConfig.createTopics) {
    const admin = kafka.admin()
    await admin.connect()
    try {
      const report = await ensureTopics(admin, kafkaConfig)
      if (report.created.length > 0) log.info({ created: report.created }, 'topics created')
    } finally {
      await admin.disconnect()
    }
  }

  const registry = createRegistry(config.registry)
  let encoder: Encoder<RiskDecision>
  let declarationSchemaId: number
  try {
    // Producers look the declaration schema up under its topic's subject; registering it
    // here (BACKWARD) means a new deployment can never silently narrow what it accepts.
    declarationSchemaId = await registry.register(`${topics.declarations}-value`, readSchema('ParcelDeclaration'))
    encoder = await registerDecisionEncoder(registry, `${topics.decisions}-value`)
    if (shadow !== null) await registerDecisionEncoder(registry, `${topics.shadow}-value`)
  } catch (err) {
    throw isParcelRiskError(err) ? err : new ParcelRiskError('E_PUBLISH_SCHEMA_REGISTRATION', `registering schemas failed: ${(err as Error).message}`, { cause: err })
  }
  const decoder = createDeclarationDecoder(registry, config.codec.maxRecordBytes, config.registry.unavailableRetryMs)

  // The store bounds each round trip itself; the client's own per-command bound only has to
  // be above the longest budget (a retried chunk of maxBatchRecords plus a catch-up share).
  const longestBudgetMs = 2 * roundTripBudgetMs(redisConfig, kafkaConfig.maxBatchRecords + redisConfig.catchUpPerBatch)
  const redis = await connectRedis(redisConfig, log.child({ module: 'redis' }), longestBudgetMs)
  const store = createRedisProfileStore(redis, { ...redisConfig, identityKey, maxAgesMs: config.referenceData.maxAgeMs }, { log: log.child({ module: 'enrich' }) })
  readiness.redis = 'reachable'

  // Profile updates (compacted topic) keep Redis current. Instances share one group, so each
  // update is written once; the instance that wrote it drops it from its cache at once, the
  // others within redis.cacheTtlMs. Its own connection: writes may take longer than the
  // hot path's timeout allows.
  const profilesRedis = await connectRedis(redisConfig, log.child({ module: 'redis-profiles' }), Math.max(5_000, redisConfig.commandTimeoutMs))
  // Joined beside the declarations consumer, not before it: each join may wait out the
  // session of a dead predecessor, and in a row those waits would add up.
  const profilesStarting = startProfileConsumer({
    topic: topics.profileUpdates, groupId: `${kafkaConfig.groupId}-profiles`,
    keyPrefix: redisConfig.keyPrefix, maxRecordBytes: config.codec.maxRecordBytes,
    sessionTimeoutMs: kafkaConfig.sessionTimeoutMs, heartbeatIntervalMs: kafkaConfig.heartbeatIntervalMs
  }, { kafka, registry, redis: profilesRedis, log, onApplied: (keys) => { for (const key of keys) store.invalidate(key) } })
  profilesStarting.catch(() => {})

  // Readiness and metrics follow the reference data markers (the hot path reads them itself).
  let readSets: { fields: readonly string[], sets: ReadonlySet<DataSet> } | undefined
  const setsRead = (): ReadonlySet<DataSet> => {
    const fields = active.current().enrichmentFields
    if (readSets?.fields !== fields) readSets = { fields, sets: new Set(dataSetsRead(planFor(fields).families)) }
    return readSets.sets
  }
  const required = config.referenceData.readiness === 'require'
  readiness.referenceData = { required, checked: false, unusable: [] }
  const reference = startReferenceMonitor({
    redis: profilesRedis, prefix: redisConfig.keyPrefix, maxAgesMs: config.referenceData.maxAgeMs, intervalMs: 2_000,
    read: setsRead, log: log.child({ module: 'reference-data' }),
    onStatus: (status, read) => {
      readiness.referenceData = {
        required, checked: true,
        unusable: status.flatMap((s) => read.has(s.dataSet) && s.state !== 'fresh' ? [{ dataSet: s.dataSet, state: s.state }] : [])
      }
      metrics.referenceData(status.map((s) => ({ dataSet: s.dataSet, ageMs: s.ageMs, entries: s.marker?.entries ?? 0, maxAgeMs: s.maxAgeMs, fresh: s.state === 'fresh', read: read.has(s.dataSet) })))
    }
  })
  // Not being able to read them now leaves /readyz unready (unchecked), not start-up failed.
  await reference.refresh().catch((err: unknown) => { log.warn({ err }, 'reference data markers could not be read') })

  const validate = createValidator()
  const stages: Stages = {
    decode: (records) => decoder.decodeBatch(records),
    validate,
    enrich: async (declarations, nowMs) => {
      const started = performance.now()
      const results = await store.enrichBatch(declarations, nowMs, active.current().enrichmentFields)
      metrics.redisLatencyMs(performance.now() - started)
      const state = store.breakerState()
      metrics.breakerState(state)
      readiness.redis = state === 'closed' ? 'reachable' : 'degraded'
      return results
    },
    ruleset: () => active.current(),
    shadow: shadow === null ? null : () => shadow.current(),
    now: Date.now,
    scoringTook: (role, elapsedMs, bytes) => { (role === 'active' ? active : shadow)?.overrun(elapsedMs, bytes) }
  }

  // Encoding a decision cannot fail for a decision the engine built; if it does, the
  // record is dead-lettered with the reason rather than lost.
  const encodeAll = (decided: readonly DecidedRecord[], deadLetters: OutgoingRecord[], now: number): OutgoingRecord[] => {
    const out: OutgoingRecord[] = []
    for (const { source, decision } of decided) {
      const encoded = encoder.encode(decision)
      if (encoded.ok) out.push({ key: decision.declarationId, value: encoded.value })
      else deadLetters.push(buildDeadLetter(asSource(source), { code: encoded.error.code, stage: 'publish', message: encoded.error.message }, now))
    }
    return out
  }

  const exactlyOnce = kafkaConfig.deliveryMode === 'exactly-once'
  let producer: Producer | null = null
  const transactional = exactlyOnce
    ? createTransactionalPublisher(kafka, kafkaConfig, log.child({ module: 'publish' }))
    : null
  if (!exactlyOnce) {
    producer = createProducer(kafka)
    await producer.connect()
  }
  const publisher = producer === null ? null : createPublisher({ producer, topics, publishTimeoutMs: kafkaConfig.publishTimeoutMs })

  let firstChunk = true
  const handle: ChunkHandler = async (records, context) => {
    const handled = Date.now()
    metrics.consumed(context.topic, records.length)
    metrics.batchSize(records.length)
    metrics.consumerLag(context.topic, context.partition, context.lag)
    const result = await processBatch(stages, records)
    const encodeStarted = performance.now()
    const now = Date.now()
    const deadLetters: OutgoingRecord[] = result.deadLetters.map((d) => buildDeadLetter(asSource(d.source), d, now))
    const batch: PublishBatch = {
      decisions: encodeAll(result.decisions, deadLetters, now),
      shadow: encodeAll(result.shadowDecisions, [], now),
      deadLetters
    }
    await context.fence()
    const publishStarted = performance.now()
    if (transactional !== null) {
      await transactional.publish({ topic: context.topic, partition: context.partition, nextOffset: context.nextOffset }, topicMessages(topics, batch))
    } else {
      await publisher?.publishBatch(batch)
    }
    const acked = Date.now()
    let oldest = handled
    for (const r of records) if (r.timestampMs < oldest) oldest = r.timestampMs
    const stageMs = {
      fetchWait: handled - oldest,
      decode: result.timings.decodeMs,
      enrich: result.timings.enrichMs,
      score: result.timings.scoreMs + (publishStarted - encodeStarted),
      publish: performance.now() - publishStarted
    }
    for (const [stage, ms] of Object.entries(stageMs)) metrics.stageMs(stage as keyof typeof stageMs, ms)
    if (firstChunk) {
      firstChunk = false
      log.info({ records: records.length, stageMs }, 'first chunk decided')
    }
    for (const { source, decision } of result.decisions) {
      metrics.decided(decision.action, decision.decision)
      metrics.decisionLatencyMs(acked - source.timestampMs)
      for (const reason of decision.reasons) metrics.ruleHit('active', reason.ruleId)
    }
    for (const { decision } of result.shadowDecisions) for (const reason of decision.reasons) metrics.ruleHit('shadow', reason.ruleId)
    for (const d of result.deadLetters) metrics.deadLettered(d.code)
  }

  // Warm up before joining the group: the first real chunk must not pay for the script
  // load and the optimising compiler (src/warm-up.ts says how the count was chosen).
  await store.warm().catch((err: unknown) => { log.warn({ err }, 'redis warm-up failed; the first batch loads the script') })
  if (config.warmUp.declarations > 0) {
    const report = await warmUp({
      // Warm-up chunks run on cold code, slower by design: they do not count as overruns.
      stages: { ...stages, scoringTook: () => {} }, declarationSchemaId, enrichmentFields: active.current().enrichmentFields,
      encodeDecision: (decision) => encoder.encode(decision),
      declarations: config.warmUp.declarations, chunkRecords: kafkaConfig.maxBatchRecords, timeoutMs: config.warmUp.timeoutMs
    })
    metrics.warmUpMs(report.durationMs)
    log.info(report, report.timedOut ? 'warm-up stopped at its time bound' : 'warm-up finished')
  }
  readiness.warmedUp = true

  let fatal: ((err: unknown) => void) | null = null
  const ingest = createIngest({
    kafka,
    config: { ...kafkaConfig, topic: topics.declarations },
    handle,
    log: log.child({ module: 'ingest' }),
    onFatal: (err) => { fatal?.(err) }
  })
  const [ingestStarted, profilesStarted] = await Promise.allSettled([ingest.start(), profilesStarting])
  if (ingestStarted.status === 'rejected' || profilesStarted.status === 'rejected') {
    await Promise.allSettled([ingest.stop(), profilesStarted.status === 'fulfilled' ? profilesStarted.value.stop() : undefined])
    throw ingestStarted.status === 'rejected' ? ingestStarted.reason : (profilesStarted as PromiseRejectedResult).reason
  }
  const profiles = profilesStarted.value
  const joinedTimer = setInterval(() => { readiness.groupJoined = ingest.joined() }, 500)
  joinedTimer.unref()

  let stopping: Promise<void> | null = null
  const stop = (): Promise<void> => {
    stopping ??= (async () => {
      clearInterval(joinedTimer)
      reference.stop()
      readiness.groupJoined = false
      await ingest.stop()
      await Promise.allSettled([producer?.disconnect(), transactional?.close()])
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
  const processor: Processor = { http, stop }
  fatal = (err) => { processorFatal(processor, err) }
  return processor
}

// Set by run(): what to do when the consumer hits a crash-class error.
let processorFatal: (processor: Processor, err: unknown) => void = () => {}

/** Runs the processor until SIGTERM/SIGINT; resolves with the exit code. */
export const run = async (): Promise<number> => {
  let config: Config
  try {
    config = loadConfig()
  } catch (err) {
    process.stderr.write(`parcel-risk: ${(err as Error).message}\n`)
    return 2
  }
  const log = createLogger({ level: config.log.level })
  let processor: Processor
  try {
    processor = await startProcessor(config, log)
  } catch (err) {
    log.fatal({ err, code: isParcelRiskError(err) ? err.code : undefined }, 'start-up failed')
    return isParcelRiskError(err) && err.code === 'E_CONFIG_INVALID' ? 2 : 1
  }
  log.info({ http: processor.http.url, mode: config.kafka.deliveryMode }, 'processor running')

  return await new Promise<number>((resolve) => {
    let exiting = false
    const shutdown = (reason: string, code: number): void => {
      if (exiting) return
      exiting = true
      log.info({ reason }, 'shutting down')
      const bound = setTimeout(() => {
        log.error({ shutdownTimeoutMs: config.shutdownTimeoutMs }, 'shutdown overran its bound; exiting anyway')
        resolve(1)
      }, config.shutdownTimeoutMs)
      bound.unref()
      processor.stop().then(
        () => { clearTimeout(bound); log.info('stopped'); resolve(code) },
        (err: unknown) => { clearTimeout(bound); log.error({ err }, 'shutdown failed'); resolve(1) }
      )
    }
    processorFatal = (_p, err) => { log.fatal({ err }, 'fatal error'); shutdown('fatal error', 1) }
    process.once('SIGTERM', () => { shutdown('SIGTERM', 0) })
    process.once('SIGINT', () => { shutdown('SIGINT', 0) })
  })
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  process.exitCode = await run()
  // kafkajs and ioredis may keep timers alive after disconnect; the work is done.
  process.exit()
}
