// `npm run stack -- <up|down|status|logs|env> --redis-cluster`: the Redis Cluster profile of
// src/stack/redis-cluster.ts (three primaries, three replicas). Exit codes as `stack`.
import { isParcelRiskError } from '../errors.ts'
import { tail } from '../stack/process.ts'
import {
  BUS_OFFSET, downRedisCluster, REDIS_CLUSTER_NODES, REDIS_CLUSTER_PORT_SETTING, redisClusterEnv, redisClusterRunDir,
  redisNodeLog, redisNodeName, statusRedisCluster, upRedisCluster
} from '../stack/redis-cluster.ts'

const firstPort = REDIS_CLUSTER_PORT_SETTING.fallback
export const redisClusterUsage = `--redis-cluster: a Redis Cluster of six redis-server processes (three primaries, one
replica each), beside the default profile's Kafka and registry. \`env --redis-cluster\` prints
the processor's Redis settings (PARCEL_RISK_REDIS_CLUSTER_NODES). Node n (1-6) listens on
the first port + n - 1 and runs its cluster bus on that port + ${BUS_OFFSET}:
  ${REDIS_CLUSTER_PORT_SETTING.env} (${firstPort}-${firstPort + 5}, \
bus ${firstPort + BUS_OFFSET}-${firstPort + BUS_OFFSET + 5})
Run directory (Redis Cluster): PARCEL_RISK_REDIS_CLUSTER_RUN_DIR (deploy/local/.run-redis-cluster).`

const printEnv = (env: Record<string, string>): void => {
  for (const [k, v] of Object.entries(env)) console.log(`export ${k}=${v}`)
}

export const redisClusterMain = async (
  verb: string | undefined, rest: readonly string[], usage: string
): Promise<number> => {
  const extra = rest.filter((a) => a !== '--redis-cluster')
  if (extra.length > 0) {
    console.error(`unexpected: ${extra.join(' ')}\n\n${usage}`)
    return 2
  }
  const say = (line: string): void => console.error(line)
  try {
    switch (verb) {
      case 'up':
        printEnv((await upRedisCluster(say)).env)
        return 0
      case 'down':
        await downRedisCluster(say)
        return 0
      case 'status': {
        const rows = statusRedisCluster()
        for (const r of rows) {
          const pid = r.pid === undefined ? '' : `  pid ${r.pid}`
          console.log(`${redisNodeName(r.node).padEnd(8)} ${r.ok ? 'up  ' : 'down'}  port ${r.port}  ${r.role}${pid}`)
        }
        return rows.every((r) => r.ok) ? 0 : 1
      }
      case 'logs':
        for (const n of REDIS_CLUSTER_NODES) {
          console.log(`==> ${redisNodeName(n)} (${redisNodeLog(n)})\n${tail(redisNodeLog(n), 40)}`)
        }
        return 0
      case 'env':
        printEnv(redisClusterEnv())
        return 0
      default:
        console.error(`unknown command '${verb}'\n\n${usage}`)
        return 2
    }
  } catch (err) {
    const code = isParcelRiskError(err) ? `${err.code}: ` : ''
    console.error(`stack ${verb} --redis-cluster (${redisClusterRunDir}): ${code}${(err as Error).message}`)
    if (isParcelRiskError(err) && err.code === 'E_STACK_TOOL_MISSING') return 2
    if (isParcelRiskError(err) && err.code === 'E_STACK_PORT_TAKEN') return 3
    return 1
  }
}
