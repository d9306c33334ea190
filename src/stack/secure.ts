// The secured profile of the local stack (`stack up --secure`): the same Kafka, Apicurio
// Registry and Redis, locked down as a production deployment is, on their own ports and in
// their own run directory, so it runs beside the plain stack.
//
//   Kafka     one SASL_SSL listener (SCRAM-SHA-512), no plaintext client listener; SCRAM users
//             created at format time; StandardAuthorizer with ACLs (SECURE_ACLS below); the
//             controller listener is SSL with client certificates (the broker's own).
//   registry  Apicurio on loopback behind an HTTPS front with basic auth (registry-proxy.ts
//             says why a front).
//   Redis     TLS only (--port 0), the default user off, one ACL user limited to the
//             commands parcel-risk sends and its key prefix.
// Certificates and passwords are generated at first start (tls-material.ts).
import { dirname, join } from 'node:path'
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { request } from 'node:https'
import kafkajs, { type AclEntry } from 'kafkajs'
import { loadConfig } from '../config-load.ts'
import { connectRedis } from '../enrich/redis-client.ts'
import { createKafka } from '../kafka/client.ts'
import { topicPlan } from '../kafka/topics.ts'
import { createLogger } from '../logger.ts'
import { portOpen, type StartSpec } from './process.ts'
import { REGISTRY_USER } from './registry-proxy.ts'
import { findJava, kafkaProperties, MIN_JAVA, prepareKafka, prepareRegistry, type Dirs } from './services.ts'
import { ensureMaterial, materialIn, readSecrets, SERVER_CN, type Material, type Secrets } from './tls-material.ts'

export const SECURE_SERVICES = ['kafka', 'registry', 'registry-front', 'redis'] as const
export type SecureService = typeof SECURE_SERVICES[number]

export interface SecurePorts {
  readonly kafka: number
  readonly kafkaController: number
  /** The HTTPS front clients use. */
  readonly registry: number
  /** Apicurio itself, plain HTTP on loopback, reached only through the front. */
  readonly registryBackend: number
  readonly registryManagement: number
  readonly redis: number
}

export const SECURE_PORT_SETTINGS: Record<keyof SecurePorts, { readonly env: string, readonly fallback: number }> = {
  kafka: { env: 'PARCEL_RISK_SECURE_KAFKA_PORT', fallback: 19094 },
  kafkaController: { env: 'PARCEL_RISK_SECURE_KAFKA_CONTROLLER_PORT', fallback: 19095 },
  registry: { env: 'PARCEL_RISK_SECURE_REGISTRY_PORT', fallback: 18082 },
  registryBackend: { env: 'PARCEL_RISK_SECURE_REGISTRY_BACKEND_PORT', fallback: 18083 },
  registryManagement: { env: 'PARCEL_RISK_SECURE_REGISTRY_MANAGEMENT_PORT', fallback: 18093 },
  redis: { env: 'PARCEL_RISK_SECURE_REDIS_PORT', fallback: 17380 }
}

export const securePorts = (): SecurePorts => {
  const read = (key: keyof SecurePorts): number => {
    const { env, fallback } = SECURE_PORT_SETTINGS[key]
    const raw = process.env[env]
    if (raw === undefined || raw === '') return fallback
    const port = Number(raw)
    if (!Number.isInteger(port) || port < 1 || port > 65535) throw new Error(`${env} must be a TCP port, got '${raw}'`)
    return port
  }
  return {
    kafka: read('kafka'), kafkaController: read('kafkaController'), registry: read('registry'),
    registryBackend: read('registryBackend'), registryManagement: read('registryManagement'), redis: read('redis')
  }
}

/** The Kafka users and what each is for. */
// kafkajs is CommonJS and lists these enums after a spread, which Node's named-export
// detection does not see: take them from the default export.
const { AclOperationTypes, AclPermissionTypes, AclResourceTypes, ResourcePatternTypes } = kafkajs

export const KAFKA_USERS = { admin: 'admin', processor: 'parcel-risk', feeder: 'parcel-risk-feeder' } as const
export const REDIS_USER = 'parcel-risk'
/** The key prefix the Redis user is limited to: the default redis.keyPrefix. */
export const REDIS_KEY_PREFIX = 'pr:'

// --- Kafka ---------------------------------------------------------------------------------

const secureKafkaProperties = (p: SecurePorts, m: Material, s: Secrets) => (dataDir: string): string => {
  const replaced = new Set([
    'listeners', 'advertised.listeners', 'inter.broker.listener.name', 'listener.security.protocol.map'
  ])
  const common = kafkaProperties({ ...p, registry: p.registryBackend }, dataDir).split('\n')
    .filter((line) => line !== '' && !replaced.has(line.split('=')[0] ?? ''))
  return [
    ...common,
    `listeners=SASL_SSL://127.0.0.1:${p.kafka},CONTROLLER://127.0.0.1:${p.kafkaController}`,
    `advertised.listeners=SASL_SSL://127.0.0.1:${p.kafka}`,
    'inter.broker.listener.name=SASL_SSL',
    'listener.security.protocol.map=CONTROLLER:SSL,SASL_SSL:SASL_SSL',
    'sasl.enabled.mechanisms=SCRAM-SHA-512',
    'sasl.mechanism.inter.broker.protocol=SCRAM-SHA-512',
    'listener.name.sasl_ssl.scram-sha-512.sasl.jaas.config=' +
      'org.apache.kafka.common.security.scram.ScramLoginModule required ' +
      `username="${KAFKA_USERS.admin}" password="${s.kafkaAdmin}";`,
    'ssl.keystore.type=PKCS12',
    `ssl.keystore.location=${m.keyStore}`,
    `ssl.keystore.password=${s.keyStore}`,
    `ssl.key.password=${s.keyStore}`,
    'ssl.truststore.type=PKCS12',
    `ssl.truststore.location=${m.trustStore}`,
    `ssl.truststore.password=${s.keyStore}`,
    // The controller listener takes only the broker itself: mutual TLS, and the certificate's
    // CN becomes its principal, a super user.
    'listener.name.controller.ssl.client.auth=required',
    'ssl.principal.mapping.rules=RULE:^CN=([^,]*)(,.*)?$/$1/,DEFAULT',
    'authorizer.class.name=org.apache.kafka.metadata.authorizer.StandardAuthorizer',
    `super.users=User:${KAFKA_USERS.admin};User:${SERVER_CN}`,
    'allow.everyone.if.no.acl.found=false',
    ''
  ].join('\n')
}

const topicDefaults = (): {
  declarations: string, decisions: string, shadow: string, dlq: string,
  profileUpdates: string, inspectionOutcomes: string, outcomesDlq: string
} =>
  loadConfig({ env: {} }).kafka.topics

/**
 * The ACLs of the processor and feeder users. Topic names follow the project's naming: the
 * configured name itself (LITERAL) or the name, a dot and a suffix (PREFIXED `name.`), so
 * `declarations.eu-west` is a declarations topic while `declarations-dlq` is not. Groups and
 * transactional ids: PREFIXED with the default group id / transactional id prefix.
 */
export const secureAcls = (): AclEntry[] => {
  const t = topicDefaults()
  type Entry<K extends keyof AclEntry> = AclEntry[K]
  const allow = (
    principal: string,
    resourceType: Entry<'resourceType'>,
    resourceName: string,
    resourcePatternType: Entry<'resourcePatternType'>,
    operation: Entry<'operation'>
  ): AclEntry => ({
    principal: `User:${principal}`, host: '*', resourceType, resourceName, resourcePatternType, operation,
    permissionType: AclPermissionTypes.ALLOW
  })
  const topic = (principal: string, name: string, operation: Entry<'operation'>): AclEntry[] => [
    allow(principal, AclResourceTypes.TOPIC, name, ResourcePatternTypes.LITERAL, operation),
    allow(principal, AclResourceTypes.TOPIC, `${name}.`, ResourcePatternTypes.PREFIXED, operation)
  ]
  const { processor, feeder } = KAFKA_USERS
  const groups = (principal: string): AclEntry =>
    allow(principal, AclResourceTypes.GROUP, 'parcel-risk', ResourcePatternTypes.PREFIXED, AclOperationTypes.READ)
  return [
    ...topic(processor, t.declarations, AclOperationTypes.READ),
    ...topic(processor, t.profileUpdates, AclOperationTypes.READ),
    ...topic(processor, t.decisions, AclOperationTypes.WRITE),
    ...topic(processor, t.shadow, AclOperationTypes.WRITE),
    ...topic(processor, t.dlq, AclOperationTypes.WRITE),
    // `parcel-risk outcomes`: joins the outcomes to the decisions it reads back.
    ...topic(processor, t.decisions, AclOperationTypes.READ),
    ...topic(processor, t.inspectionOutcomes, AclOperationTypes.READ),
    ...topic(processor, t.outcomesDlq, AclOperationTypes.WRITE),
    groups(processor),
    allow(processor, AclResourceTypes.TRANSACTIONAL_ID, 'parcel-risk', ResourcePatternTypes.PREFIXED,
      AclOperationTypes.WRITE),
    ...topic(feeder, t.declarations, AclOperationTypes.WRITE),
    ...topic(feeder, t.profileUpdates, AclOperationTypes.WRITE),
    ...topic(feeder, t.inspectionOutcomes, AclOperationTypes.WRITE)
  ]
}

// --- environment ----------------------------------------------------------------------------

export type SecureRole = 'processor' | 'feeder' | 'admin'

/**
 * The environment of a client of the secured stack. processor: `run` and `profiles load`;
 * feeder: `generate --to-topic` (writes declarations, which the processor may only read);
 * admin: the Kafka super user, for topic and ACL administration.
 */
export const secureEnv = (
  p: SecurePorts, m: Material, s: Secrets, role: SecureRole = 'processor'
): Record<string, string> => ({
  KAFKA_BROKERS: `127.0.0.1:${p.kafka}`,
  PARCEL_RISK_KAFKA_TLS_ENABLED: 'true',
  PARCEL_RISK_KAFKA_TLS_CA_FILE: m.caFile,
  PARCEL_RISK_KAFKA_SASL_MECHANISM: 'scram-sha-512',
  PARCEL_RISK_KAFKA_SASL_USERNAME: KAFKA_USERS[role],
  PARCEL_RISK_KAFKA_SASL_PASSWORD:
    role === 'admin' ? s.kafkaAdmin : role === 'feeder' ? s.kafkaFeeder : s.kafkaProcessor,
  // The processor holds no CREATE permission: the stack created the topics.
  PARCEL_RISK_KAFKA_CREATE_TOPICS: 'false',
  SCHEMA_REGISTRY_URL: `https://127.0.0.1:${p.registry}/apis/ccompat/v7`,
  PARCEL_RISK_REGISTRY_USERNAME: REGISTRY_USER,
  PARCEL_RISK_REGISTRY_PASSWORD: s.registry,
  PARCEL_RISK_REGISTRY_CA_FILE: m.caFile,
  REDIS_URL: `rediss://127.0.0.1:${p.redis}`,
  PARCEL_RISK_REDIS_TLS_ENABLED: 'true',
  PARCEL_RISK_REDIS_TLS_CA_FILE: m.caFile,
  PARCEL_RISK_REDIS_USERNAME: REDIS_USER,
  PARCEL_RISK_REDIS_PASSWORD: s.redisProcessor,
  PARCEL_RISK_REDIS_IDENTITY_KEY: s.identityKey
})

// --- start specs ----------------------------------------------------------------------------

const keytool = (): string => {
  const java = findJava(MIN_JAVA.kafka)
  return java === undefined || java === 'java' ? 'keytool' : join(dirname(java), 'keytool')
}

export const prepareMaterial = (d: Dirs): { material: Material, secrets: Secrets } => ensureMaterial(d.run, keytool())

export const prepareSecureKafka = (d: Dirs, p: SecurePorts): StartSpec => {
  const { material, secrets } = prepareMaterial(d)
  const scram = (user: string, password: string): string[] =>
    ['--add-scram', `SCRAM-SHA-512=[name=${user},password=${password}]`]
  return prepareKafka(d, { ...p, registry: p.registryBackend }, {
    properties: secureKafkaProperties(p, material, secrets),
    formatArgs: [
      ...scram(KAFKA_USERS.admin, secrets.kafkaAdmin),
      ...scram(KAFKA_USERS.processor, secrets.kafkaProcessor),
      ...scram(KAFKA_USERS.feeder, secrets.kafkaFeeder)
    ]
  })
}

export const prepareSecureRegistry = (d: Dirs, p: SecurePorts): StartSpec =>
  prepareRegistry(d, {
    kafka: p.kafka, kafkaController: p.kafkaController, registry: p.registryBackend,
    registryManagement: p.registryManagement, redis: p.redis
  })

export const prepareRegistryFront = (d: Dirs, p: SecurePorts): StartSpec => {
  const { material } = prepareMaterial(d)
  const home = join(d.run, 'registry-front')
  mkdirSync(home, { recursive: true })
  return {
    service: 'registry-front',
    command: process.execPath,
    args: [join(d.root, 'registry-proxy.ts')],
    env: {
      PROXY_PORT: String(p.registry),
      BACKEND_PORT: String(p.registryBackend),
      TLS_CERT_FILE: material.certFile,
      TLS_KEY_FILE: material.keyFile,
      SECRETS_FILE: material.secretsFile
    },
    port: p.registry,
    logFile: join(home, 'registry-front.log')
  }
}

// The commands parcel-risk sends (the processor, its Lua scripts, `profiles load|status`, the
// outcome intake, the console, the ioredis connection handshake), on keys under its prefix
// only; secure.test.ts finds every command in the source and fails on one missing here.
// Everything else, FLUSHALL, CONFIG, KEYS and MONITOR among it, answers NOPERM.
export const REDIS_COMMANDS = [
  'auth', 'hello', 'ping', 'info', 'select', 'quit', 'client|setname', 'client|getname', 'client|id', 'client|info',
  'get', 'mget', 'set', 'incr', 'decr', 'exists', 'type', 'ttl', 'pttl', 'scan', 'del', 'unlink', 'pexpire',
  'pexpireat', 'expire',
  'hget', 'hmget', 'hgetall', 'hkeys', 'hlen', 'hexists', 'hset', 'hsetnx', 'hdel', 'hincrby', 'hscan',
  'xadd', 'xrange', 'xrevrange', 'sadd', 'smembers', 'rpush', 'lrange',
  'zadd', 'zrem', 'zcard', 'zrevrange', 'zremrangebyrank', 'zinterstore',
  'multi', 'exec', 'eval', 'evalsha', 'script|load', 'script|exists'
] as const

export const prepareSecureRedis = (d: Dirs, p: SecurePorts): StartSpec => {
  const { material, secrets } = prepareMaterial(d)
  const home = join(d.run, 'redis')
  mkdirSync(home, { recursive: true })
  const conf = join(home, 'redis.conf')
  writeFileSync(conf, [
    'port 0',
    `tls-port ${p.redis}`,
    'bind 127.0.0.1',
    `tls-cert-file ${material.certFile}`,
    `tls-key-file ${material.keyFile}`,
    `tls-ca-cert-file ${material.caFile}`,
    'tls-auth-clients no',
    'save ""',
    'appendonly yes',
    'appendfsync everysec',
    `dir ${home}`,
    'daemonize no',
    'user default off',
    `user ${REDIS_USER} on >${secrets.redisProcessor} ~${REDIS_KEY_PREFIX}* resetchannels -@all ` +
      REDIS_COMMANDS.map((c) => `+${c}`).join(' '),
    ''
  ].join('\n'), { mode: 0o600 })
  return { service: 'redis', command: 'redis-server', args: [conf], port: p.redis, logFile: join(home, 'redis.log') }
}

// --- readiness and provisioning -----------------------------------------------------------

const quiet = createLogger({ level: 'silent' })

const adminConfig = (p: SecurePorts, m: Material, s: Secrets) => loadConfig({ env: secureEnv(p, m, s, 'admin') })

export const secureKafkaReady = async (d: Dirs, p: SecurePorts): Promise<boolean> => {
  if (!(await portOpen(p.kafka))) return false
  const m = materialIn(d.run)
  const admin = createKafka(adminConfig(p, m, readSecrets(m)).kafka, quiet,
    { connectionTimeout: 2000, requestTimeout: 3000, retry: { retries: 0 } }).admin()
  try {
    await admin.connect()
    const cluster = await admin.describeCluster()
    return cluster.brokers.length > 0 && cluster.controller !== null
  } finally {
    await admin.disconnect().catch(() => undefined)
  }
}

export const secureRegistryBackendReady = async (p: SecurePorts): Promise<boolean> => {
  const res = await fetch(`http://127.0.0.1:${p.registryBackend}/apis/ccompat/v7/subjects`,
    { signal: AbortSignal.timeout(1000) })
  return res.ok
}

export const registryFrontReady = async (d: Dirs, p: SecurePorts): Promise<boolean> => {
  const m = materialIn(d.run)
  const auth = Buffer.from(`${REGISTRY_USER}:${readSecrets(m).registry}`).toString('base64')
  return await new Promise((resolve) => {
    const options = {
      host: '127.0.0.1', port: p.registry, path: '/apis/ccompat/v7/subjects', ca: readFileSync(m.caFile),
      headers: { authorization: `Basic ${auth}` }, timeout: 1500
    }
    const req = request(options, (res) => {
      res.resume()
      resolve(res.statusCode === 200)
    })
    req.on('timeout', () => {
      req.destroy()
    })
    req.on('error', () => {
      resolve(false)
    })
    req.end()
  })
}

export const secureRedisReady = async (d: Dirs, p: SecurePorts): Promise<boolean> => {
  if (!(await portOpen(p.redis))) return false
  const m = materialIn(d.run)
  const redis = await connectRedis(loadConfig({ env: secureEnv(p, m, readSecrets(m)) }).redis, quiet, 1000)
  try {
    return (await redis.ping()) === 'PONG'
  } finally {
    redis.disconnect()
  }
}

/** Creates the default topics (as the admin user) and the ACLs of SECURE_ACLS; idempotent. */
export const provisionKafka = async (d: Dirs, p: SecurePorts): Promise<void> => {
  const m = materialIn(d.run)
  const config = adminConfig(p, m, readSecrets(m)).kafka
  const admin = createKafka(config, quiet).admin()
  await admin.connect()
  try {
    const present = new Set(await admin.listTopics())
    const missing = topicPlan(config).filter((t) => !present.has(t.topic))
    if (missing.length > 0) await admin.createTopics({ topics: missing, waitForLeaders: true })
    await admin.createAcls({ acl: secureAcls() })
  } finally {
    await admin.disconnect()
  }
}
