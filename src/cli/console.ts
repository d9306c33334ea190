// `parcel-risk console`: the targeting centre's web console (src/console/). Built from the
// same configuration and client factories as `run` and `outcomes`; runs until SIGTERM or
// SIGINT. `parcel-risk console user add|list` manages its users in Redis; `add` writes an
// audit record like the admin page does.
import { userInfo } from 'node:os'
import { createInterface } from 'node:readline'
import type { Config } from '../config.ts'
import { loadConfig } from '../config-load.ts'
import { createRegistry } from '../codec/registry.ts'
import { readSchema } from '../codec/avro-types.ts'
import {
  checkPassword, checkUserName, createAuthStore, isRole, ROLES, type AuthStore, type Role
} from '../console/auth.ts'
import { startConsoleIntake } from '../console/intake.ts'
import { startAuditPublisher, startPublisher } from '../console/publisher.ts'
import { createSignInLimiter } from '../console/sign-in-limit.ts'
import { createQueries } from '../console/queries.ts'
import { buildServer } from '../console/server.ts'
import { consolePrefix, createWriter } from '../console/store.ts'
import { connectRedisClient } from '../enrich/redis-client.ts'
import { isParcelRiskError } from '../errors.ts'
import { createKafka } from '../kafka/client.ts'
import { createMissingTopics, topicPlan } from '../kafka/topics.ts'
import { createLogger, type Logger } from '../logger.ts'
import { untilSignal } from './until-signal.ts'
import { createYieldStore } from '../outcomes/store.ts'
import { classifyRefusal, EXIT_REFUSED } from '../refusals.ts'

const USAGE = `usage: parcel-risk console
       parcel-risk console user add NAME --role viewer|officer|analyst|admin
       parcel-risk console user list

Serves the web console on console.host:console.port (default 127.0.0.1:9470): live overview,
held-parcel queue with claims, parcel detail, outcome recording (published to the outcomes
topic), rule performance (from 'parcel-risk outcomes') and shadow vs active. It reads the
declarations, decisions, shadow, dead-letter and outcomes topics into Redis (console.* and
redis.* settings; see the README) and writes an audit record of every action to
console.auditTopic. Records it cannot decode are dead-lettered to console.dlqTopic
(E_CONSOLE_UNDECODABLE). Admins manage users on the console's Users page. Runs until
SIGTERM/SIGINT.

'user add' creates or changes a user; the password comes from PARCEL_RISK_CONSOLE_PASSWORD or
the first line of standard input (at least 12 characters), and is stored as an scrypt hash; a
changed password ends the user's sessions, and the change is written to console.auditTopic
(the command fails, exit 1, when Kafka cannot take the audit record).
Exit codes: 0 clean shutdown or done, 1 fatal error, 2 usage or configuration error,
3 refused by a secured service at start-up.
`

interface Running { readonly url: string, readonly stop: () => Promise<void> }

const prefixOf = (config: Config): string =>
  consolePrefix(config.redis.keyPrefix, config.redis.clusterNodes.length > 0)

export const startConsole = async (config: Config, log: Logger): Promise<Running> => {
  const kafka = createKafka(config.kafka, log.child({ module: 'kafka' }))
  const { topics } = config.kafka
  if (config.kafka.createTopics) {
    const wanted = new Set([
      topics.declarations, topics.decisions, topics.shadow, topics.dlq, topics.inspectionOutcomes
    ])
    const plan = topicPlan(config.kafka).filter((t) => wanted.has(t.topic))
    await createMissingTopics(kafka, config.kafka, log, [
      ...plan, { ...plan[0], topic: config.console.auditTopic }, { ...plan[0], topic: config.console.dlqTopic }
    ])
  }
  const registry = createRegistry(config.registry)
  const redis = await connectRedisClient(
    config.redis, log.child({ module: 'redis' }), Math.max(5_000, config.redis.commandTimeoutMs)
  )
  const prefix = prefixOf(config)
  const writer = createWriter(redis, {
    prefix, retentionMs: config.console.retentionMs, releasedTtlMs: config.console.releasedTtlMs
  })
  const queries = createQueries(redis, prefix, config.console.claimTtlMs)
  const auth = createAuthStore(redis, prefix, config.console.sessionTtlMs)
  const limiter = createSignInLimiter(redis, prefix, {
    maxFailuresPerUser: config.console.signInMaxFailuresPerUser,
    maxFailuresPerAddress: config.console.signInMaxFailuresPerAddress,
    windowMs: config.console.signInFailureWindowMs, lockoutMs: config.console.signInLockoutMs
  })
  const yieldStore = createYieldStore(redis, {
    keyPrefix: config.redis.keyPrefix,
    decisionTtlMs: config.outcomes.decisionTtlMs,
    outcomeTtlMs: config.outcomes.outcomeTtlMs
  })
  const publisher = await startPublisher(kafka, registry, {
    inspectionOutcomes: topics.inspectionOutcomes, audit: config.console.auditTopic, dlq: config.console.dlqTopic
  })
  // Registered so the console can read a shadow topic before the processor has written to it.
  await registry.register(`${topics.decisions}-value`, readSchema('RiskDecision'))
  const intake = await startConsoleIntake({
    topics: {
      declarations: topics.declarations,
      decisions: topics.decisions,
      shadow: topics.shadow,
      dlq: topics.dlq,
      inspectionOutcomes: topics.inspectionOutcomes,
      consoleDlq: config.console.dlqTopic
    },
    groupId: config.console.groupId,
    maxRecordBytes: config.codec.maxRecordBytes,
    sessionTimeoutMs: config.kafka.sessionTimeoutMs,
    heartbeatIntervalMs: config.kafka.heartbeatIntervalMs,
    fetchMaxWaitMs: config.console.fetchMaxWaitMs, fetchMinBytes: config.console.fetchMinBytes
  }, { kafka, registry, writer, deadLetters: publisher.deadLetters, log })
  const app = await buildServer({
    auth,
    limiter,
    queries,
    publisher,
    yieldCounts: yieldStore.readCounts,
    log: log.child({ module: 'console' }),
    sessionTtlMs: config.console.sessionTtlMs
  })
  await app.listen({ host: config.console.host, port: config.console.port })
  const address = app.server.address()
  const port = typeof address === 'object' && address !== null ? address.port : config.console.port
  // localhost, not 127.0.0.1: browsers accept the Secure session cookie over plain HTTP only there.
  const url = `http://${config.console.host === '127.0.0.1' || config.console.host === '0.0.0.0' ? 'localhost' : config.console.host}:${port}/`
  log.info({ url }, 'console running')
  return {
    url,
    stop: async () => {
      await app.close()
      await intake.stop()
      await publisher.stop()
      redis.disconnect()
    }
  }
}

const readPassword = async (): Promise<string> => {
  const fromEnv = process.env.PARCEL_RISK_CONSOLE_PASSWORD
  if (fromEnv !== undefined && fromEnv !== '') return fromEnv
  const lines = createInterface({ input: process.stdin })
  for await (const line of lines) {
    lines.close()
    return line
  }
  return ''
}

/** Who ran the command, for the audit record. */
const operator = (): string => {
  try {
    return `cli:${userInfo().username}`
  } catch {
    return 'cli'
  }
}

// The audit producer connects before the user is written, so an unreachable Kafka changes nothing.
const addAudited = async (
  config: Config, name: string, role: Role, password: string, auth: AuthStore
): Promise<number> => {
  const log = createLogger({ level: 'error' })
  let audit
  try {
    const kafka = createKafka(config.kafka, log.child({ module: 'kafka' }))
    if (config.kafka.createTopics) {
      const [first] = topicPlan(config.kafka)
      if (first !== undefined) {
        await createMissingTopics(kafka, config.kafka, log, [{ ...first, topic: config.console.auditTopic }])
      }
    }
    audit = await startAuditPublisher(kafka, config.console.auditTopic)
  } catch (err) {
    process.stderr.write('parcel-risk console user add: cannot reach Kafka for the audit record, nothing changed: ' +
      `${(err as Error).message}\n`)
    return 1
  }
  try {
    const existed = (await auth.listUsers()).some((u) => u.name === name)
    await auth.putUser(name, role, password)
    await audit.audit({
      user: operator(),
      role: 'cli',
      action: existed ? 'user-changed' : 'user-added',
      declarationId: null,
      version: null,
      detail: { target: name, role, via: 'cli' }
    })
  } catch (err) {
    process.stderr.write(`parcel-risk console user add: ${(err as Error).message}\n`)
    return 1
  } finally {
    await audit.stop()
  }
  process.stderr.write(`user ${name} (${role}) saved\n`)
  return 0
}

const users = async (argv: readonly string[], config: Config): Promise<number> => {
  const [verb, name, flag, role] = argv
  const redis = await connectRedisClient(config.redis, createLogger({ level: 'error' }), 5_000)
  try {
    const auth = createAuthStore(redis, prefixOf(config), config.console.sessionTtlMs)
    if (verb === 'list' && name === undefined) {
      for (const u of await auth.listUsers()) {
        process.stdout.write(`${u.name}\t${u.role}${u.disabled ? "\tdisabled" : ""}\n`)
      }
      return 0
    }
    if (verb !== 'add' || name === undefined || flag !== '--role' || role === undefined || !isRole(role)) {
      process.stderr.write(`parcel-risk console user: expected 'add NAME --role ${ROLES.join('|')}' or 'list'\n\n` +
        USAGE)
      return 2
    }
    const password = await readPassword()
    const problem = checkUserName(name) ?? checkPassword(password)
    if (problem !== undefined) {
      process.stderr.write(`parcel-risk console user add: ${problem}\n`)
      return 2
    }
    return await addAudited(config, name, role, password, auth)
  } finally {
    redis.disconnect()
  }
}

export const main = async (argv: readonly string[]): Promise<number> => {
  if (argv.includes('--help') || argv.includes('-h')) {
    process.stdout.write(USAGE)
    return 0
  }
  if (argv.length > 0 && argv[0] !== 'user') {
    process.stderr.write(`parcel-risk console: unexpected argument '${argv[0] ?? ''}'\n\n${USAGE}`)
    return 2
  }
  let config: Config
  try {
    config = loadConfig()
  } catch (err) {
    process.stderr.write(`parcel-risk: ${(err as Error).message}\n`)
    return 2
  }
  if (argv[0] === 'user') return await users(argv.slice(1), config)
  const log = createLogger({ level: config.log.level })
  let running: Running
  try {
    running = await startConsole(config, log)
  } catch (err) {
    const refusal = classifyRefusal(err)
    if (refusal !== undefined) {
      log.fatal({ code: refusal.code, detail: refusal.message }, 'start-up refused')
      process.exit(EXIT_REFUSED)
    }
    log.fatal({ err, code: isParcelRiskError(err) ? err.code : undefined }, 'start-up failed')
    process.exit(isParcelRiskError(err) && err.code === 'E_CONFIG_INVALID' ? 2 : 1)
  }
  process.stderr.write(`console at ${running.url}\n`)
  const code = await untilSignal(running, log, config.shutdownTimeoutMs)
  process.exit(code)
}
