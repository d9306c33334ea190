// The one kafkajs client factory. Every Kafka client of the product — the processor's
// consumer, producer and admin, the profile consumer, `generate --to-topic`, the demo and the
// local stack's readiness probe — is built here from the kafka configuration slice: brokers,
// client id, TLS (files read once, here) and SASL, with kafkajs's own log lines routed into
// our pino logger. A setting added here (TLS, SASL, credentials) reaches every command.
import { readFileSync } from 'node:fs'
import { Kafka, logLevel, type KafkaConfig as KafkajsConfig, type LogEntry, type SASLOptions } from 'kafkajs'
import type { KafkaConfig } from '../config.ts'
import { tlsConnectionOptions } from '../tls.ts'
import type { Logger } from '../logger.ts'
import { silenceKafkajsTimeoutWarning } from './node-warnings.ts'
import { installReadCommittedFilter } from './read-committed.ts'

/** The part of the kafka slice that says how to connect. */
export type KafkaConnection = Pick<KafkaConfig, 'brokers' | 'clientId' | 'tls' | 'sasl'>

/** Connection tuning a caller may override (e.g. a probe that must fail fast). */
export type KafkaClientOverrides = Pick<KafkajsConfig, 'connectionTimeout' | 'requestTimeout' | 'retry'>

const levels = {
  [logLevel.ERROR]: 'error',
  [logLevel.WARN]: 'warn',
  [logLevel.INFO]: 'info',
  [logLevel.DEBUG]: 'debug'
} as const

const saslOptions = (sasl: KafkaConnection['sasl']): { sasl?: SASLOptions } =>
  sasl.mechanism === undefined
    ? {}
    // config-load.ts guarantees user name and password whenever a mechanism is set.
    : {
        sasl: { mechanism: sasl.mechanism, username: sasl.username ?? '', password: sasl.password ?? '' } as SASLOptions
      }

export const kafkaClientConfig = (
  config: KafkaConnection,
  logger: Logger,
  readFile: (path: string) => Buffer = readFileSync
): KafkajsConfig => {
  const log = logger.child({ module: 'kafkajs' })
  return {
    clientId: config.clientId,
    brokers: [...config.brokers],
    ssl: tlsConnectionOptions(config.tls, readFile),
    ...saslOptions(config.sasl),
    // Retries back off to at most 2 s (kafkajs: 30 s), so a client cut off by a broker restart
    // is back within 2 s of the broker, not up to 30 s later; five retries still span ~6 s.
    retry: { initialRetryTime: 300, maxRetryTime: 2_000 },
    // kafkajs at INFO logs every join and commit; WARN unless we are debugging.
    logLevel: log.isLevelEnabled('debug') ? logLevel.INFO : logLevel.WARN,
    logCreator: () => ({ namespace, level, log: entry }: LogEntry) => {
      const { message, timestamp: _timestamp, ...fields } = entry
      log[levels[level as keyof typeof levels] ?? 'info']({ namespace, detail: message, ...fields }, 'kafka client')
    }
  }
}

export const createKafka = (config: KafkaConnection, logger: Logger, overrides: KafkaClientOverrides = {}): Kafka => {
  silenceKafkajsTimeoutWarning()
  installReadCommittedFilter()
  return new Kafka({ ...kafkaClientConfig(config, logger), ...overrides })
}
