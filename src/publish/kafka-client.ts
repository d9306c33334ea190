// The kafkajs client from the kafka configuration slice: brokers, TLS (files read once, here)
// and SASL, with kafkajs's own log lines routed into our pino logger. Shared by the producer,
// the admin client and the consumer, so all three connect the same way.
import { readFileSync } from 'node:fs'
import { Kafka, logLevel, type KafkaConfig as KafkajsConfig, type LogEntry, type SASLOptions } from 'kafkajs'
import { tlsConnectionOptions, type KafkaConfig } from '../config.ts'
import type { Logger } from '../logger.ts'

const levels = { [logLevel.ERROR]: 'error', [logLevel.WARN]: 'warn', [logLevel.INFO]: 'info', [logLevel.DEBUG]: 'debug' } as const

export const kafkaClientConfig = (config: KafkaConfig, logger: Logger, readFile: (path: string) => Buffer = readFileSync): KafkajsConfig => {
  const log = logger.child({ module: 'kafkajs' })
  const { tls, sasl } = config
  return {
    clientId: config.clientId,
    brokers: [...config.brokers],
    ssl: tlsConnectionOptions(tls, readFile),
    // config.ts guarantees user name and password whenever a mechanism is set.
    ...(sasl.mechanism === undefined ? {} : { sasl: { mechanism: sasl.mechanism, username: sasl.username ?? '', password: sasl.password ?? '' } as SASLOptions }),
    // kafkajs at INFO logs every join and commit; WARN unless we are debugging.
    logLevel: log.isLevelEnabled('debug') ? logLevel.INFO : logLevel.WARN,
    logCreator: () => ({ namespace, level, log: entry }: LogEntry) => {
      const { message, timestamp: _timestamp, ...fields } = entry
      log[levels[level as keyof typeof levels] ?? 'info']({ namespace, detail: message, ...fields }, 'kafka client')
    }
  }
}

export const createKafka = (config: KafkaConfig, logger: Logger): Kafka => new Kafka(kafkaClientConfig(config, logger))
