// The Kafka side of the config table (config-schema.ts): the cluster (brokers, topics, TLS,
// SASL, delivery, consumer and producer settings), the schema registry and the record codec,
// in the order the README lists them.
import type { ConfigKey, Schema, SchemaPart } from './config-spec.ts'
import { hostPorts, nonBlank, range, tls, topic, url } from './config-spec.ts'

type KafkaKey = Extract<ConfigKey, `kafka.${string}` | `registry.${string}` | `codec.${string}`>

export const kafkaKeys: SchemaPart<KafkaKey> = {
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
  }
}
