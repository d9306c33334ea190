// The schema registry, seen through @kafkajs/confluent-schema-registry 4.1.0 (pointed at any
// Confluent-compatible API, e.g. Apicurio's /apis/ccompat/v7). What the library does, read from
// its source, and what this wrapper adds:
// - getSchema(id): GET /schemas/ids/{id}, cached per id forever, concurrent misses share one
//   request. A 404 surfaces as an error with `status: 404`; a refused connection as `status: 400`
//   without any registry answer (mappersmith's client-error response); GET is retried by the
//   library only on 5xx. The library sets no request timeout, so we race one.
// - register(): reads GET /config/{subject} and THROWS if the level differs from the one asked
//   for; only when the subject has no config yet does it PUT the level afterwards. We therefore
//   settle the level first (below) and then register. Registration is asked again, up to three
//   attempts, after a timeout, a 5xx or a broken connection (a registry that paused); a
//   refusal (4xx, TLS) is final. The waits (0.5 s, then 2 s) carry up to 50 % jitter: instances
//   started together, which meet the same paused registry, do not ask again in step.
// - decode(): parses the reader schema again on every call; we do not use it (decoder.ts keeps
//   one resolver per writer id instead).
//
// Unknown-id policy: an id the registry answers 404 for is E_DECODE_UNKNOWN_SCHEMA (reject: the
// id was never issued, waiting will not help) and is remembered for `unknownIdTtlMs` so a flood
// of such records costs one request. Anything else (refused, timeout, 5xx) is
// E_DECODE_REGISTRY_UNAVAILABLE (retry): the caller backs off and tries again, and gives up to
// the dead-letter topic after its own retry budget. Ids already resolved never touch the
// network, so a registry outage does not stop records whose schema we have seen.
import { readFileSync } from 'node:fs'
import { Agent, request } from 'node:https'
import { COMPATIBILITY, SchemaRegistry, SchemaType } from '@kafkajs/confluent-schema-registry'
import avsc, { type Type } from 'avsc'
import type { RegistryConfig } from '../config.ts'
import { ParcelRiskError } from '../errors.ts'
import { retryPolicy } from '../retry.ts'
import { fail, ok, type Result } from './result.ts'
import { request as httpRequest } from 'node:http'

export interface Registry {
  /** The writer type for a schema id: from memory, or one registry request. Never throws. */
  readonly writerType: (schemaId: number) => Promise<Result<Type>>
  /** Registers `schema` under `subject` (compatibility at least BACKWARD) and returns its id. */
  readonly register: (subject: string, schema: object) => Promise<number>
}

/** Levels that already guarantee what BACKWARD guarantees; any other level is replaced. */
const ACCEPTED_LEVELS: ReadonlySet<string> = new Set(['BACKWARD', 'BACKWARD_TRANSITIVE', 'FULL', 'FULL_TRANSITIVE'])

const statusOf = (err: unknown): number | undefined =>
  typeof err === 'object' && err !== null && 'status' in err && typeof err.status === 'number' ? err.status : undefined

class RegistryTimeout extends Error {}

/** An HTTP answer that is not a success; `status` as the library's own errors carry it. */
class RegistryStatus extends Error {
  readonly status: number
  constructor (status: number, message: string) {
    super(message)
    this.status = status
  }
}

/** Network errors that say nothing about the request itself. */
const TRANSIENT_CODES: ReadonlySet<string> = new Set([
  'ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EAI_AGAIN', 'ECONNABORTED', 'EHOSTUNREACH', 'ENETUNREACH'
])

/** A timeout, a 5xx or a connection that broke: worth asking again. Refusals (4xx, TLS) are not. */
const isTransient = (err: unknown): boolean => {
  if (err instanceof RegistryTimeout) return true
  const status = statusOf(err)
  if (status !== undefined) return status >= 500
  const code = typeof err === 'object' && err !== null && 'code' in err ? String(err.code) : ''
  return TRANSIENT_CODES.has(code)
}

/** Registration tries a stalled or failing registry this many times, waiting 0.5 s, then 2 s (less jitter). */
export const REGISTRATION_ATTEMPTS = 3
const registration = retryPolicy({
  attempts: REGISTRATION_ATTEMPTS,
  backoff: { firstMs: 500, growth: 'exponential', factor: 4, maxMs: 2_000 },
  jitter: 0.5,
  retryable: isTransient
})

const withTimeout = async <T>(promise: Promise<T>, ms: number, what: string): Promise<T> => {
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => {
      reject(new RegistryTimeout(`${what} timed out after ${ms} ms`))
    }, ms)
  })
  try {
    return await Promise.race([promise, timeout])
  } finally {
    clearTimeout(timer)
  }
}

/** The registry slice: url, basic-auth credentials, CA file, request timeout, unknown-id TTL. */
export type RegistryClientConfig = Pick<RegistryConfig, 'url' | 'requestTimeoutMs' | 'unknownIdTtlMs'> &
  Partial<Pick<RegistryConfig, 'username' | 'password' | 'caFile'>>

interface HttpAnswer { readonly status: number, readonly ok: boolean, readonly text: string }

/**
 * One JSON request with the client's credentials and TLS agent (global fetch can take
 * neither a CA nor an agent). Rejects on a network or TLS failure, like fetch.
 */
interface HttpInit {
  readonly method: string
  readonly headers: Record<string, string>
  readonly body?: string
  readonly agent: Agent | undefined
  readonly timeoutMs: number
}

const httpJson = (url: string, init: HttpInit): Promise<HttpAnswer> =>
  new Promise((resolve, reject) => {
    const target = new URL(url)
    const send = target.protocol === 'https:' ? request : httpRequest
    const options = { method: init.method, headers: init.headers, agent: init.agent, timeout: init.timeoutMs }
    const req = send(target, options, (res) => {
      let text = ''
      res.setEncoding('utf8')
      res.on('data', (chunk: string) => {
        text += chunk
      })
      res.on('end', () => {
        const status = res.statusCode ?? 0
        resolve({ status, ok: status >= 200 && status < 300, text })
      })
      res.on('error', reject)
    })
    req.on('timeout', () => {
      req.destroy(new RegistryTimeout(`${init.method} ${url} timed out after ${init.timeoutMs} ms`))
    })
    req.on('error', reject)
    req.end(init.body)
  })

// The one registry client factory, used by the processor, the profile consumer and every
// command, so the credentials cannot be forgotten in one of them.
export const createRegistry = (config: RegistryClientConfig): Registry => {
  const base = config.url.replace(/\/+$/, '')
  const auth = config.username === undefined
    ? {}
    : { auth: { username: config.username, password: config.password ?? '' } }
  // A private CA (the file read once, here); without one, the system CAs as usual.
  const agent = config.caFile === undefined || !base.startsWith('https:')
    ? undefined
    : new Agent({ keepAlive: true, ca: readFileSync(config.caFile) })
  const client = new SchemaRegistry({
    host: base,
    ...auth,
    ...(agent === undefined ? {} : { agent }),
    retry: { retries: 1, initialRetryTimeInSecs: 0.1, maxRetryTimeInSecs: 1 }
  })
  const authorization: Record<string, string> = config.username === undefined
    ? {}
    : { authorization: `Basic ${Buffer.from(`${config.username}:${config.password ?? ''}`).toString('base64')}` }
  const unknownUntil = new Map<number, number>()

  const writerType = async (schemaId: number): Promise<Result<Type>> => {
    const notFound = (): Result<Type> =>
      fail(new ParcelRiskError('E_DECODE_UNKNOWN_SCHEMA', `no schema registered under id ${schemaId}`))
    // Registries issue positive ids only; do not spend a request on the others.
    if (schemaId <= 0) return notFound()
    const until = unknownUntil.get(schemaId)
    if (until !== undefined) {
      if (until > Date.now()) return notFound()
      unknownUntil.delete(schemaId)
    }
    let schema: unknown
    try {
      const lookup = client.getSchema(schemaId)
      schema = await withTimeout(lookup, config.requestTimeoutMs, `schema lookup for id ${schemaId}`)
    } catch (err) {
      const status = statusOf(err)
      if (status === 404) {
        if (unknownUntil.size >= 10_000) unknownUntil.clear()
        unknownUntil.set(schemaId, Date.now() + config.unknownIdTtlMs)
        return notFound()
      }
      if (status === undefined && !(err instanceof RegistryTimeout)) {
        // No HTTP status and no timeout: the registry answered, but with a schema the library
        // could not turn into an Avro type.
        return fail(new ParcelRiskError('E_DECODE_SCHEMA_INCOMPATIBLE',
          `schema id ${schemaId} cannot be parsed: ${(err as Error).message}`, { cause: err }))
      }
      return fail(new ParcelRiskError('E_DECODE_REGISTRY_UNAVAILABLE',
        `schema id ${schemaId} not cached and the registry is unavailable: ${(err as Error).message}`, { cause: err }))
    }
    if (!avsc.Type.isType(schema)) {
      return fail(new ParcelRiskError('E_DECODE_SCHEMA_INCOMPATIBLE', `schema id ${schemaId} is not an Avro schema`))
    }
    return ok(schema as Type)
  }

  const configUrl = (subject: string): string => `${base}/config/${encodeURIComponent(subject)}`

  // Instances starting together race to create the subject's rule: the loser's PUT answers
  // 409 (Apicurio: "A rule named 'COMPATIBILITY' already exists"), so it reads the level
  // the winner set instead of failing start-up.
  const settleCompatibility = async (subject: string, attempt = 1): Promise<COMPATIBILITY> => {
    const current = await httpJson(configUrl(subject), {
      method: 'GET', headers: { ...authorization }, agent, timeoutMs: config.requestTimeoutMs
    })
    if (current.ok) {
      const answer = JSON.parse(current.text) as { compatibilityLevel?: unknown }
      const level = String(answer.compatibilityLevel ?? '').toUpperCase()
      if (ACCEPTED_LEVELS.has(level)) return level as COMPATIBILITY
    } else if (current.status !== 404) {
      throw new RegistryStatus(current.status,
        `GET ${configUrl(subject)} answered ${current.status}: ${current.text.slice(0, 200)}`)
    }
    const put = await httpJson(configUrl(subject), {
      method: 'PUT',
      headers: { 'content-type': 'application/vnd.schemaregistry.v1+json', ...authorization },
      body: JSON.stringify({ compatibility: COMPATIBILITY.BACKWARD }),
      agent,
      timeoutMs: config.requestTimeoutMs
    })
    if (put.status === 409 && attempt === 1) return await settleCompatibility(subject, 2)
    if (!put.ok) {
      throw new RegistryStatus(put.status,
        `PUT ${configUrl(subject)} answered ${put.status}: ${put.text.slice(0, 200)}`)
    }
    return COMPATIBILITY.BACKWARD
  }

  const registerOnce = async (subject: string, schema: object): Promise<number> => {
    const compatibility = await settleCompatibility(subject)
    const { id } = await withTimeout(
      client.register({ type: SchemaType.AVRO, schema: JSON.stringify(schema) },
        { subject, compatibility, updateConfig: false }),
      config.requestTimeoutMs, `registering ${subject}`)
    return id
  }

  // Both steps are idempotent (the level is set to what it is, the same schema gets the same
  // id), so a registry that stalled or answered 5xx is asked again; a refusal is final.
  const register = async (subject: string, schema: object): Promise<number> => {
    let attempts = 0
    try {
      return await registration.run(async (attempt) => {
        attempts = attempt
        return await registerOnce(subject, schema)
      })
    } catch (err) {
      const tries = attempts === 1 ? '' : ` (${attempts} attempts)`
      throw new ParcelRiskError('E_PUBLISH_SCHEMA_REGISTRATION',
        `registering a schema under subject ${subject} failed${tries}: ${(err as Error).message}`, { cause: err })
    }
  }

  return { writerType, register }
}
