// `parcel-risk stack …` (also `npm run stack -- …`): the local Kafka, schema registry and
// Redis of src/stack/, started without Docker. Exit codes: 0 ok, 1 a service is down (status)
// or failed to start (the ones started are stopped again), 2 usage error or a required tool
// is missing, 3 a port the stack needs is in use (E_STACK_PORT_TAKEN).
import { fileURLToPath } from 'node:url'
import { isParcelRiskError } from '../errors.ts'
import { down, logFile, SERVICES, status, up, type Service } from '../stack/stack.ts'
import { PORT_SETTINGS, ports, stackEnv, type StackEnv } from '../stack/services.ts'
import { tail } from '../stack/process.ts'
import { downSecure, envSecure, secureDirs, secureLogFile, statusSecure, upSecure } from '../stack/secure-stack.ts'
import { SECURE_PORT_SETTINGS, SECURE_SERVICES, type SecureRole } from '../stack/secure.ts'
import {
  CLUSTER_NODES, CLUSTER_PORT_SETTINGS, clusterDirs, clusterEnv, downCluster, nodeLogFile, nodeName, statusCluster,
  upCluster
} from '../stack/cluster.ts'
import { redisClusterMain, redisClusterUsage } from './stack-redis-cluster.ts'

const clusterPorts = Object.values(CLUSTER_PORT_SETTINGS)
  .map((setting) => `  ${setting.env} (${setting.fallback}-${setting.fallback + 2})`)
  .join('\n')

const usage = `usage: npm run stack -- <up|down|status|logs|env> [kafka|registry|redis ...]
       npm run stack -- <up|down|status|logs|env> --secure [--as processor|feeder|admin]
       npm run stack -- <up|down|status|logs|env> --brokers 3
       npm run stack -- <up|down|status|logs|env> --redis-cluster

  up      resolve (first run), start and wait for the services; print the environment
  down    stop the services this stack started and free their ports
  status  say which services answer; exit 1 if any is down
  logs    print the last lines of each service's log
  env     print the environment variables for the services

Ports (defaults below the ephemeral port ranges of Linux, macOS and Windows):
${Object.values(PORT_SETTINGS).map((setting) => `  ${setting.env} (${setting.fallback})`).join('\n')}
Run directory (pid files, logs, data): PARCEL_RISK_STACK_RUN_DIR (deploy/local/.run).

--secure: the secured profile (Kafka SASL_SSL with SCRAM-SHA-512 and ACLs, the registry
behind HTTPS and basic auth, Redis TLS-only with an ACL user), its own ports and run
directory, certificates and passwords generated at first start. \`env --secure\` prints
the processor's environment (\`run\`, \`profiles load\`); \`--as feeder\` the one for
\`generate --to-topic\`, \`--as admin\` the Kafka super user's. The printed environment holds
passwords: eval it, do not paste it anywhere.
Ports (secured):
${Object.values(SECURE_PORT_SETTINGS).map((setting) => `  ${setting.env} (${setting.fallback})`).join('\n')}
Run directory (secured): PARCEL_RISK_SECURE_STACK_RUN_DIR (deploy/local/.run-secure).

--brokers 3: a Kafka cluster of three KRaft nodes (each broker and controller), internal
topics with three replicas and min.insync.replicas=2, beside the default profile's registry
and Redis (started when down; \`down --brokers 3\` leaves them running). \`env --brokers 3\`
prints the processor's environment: three bootstrap brokers, topics created with three
replicas (min.insync.replicas=2). Node n uses the first port + n - 1:
${clusterPorts}
Run directory (cluster): PARCEL_RISK_CLUSTER_STACK_RUN_DIR (deploy/local/.run-cluster).

${redisClusterUsage}

Exit codes: 0 ok, 1 a service is down or failed to start (the ones started are stopped
again), 2 usage error or a required tool is missing, 3 a port is in use.
`

const printEnv = (env: StackEnv | Record<string, string>): void => {
  for (const [k, v] of Object.entries(env)) console.log(`export ${k}=${v}`)
}

const ROLES: readonly string[] = ['processor', 'feeder', 'admin']

const secureMain = async (verb: string | undefined, rest: readonly string[]): Promise<number> => {
  const asAt = rest.indexOf('--as')
  const role = asAt === -1 ? 'processor' : rest[asAt + 1]
  const extra = rest.filter((a, i) => a !== '--secure' && i !== asAt && i !== asAt + 1)
  if (role === undefined || !ROLES.includes(role) || extra.length > 0) {
    const problem = role === undefined || ROLES.includes(role)
      ? `unexpected: ${extra.join(' ')}`
      : `unknown role '${role}'`
    console.error(`${problem}\n\n${usage}`)
    return 2
  }
  const say = (line: string): void => console.error(line)
  try {
    switch (verb) {
      case 'up':
        await upSecure(say)
        printEnv(envSecure(role as SecureRole))
        return 0
      case 'down':
        await downSecure(say)
        return 0
      case 'status': {
        const rows = await statusSecure()
        for (const r of rows) {
          const pid = r.pid === undefined ? '' : `  pid ${r.pid}`
          console.log(`${r.service.padEnd(15)} ${r.ready ? 'up  ' : 'down'}${pid}`)
        }
        return rows.every((r) => r.ready) ? 0 : 1
      }
      case 'logs':
        for (const s of SECURE_SERVICES) console.log(`==> ${s} (${secureLogFile(s)})\n${tail(secureLogFile(s), 40)}`)
        return 0
      case 'env':
        printEnv(envSecure(role as SecureRole))
        return 0
      default:
        console.error(`unknown command '${verb}'\n\n${usage}`)
        return 2
    }
  } catch (err) {
    const code = isParcelRiskError(err) ? `${err.code}: ` : ''
    console.error(`stack ${verb} --secure (${secureDirs.run}): ${code}${(err as Error).message}`)
    if (isParcelRiskError(err) && err.code === 'E_STACK_TOOL_MISSING') return 2
    if (isParcelRiskError(err) && err.code === 'E_STACK_PORT_TAKEN') return 3
    return 1
  }
}

const clusterMain = async (verb: string | undefined, rest: readonly string[]): Promise<number> => {
  const at = rest.indexOf('--brokers')
  const count = rest[at + 1]
  const extra = rest.filter((_, i) => i !== at && i !== at + 1)
  if (count !== String(CLUSTER_NODES.length) || extra.length > 0) {
    const problem = count === String(CLUSTER_NODES.length)
      ? `unexpected: ${extra.join(' ')}`
      : `--brokers takes ${CLUSTER_NODES.length} (got '${count ?? ''}')`
    console.error(`${problem}\n\n${usage}`)
    return 2
  }
  const say = (line: string): void => console.error(line)
  try {
    switch (verb) {
      case 'up':
        printEnv((await upCluster(say)).env)
        return 0
      case 'down':
        await downCluster(say)
        return 0
      case 'status': {
        const rows = await statusCluster()
        for (const r of rows) {
          const pid = r.pid === undefined ? '' : `  pid ${r.pid}`
          console.log(`${nodeName(r.node).padEnd(8)} ${r.ready ? 'up  ' : 'down'}  port ${r.port}${pid}`)
        }
        return rows.every((r) => r.ready) ? 0 : 1
      }
      case 'logs':
        for (const n of CLUSTER_NODES) {
          console.log(`==> ${nodeName(n)} (${nodeLogFile(n)})\n${tail(nodeLogFile(n), 40)}`)
        }
        return 0
      case 'env':
        printEnv(clusterEnv())
        return 0
      default:
        console.error(`unknown command '${verb}'\n\n${usage}`)
        return 2
    }
  } catch (err) {
    const code = isParcelRiskError(err) ? `${err.code}: ` : ''
    console.error(`stack ${verb} --brokers ${count} (${clusterDirs.run}): ${code}${(err as Error).message}`)
    if (isParcelRiskError(err) && err.code === 'E_STACK_TOOL_MISSING') return 2
    if (isParcelRiskError(err) && err.code === 'E_STACK_PORT_TAKEN') return 3
    return 1
  }
}

export const main = async (argv: readonly string[]): Promise<number> => {
  if (argv.includes('--secure')) return await secureMain(argv[0], argv.slice(1))
  if (argv.includes('--brokers')) return await clusterMain(argv[0], argv.slice(1))
  if (argv.includes('--redis-cluster')) return await redisClusterMain(argv[0], argv.slice(1), usage)
  const [verb, ...names] = argv
  const unknown = names.filter((n) => !(SERVICES as readonly string[]).includes(n))
  if (verb === undefined || verb === '-h' || verb === '--help' || unknown.length > 0) {
    if (unknown.length > 0) console.error(`unknown service: ${unknown.join(', ')}`)
    console.error(usage)
    return verb === '-h' || verb === '--help' ? 0 : 2
  }
  const wanted = names.length > 0 ? names as Service[] : [...SERVICES]
  const say = (line: string): void => console.error(line)
  try {
    switch (verb) {
      case 'up': {
        const result = await up(wanted, say)
        printEnv(result.env)
        return 0
      }
      case 'down':
        await down(wanted, say)
        return 0
      case 'status': {
        const rows = await status(wanted)
        for (const r of rows) {
          const owner = r.ours ? `  pid ${r.pid}` : r.ready ? '  (not started by this stack)' : ''
          console.log(`${r.service.padEnd(8)} ${r.ready ? 'up  ' : 'down'}  port ${r.port}${owner}`)
        }
        return rows.every((r) => r.ready) ? 0 : 1
      }
      case 'logs':
        for (const s of wanted) console.log(`==> ${s} (${logFile(s)})\n${tail(logFile(s), 40)}`)
        return 0
      case 'env':
        printEnv(stackEnv(ports()))
        return 0
      default:
        console.error(`unknown command '${verb}'\n\n${usage}`)
        return 2
    }
  } catch (err) {
    console.error(`stack ${verb}: ${isParcelRiskError(err) ? `${err.code}: ` : ''}${(err as Error).message}`)
    if (isParcelRiskError(err) && err.code === 'E_STACK_TOOL_MISSING') return 2
    if (isParcelRiskError(err) && err.code === 'E_STACK_PORT_TAKEN') return 3
    return 1
  }
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  process.exitCode = await main(process.argv.slice(2))
}
