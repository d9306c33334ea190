// The three real services of the local stack and how each is resolved, started and probed.
// Versions are pinned here and in kafka-pom.xml; ports default to dedicated numbers
// (see PORT_SETTINGS) so nothing collides with services a machine already runs.
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { loadConfig } from '../config-load.ts'
import { createKafka } from '../kafka/client.ts'
import { createLogger } from '../logger.ts'
import { portOpen, run, type StartSpec } from './process.ts'

export const KAFKA_VERSION = '4.1.1'
export const APICURIO_VERSION = '3.3.3'

const envPort = (name: string, fallback: number): number => {
  const raw = process.env[name]
  if (raw === undefined || raw === '') return fallback
  const port = Number(raw)
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new Error(`${name} must be a TCP port, got '${raw}'`)
  return port
}

export interface Ports {
  readonly kafka: number
  readonly kafkaController: number
  readonly registry: number
  readonly registryManagement: number
  readonly redis: number
}

// Default ports sit in 17000–19999: below every operating system's ephemeral range (Linux
// 32768–60999, macOS/BSD and Windows 49152–65535), where the kernel hands out local ports
// for outgoing connections. A port inside that range can be taken at random by any client
// on the machine (a test, a download, a browser), and the service then fails to bind it.
// They also stay clear of the usual defaults (Kafka 9092/9093, registries 8080/8081,
// Redis 6379 and its cluster-bus 16379 and Sentinel 26379 ports).
export const PORT_SETTINGS: Record<keyof Ports, { readonly env: string, readonly fallback: number }> = {
  kafka: { env: 'PARCEL_RISK_KAFKA_PORT', fallback: 19092 },
  kafkaController: { env: 'PARCEL_RISK_KAFKA_CONTROLLER_PORT', fallback: 19093 },
  registry: { env: 'PARCEL_RISK_REGISTRY_PORT', fallback: 18081 },
  registryManagement: { env: 'PARCEL_RISK_REGISTRY_MANAGEMENT_PORT', fallback: 18091 },
  redis: { env: 'PARCEL_RISK_REDIS_PORT', fallback: 17379 }
}

export const ports = (): Ports => ({
  kafka: envPort(PORT_SETTINGS.kafka.env, PORT_SETTINGS.kafka.fallback),
  kafkaController: envPort(PORT_SETTINGS.kafkaController.env, PORT_SETTINGS.kafkaController.fallback),
  registry: envPort(PORT_SETTINGS.registry.env, PORT_SETTINGS.registry.fallback),
  registryManagement: envPort(PORT_SETTINGS.registryManagement.env, PORT_SETTINGS.registryManagement.fallback),
  redis: envPort(PORT_SETTINGS.redis.env, PORT_SETTINGS.redis.fallback)
})

export interface StackEnv {
  readonly KAFKA_BROKERS: string
  readonly SCHEMA_REGISTRY_URL: string
  readonly REDIS_URL: string
}

export const stackEnv = (p: Ports): StackEnv => ({
  KAFKA_BROKERS: `127.0.0.1:${p.kafka}`,
  SCHEMA_REGISTRY_URL: `http://127.0.0.1:${p.registry}/apis/ccompat/v7`,
  REDIS_URL: `redis://127.0.0.1:${p.redis}`
})

export interface Dirs {
  readonly root: string
  readonly cache: string
  readonly run: string
}

// Kafka 4 runs on Java 17+. Apicurio Registry 3.3 is compiled for Java 21 (class file 65):
// on 17 it fails at start-up with UnsupportedClassVersionError. So each service picks the
// first Java that is new enough: JAVA_HOME, then `java` on the PATH, then the JDKs installed
// in the usual places.
export const MIN_JAVA = { kafka: 17, registry: 21 } as const

const javaMajor = (bin: string): number | undefined => {
  const r = run(bin, ['-version'])
  const major = /version "(\d+)/.exec(r.output)?.[1]
  return r.ok && major !== undefined ? Number(major) : undefined
}

const javaCandidates = (): string[] => {
  const found: string[] = []
  if (process.env.JAVA_HOME) found.push(join(process.env.JAVA_HOME, 'bin', 'java'))
  found.push('java')
  for (const base of ['/usr/lib/jvm', '/Library/Java/JavaVirtualMachines', '/opt/homebrew/opt', '/usr/local/opt']) {
    if (!existsSync(base)) continue
    for (const name of readdirSync(base).sort().reverse()) {
      const candidates = [
        join(base, name, 'bin', 'java'),
        join(base, name, 'Contents', 'Home', 'bin', 'java'),
        join(base, name, 'libexec', 'openjdk.jdk', 'Contents', 'Home', 'bin', 'java')
      ]
      for (const bin of candidates) {
        if (existsSync(bin)) found.push(bin)
      }
    }
  }
  return found
}

const javaCache = new Map<number, string | undefined>()

/** The first java binary of at least `minimum`, or undefined. */
export const findJava = (minimum: number): string | undefined => {
  if (!javaCache.has(minimum)) {
    javaCache.set(minimum, javaCandidates().find((bin) => (javaMajor(bin) ?? 0) >= minimum))
  }
  return javaCache.get(minimum)
}

export const javaFor = (minimum: number): string => {
  const bin = findJava(minimum)
  if (bin === undefined) throw new Error(`no Java ${minimum}+ found`)
  return bin
}

// --- resolution (first run only) --------------------------------------------------------

export const kafkaLibs = (d: Dirs): string => join(d.cache, `kafka-${KAFKA_VERSION}`)
const apicurioHome = (d: Dirs): string => join(d.cache, `apicurio-${APICURIO_VERSION}`)

export const isResolved = (d: Dirs): boolean =>
  existsSync(join(kafkaLibs(d), '.complete')) && existsSync(join(apicurioHome(d), 'quarkus-run.jar'))

export const resolveArtifacts = (d: Dirs, say: (line: string) => void): void => {
  if (!existsSync(join(kafkaLibs(d), '.complete'))) {
    say(`resolving Apache Kafka ${KAFKA_VERSION} from Maven Central`)
    const r = run('mvn', ['-B', '-q', '-f', join(d.root, 'kafka-pom.xml'), `-Dkafka.version=${KAFKA_VERSION}`,
      'dependency:copy-dependencies', '-DincludeScope=runtime', `-DoutputDirectory=${kafkaLibs(d)}`])
    if (!r.ok) throw new Error(`mvn could not resolve Kafka:\n${r.output}`)
    writeFileSync(join(kafkaLibs(d), '.complete'), `${KAFKA_VERSION}\n`)
  }
  if (!existsSync(join(apicurioHome(d), 'quarkus-run.jar'))) {
    say(`resolving Apicurio Registry ${APICURIO_VERSION} from Maven Central (about 160 MB)`)
    const download = join(d.cache, 'download')
    const artifact = `io.apicurio:apicurio-registry-app:${APICURIO_VERSION}:tar.gz:all`
    const r = run('mvn', ['-B', '-q', 'dependency:copy', `-Dartifact=${artifact}`, `-DoutputDirectory=${download}`])
    if (!r.ok) throw new Error(`mvn could not resolve Apicurio Registry:\n${r.output}`)
    mkdirSync(apicurioHome(d), { recursive: true })
    const archive = join(download, `apicurio-registry-app-${APICURIO_VERSION}-all.tar.gz`)
    const x = run('tar', ['xzf', archive, '-C', apicurioHome(d)])
    if (!x.ok) throw new Error(`could not unpack ${archive}:\n${x.output}`)
  }
}

// --- start specs ------------------------------------------------------------------------

export const kafkaProperties = (p: Ports, dataDir: string): string => [
  'process.roles=broker,controller',
  'node.id=1',
  `controller.quorum.voters=1@127.0.0.1:${p.kafkaController}`,
  `listeners=PLAINTEXT://127.0.0.1:${p.kafka},CONTROLLER://127.0.0.1:${p.kafkaController}`,
  `advertised.listeners=PLAINTEXT://127.0.0.1:${p.kafka}`,
  'controller.listener.names=CONTROLLER',
  'inter.broker.listener.name=PLAINTEXT',
  'listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT',
  `log.dirs=${dataDir}`,
  'num.partitions=1',
  'offsets.topic.replication.factor=1',
  'offsets.topic.num.partitions=1',
  'transaction.state.log.replication.factor=1',
  'transaction.state.log.min.isr=1',
  'transaction.state.log.num.partitions=1',
  'share.coordinator.state.topic.replication.factor=1',
  'share.coordinator.state.topic.min.isr=1',
  'group.initial.rebalance.delay.ms=0',
  // A deleted topic's files go at once, not a minute later: every demo run, test suite and
  // chaos scenario deletes its topics, and removing dozens of partitions' files stalled the
  // broker's produce path for 100-250 ms in the middle of whatever ran a minute later.
  'log.segment.delete.delay.ms=0',
  'auto.create.topics.enable=false',
  ''
].join('\n')

// Quiet by default; the broker's own "Kafka Server started" line stays visible.
export const kafkaLog4j = [
  'status = warn',
  'appender.console.type = Console',
  'appender.console.name = STDOUT',
  'appender.console.layout.type = PatternLayout',
  'appender.console.layout.pattern = [%d] %p %m (%c)%n',
  'rootLogger.level = warn',
  'rootLogger.appenderRef.stdout.ref = STDOUT',
  'logger.raft.name = kafka.server.KafkaRaftServer',
  'logger.raft.level = info',
  ''
].join('\n')

/** The secured profile passes its own properties and the SCRAM users to create at format time. */
export interface KafkaOverrides {
  readonly properties: (dataDir: string) => string
  readonly formatArgs: readonly string[]
}

export const prepareKafka = (d: Dirs, p: Ports, overrides?: KafkaOverrides): StartSpec => {
  const home = join(d.run, 'kafka')
  const dataDir = join(home, 'data')
  mkdirSync(home, { recursive: true })
  const props = join(home, 'server.properties')
  const properties = overrides === undefined ? kafkaProperties(p, dataDir) : overrides.properties(dataDir)
  writeFileSync(props, properties, { mode: 0o600 })
  writeFileSync(join(home, 'log4j2.properties'), kafkaLog4j)
  const classpath = join(kafkaLibs(d), '*')
  const jvm = [
    '-Xms256m', '-Xmx512m', `-Dlog4j2.configurationFile=${join(home, 'log4j2.properties')}`, '-cp', classpath
  ]
  if (!existsSync(join(dataDir, 'meta.properties'))) {
    const id = run(javaFor(MIN_JAVA.kafka), [...jvm, 'kafka.tools.StorageTool', 'random-uuid'])
    const clusterId = id.output.trim().split('\n').pop() ?? ''
    if (!id.ok || !/^[A-Za-z0-9_-]{22}$/.test(clusterId)) throw new Error(`kafka storage tool failed:\n${id.output}`)
    const format = ['format', '-t', clusterId, '-c', props, '--ignore-formatted', ...(overrides?.formatArgs ?? [])]
    const fmt = run(javaFor(MIN_JAVA.kafka), [...jvm, 'kafka.tools.StorageTool', ...format])
    if (!fmt.ok) throw new Error(`kafka storage format failed:\n${fmt.output}`)
  }
  return {
    service: 'kafka', command: javaFor(MIN_JAVA.kafka), args: [...jvm, 'kafka.Kafka', props], port: p.kafka,
    logFile: join(home, 'kafka.log')
  }
}

export const prepareRegistry = (d: Dirs, p: Ports): StartSpec => {
  const home = join(d.run, 'registry')
  mkdirSync(home, { recursive: true })
  return {
    service: 'registry',
    command: javaFor(MIN_JAVA.registry),
    args: ['-Xms128m', '-Xmx512m', '-jar', join(apicurioHome(d), 'quarkus-run.jar')],
    cwd: home,
    env: {
      QUARKUS_HTTP_HOST: '127.0.0.1',
      QUARKUS_HTTP_PORT: String(p.registry),
      QUARKUS_MANAGEMENT_HOST: '127.0.0.1',
      QUARKUS_MANAGEMENT_PORT: String(p.registryManagement),
      // Schemas on disk (H2 file database; the default is H2 in memory), so a restarted
      // registry keeps every subject and id and the records already written stay decodable.
      APICURIO_DATASOURCE_URL: `jdbc:h2:file:${join(home, 'data', 'registry')};DB_CLOSE_DELAY=-1`,
      QUARKUS_LOG_LEVEL: 'WARN',
      QUARKUS_LOG_CATEGORY__IO_QUARKUS__LEVEL: 'INFO'
    },
    port: p.registry,
    logFile: join(home, 'registry.log')
  }
}

// Persistence: an append-only file fsynced every second (no RDB snapshots), so profiles and
// their sync markers survive a restart, as in production (README "Reference data"). A Redis
// that lost them anyway is noticed by the markers: lookups count as unknown until reloaded.
export const prepareRedis = (d: Dirs, p: Ports): StartSpec => {
  const home = join(d.run, 'redis')
  mkdirSync(home, { recursive: true })
  return {
    service: 'redis',
    command: 'redis-server',
    args: [
      '--port', String(p.redis), '--bind', '127.0.0.1', '--save', '',
      '--appendonly', 'yes', '--appendfsync', 'everysec', '--dir', home, '--daemonize', 'no'
    ],
    port: p.redis,
    logFile: join(home, 'redis.log')
  }
}

// --- readiness probes ----------------------------------------------------------------------

const quiet = createLogger({ level: 'silent' })

export const kafkaReady = async (p: Ports): Promise<boolean> => {
  if (!(await portOpen(p.kafka))) return false
  // Bounded: something else listening on the port (not Kafka) must not hold the probe for
  // kafkajs's default 30 s request timeout.
  const { kafka } = loadConfig({ env: { KAFKA_BROKERS: stackEnv(p).KAFKA_BROKERS } })
  const admin = createKafka(kafka, quiet, { connectionTimeout: 1000, requestTimeout: 2000, retry: { retries: 0 } })
    .admin()
  try {
    await admin.connect()
    const cluster = await admin.describeCluster()
    return cluster.brokers.length > 0 && cluster.controller !== null
  } finally {
    await admin.disconnect().catch(() => undefined)
  }
}

export const registryReady = async (p: Ports): Promise<boolean> => {
  const res = await fetch(`${stackEnv(p).SCHEMA_REGISTRY_URL}/subjects`, { signal: AbortSignal.timeout(1000) })
  return res.ok && Array.isArray(await res.json())
}

export const redisReady = async (p: Ports): Promise<boolean> => {
  const { createConnection } = await import('node:net')
  return await new Promise((resolve) => {
    const socket = createConnection({ host: '127.0.0.1', port: p.redis })
    let reply = ''
    const done = (ok: boolean): void => {
      socket.destroy()
      resolve(ok)
    }
    socket.setTimeout(1000, () => done(false))
    socket.once('connect', () => socket.write('PING\r\n'))
    socket.on('data', (chunk) => {
      reply += chunk.toString('latin1')
      if (reply.includes('\r\n')) done(reply.startsWith('+PONG'))
    })
    socket.once('error', () => done(false))
  })
}

export const listCache = (d: Dirs): string[] => existsSync(d.cache) ? readdirSync(d.cache) : []
