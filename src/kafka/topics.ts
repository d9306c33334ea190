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
import { retryPolicy } from '../retry.ts'

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
  const plain = (topic: string): ITopicConfig =>
    ({ topic, numPartitions, replicationFactor, configEntries: [...minInSync] })
  return [
    plain(topics.declarations),
    plain(topics.decisions),
    plain(topics.shadow),
    plain(topics.dlq),
    {
      topic: topics.profileUpdates,
      numPartitions,
      replicationFactor,
      configEntries: [{ name: 'cleanup.policy', value: 'compact' }, ...minInSync]
    },
    plain(topics.inspectionOutcomes)
  ]
}

/** What `parcel-risk outcomes` reads and writes: the decisions, the outcomes and its dead letters. */
export const outcomesTopicPlan = (settings: TopicSettings): ITopicConfig[] => {
  const { topics } = settings
  const wanted = new Set([topics.decisions, topics.inspectionOutcomes])
  const plan = topicPlan(settings).filter((t) => wanted.has(t.topic))
  return [...plan, { ...plan[0], topic: topics.outcomesDlq }]
}

/** A kafkajs error worth another try (it, or an error it wraps, says so). */
const retriable = (err: unknown): boolean => {
  let e: unknown = err
  for (let depth = 0; depth < 4 && typeof e === 'object' && e !== null; depth++) {
    if ((e as { retriable?: unknown }).retriable === true) return true
    e = (e as { cause?: unknown }).cause
  }
  return false
}

const sleep = async (ms: number): Promise<void> => {
  await new Promise((resolve) => setTimeout(resolve, ms))
}

export const ensureTopics = async (
  admin: Pick<Admin, 'listTopics' | 'createTopics' | 'fetchTopicMetadata'>,
  settings: TopicSettings,
  timeoutMs = 30_000,
  plan: readonly ITopicConfig[] = topicPlan(settings)
): Promise<TopicsReport> => {
  const names = plan.map((t) => t.topic)
  const deadline = Date.now() + timeoutMs
  for (let attempt = 1; ; attempt++) {
    try {
      const present = new Set(await admin.listTopics())
      const missing = plan.filter((t) => !present.has(t.topic))
      // A topic another instance created in the meantime makes createTopics answer false; fine.
      if (missing.length > 0) await admin.createTopics({ topics: missing, waitForLeaders: true, timeout: timeoutMs })
      // Every topic served with a leader for each partition before the consumers and the
      // producer ask for them (their first metadata request does not retry this).
      const metadata = (await admin.fetchTopicMetadata({ topics: names })).topics
      const leaderless = (t: (typeof metadata)[number]): boolean =>
        t.partitions.length === 0 || t.partitions.some((p) => p.leader < 0)
      if (metadata.length < names.length || metadata.some(leaderless)) {
        throw Object.assign(new Error('topics created but not all partitions have a leader yet'), { retriable: true })
      }
      const existing = metadata.filter((t) => present.has(t.name))
        .map((t) => ({ topic: t.name, partitions: t.partitions.length }))
      return { created: missing.map((t) => t.topic), existing }
    } catch (err) {
      // Two instances starting together: the one whose createTopics lost the race asks for
      // the leaders of topics the other just created before the broker hosts them
      // (UNKNOWN_TOPIC_OR_PARTITION), or finds partitions without a leader yet. Looking again
      // shortly after finds them.
      const wait = Math.min(2_000, 250 * 2 ** (attempt - 1))
      if (retriable(err) && attempt < 6 && Date.now() + wait < deadline) {
        await sleep(wait)
        continue
      }
      throw new ParcelRiskError('E_PUBLISH_TOPIC_SETUP',
        `cannot create topics ${names.join(', ')}: ${(err as Error).message}`, { cause: err })
    }
  }
}

/** ensureTopics through an admin client of its own, connected for the call; logs what it created. */
export const createMissingTopics = async (
  kafka: Pick<Kafka, 'admin'>,
  settings: TopicSettings,
  log: Logger,
  plan: readonly ITopicConfig[] = topicPlan(settings)
): Promise<TopicsReport> => {
  const admin = kafka.admin()
  await admin.connect()
  try {
    const report = await ensureTopics(admin, settings, 30_000, plan)
    if (report.created.length > 0) log.info({ created: report.created }, 'topics created')
    return report
  } finally {
    await admin.disconnect()
  }
}

/**
 * Leadership of a topic's partitions settles a moment after it is created, and until then a
 * broker answers ListOffsets with NOT_LEADER_FOR_PARTITION (or LEADER_NOT_AVAILABLE), which
 * kafkajs's admin does not retry (it retries an unknown topic only). A process starting
 * beside the one creating the topics meets that window: kafkajs marks those errors
 * retriable, so they are tried again for a few seconds (100 ms doubling, 8 attempts, ~13 s).
 */
const settling = retryPolicy({
  attempts: 8,
  backoff: { firstMs: 100, growth: 'exponential', maxMs: 4_000 },
  retryable: (err) => (err as { retriable?: boolean }).retriable === true
})

/** admin.fetchTopicOffsets, tried again while a new topic's leadership settles. */
export const fetchTopicEnds = async (
  admin: Pick<Admin, 'fetchTopicOffsets'>, topic: string, log?: Logger
): ReturnType<Admin['fetchTopicOffsets']> =>
  await settling.run(async () => await admin.fetchTopicOffsets(topic), {
    onRetry: (err, attempt, delayMs) => {
      log?.debug({ topic, attempt, delayMs, err }, 'topic offsets not answered yet; trying again')
    }
  })
