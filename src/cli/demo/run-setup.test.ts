import { describe, expect, it } from 'vitest'
import { loadConfig } from '../../config-load.ts'
import { processorEnv, runNames } from './run-setup.ts'

const services = { KAFKA_BROKERS: '127.0.0.1:1', SCHEMA_REGISTRY_URL: 'http://127.0.0.1:2/apis/ccompat/v7', REDIS_URL: 'redis://127.0.0.1:3' }

describe('cli > demo > run-setup', () => {
  it('names every topic, the group and the Redis prefix after the run', () => {
    const names = runNames('demo', 1_780_000_000_000, 'ab12')
    expect(names.runId).toBe(`demo-${(1_780_000_000_000).toString(36)}ab12`)
    expect(names.groupId).toBe(names.runId)
    expect(names.redisPrefix).toBe(`${names.runId}:`)
    for (const topic of Object.values(names.topics)) expect(topic.startsWith(`${names.runId}-`)).toBe(true)
    expect(new Set(Object.values(names.topics)).size).toBe(9)
  })

  it('two runs share nothing', () => {
    const a = runNames('demo')
    const b = runNames('demo')
    expect(a.runId).not.toBe(b.runId)
  })

  it('gives the processor a configuration that loads and points at the run', () => {
    const names = runNames('bench', 1, '0000')
    const config = loadConfig({ env: processorEnv(services, names, 'rules/eu-lvc', 'k'.repeat(32)) })
    expect(config.kafka.brokers).toEqual(['127.0.0.1:1'])
    expect(config.kafka.groupId).toBe(names.groupId)
    const { consoleAudit, consoleDlq, ...kafkaTopics } = names.topics
    expect(config.kafka.topics).toMatchObject(kafkaTopics)
    expect(config.console.auditTopic).toBe(consoleAudit)
    expect(config.console.dlqTopic).toBe(consoleDlq)
    expect(config.redis).toMatchObject({
      url: services.REDIS_URL, keyPrefix: names.redisPrefix, identityKey: 'k'.repeat(32)
    })
    expect(config.registry.url).toBe(services.SCHEMA_REGISTRY_URL)
    expect(config.rules.dir).toBe('rules/eu-lvc')
  })
})
