import { afterEach, describe, expect, it } from 'vitest'
import { clusterEnv, clusterNodeProperties, clusterPorts } from './cluster.ts'

const props = (text: string): Map<string, string> =>
  new Map(text.split('\n').filter((l) => l !== '')
    .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]))

describe('stack > cluster', () => {
  const saved = { ...process.env }
  afterEach(() => {
    process.env = { ...saved }
  })

  it('gives node n the first port + n - 1, moved by the two variables', () => {
    process.env.PARCEL_RISK_CLUSTER_KAFKA_PORT = '24101'
    process.env.PARCEL_RISK_CLUSTER_CONTROLLER_PORT = '24111'
    expect(clusterPorts())
      .toEqual({ kafka: { 1: 24101, 2: 24102, 3: 24103 }, controller: { 1: 24111, 2: 24112, 3: 24113 } })
  })

  it('refuses a first port that is not a port', () => {
    process.env.PARCEL_RISK_CLUSTER_KAFKA_PORT = 'x'
    expect(() => clusterPorts()).toThrow(/PARCEL_RISK_CLUSTER_KAFKA_PORT/)
  })

  it('configures each node as broker and controller of a static three-voter quorum, replicas 3 and min ISR 2', () => {
    delete process.env.PARCEL_RISK_CLUSTER_KAFKA_PORT
    delete process.env.PARCEL_RISK_CLUSTER_CONTROLLER_PORT
    const p = props(clusterNodeProperties(2, clusterPorts(), '/data'))
    expect(p.get('node.id')).toBe('2')
    expect(p.get('process.roles')).toBe('broker,controller')
    expect(p.get('controller.quorum.voters')).toBe('1@127.0.0.1:19111,2@127.0.0.1:19112,3@127.0.0.1:19113')
    expect(p.get('listeners')).toBe('PLAINTEXT://127.0.0.1:19102,CONTROLLER://127.0.0.1:19112')
    const replicated = ['default.replication.factor', 'offsets.topic.replication.factor',
      'transaction.state.log.replication.factor']
    for (const key of replicated) expect(p.get(key)).toBe('3')
    for (const key of ['min.insync.replicas', 'transaction.state.log.min.isr']) expect(p.get(key)).toBe('2')
    expect(p.get('unclean.leader.election.enable')).toBe('false')
    expect([p.get('broker.session.timeout.ms'), p.get('broker.heartbeat.interval.ms')]).toEqual(['6000', '1000'])
  })

  it('gives the processor three bootstrap brokers and topics with three replicas', () => {
    delete process.env.PARCEL_RISK_CLUSTER_KAFKA_PORT
    const env = clusterEnv()
    expect(env.KAFKA_BROKERS).toBe('127.0.0.1:19101,127.0.0.1:19102,127.0.0.1:19103')
    expect(env.PARCEL_RISK_KAFKA_TOPIC_REPLICATION_FACTOR).toBe('3')
  })
})
