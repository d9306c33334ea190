// `parcel-risk outcomes`: outcome intake (src/outcomes/intake.ts) as a long-running command.
// Built from the same configuration and client factories as `run` (src/kafka/client.ts,
// src/codec/registry.ts, src/enrich/redis-client.ts); runs until SIGTERM or SIGINT.
import type { Config } from '../config.ts'
import { loadConfig } from '../config-load.ts'
import { createRegistry } from '../codec/registry.ts'
import { readSchema } from '../codec/avro-types.ts'
import { connectRedisClient } from '../enrich/redis-client.ts'
import { isParcelRiskError, ParcelRiskError } from '../errors.ts'
import { createKafka } from '../kafka/client.ts'
import { createMissingTopics, outcomesTopicPlan } from '../kafka/topics.ts'
import { createLogger, type Logger } from '../logger.ts'
import { untilSignal } from './until-signal.ts'
import { createReadiness, startHttpServer } from '../observe/http.ts'
import { createOutcomeMetrics } from '../observe/outcome-metrics.ts'
import { startIntake } from '../outcomes/intake.ts'
import { classifyRefusal, EXIT_REFUSED } from '../refusals.ts'

const USAGE = `usage: parcel-risk outcomes

Consumes the decisions topic and the inspection-outcomes topic, joins each outcome to the
decision it answers and keeps per-rule yield statistics in Redis (read them with
'parcel-risk rules report'). Outcomes that cannot be counted go to the outcomes dead-letter
topic. Runs until SIGTERM/SIGINT.
Configured through environment variables (and PARCEL_RISK_CONFIG_FILE); see the README
(kafka.*, registry.*, redis.*, outcomes.*).
Exit codes: 0 clean shutdown, 1 fatal error, 2 invalid configuration, 3 refused by a secured
service at start-up.
`

interface Running { readonly stop: () => Promise<void> }

const start = async (config: Config, log: Logger): Promise<Running> => {
  const metrics = createOutcomeMetrics({ processMetrics: true })
  // The processor's readiness checks, of which intake has only the group and Redis.
  const readiness = { ...createReadiness(), warmedUp: true, rulesetLoaded: true }
  const http = await startHttpServer({
    host: config.observe.host, port: config.outcomes.port, metrics, readiness, logger: log
  })
  const kafka = createKafka(config.kafka, log.child({ module: 'kafka' }))
  if (config.kafka.createTopics) await createMissingTopics(kafka, config.kafka, log, outcomesTopicPlan(config.kafka))
  const registry = createRegistry(config.registry)
  // Registered so producers of outcomes (and `generate outcomes`) find the subject's schema.
  try {
    await registry.register(`${config.kafka.topics.inspectionOutcomes}-value`, readSchema('InspectionOutcome'))
  } catch (err) {
    if (isParcelRiskError(err)) throw err
    const message = `registering InspectionOutcome failed: ${(err as Error).message}`
    throw new ParcelRiskError('E_PUBLISH_SCHEMA_REGISTRATION', message, { cause: err })
  }
  const redis = await connectRedisClient(
    config.redis, log.child({ module: 'redis' }), Math.max(5_000, config.redis.commandTimeoutMs)
  )
  readiness.redis = 'reachable'
  const { topics } = config.kafka
  const intake = await startIntake({
    decisionsTopic: topics.decisions, outcomesTopic: topics.inspectionOutcomes, dlqTopic: topics.outcomesDlq,
    groupId: config.outcomes.groupId, keyPrefix: config.redis.keyPrefix, maxRecordBytes: config.codec.maxRecordBytes,
    decisionWaitMs: config.outcomes.decisionWaitMs,
    decisionTtlMs: config.outcomes.decisionTtlMs,
    outcomeTtlMs: config.outcomes.outcomeTtlMs,
    fetchMaxWaitMs: config.outcomes.fetchMaxWaitMs, fetchMinBytes: config.outcomes.fetchMinBytes,
    sessionTimeoutMs: config.kafka.sessionTimeoutMs, heartbeatIntervalMs: config.kafka.heartbeatIntervalMs
  }, { kafka, registry, redis, log, events: metrics })
  const joined = setInterval(() => {
    readiness.groupJoined = intake.joined()
  }, 500)
  joined.unref()
  log.info({ http: http.url }, 'outcomes running')
  return {
    stop: async () => {
      clearInterval(joined)
      await intake.stop()
      redis.disconnect()
      await http.stop()
    }
  }
}

export const main = async (argv: readonly string[]): Promise<number> => {
  if (argv.includes('--help') || argv.includes('-h')) {
    process.stdout.write(USAGE)
    return 0
  }
  if (argv.length > 0) {
    process.stderr.write(`parcel-risk outcomes: unexpected argument '${argv[0] ?? ''}' ` +
      `(configuration comes from the environment)\n\n${USAGE}`)
    return 2
  }
  let config: Config
  try {
    config = loadConfig()
  } catch (err) {
    process.stderr.write(`parcel-risk: ${(err as Error).message}\n`)
    return 2
  }
  const log = createLogger({ level: config.log.level })
  let running: Running
  try {
    running = await start(config, log)
  } catch (err) {
    const refusal = classifyRefusal(err)
    if (refusal !== undefined) {
      log.fatal({ code: refusal.code, detail: refusal.message }, 'start-up refused')
      process.exit(EXIT_REFUSED)
    }
    log.fatal({ err, code: isParcelRiskError(err) ? err.code : undefined }, 'start-up failed')
    process.exit(isParcelRiskError(err) && err.code === 'E_CONFIG_INVALID' ? 2 : 1)
  }
  const code = await untilSignal(running, log, config.shutdownTimeoutMs)
  // kafkajs and ioredis may keep timers alive after disconnect; the work is done.
  process.exit(code)
}
