// What the config table (config-schema.ts) is made of: the declaration of one key (KeySpec:
// environment variable, how its text is read, default, one-line doc, check), the key paths
// typed as the paths of the Config interface (config.ts), and the checks and builders the
// table's rows share (ranges, topic names, URLs, the TLS block, reference data ages).
import type { Config } from './config.ts'
import { defaultMaxAgesMs, type DataSet } from './enrich/reference-data.ts'

/** How a value is read: from environment text, or from a file's JSON/YAML value. */
export type Kind = 'string' | 'int' | 'bool' | 'list' | 'enum'

export interface KeySpec<V> {
  readonly env: string
  readonly kind: Kind
  readonly default: V
  readonly doc: string
  /** For kind enum: the accepted values. */
  readonly values?: readonly string[]
  /** Returns what is wrong with a parsed value, or undefined when it is fine. */
  readonly check?: (value: NonNullable<V>) => string | undefined
  /** Set only from the environment (never from the config file) and never echoed in errors. */
  readonly secret?: true
}

type Leaf = string | number | boolean | readonly string[] | undefined
type Paths<T> = { [K in keyof T & string]: T[K] extends Leaf ? K : `${K}.${Paths<T[K]>}` }[keyof T & string]
type At<T, P extends string> = P extends `${infer H}.${infer R}`
  ? (H extends keyof T ? At<T[H], R> : never)
  : (P extends keyof T ? T[P] : never)

export type ConfigKey = Paths<Config>
export type Schema = { readonly [P in ConfigKey]: KeySpec<At<Config, P>> }

// --- checks and the builders of repeated keys --------------------------------------------
export const range = (min: number, max = Number.MAX_SAFE_INTEGER) => (n: number): string | undefined =>
  n < min || n > max ? `must be between ${min} and ${max}` : undefined

export const nonBlank = (s: string): string | undefined => s.trim() === '' ? 'must not be blank' : undefined

// A control location names Redis keys and is their Redis Cluster hash tag: no braces, no spaces.
export const locationName = (s: string): string | undefined =>
  /^[A-Za-z0-9._-]{1,64}$/.test(s) ? undefined : 'must be 1–64 characters of A-Z a-z 0-9 . _ -'

// Kafka's own rule for topic names (kafka.common.internals.Topic): legal characters, ≤ 249.
const topicName = (s: string): string | undefined =>
  /^[a-zA-Z0-9._-]{1,249}$/.test(s) && s !== '.' && s !== '..'
    ? undefined
    : 'must be 1–249 characters of a-z A-Z 0-9 . _ -'

export const hostPorts = (list: readonly string[]): string | undefined => {
  if (list.length === 0) return 'must name at least one host:port'
  const bad = list.filter((entry) => !/^[^\s:/]+:\d{1,5}$/.test(entry) && !/^\[[0-9a-fA-F:]+\]:\d{1,5}$/.test(entry))
  return bad.length === 0 ? undefined : `every entry must be host:port (bad: ${bad.join(', ')})`
}

export const url = (protocols: readonly string[]) => (s: string): string | undefined => {
  try {
    const parsed = new URL(s)
    if (protocols.includes(parsed.protocol)) return undefined
    return `must be a ${protocols.map((p) => `${p}//`).join(' or ')} URL`
  } catch {
    return 'must be an absolute URL'
  }
}

export const maxAge = (env: string, set: DataSet, what: string): KeySpec<number> => ({
  env: `PARCEL_RISK_REFERENCE_${env}_MAX_AGE_MS`, kind: 'int', default: defaultMaxAgesMs[set],
  doc: `Longest ${what} may go without a complete load; older, or never loaded, lookups in it count as unknown ` +
    '(reported missing, fallback action).',
  check: range(1_000, 366 * 86_400_000)
})

export const logLevels = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const

export const topic = (env: string, name: string, doc: string): KeySpec<string> =>
  ({ env, kind: 'string', default: name, doc, check: topicName })

export const tls = (
  prefix: string, envPrefix: string
): Record<string, KeySpec<string | undefined> | KeySpec<boolean>> => ({
  [`${prefix}.enabled`]: { env: `${envPrefix}_ENABLED`, kind: 'bool', default: false, doc: 'Connect with TLS.' },
  [`${prefix}.caFile`]: {
    env: `${envPrefix}_CA_FILE`, kind: 'string', default: undefined,
    doc: 'PEM file of the certificate authorities to trust instead of the system ones.'
  },
  [`${prefix}.certFile`]: {
    env: `${envPrefix}_CERT_FILE`, kind: 'string', default: undefined,
    doc: 'PEM client certificate for mutual TLS (with the key file).'
  },
  [`${prefix}.keyFile`]: {
    env: `${envPrefix}_KEY_FILE`, kind: 'string', default: undefined,
    doc: 'PEM private key of the client certificate.'
  },
  [`${prefix}.rejectUnauthorized`]: {
    env: `${envPrefix}_REJECT_UNAUTHORIZED`, kind: 'bool', default: true,
    doc: 'Refuse servers whose certificate does not verify; turn off only for testing.'
  }
})

/** A part of the table: the rows of some of the keys, typed like the whole. */
export type SchemaPart<K extends ConfigKey> = { readonly [P in K]: Schema[P] }
