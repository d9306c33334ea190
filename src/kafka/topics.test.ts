import { describe, expect, it } from 'vitest'
import { topicPlan } from './topics.ts'

const topics = { declarations: 'd', decisions: 'r', shadow: 's', dlq: 'q', profileUpdates: 'p', inspectionOutcomes: 'i' }

describe('publish > topics', () => {
  it('plans every configured topic with explicit partitions and replication, profile updates compacted', () => {
    const plan = topicPlan({ topics, topicPartitions: 12, topicReplicationFactor: 1 })
    expect(plan.map((t) => t.topic)).toEqual(['d', 'r', 's', 'q', 'p', 'i'])
    for (const t of plan) expect([t.numPartitions, t.replicationFactor]).toEqual([12, 1])
    expect(plan.find((t) => t.topic === 'p')?.configEntries).toEqual([{ name: 'cleanup.policy', value: 'compact' }])
    expect(plan.find((t) => t.topic === 'r')?.configEntries).toEqual([])
  })

  it.each([[1, undefined], [2, undefined], [3, '2'], [5, '2']])('with replication factor %i sets min.insync.replicas to %s', (rf, minIsr) => {
    const plan = topicPlan({ topics, topicPartitions: 3, topicReplicationFactor: rf })
    for (const t of plan) expect(t.configEntries?.find((e) => e.name === 'min.insync.replicas')?.value).toBe(minIsr)
  })
})
