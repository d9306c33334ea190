// What every system under test in bench/e2e.ts does first, as a child process: the
// processor's configuration from the same environment, its logger and Kafka client, and the
// topics created as the processor creates them.
import type { Kafka } from 'kafkajs'
import type { Config } from '../../src/config.ts'
import { loadConfig } from '../../src/config-load.ts'
import { createKafka } from '../../src/kafka/client.ts'
import { ensureTopics } from '../../src/kafka/topics.ts'
import { createLogger, type Logger } from '../../src/logger.ts'

export interface Child {
  readonly config: Config
  readonly log: Logger
  readonly kafka: Kafka
}

export const startChild = async (): Promise<Child> => {
  const config = loadConfig()
  const log = createLogger({ level: config.log.level })
  const kafka = createKafka(config.kafka, log)
  const admin = kafka.admin()
  await admin.connect()
  await ensureTopics(admin, config.kafka)
  await admin.disconnect()
  return { config, log, kafka }
}
