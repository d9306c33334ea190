// The three-broker suite's services: the cluster profile of the local stack
// (`stack up --brokers 3`, three KRaft nodes) with the default profile's registry and Redis,
// started here when not running and stopped again afterwards. The enrichment and processor
// suites read them through `inject('services')` as they do on the single broker; their
// topics get three replicas (replicationFactor).
import type { TestProject } from 'vitest/node'
import { silenceKafkajsTimeoutWarning } from '../../src/kafka/node-warnings.ts'
import { downCluster, upCluster } from '../../src/stack/cluster.ts'
import { down } from '../../src/stack/stack.ts'

export default async function setup (project: TestProject): Promise<() => Promise<void>> {
  silenceKafkajsTimeoutWarning()
  const started = Date.now()
  const say = (line: string): void => {
    process.stderr.write(`[cluster] ${line}\n`)
  }
  const result = await upCluster(say)
  const how = result.startedNodes.length === 0 ? 'already running' : 'started'
  process.stderr.write(`[cluster] three brokers ${how} in ${Date.now() - started} ms: ${result.env.KAFKA_BROKERS}\n`)
  project.provide('services', {
    kafkaBrokers: result.env.KAFKA_BROKERS as string,
    schemaRegistryUrl: result.env.SCHEMA_REGISTRY_URL as string,
    redisUrl: result.env.REDIS_URL as string,
    source: 'local-stack',
    redisControllable: true,
    replicationFactor: 3
  })
  return async () => {
    if (result.startedNodes.length > 0) await downCluster(say, result.startedNodes)
    if (result.startedServices.length > 0) await down(result.startedServices)
  }
}
