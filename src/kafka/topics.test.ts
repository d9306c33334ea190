import { describe, expect, it } from 'vitest'
import { ensureTopics, fetchTopicEnds, topicPlan } from './topics.ts'

const topics = {
  declarations: 'd', decisions: 'r', shadow: 's', dlq: 'q',
  profileUpdates: 'p', inspectionOutcomes: 'i', outcomesDlq: 'o'
}

describe('publish > topics', () => {
  it('plans every configured topic with explicit partitions and replication, profile updates compacted', () => {
    const plan = topicPlan({ topics, topicPartitions: 12, topicReplicationFactor: 1 })
    expect(plan.map((t) => t.topic)).toEqual(['d', 'r', 's', 'q', 'p', 'i'])
    for (const t of plan) expect([t.numPartitions, t.replicationFactor]).toEqual([12, 1])
    expect(plan.find((t) => t.topic === 'p')?.configEntries).toEqual([{ name: 'cleanup.policy', value: 'compact' }])
    expect(plan.find((t) => t.topic === 'r')?.configEntries).toEqual([])
  })

  const minInSyncByFactor = [[1, undefined], [2, undefined], [3, '2'], [5, '2']] as const
  it.each(minInSyncByFactor)('with replication factor %i sets min.insync.replicas to %s', (rf, minIsr) => {
    const plan = topicPlan({ topics, topicPartitions: 3, topicReplicationFactor: rf })
    for (const t of plan) expect(t.configEntries?.find((e) => e.name === 'min.insync.replicas')?.value).toBe(minIsr)
  })

  const settings = { topics, topicPartitions: 3, topicReplicationFactor: 1 }
  const notHosted = Object.assign(new Error('This server does not host this topic-partition'), {
    name: 'KafkaJSProtocolError', type: 'UNKNOWN_TOPIC_OR_PARTITION', retriable: true
  })

  it('looks again when the leaders of topics another instance just created are not there yet', async () => {
    let listed = 0
    const admin = {
      // First look: nothing there; second: the other instance's topics are.
      listTopics: async () => (++listed === 1 ? [] : ['d', 'r', 's', 'q', 'p', 'i']),
      createTopics: async () => { throw notHosted },
      fetchTopicMetadata: async ({ topics: names }: { topics: string[] }) => ({
        topics: names.map((name) => ({ name, partitions: [{ leader: 1 }, { leader: 1 }, { leader: 1 }] }))
      })
    }
    const report = await ensureTopics(admin as never, settings)
    expect(listed).toBe(2)
    expect(report).toEqual({
      created: [], existing: ['d', 'r', 's', 'q', 'p', 'i'].map((topic) => ({ topic, partitions: 3 }))
    })
  })

  it('waits for every partition to have a leader', async () => {
    let asked = 0
    const admin = {
      listTopics: async () => ['d', 'r', 's', 'q', 'p', 'i'],
      createTopics: async () => true,
      fetchTopicMetadata: async ({ topics: names }: { topics: string[] }) => ({
        topics: names.map((name) => ({ name, partitions: [{ leader: ++asked <= 6 ? -1 : 1 }] }))
      })
    }
    const report = await ensureTopics(admin as never, settings)
    expect(asked).toBe(12)
    expect(report.existing).toHaveLength(6)
  })

  it('gives up with E_PUBLISH_TOPIC_SETUP on an error that cannot pass, at once', async () => {
    let created = 0
    const admin = {
      listTopics: async () => [],
      createTopics: async () => {
        created++
        throw Object.assign(new Error('Topic authorization failed'), { name: 'KafkaJSProtocolError', retriable: false })
      },
      fetchTopicMetadata: async () => ({ topics: [] })
    }
    await expect(ensureTopics(admin as never, settings)).rejects.toMatchObject({ code: 'E_PUBLISH_TOPIC_SETUP' })
    expect(created).toBe(1)
  })
})

describe('kafka > topics > fetchTopicEnds', () => {
  const ends = [{ partition: 0, offset: '5', high: '5', low: '0' }]
  const notLeader = Object.assign(new Error('This server is not the leader for that topic-partition'), {
    type: 'NOT_LEADER_FOR_PARTITION', retriable: true
  })

  it('asks again while a new topic\'s leadership settles (a retriable answer), then answers the offsets', async () => {
    let calls = 0
    const admin = {
      fetchTopicOffsets: async () => {
        calls++
        if (calls < 3) throw notLeader
        return ends
      }
    }
    expect(await fetchTopicEnds(admin, 'declarations')).toEqual(ends)
    expect(calls).toBe(3)
  })

  it('does not ask again after an error that is not retriable', async () => {
    let calls = 0
    const denied = Object.assign(new Error('Not authorized to access topics'), { retriable: false })
    const admin = {
      fetchTopicOffsets: async () => {
        calls++
        throw denied
      }
    }
    await expect(fetchTopicEnds(admin, 'declarations')).rejects.toThrow('Not authorized')
    expect(calls).toBe(1)
  })
})
