// The one table every setting is declared in: key (its path in the Config object), the
// environment variable that sets it, how the text is read, the default, a one-line doc for
// the README's Configuration table, and an optional check (config-spec.ts: what a row holds
// and the checks rows share). The table is typed against the Config interface, so a key added
// there and forgotten here (or the other way round, or a default of the wrong type) fails
// `npm run typecheck`. The Kafka, registry and codec rows are in config-schema-kafka.ts.
import { kafkaKeys } from './config-schema-kafka.ts'
import type { KeySpec, Schema } from './config-spec.ts'
import { hostPorts, locationName, logLevels, maxAge, nonBlank, range, tls, topic, url } from './config-spec.ts'

// Keys in the order the README lists them.
/**
 * The fetch settings of a reader off the decision path (the console, the outcome intake): it
 * takes records in batches rather than one fetch per record, which spares the brokers and the
 * CPU it shares with the processor, and is at most fetchMaxWaitMs behind.
 */
const batchedFetch = <S extends 'console' | 'outcomes'>(
  slice: S, env: string, reader: string
): Record<`${S}.fetchMaxWaitMs` | `${S}.fetchMinBytes`, KeySpec<number>> => ({
  [`${slice}.fetchMaxWaitMs`]: {
    env: `PARCEL_RISK_${env}_FETCH_MAX_WAIT_MS`, kind: 'int', default: 500,
    doc: `Longest a fetch of ${reader} waits at the broker for \`${slice}.fetchMinBytes\`: off the decision path, ` +
      'it is at most this far behind and takes records in batches instead of one fetch per record, which spares ' +
      'the brokers and the CPU the processor shares.',
    check: range(1, 60_000)
  },
  [`${slice}.fetchMinBytes`]: {
    env: `PARCEL_RISK_${env}_FETCH_MIN_BYTES`, kind: 'int', default: 65_536,
    doc: `Bytes a fetch of ${reader} waits for (up to \`${slice}.fetchMaxWaitMs\`); 1 answers every fetch as ` +
      'soon as one record is there.',
    check: range(1, 10_485_760)
  }
}) as Record<`${S}.fetchMaxWaitMs` | `${S}.fetchMinBytes`, KeySpec<number>>

export const schema: Schema = {
  ...kafkaKeys,
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
  'redis.watchlistIndexMaxFields': {
    env: 'PARCEL_RISK_REDIS_WATCHLIST_INDEX_MAX_FIELDS', kind: 'int', default: 1_000_000,
    doc: 'Most watchlist fields kept in the in-process index, so a batch asks Redis only for the listed fields of ' +
      'its parties (README: Watchlist index); a larger watchlist, or 0, asks Redis for every field.',
    check: range(0, 100_000_000)
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
      'the group, in chunks of `kafka.maxBatchRecords` and then one small chunk (1 to 8 records) per 25 of them; ' +
      '1,000 more go through the Redis reads of enrichment, 4 at a time, dated so that nothing is counted (0: no ' +
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
  ...batchedFetch('outcomes', 'OUTCOMES', 'the outcomes service\'s decisions consumer'),
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
  ...batchedFetch('console', 'CONSOLE', 'the console\'s intake'),
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
