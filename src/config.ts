// The configuration's shape: the frozen Config object loadConfig (config-load.ts) returns,
// and the slices of it each module receives as a parameter (KafkaConfig, RedisConfig, …).
// Every leaf is a key of the one table in config-schema.ts, which is typed against these
// interfaces, so the two cannot drift. Types only: a stage that takes its slice of the
// configuration imports nothing that reads files or the environment.

export interface TlsConfig {
  readonly enabled: boolean
  readonly caFile: string | undefined
  readonly certFile: string | undefined
  readonly keyFile: string | undefined
  readonly rejectUnauthorized: boolean
}

export interface TopicsConfig {
  readonly declarations: string
  readonly decisions: string
  readonly shadow: string
  readonly dlq: string
  readonly profileUpdates: string
  readonly inspectionOutcomes: string
  readonly outcomesDlq: string
}

export type SaslMechanism = 'plain' | 'scram-sha-256' | 'scram-sha-512'
export type DeliveryMode = 'at-least-once' | 'exactly-once'

export interface KafkaConfig {
  readonly brokers: readonly string[]
  readonly clientId: string
  readonly groupId: string
  readonly topics: TopicsConfig
  readonly createTopics: boolean
  readonly topicPartitions: number
  readonly topicReplicationFactor: number
  readonly tls: TlsConfig
  readonly sasl: {
    readonly mechanism: SaslMechanism | undefined
    readonly username: string | undefined
    readonly password: string | undefined
  }
  readonly deliveryMode: DeliveryMode
  readonly transactionalIdPrefix: string
  readonly transactionTimeoutMs: number
  readonly transactionAttempts: number
  readonly maxBatchRecords: number
  readonly partitionsConsumedConcurrently: number
  readonly sessionTimeoutMs: number
  readonly heartbeatIntervalMs: number
  readonly maxWaitTimeMs: number
  readonly maxBytesPerPartition: number
  readonly publishTimeoutMs: number
}

export interface RegistryConfig {
  readonly url: string
  readonly username: string | undefined
  readonly password: string | undefined
  /** PEM file of the CAs to trust for an https:// registry instead of the system ones. */
  readonly caFile: string | undefined
  readonly requestTimeoutMs: number
  readonly unknownIdTtlMs: number
  readonly unavailableRetryMs: number
}

export interface RedisConfig {
  readonly url: string
  /** Seed nodes (host:port) of a Redis Cluster; empty for one Redis server at `url`. */
  readonly clusterNodes: readonly string[]
  readonly tls: TlsConfig
  readonly username: string | undefined
  readonly password: string | undefined
  readonly identityKey: string | undefined
  readonly commandTimeoutMs: number
  readonly commandTimeoutPerRecordUs: number
  readonly keyPrefix: string
  readonly breakerFailureThreshold: number
  readonly breakerCooldownMs: number
  readonly cacheMaxEntries: number
  readonly cacheTtlMs: number
  readonly catchUpMax: number
  readonly catchUpPerBatch: number
  readonly historyTtlMs: number
  readonly watchlistIndexMaxFields: number
}

export interface RulesConfig {
  readonly dir: string
  readonly shadowDir: string | undefined
  readonly watch: boolean
  readonly costBudgetMicrosPerKib: number
}

/** Inspection capacity: which control location this processor decides for (ruleset.yaml `capacity:`). */
export interface CapacityConfig {
  readonly location: string
}

export interface WarmUpConfig {
  readonly declarations: number
  readonly timeoutMs: number
}

export interface OutcomesConfig {
  readonly groupId: string
  readonly decisionWaitMs: number
  readonly decisionTtlMs: number
  readonly outcomeTtlMs: number
  readonly port: number
  readonly fetchMaxWaitMs: number
  readonly fetchMinBytes: number
}

export interface ConsoleConfig {
  readonly host: string
  readonly port: number
  readonly groupId: string
  readonly fetchMaxWaitMs: number
  readonly fetchMinBytes: number
  readonly auditTopic: string
  readonly dlqTopic: string
  readonly sessionTtlMs: number
  readonly claimTtlMs: number
  readonly retentionMs: number
  readonly releasedTtlMs: number
  readonly signInMaxFailuresPerUser: number
  readonly signInMaxFailuresPerAddress: number
  readonly signInFailureWindowMs: number
  readonly signInLockoutMs: number
}

export interface ObserveConfig {
  readonly host: string
  readonly port: number
}

/** How /readyz treats reference data that is missing or stale (decisions fall back either way). */
export type ReferenceReadiness = 'require' | 'ready-degraded'

export interface ReferenceDataConfig {
  /** Freshness limit of each reference data set (enrich/reference-data.ts MaxAges). */
  readonly maxAgeMs: {
    readonly ioss: number
    readonly watchlist: number
    readonly aeo: number
    readonly seller: number
    readonly consignee: number
    readonly hsCode: number
    readonly route: number
  }
  readonly readiness: ReferenceReadiness
}

export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent'

export interface Config {
  readonly kafka: KafkaConfig
  readonly registry: RegistryConfig
  readonly codec: { readonly maxRecordBytes: number }
  readonly redis: RedisConfig
  readonly rules: RulesConfig
  readonly capacity: CapacityConfig
  readonly warmUp: WarmUpConfig
  readonly referenceData: ReferenceDataConfig
  readonly outcomes: OutcomesConfig
  readonly console: ConsoleConfig
  readonly observe: ObserveConfig
  readonly log: { readonly level: LogLevel }
  readonly shutdownTimeoutMs: number
}
