// Topics at start-up: every topic the processor reads or writes is created when missing,
// with the configured partition count and replication factor passed explicitly (the broker's
// defaults are for hand-made topics, not for a stream processor's). Existing topics are left
// exactly as they are, so running this on every start is harmless; the report says what was
// found, for the start-up log. profile-updates is compacted: it holds the latest profile per
// entity key, and a new Redis can be rebuilt by reading it from the beginning.
import type { Admin, ITopicConfig, Kafka } from 'kafkajs'
import type { KafkaConfig } from '../config.ts'
import { ParcelRiskError } from '../errors.ts'
import type { Logger } from '../logger.ts'

export type TopicSettings = Pick<KafkaConfig, 'topics' | 'topicPartitions' | 'topicReplicationFactor'>

export interface TopicsReport {
  readonly created: readonly string[]
  readonly existing: ReadonlyArray<{ readonly topic: string, readonly partitions: number }>
}

/** What ensureTopics creates for each configured topic. */
export const topicPlan = (settings: TopicSettings): ITopicConfig[] => {
  const { topics, topicPartitions: numPartitions, topicReplicationFactor: replicationFactor } = settings
  // With three or more replicas, acks = -1 waits for at least two of them.
  const minInSync = replicationFactor >= 3 ? [{ name: 'min.insync.replicas', value: '2' }] : []
  const plain = (topic: string): ITopicConfig => ({ topic, numPartitions, replicationFactor, configEntries: [...minInSync] })
  return [
    plain(topics.declarations),
    plain(topics.decisions),
    plain(topics.shadow),
    plain(topics.dlq),
    { topic: topics.profileUpdates, numPartitions, replicationFactor, configEntries: [{ name: 'cleanup.policy', value: 'compact' }, ...minInSync] },
    plain(topics.inspectionOutcomes)
  ]
}

export const ensureTopics = async (
  admin: Pick<Admin, 'listTopics' | 'createTopics' | 'fetchTopicMetadata'>,
  settings: TopicSettings,
  timeoutMs = 30_000
): Promise<TopicsReport> => {
  const plan = topicPlan(settings)
  const names = plan.map((t) => t.topic)
  try {
    const present = new Set(await admin.listTopics())
    const missing = plan.filter((t) => !present.has(t.topic))
    // A topic another instance created in the meantime makes createTopics answer false; fine.
    if (missing.length > 0) await admin.createTopics({ topics: missing, waitForLeaders: true, timeout: timeoutMs })
    const existingNames = names.filter((name) => present.has(name))
    const existing = existingNames.length === 0
      ? []
      : (await admin.fetchTopicMetadata({ topics: existingNames })).topics.map((t) => ({ topic: t.name, partitions: t.partitions.length }))
    return { created: missing.map((t) => t.topic), existing }
  } catch (err) {
    throw new ParcelRiskError('E_PUBLISH_TOPIC_SETUP', `cannot create topics ${names.join(', ')}: ${(err as Error).message}`, { cause: err })
  }
}

/** ensureTopics through an admin client of its own, connected for the call; logs what it created. */
export const createMissingTopics = async (kafka: Pick<Kafka, 'admin'>, settings: TopicSettings, log: Logger): Promise<TopicsReport> => {
  const admin = kafka.admin()
  await admin.connect()
  try {
    const report = await ensureTopics(admin, settings)
    if (report.created.length > 0) log.info({ created: report.created }, 'topics created')
    return report
  } finally {
    await admin.disconnect()
  }
}
