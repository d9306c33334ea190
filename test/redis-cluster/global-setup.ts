// The Redis Cluster profile's services: three primaries and three replicas of the local stack
// (`stack up --redis-cluster`), started here when not running and stopped again afterwards,
// with Kafka and the registry found as the integration setup finds them (environment,
// containers, or the default local stack). Suites take them from `inject('services')` as on
// one server, with the seed nodes in redisClusterNodes (test/integration/redis-admin.ts).
import type { TestProject } from 'vitest/node'
import { silenceKafkajsTimeoutWarning } from '../../src/kafka/node-warnings.ts'
import { downRedisCluster, upRedisCluster } from '../../src/stack/redis-cluster.ts'
import { acquireServices } from '../integration/services.ts'

export default async function setup (project: TestProject): Promise<() => Promise<void>> {
  silenceKafkajsTimeoutWarning()
  const say = (line: string): void => {
    process.stderr.write(`[redis-cluster] ${line}\n`)
  }
  const result = await upRedisCluster(say)
  const how = result.startedNodes.length === 0 ? 'already running' : 'started'
  say(`six nodes ${how} in ${result.ms} ms: ${result.env.PARCEL_RISK_REDIS_CLUSTER_NODES as string}`)
  const stopCluster = async (): Promise<void> => {
    if (result.startedNodes.length > 0) await downRedisCluster(say, result.startedNodes)
  }
  let acquired
  try {
    acquired = await acquireServices()
  } catch (err) {
    await stopCluster()
    throw err
  }
  const { urls, release } = acquired
  say(`kafka ${urls.kafkaBrokers}, registry ${urls.schemaRegistryUrl} from ${urls.source}`)
  project.provide('services', {
    ...urls,
    redisUrl: result.env.REDIS_URL as string,
    redisClusterNodes: result.env.PARCEL_RISK_REDIS_CLUSTER_NODES as string,
    // No one redis-server to stop and start: a primary is killed instead.
    redisControllable: false
  })
  return async () => {
    await release()
    await stopCluster()
  }
}
