// The one table every setting is declared in: key (its path in the Config object), the
// environment variable that sets it, how the text is read, the default, a one-line doc for
// the README's Configuration table, and an optional check. The table is typed against the
// Config interface, so a key added there and forgotten here (or the other way round, or a
// default of the wrong type) fails `npm run typecheck`.
import type { Config } from './config.ts'
import { defaultMaxAgesMs, type DataSet } from './enrich/reference-data.ts'

/** How a value is read: from environment text, or from a file's JSON/YAML value. */
export type Kind = 'string' | 'int' | 'bool' | 'list' | 'enum'

export interface KeySpec<V> {
  readonly env: string
  readonly kind: Kind
  readonly default: V
  readonly doc: string
  /** For kind enum: the accepted values. */
  readonly values?: readonly string[]
  /** Returns what is wrong with a parsed value, or undefined when it is fine. */
  readonly check?: (value: NonNullable<V>) => string | undefined
  /** Set only from the environment (never from the config file) and never echoed in errors. */
  readonly secret?: true
}

type Leaf = string | number | boolean | readonly string[] | undefined
type Paths<T> = { [K in keyof T & string]: T[K] extends Leaf ? K : `${K}.${Paths<T[K]>}` }[keyof T & string]
type At<T, P extends string> = P extends `${infer H}.${infer R}`
  ? (H extends keyof T ? At<T[H], R> : never)
  : (P extends keyof T ? T[P] : never)

export type ConfigKey = Paths<Config>
export type Schema = { readonly [P in ConfigKey]: KeySpec<At<Config, P>> }

// --- checks ----------------------------------------------------------------------------
const range = (min: number, max = Number.MAX_SAFE_INTEGER) => (n: number): string | undefined =>
  n < min || n > max ? `must be between ${min} and ${max}` : undefined

const nonBlank = (s: string): string | undefined => s.trim() === '' ? 'must not be blank' : undefined

// A control location names Redis keys and is their Redis Cluster hash tag: no braces, no spaces.
const locationName = (s: string): string | undefined =>
  /^[A-Za-z0-9._-]{1,64}$/.test(s) ? undefined : 'must be 1–64 characters of A-Z a-z 0-9 . _ -'

// Kafka's own rule for topic names (kafka.common.internals.Topic): legal characters, ≤ 249.
const topicName = (s: string): string | undefined =>
  /^[a-zA-Z0-9._-]{1,249}$/.test(s) && s !== '.' && s !== '..'
    ? undefined
    : 'must be 1–249 characters of a-z A-Z 0-9 . _ -'

const hostPorts = (list: readonly string[]): string | undefined => {
  if (list.length === 0) return 'must name at least one host:port'
  const bad = list.filter((entry) => !/^[^\s:/]+:\d{1,5}$/.test(entry) && !/^\[[0-9a-fA-F:]+\]:\d{1,5}$/.test(entry))
  return bad.length === 0 ? undefined : `every entry must be host:port (bad: ${bad.join(', ')})`
}

const url = (protocols: readonly string[]) => (s: string): string | undefined => {
  try {
    const parsed = new URL(s)
    if (protocols.includes(parsed.protocol)) return undefined
    return `must be a ${protocols.map((p) => `${p}//`).join(' or ')} URL`
  } catch {
    return 'must be an absolute URL'
  }
}

const maxAge = (env: string, set: DataSet, what: string): KeySpec<number> => ({
  env: `PARCEL_RISK_REFERENCE_${env}_MAX_AGE_MS`, kind: 'int', default: defaultMaxAgesMs[set],
  doc: `Longest ${what} may go without a complete load; older, or never loaded, lookups in it count as unknown ` +
    '(reported missing, fallback action).',
  check: range(1_000, 366 * 86_400_000)
})

const logLevels = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const

const topic = (env: string, name: string, doc: string): KeySpec<string> =>
  ({ env, kind: 'string', default: name, doc, check: topicName })

const tls = (prefix: string, envPrefix: string): Record<string, KeySpec<string | undefined> | KeySpec<boolean>> => ({
  [`${prefix}.enabled`]: { env: `${envPrefix}_ENABLED`, kind: 'bool', default: false, doc: 'Connect with TLS.' },
  [`${prefix}.caFile`]: {
    env: `${envPrefix}_CA_FILE`, kind: 'string', default: undefined,
    doc: 'PEM file of the certificate authorities to trust instead of the system ones.'
  },
  [`${prefix}.certFile`]: {
    env: `${envPrefix}_CERT_FILE`, kind: 'string', default: undefined,
    doc: 'PEM client certificate for mutual TLS (with the key file).'
  },
  [`${prefix}.keyFile`]: {
    env: `${envPrefix}_KEY_FILE`, kind: 'string', default: undefined,
    doc: 'PEM private key of the client certificate.'
  },
  [`${prefix}.rejectUnauthorized`]: {
    env: `${envPrefix}_REJECT_UNAUTHORIZED`, kind: 'bool', default: true,
    doc: 'Refuse servers whose certificate does not verify; turn off only for testing.'
  }
})

// Keys in the order the README lists them.
export const schema: Schema = {
  'kafka.brokers': {
    env: 'KAFKA_BROKERS', kind: 'list', default: ['127.0.0.1:19092'],
    doc: 'Bootstrap brokers, comma-separated host:port.',
    check: hostPorts
  },
  'kafka.clientId': {
    env: 'PARCEL_RISK_KAFKA_CLIENT_ID', kind: 'string', default: 'parcel-risk',
    doc: 'Client id sent to the brokers (quotas, logs).',
    check: nonBlank
  },
  'kafka.groupId': {
    env: 'PARCEL_RISK_KAFKA_GROUP_ID', kind: 'string', default: 'parcel-risk',
    doc: 'Consumer group of the processor; instances with the same group share the partitions.',
    check: nonBlank
  },
  'kafka.topics.declarations': topic('PARCEL_RISK_TOPIC_DECLARATIONS', 'declarations',
    'Input topic of parcel declarations.'),
  'kafka.topics.decisions': topic('PARCEL_RISK_TOPIC_DECISIONS', 'risk-decisions',
    'Output topic of risk decisions, keyed by declarationId.'),
  'kafka.topics.shadow': topic('PARCEL_RISK_TOPIC_SHADOW', 'risk-decisions-shadow',
    'Decisions of the challenger (shadow) ruleset; never acted on.'),
  'kafka.topics.dlq': topic('PARCEL_RISK_TOPIC_DLQ', 'declarations-dlq',
    'Dead letters: original bytes, reason in headers.'),
  'kafka.topics.profileUpdates': topic('PARCEL_RISK_TOPIC_PROFILE_UPDATES', 'profile-updates',
    'Compacted topic of profile updates that feed Redis.'),
  'kafka.topics.inspectionOutcomes': topic('PARCEL_RISK_TOPIC_INSPECTION_OUTCOMES', 'inspection-outcomes',
    'Inspection outcomes fed back by targeting centres.'),
  'kafka.topics.outcomesDlq': topic('PARCEL_RISK_TOPIC_OUTCOMES_DLQ', 'inspection-outcomes-dlq',
    'Dead letters of `parcel-risk outcomes`: outcomes (and decisions) it cannot count, original bytes, reason in ' +
      'headers.'),
  'kafka.createTopics': {
    env: 'PARCEL_RISK_KAFKA_CREATE_TOPICS', kind: 'bool', default: true,
    doc: 'Create missing topics at start-up (existing topics are left as they are).'
  },
  'kafka.topicPartitions': {
    env: 'PARCEL_RISK_KAFKA_TOPIC_PARTITIONS', kind: 'int', default: 12,
    doc: 'Partitions of each topic created at start-up; the ceiling on instances sharing the work.',
    check: range(1, 10_000)
  },
  'kafka.topicReplicationFactor': {
    env: 'PARCEL_RISK_KAFKA_TOPIC_REPLICATION_FACTOR', kind: 'int', default: 1,
    doc: 'Replication factor of topics created at start-up; use 3 on a production cluster.',
    check: range(1, 32)
  },
  ...tls('kafka.tls', 'PARCEL_RISK_KAFKA_TLS') as Pick<Schema,
    'kafka.tls.enabled' | 'kafka.tls.caFile' | 'kafka.tls.certFile' |
    'kafka.tls.keyFile' | 'kafka.tls.rejectUnauthorized'>,
  'kafka.sasl.mechanism': {
    env: 'PARCEL_RISK_KAFKA_SASL_MECHANISM', kind: 'enum', values: ['plain', 'scram-sha-256', 'scram-sha-512'],
    default: undefined,
    doc: 'SASL mechanism: plain, scram-sha-256 or scram-sha-512; unset for no SASL.'
  },
  'kafka.sasl.username': {
    env: 'PARCEL_RISK_KAFKA_SASL_USERNAME', kind: 'string', default: undefined,
    doc: 'SASL user name (environment only, or a file named by `<variable>_FILE`).',
    secret: true
  },
  'kafka.sasl.password': {
    env: 'PARCEL_RISK_KAFKA_SASL_PASSWORD', kind: 'string', default: undefined,
    doc: 'SASL password (environment only, or a file named by `<variable>_FILE`).',
    secret: true
  },
  'kafka.deliveryMode': {
    env: 'PARCEL_RISK_DELIVERY_MODE', kind: 'enum', values: ['at-least-once', 'exactly-once'], default: 'at-least-once',
    doc: 'at-least-once: commit offsets after the writes are acknowledged; exactly-once: Kafka transactions.'
  },
  'kafka.transactionalIdPrefix': {
    env: 'PARCEL_RISK_KAFKA_TRANSACTIONAL_ID_PREFIX', kind: 'string', default: 'parcel-risk',
    doc: 'Prefix of the transactional ids in exactly-once mode (one id per input partition).',
    check: nonBlank
  },
  'kafka.transactionTimeoutMs': {
    env: 'PARCEL_RISK_KAFKA_TRANSACTION_TIMEOUT_MS', kind: 'int', default: 60_000,
    doc: 'Exactly-once mode: the broker aborts a transaction left open longer than this.',
    check: range(1_000, 900_000)
  },
  'kafka.transactionAttempts': {
    env: 'PARCEL_RISK_KAFKA_TRANSACTION_ATTEMPTS', kind: 'int', default: 5,
    doc: 'Exactly-once mode: attempts for a transaction failing with a retriable broker error.',
    check: range(1, 100)
  },
  'kafka.maxBatchRecords': {
    env: 'PARCEL_RISK_MAX_BATCH_RECORDS', kind: 'int', default: 500,
    doc: 'Most declarations handled as one chunk (one Redis round trip, one publish, one offset commit); a larger ' +
      'fetch is split.',
    check: range(1, 100_000)
  },
  'kafka.partitionsConsumedConcurrently': {
    env: 'PARCEL_RISK_PARTITIONS_CONSUMED_CONCURRENTLY', kind: 'int', default: 4,
    doc: 'Partitions whose batches are handled in parallel by one instance.',
    check: range(1, 1_000)
  },
  'kafka.sessionTimeoutMs': {
    env: 'PARCEL_RISK_KAFKA_SESSION_TIMEOUT_MS', kind: 'int', default: 6_000,
    doc: 'Group session timeout: an instance silent this long loses its partitions (README: Group membership and ' +
      'recovery).',
    check: range(6_000, 3_600_000)
  },
  'kafka.heartbeatIntervalMs': {
    env: 'PARCEL_RISK_KAFKA_HEARTBEAT_INTERVAL_MS', kind: 'int', default: 1_500,
    doc: 'Heartbeat interval to the group coordinator; at most a third of the session timeout.',
    check: range(100, 3_600_000)
  },
  'kafka.maxWaitTimeMs': {
    env: 'PARCEL_RISK_KAFKA_MAX_WAIT_TIME_MS', kind: 'int', default: 100,
    doc: 'Longest a fetch waits at the broker for data; bounds latency when the stream is quiet.',
    check: range(1, 60_000)
  },
  'kafka.maxBytesPerPartition': {
    env: 'PARCEL_RISK_KAFKA_MAX_BYTES_PER_PARTITION', kind: 'int', default: 1_048_576,
    doc: 'Most bytes fetched from one partition per request (caps batch size).',
    check: range(1_024)
  },
  'kafka.publishTimeoutMs': {
    env: 'PARCEL_RISK_PUBLISH_TIMEOUT_MS', kind: 'int', default: 30_000,
    doc: 'Longest the brokers may take to acknowledge a published batch.',
    check: range(100, 600_000)
  },
  'registry.url': {
    env: 'SCHEMA_REGISTRY_URL', kind: 'string', default: 'http://127.0.0.1:18081/apis/ccompat/v7',
    doc: 'Base URL of the Confluent-compatible schema registry API.',
    check: url(['http:', 'https:'])
  },
  'registry.username': {
    env: 'PARCEL_RISK_REGISTRY_USERNAME', kind: 'string', default: undefined,
    doc: 'Registry basic-auth user name (environment only, or a file named by `<variable>_FILE`).',
    secret: true
  },
  'registry.password': {
    env: 'PARCEL_RISK_REGISTRY_PASSWORD', kind: 'string', default: undefined,
    doc: 'Registry basic-auth password (environment only, or a file named by `<variable>_FILE`).',
    secret: true
  },
  'registry.caFile': {
    env: 'PARCEL_RISK_REGISTRY_CA_FILE', kind: 'string', default: undefined,
    doc: 'PEM file of the certificate authorities to trust for an https:// registry instead of the system ones.'
  },
  'registry.requestTimeoutMs': {
    env: 'PARCEL_RISK_REGISTRY_REQUEST_TIMEOUT_MS', kind: 'int', default: 5_000,
    doc: 'Bound on one schema lookup, retries included.',
    check: range(100, 600_000)
  },
  'registry.unknownIdTtlMs': {
    env: 'PARCEL_RISK_REGISTRY_UNKNOWN_ID_TTL_MS', kind: 'int', default: 60_000,
    doc: 'How long a "no such schema id" answer is believed before the registry is asked again.',
    check: range(0, 86_400_000)
  },
  'registry.unavailableRetryMs': {
    env: 'PARCEL_RISK_REGISTRY_UNAVAILABLE_RETRY_MS', kind: 'int', default: 30_000,
    doc: 'How long a schema id that is not cached is retried while the registry is unreachable before its records ' +
      'are dead-lettered (E_DECODE_SCHEMA_UNAVAILABLE) and the partition moves on; 0 dead-letters at once.',
    check: range(0, 86_400_000)
  },
  'codec.maxRecordBytes': {
    env: 'PARCEL_RISK_MAX_RECORD_BYTES', kind: 'int', default: 1_048_576,
    doc: 'Largest declaration record accepted, in bytes; larger ones are dead-lettered.',
    check: range(64, 100_000_000)
  },
  'redis.url': {
    env: 'REDIS_URL', kind: 'string', default: 'redis://127.0.0.1:17379',
    doc: 'Redis URL (redis:// or rediss:// for TLS).',
    check: url(['redis:', 'rediss:'])
  },
  'redis.clusterNodes': {
    env: 'PARCEL_RISK_REDIS_CLUSTER_NODES', kind: 'list', default: [],
    doc: 'Seed nodes of a Redis Cluster, comma-separated host:port; when set, Redis is a cluster (the cluster key ' +
      'layout, README "Redis key layout") and `redis.url` is not used (TLS from `redis.tls.enabled`).',
    check: (list) => list.length === 0 ? undefined : hostPorts(list)
  },
  ...tls('redis.tls', 'PARCEL_RISK_REDIS_TLS') as Pick<Schema,
    'redis.tls.enabled' | 'redis.tls.caFile' | 'redis.tls.certFile' |
    'redis.tls.keyFile' | 'redis.tls.rejectUnauthorized'>,
  'redis.username': {
    env: 'PARCEL_RISK_REDIS_USERNAME', kind: 'string', default: undefined,
    doc: 'Redis ACL user name (environment only, or a file named by `<variable>_FILE`).',
    secret: true
  },
  'redis.password': {
    env: 'PARCEL_RISK_REDIS_PASSWORD', kind: 'string', default: undefined,
    doc: 'Redis password (environment only, or a file named by `<variable>_FILE`).',
    secret: true
  },
  'redis.identityKey': {
    env: 'PARCEL_RISK_REDIS_IDENTITY_KEY', kind: 'string', default: undefined,
    doc: 'Secret key of the HMAC that turns consignee identities into Redis keys; required to run with Redis ' +
      '(environment only, or a file named by `<variable>_FILE`).',
    secret: true
  },
  'redis.commandTimeoutMs': {
    env: 'PARCEL_RISK_REDIS_COMMAND_TIMEOUT_MS', kind: 'int', default: 100,
    doc: 'Fixed part of the time budget of one enrichment round trip; an overrun is retried once with twice the ' +
      'budget before the batch is decided DEGRADED.',
    check: range(1, 60_000)
  },
  'redis.commandTimeoutPerRecordUs': {
    env: 'PARCEL_RISK_REDIS_COMMAND_TIMEOUT_PER_RECORD_US', kind: 'int', default: 500,
    doc: 'Part of the time budget of one enrichment round trip per declaration or catch-up parcel it carries, in ' +
      'microseconds.',
    check: range(0, 1_000_000)
  },
  'redis.keyPrefix': {
    env: 'PARCEL_RISK_REDIS_KEY_PREFIX', kind: 'string', default: 'pr:',
    doc: 'Prefix of every Redis key, so instances of several environments can share a server.'
  },
  'redis.breakerFailureThreshold': {
    env: 'PARCEL_RISK_REDIS_BREAKER_FAILURE_THRESHOLD', kind: 'int', default: 3,
    doc: 'Consecutive Redis failures that open the breaker (decisions go on DEGRADED).',
    check: range(1, 1_000)
  },
  'redis.breakerCooldownMs': {
    env: 'PARCEL_RISK_REDIS_BREAKER_COOLDOWN_MS', kind: 'int', default: 1_000,
    doc: 'How long the breaker stays open before one trial request.',
    check: range(10, 3_600_000)
  },
  'redis.cacheMaxEntries': {
    env: 'PARCEL_RISK_REDIS_CACHE_MAX_ENTRIES', kind: 'int', default: 100_000,
    doc: 'Profiles kept in the in-process cache in front of Redis.',
    check: range(0, 100_000_000)
  },
  'redis.cacheTtlMs': {
    env: 'PARCEL_RISK_REDIS_CACHE_TTL_MS', kind: 'int', default: 30_000,
    doc: 'How long a cached profile is used before Redis is asked again.',
    check: range(0, 86_400_000)
  },
  'redis.catchUpMax': {
    env: 'PARCEL_RISK_REDIS_CATCH_UP_MAX', kind: 'int', default: 100_000,
    doc: 'Parcels decided while Redis was down, kept to be counted in the windowed aggregates afterwards (oldest ' +
      'dropped first).',
    check: range(0, 10_000_000)
  },
  'redis.catchUpPerBatch': {
    env: 'PARCEL_RISK_REDIS_CATCH_UP_PER_BATCH', kind: 'int', default: 500,
    doc: 'Catch-up parcels sent along with one batch, so a backlog never makes one round trip slow.',
    check: range(1, 1_000_000)
  },
  'redis.historyTtlMs': {
    env: 'PARCEL_RISK_REDIS_HISTORY_TTL_MS', kind: 'int', default: 30 * 86_400_000,
    doc: 'How long a declarationId\'s standing decision is kept after its last new version: within it an older ' +
      'version is answered as superseded and an amendment says what changed.',
    check: range(60_000, 3_660 * 86_400_000)
  },
  'rules.dir': {
    env: 'PARCEL_RISK_RULES_DIR', kind: 'string', default: 'rules/eu-lvc',
    doc: 'Directory of the active ruleset (ruleset.yaml and its rule files).',
    check: nonBlank
  },
  'rules.shadowDir': {
    env: 'PARCEL_RISK_RULES_SHADOW_DIR', kind: 'string', default: undefined,
    doc: 'Directory of a challenger ruleset scored alongside; its decisions go to the shadow topic.'
  },
  'rules.watch': {
    env: 'PARCEL_RISK_RULES_WATCH', kind: 'bool', default: true,
    doc: 'Reload a ruleset when its files change (a ruleset that fails to check is not swapped in).'
  },
  'rules.costBudgetMicrosPerKib': {
    env: 'PARCEL_RISK_RULES_COST_BUDGET_MICROS_PER_KIB', kind: 'int', default: 1_000,
    doc: 'Most time a ruleset may take per KiB of an adversarial declaration, in µs; a ruleset over it is refused ' +
      'at start-up and on reload, and a batch scored over twice it (at least 100 ms) reverts the last reload.',
    check: range(1, 1_000_000)
  },
  'capacity.location': {
    env: 'PARCEL_RISK_CONTROL_LOCATION', kind: 'string', default: 'default',
    doc: 'Control location this processor decides for: picks its lane capacities from ruleset.yaml ' +
      '`capacity.locations` and names its shared seat counters (letters, digits, . _ -).',
    check: locationName
  },
  'warmUp.declarations': {
    env: 'PARCEL_RISK_WARM_UP_DECLARATIONS', kind: 'int', default: 10_000,
    doc: 'Generated declarations run through decode, validation, scoring and encoding at start-up, before joining ' +
      'the group; 1,000 more go through the Redis reads of enrichment, dated so that nothing is counted (0: no ' +
      'warm-up).',
    check: range(0, 1_000_000)
  },
  'warmUp.timeoutMs': {
    env: 'PARCEL_RISK_WARM_UP_TIMEOUT_MS', kind: 'int', default: 10_000,
    doc: 'Longest the start-up warm-up may take; it stops there and the processor joins anyway.',
    check: range(0, 600_000)
  },
  'referenceData.maxAgeMs.ioss': maxAge('IOSS', 'ioss', 'the IOSS registry'),
  'referenceData.maxAgeMs.watchlist': maxAge('WATCHLIST', 'watchlist', 'the watchlists'),
  'referenceData.maxAgeMs.aeo': maxAge('AEO', 'aeo', 'the AEO/MRA lists'),
  'referenceData.maxAgeMs.seller': maxAge('SELLER', 'seller', 'the seller profiles'),
  'referenceData.maxAgeMs.consignee': maxAge('CONSIGNEE', 'consignee', 'the consignee profiles'),
  'referenceData.maxAgeMs.hsCode': maxAge('HS_CODE', 'hsCode', 'the commodity code profiles'),
  'referenceData.maxAgeMs.route': maxAge('ROUTE', 'route', 'the route profiles'),
  'referenceData.readiness': {
    env: 'PARCEL_RISK_REFERENCE_READINESS', kind: 'enum', values: ['require', 'ready-degraded'], default: 'require',
    doc: 'require: /readyz is not ready while a reference data set the active ruleset reads is missing or stale; ' +
      'ready-degraded: ready anyway (decisions use the fallback action meanwhile either way).'
  },
  'outcomes.groupId': {
    env: 'PARCEL_RISK_OUTCOMES_GROUP_ID', kind: 'string', default: 'parcel-risk-outcomes',
    doc: 'Consumer group of `parcel-risk outcomes` on the outcomes topic; its decisions consumer joins ' +
      '`<group>-decisions`.',
    check: nonBlank
  },
  'outcomes.decisionWaitMs': {
    env: 'PARCEL_RISK_OUTCOMES_DECISION_WAIT_MS', kind: 'int', default: 30_000,
    doc: 'How long an outcome waits for the decision it answers before it is dead-lettered ' +
      '(E_OUTCOME_DECISION_UNKNOWN).',
    check: range(0, 3_600_000)
  },
  'outcomes.decisionTtlMs': {
    env: 'PARCEL_RISK_OUTCOMES_DECISION_TTL_MS', kind: 'int', default: 14 * 86_400_000,
    doc: 'How long the record of a held decision is kept for outcomes to join to, and how long a decision counted ' +
      'is remembered (a repeat within it is not counted again).',
    check: range(60_000, 3_660 * 86_400_000)
  },
  'outcomes.outcomeTtlMs': {
    env: 'PARCEL_RISK_OUTCOMES_OUTCOME_TTL_MS', kind: 'int', default: 400 * 86_400_000,
    doc: 'How long an outcome counted is remembered, so a replay of the outcomes topic within it changes nothing.',
    check: range(60_000, 3_660 * 86_400_000)
  },
  'outcomes.port': {
    env: 'PARCEL_RISK_OUTCOMES_HTTP_PORT', kind: 'int', default: 9465,
    doc: 'Port of the metrics and health HTTP server of `parcel-risk outcomes` (on `observe.host`).',
    check: range(0, 65_535)
  },
  'console.host': {
    env: 'PARCEL_RISK_CONSOLE_HOST', kind: 'string', default: '127.0.0.1',
    doc: 'Address the web console (`parcel-risk console`) listens on; put it behind TLS before opening it beyond ' +
      'this machine (its cookies are Secure).',
    check: nonBlank
  },
  'console.port': {
    env: 'PARCEL_RISK_CONSOLE_PORT', kind: 'int', default: 9470,
    doc: 'Port of the web console (0: any free port, printed at start-up).',
    check: range(0, 65_535)
  },
  'console.groupId': {
    env: 'PARCEL_RISK_CONSOLE_GROUP_ID', kind: 'string', default: 'parcel-risk-console',
    doc: 'Consumer group the console reads the declarations, decisions, shadow, dead-letter and outcomes topics with.',
    check: nonBlank
  },
  'console.auditTopic': topic('PARCEL_RISK_CONSOLE_AUDIT_TOPIC', 'console-audit',
    'Topic of the console\'s audit trail: who signed in, claimed, released, recorded or changed what (JSON, keyed ' +
      'by user).'),
  'console.dlqTopic': topic('PARCEL_RISK_CONSOLE_DLQ_TOPIC', 'console-dlq',
    'Dead letters of the console\'s intake: records on the topics it reads that it cannot decode ' +
      '(`E_CONSOLE_UNDECODABLE`), original bytes, reason in headers; the console reads it back for the overview\'s ' +
      'dead-letter counts.'),
  'console.sessionTtlMs': {
    env: 'PARCEL_RISK_CONSOLE_SESSION_TTL_MS', kind: 'int', default: 8 * 3_600_000,
    doc: 'How long a console sign-in lasts.',
    check: range(60_000, 30 * 86_400_000)
  },
  'console.claimTtlMs': {
    env: 'PARCEL_RISK_CONSOLE_CLAIM_TTL_MS', kind: 'int', default: 4 * 3_600_000,
    doc: 'How long an officer\'s claim on a held parcel lasts unless released or answered by an outcome.',
    check: range(60_000, 30 * 86_400_000)
  },
  'console.retentionMs': {
    env: 'PARCEL_RISK_CONSOLE_RETENTION_MS', kind: 'int', default: 14 * 86_400_000,
    doc: 'How long the console keeps a held parcel (decision, declaration, outcomes) and remembers what it has ' +
      'applied.',
    check: range(60_000, 3_660 * 86_400_000)
  },
  'console.releasedTtlMs': {
    env: 'PARCEL_RISK_CONSOLE_RELEASED_TTL_MS', kind: 'int', default: 6 * 3_600_000,
    doc: 'How long the console keeps a released parcel, a shadow decision and a declaration not held, for party ' +
      'histories and shadow comparisons.',
    check: range(60_000, 3_660 * 86_400_000)
  },
  'console.signInMaxFailuresPerUser': {
    env: 'PARCEL_RISK_CONSOLE_SIGN_IN_MAX_FAILURES_PER_USER', kind: 'int', default: 5,
    doc: 'Failed console sign-ins for one user name (existing or not) within `console.signInFailureWindowMs` after ' +
      'which that name is locked out for `console.signInLockoutMs`.',
    check: range(1, 1_000)
  },
  'console.signInMaxFailuresPerAddress': {
    env: 'PARCEL_RISK_CONSOLE_SIGN_IN_MAX_FAILURES_PER_ADDRESS', kind: 'int', default: 20,
    doc: 'Failed console sign-ins from one client address (any user names) within `console.signInFailureWindowMs` ' +
      'after which that address is locked out for `console.signInLockoutMs`.',
    check: range(1, 100_000)
  },
  'console.signInFailureWindowMs': {
    env: 'PARCEL_RISK_CONSOLE_SIGN_IN_FAILURE_WINDOW_MS', kind: 'int', default: 15 * 60_000,
    doc: 'Window in which failed console sign-ins are counted (from the first failure; kept in Redis, so it holds ' +
      'across console instances).',
    check: range(1_000, 86_400_000)
  },
  'console.signInLockoutMs': {
    env: 'PARCEL_RISK_CONSOLE_SIGN_IN_LOCKOUT_MS', kind: 'int', default: 15 * 60_000,
    doc: 'How long a user name or client address stays locked out once it reached its failure limit; every sign-in ' +
      'attempt is refused meanwhile, the right password too.',
    check: range(1_000, 86_400_000)
  },
  'observe.host': {
    env: 'PARCEL_RISK_HTTP_HOST', kind: 'string', default: '0.0.0.0',
    doc: 'Address the metrics and health HTTP server listens on.',
    check: nonBlank
  },
  'observe.port': {
    env: 'PARCEL_RISK_HTTP_PORT', kind: 'int', default: 9464,
    doc: 'Port of the metrics and health HTTP server (/metrics, /healthz, /readyz).',
    check: range(0, 65_535)
  },
  'log.level': {
    env: 'PARCEL_RISK_LOG_LEVEL', kind: 'enum', values: logLevels, default: 'info',
    doc: 'Log level: fatal, error, warn, info, debug, trace or silent.'
  },
  shutdownTimeoutMs: {
    env: 'PARCEL_RISK_SHUTDOWN_TIMEOUT_MS', kind: 'int', default: 30_000,
    doc: 'On SIGTERM: longest to finish in-flight batches, commit and disconnect before exiting anyway.',
    check: range(100, 600_000)
  }
}

/** The README's Configuration table, one row per key, generated from the schema. */
export const configTableRows = (): string[] =>
  (Object.entries(schema) as Array<[string, KeySpec<unknown>]>).map(([key, spec]) => {
    const empty = spec.default === undefined || (Array.isArray(spec.default) && spec.default.length === 0)
    const def = spec.secret === true || empty
      ? '—'
      : `\`${Array.isArray(spec.default) ? spec.default.join(',') : String(spec.default)}\``
    return `| \`${key}\` | \`${spec.env}\` | ${def} | ${spec.doc} |`
  })
