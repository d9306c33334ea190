// Refusals by a secured service: what a failed connection or request to Kafka, the schema
// registry or Redis means when the cause is authentication, authorisation or TLS, as one coded
// error that says what to fix. Recognised from the error chain the clients produce (kafkajs
// errors' `type` and `name`, Node's TLS error codes, Redis reply prefixes, HTTP statuses), so
// nothing here imports a client library. The messages name the service, the user (never a
// password) and, for a missing ACL, the resources and operations the command needs; the
// original client message is not repeated, so nothing it might carry is echoed.
import { ParcelRiskError } from './errors.ts'

export type Service = 'kafka' | 'registry' | 'redis'

/** What a command needs from Kafka, for the message of a missing ACL. */
export interface KafkaNeeds {
  readonly read?: readonly string[]
  readonly write?: readonly string[]
  readonly groups?: readonly string[]
  readonly transactionalIds?: readonly string[]
}

export interface RefusalContext {
  readonly kafkaUser?: string | undefined
  readonly redisUser?: string | undefined
  readonly kafkaNeeds?: KafkaNeeds
}

// Node's (OpenSSL's) codes for a server certificate that does not verify.
const TLS_CODES = new Set([
  'SELF_SIGNED_CERT_IN_CHAIN', 'DEPTH_ZERO_SELF_SIGNED_CERT', 'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY', 'CERT_HAS_EXPIRED', 'CERT_NOT_YET_VALID', 'CERT_UNTRUSTED', 'CERT_REVOKED',
  'ERR_TLS_CERT_ALTNAME_INVALID', 'CERT_SIGNATURE_FAILURE', 'INVALID_CA'
])

const AUTHORIZATION_TYPES = new Set([
  'TOPIC_AUTHORIZATION_FAILED', 'GROUP_AUTHORIZATION_FAILED', 'CLUSTER_AUTHORIZATION_FAILED',
  'TRANSACTIONAL_ID_AUTHORIZATION_FAILED', 'DELEGATION_TOKEN_AUTHORIZATION_FAILED'
])

const TLS_WORDS = /self[- ]signed certificate|unable to verify the first certificate|unable to get local issuer certificate|certificate has expired|Hostname\/IP does not match/i

interface Link {
  readonly name?: unknown
  readonly message?: unknown
  readonly code?: unknown
  readonly type?: unknown
  readonly status?: unknown
  readonly cause?: unknown
  readonly originalError?: unknown
  readonly errors?: unknown
  /** Set by a client factory on the errors it throws (connectRedis: 'redis'). */
  readonly service?: unknown
}

/** Which service a chain came from, from the clients' error names and our own codes. */
const serviceOf = (links: readonly Link[]): Service | undefined => {
  for (const l of links) {
    if (l.service === 'kafka' || l.service === 'registry' || l.service === 'redis') return l.service
    if (text(l.name).startsWith('KafkaJS')) return 'kafka'
    if (l instanceof ParcelRiskError && /^E_(PUBLISH_SCHEMA_REGISTRATION|DECODE_REGISTRY_UNAVAILABLE)$/.test(l.code)) return 'registry'
  }
  return undefined
}

/** Every error in the chain: causes, kafkajs's originalError, aggregated errors. */
const chain = (err: unknown): Link[] => {
  const seen = new Set<unknown>()
  const out: Link[] = []
  const walk = (e: unknown): void => {
    if (typeof e !== 'object' || e === null || seen.has(e) || out.length > 50) return
    seen.add(e)
    const link = e as Link
    out.push(link)
    walk(link.cause)
    walk(link.originalError)
    if (Array.isArray(link.errors)) for (const inner of link.errors) walk(inner)
  }
  walk(err)
  return out
}

const text = (v: unknown): string => typeof v === 'string' ? v : ''

const needsText = (needs: KafkaNeeds | undefined): string => {
  if (needs === undefined) return ''
  const parts = [
    needs.read !== undefined && needs.read.length > 0 ? `READ on topic ${needs.read.join(', ')}` : '',
    needs.write !== undefined && needs.write.length > 0 ? `WRITE on topic ${needs.write.join(', ')}` : '',
    needs.groups !== undefined && needs.groups.length > 0 ? `READ on group ${needs.groups.join(', ')}` : '',
    needs.transactionalIds !== undefined && needs.transactionalIds.length > 0
      ? `WRITE on transactional id ${needs.transactionalIds.join(', ')}`
      : ''
  ].filter((p) => p !== '')
  return parts.length === 0 ? '' : `; this command needs ${parts.join('; ')}`
}

const operationOf: Record<string, string> = {
  TOPIC_AUTHORIZATION_FAILED: 'topic', GROUP_AUTHORIZATION_FAILED: 'consumer group',
  CLUSTER_AUTHORIZATION_FAILED: 'cluster',
  TRANSACTIONAL_ID_AUTHORIZATION_FAILED: 'transactional id', DELEGATION_TOKEN_AUTHORIZATION_FAILED: 'delegation token'
}

/**
 * The refusal behind `err`, as a coded error, or undefined when `err` is something else (an
 * outage, a bad record). `service` is the service the failing step talked to, when known; the
 * chain decides otherwise.
 */
const OWN_REFUSALS = [
  'E_KAFKA_AUTH_FAILED', 'E_KAFKA_NOT_AUTHORISED', 'E_TLS_UNTRUSTED', 'E_REGISTRY_AUTH', 'E_REDIS_AUTH'
]
export const classifyRefusal = (
  err: unknown, context: RefusalContext = {}, service?: Service
): ParcelRiskError | undefined => {
  if (err instanceof ParcelRiskError && OWN_REFUSALS.includes(err.code)) return err
  const links = chain(err)
  const user = (u: string | undefined): string => u === undefined ? 'no user (anonymous)' : `user '${u}'`
  const from = service ?? serviceOf(links)
  // The most specific TLS failure in the chain: Node's code, else OpenSSL's words.
  const tls = links.find((l) => TLS_CODES.has(text(l.code))) ??
    links.find((l) => !(l instanceof ParcelRiskError) && TLS_WORDS.test(text(l.message)))
  if (tls !== undefined) {
    const code = text(tls.code)
    const key = from === undefined
      ? 'the service\'s CA file'
      : from === 'registry' ? 'registry.caFile' : `${from}.tls.caFile`
    const why = code === 'CERT_HAS_EXPIRED' || /expired/i.test(text(tls.message))
      ? 'has expired'
      : code === 'ERR_TLS_CERT_ALTNAME_INVALID'
        ? 'is not issued for this host name'
        : 'is not signed by a trusted certificate authority'
    const certificate = `the ${from === undefined ? 'service' : from}'s TLS certificate`
    return new ParcelRiskError('E_TLS_UNTRUSTED',
      `${certificate} ${why}${code === '' ? '' : ` (${code})`}; set ${key} to the PEM file of its CA`, { cause: err })
  }
  for (const l of links) {
    const name = text(l.name)
    const message = text(l.message)
    const type = text(l.type)
    if (name === 'KafkaJSSASLAuthenticationError' || type === 'SASL_AUTHENTICATION_FAILED') {
      return new ParcelRiskError('E_KAFKA_AUTH_FAILED', `Kafka refused the SASL authentication of ` +
        `${user(context.kafkaUser)}: wrong user name or password, or a mechanism the broker does not enable ` +
        '(kafka.sasl.*)', { cause: err })
    }
    if (AUTHORIZATION_TYPES.has(type)) {
      return new ParcelRiskError('E_KAFKA_NOT_AUTHORISED', `Kafka refused ${user(context.kafkaUser)} access to a ` +
        `${operationOf[type] ?? 'resource'} (${type})${needsText(context.kafkaNeeds)}`, { cause: err })
    }
    const status = typeof l.status === 'number' ? l.status : undefined
    if ((status === 401 || status === 403) && (service === 'registry' || service === undefined)) {
      return new ParcelRiskError('E_REGISTRY_AUTH', `the schema registry answered ${status} ` +
        `(${status === 401 ? 'not authenticated' : 'forbidden'}): check registry.username and registry.password`,
      { cause: err })
    }
    const reply = /^(NOAUTH|WRONGPASS|NOPERM)\b/.exec(message)?.[1]
    if (reply !== undefined) {
      const what = reply === 'NOPERM'
        ? `the Redis ACL of ${user(context.redisUser)} does not allow a command or key this command uses (NOPERM); ` +
          'it needs the commands and key prefix the README lists'
        : `Redis refused the connection of ${user(context.redisUser)} (${reply}): ` +
          'wrong or missing redis.username/redis.password'
      return new ParcelRiskError('E_REDIS_AUTH', what, { cause: err })
    }
  }
  return undefined
}

/** Exit status of a command refused by a secured service. */
export const EXIT_REFUSED = 3

/** The users and the Kafka access the processor (`run`) needs, from its configuration. */
export const processorNeeds = (config: {
  readonly kafka: {
    readonly sasl: { readonly username: string | undefined }
    readonly groupId: string
    readonly transactionalIdPrefix: string
    readonly deliveryMode: string
    readonly topics: {
      readonly declarations: string, readonly decisions: string, readonly shadow: string, readonly dlq: string,
      readonly profileUpdates: string
    }
  }
  readonly redis: { readonly username: string | undefined }
}): RefusalContext => {
  const { kafka } = config
  return {
    kafkaUser: kafka.sasl.username,
    redisUser: config.redis.username,
    kafkaNeeds: {
      read: [kafka.topics.declarations, kafka.topics.profileUpdates],
      write: [kafka.topics.decisions, kafka.topics.shadow, kafka.topics.dlq],
      groups: [kafka.groupId, `${kafka.groupId}-profiles`],
      transactionalIds: kafka.deliveryMode === 'exactly-once' ? [`${kafka.transactionalIdPrefix}*`] : []
    }
  }
}
