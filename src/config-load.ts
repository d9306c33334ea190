// Configuration loading: read once at start-up from the environment and an optional JSON/YAML
// file (PARCEL_RISK_CONFIG_FILE), validated against the one table in config-schema.ts, returned
// deeply frozen as the Config of config.ts. Precedence: environment, then file, then default.
// Every problem is collected and reported together in one E_CONFIG_INVALID error, so a bad
// deployment is fixed in one round. Secrets (SASL, registry and Redis credentials, the identity
// key) come only from the environment, or from a file named by `<ENV>_FILE` (a Kubernetes
// Secret mounted as a volume), and are never echoed in an error message.
import { existsSync, readFileSync } from 'node:fs'
import { parse as parseYaml } from 'yaml'
import type { Config } from './config.ts'
import { schema } from './config-schema.ts'
import type { ConfigKey, KeySpec } from './config-spec.ts'
import { ParcelRiskError } from './errors.ts'

export const configFileEnv = 'PARCEL_RISK_CONFIG_FILE'

export interface LoadConfigOptions {
  /** Defaults to process.env. */
  readonly env?: Readonly<Record<string, string | undefined>>
  /** Reads the config file and secret files (`<ENV>_FILE`), and checks the TLS files exist; defaults to node:fs. */
  readonly readFile?: (path: string) => string
  readonly fileExists?: (path: string) => boolean
}

type Spec = KeySpec<unknown>
type Parsed = { readonly ok: true, readonly value: unknown } | { readonly ok: false, readonly problem: string }

const entries = Object.entries(schema) as Array<[ConfigKey, Spec]>

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value)

/** Reads one value. Environment values are text; file values are already typed. */
const parseValue = (spec: Spec, raw: unknown, fromEnv: boolean): Parsed => {
  switch (spec.kind) {
    case 'string':
      return typeof raw === 'string' ? { ok: true, value: raw } : { ok: false, problem: 'must be a string' }
    case 'enum':
      return typeof raw === 'string' && (spec.values ?? []).includes(raw)
        ? { ok: true, value: raw }
        : { ok: false, problem: `must be one of ${(spec.values ?? []).join(', ')}` }
    case 'int': {
      const n = fromEnv && typeof raw === 'string' && /^-?\d+$/.test(raw.trim()) ? Number(raw.trim()) : raw
      return typeof n === 'number' && Number.isSafeInteger(n)
        ? { ok: true, value: n }
        : { ok: false, problem: 'must be a whole number' }
    }
    case 'bool': {
      if (typeof raw === 'boolean') return { ok: true, value: raw }
      if (fromEnv && typeof raw === 'string') {
        const text = raw.trim().toLowerCase()
        if (text === 'true' || text === '1') return { ok: true, value: true }
        if (text === 'false' || text === '0') return { ok: true, value: false }
      }
      return { ok: false, problem: 'must be true or false' }
    }
    case 'list': {
      if (typeof raw === 'string') {
        return { ok: true, value: raw.split(',').map((s) => s.trim()).filter((s) => s !== '') }
      }
      if (Array.isArray(raw) && raw.every((item) => typeof item === 'string')) {
        return { ok: true, value: raw.map((s: string) => s.trim()) }
      }
      return { ok: false, problem: 'must be a list of strings (or comma-separated text)' }
    }
  }
}

/** A value as it may appear in an error: never a secret, never URL credentials, bounded. */
const shown = (spec: Spec, raw: unknown): string => {
  if (spec.secret === true) return ''
  const text = typeof raw === 'string' ? raw : JSON.stringify(raw) ?? String(raw)
  const safe = text.replace(/\/\/[^/@\s]*@/g, '//[redacted]@')
  return ` (got ${JSON.stringify(safe.length > 80 ? `${safe.slice(0, 80)}…` : safe)})`
}

/** The variable that names a file holding a secret: `<ENV>_FILE`. */
export const secretFileEnv = (spec: Pick<KeySpec<unknown>, 'env'>): string => `${spec.env}_FILE`

/**
 * A secret's text from the environment or from the file `<ENV>_FILE` names (trailing line
 * breaks trimmed: `echo` and most editors end a file with one). A problem names the variables
 * and the path, and the reading error's code, never the file's content.
 */
const secretText = (
  key: string,
  spec: Spec,
  env: Readonly<Record<string, string | undefined>>,
  readFile: (path: string) => string,
  problems: string[]
): string | undefined => {
  const envText = env[spec.env]
  const fileEnv = secretFileEnv(spec)
  const path = env[fileEnv]
  const fromEnv = envText !== undefined && envText !== ''
  if (path === undefined || path === '') return fromEnv ? envText : undefined
  if (fromEnv) {
    problems.push(`${key} (${spec.env}, ${fileEnv}): both set; set the value or the file, not both`)
    return undefined
  }
  let text: string
  try {
    text = readFile(path)
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? (err as Error).message.split(':')[0] ?? 'unreadable'
    problems.push(`${key} (${fileEnv}): cannot read ${JSON.stringify(path)} (${code})`)
    return undefined
  }
  const secret = text.replace(/[\r\n]+$/, '')
  if (secret === '') problems.push(`${key} (${fileEnv}): ${JSON.stringify(path)} is empty`)
  return secret === '' ? undefined : secret
}

const fileValue = (file: Record<string, unknown>, key: string): unknown => {
  let node: unknown = file
  for (const part of key.split('.')) {
    if (!isRecord(node) || !Object.hasOwn(node, part)) return undefined
    node = node[part]
  }
  return node
}

/** File keys that name no setting (typos would otherwise be silently ignored). */
const unknownFileKeys = (
  node: Record<string, unknown>, prefix: string, known: ReadonlySet<string>, out: string[]
): void => {
  for (const [name, value] of Object.entries(node)) {
    const path = prefix === '' ? name : `${prefix}.${name}`
    if (known.has(path)) continue
    const isPrefix = entries.some(([key]) => key.startsWith(`${path}.`))
    if (isPrefix && isRecord(value)) unknownFileKeys(value, path, known, out)
    else out.push(path)
  }
}

const readConfigFile = (
  path: string, readFile: (path: string) => string, problems: string[]
): Record<string, unknown> => {
  let parsed: unknown
  try {
    parsed = parseYaml(readFile(path))
  } catch (err) {
    problems.push(`${configFileEnv}: cannot read ${path}: ${(err as Error).message.split('\n')[0] ?? ''}`)
    return {}
  }
  if (parsed === null || parsed === undefined) return {}
  if (!isRecord(parsed)) {
    problems.push(`${configFileEnv}: ${path} must hold a mapping of settings`)
    return {}
  }
  return parsed
}

const setPath = (target: Record<string, unknown>, key: string, value: unknown): void => {
  const parts = key.split('.')
  let node = target
  for (const part of parts.slice(0, -1)) {
    const next = node[part]
    if (isRecord(next)) node = next
    else {
      const created: Record<string, unknown> = {}
      node[part] = created
      node = created
    }
  }
  node[parts[parts.length - 1] as string] = value
}

const deepFreeze = <T>(value: T): T => {
  if (typeof value === 'object' && value !== null) {
    for (const child of Object.values(value)) deepFreeze(child)
    Object.freeze(value)
  }
  return value
}

/** Rules between keys that the per-key checks cannot see. */
const crossChecks = (config: Config, fileExists: (path: string) => boolean): string[] => {
  const problems: string[] = []
  const { sasl } = config.kafka
  if (sasl.mechanism !== undefined) {
    if (sasl.username === undefined) {
      problems.push(`kafka.sasl.username (${schema['kafka.sasl.username'].env}): ` +
        'required when kafka.sasl.mechanism is set')
    }
    if (sasl.password === undefined) {
      problems.push(`kafka.sasl.password (${schema['kafka.sasl.password'].env}): ` +
        'required when kafka.sasl.mechanism is set')
    }
  } else if (sasl.username !== undefined || sasl.password !== undefined) {
    problems.push(`kafka.sasl.mechanism (${schema['kafka.sasl.mechanism'].env}): ` +
      'required when SASL credentials are set')
  }
  if (config.registry.password !== undefined && config.registry.username === undefined) {
    problems.push(`registry.username (${schema['registry.username'].env}): required when registry.password is set`)
  }
  if (config.registry.caFile !== undefined && !fileExists(config.registry.caFile)) {
    problems.push(`registry.caFile (${schema['registry.caFile'].env}): ` +
      `no such file ${JSON.stringify(config.registry.caFile)}`)
  }
  if (config.kafka.heartbeatIntervalMs >= config.kafka.sessionTimeoutMs) {
    problems.push(`kafka.heartbeatIntervalMs (${schema['kafka.heartbeatIntervalMs'].env}): ` +
      'must be below kafka.sessionTimeoutMs')
  }
  for (const prefix of ['kafka.tls', 'redis.tls'] as const) {
    const tls = prefix === 'kafka.tls' ? config.kafka.tls : config.redis.tls
    if ((tls.certFile === undefined) !== (tls.keyFile === undefined)) {
      problems.push(`${prefix}.certFile, ${prefix}.keyFile: set both or neither`)
    }
    for (const name of ['caFile', 'certFile', 'keyFile'] as const) {
      const path = tls[name]
      if (path === undefined) continue
      const key = `${prefix}.${name}` as const
      if (!tls.enabled) problems.push(`${key} (${schema[key].env}): set, but ${prefix}.enabled is false`)
      else if (!fileExists(path)) problems.push(`${key} (${schema[key].env}): no such file ${JSON.stringify(path)}`)
    }
  }
  return problems
}

/**
 * Loads, validates and freezes the configuration. Throws one ParcelRiskError
 * ('E_CONFIG_INVALID') listing every bad key; its `path` lists the keys, comma-separated.
 */
export const loadConfig = (options: LoadConfigOptions = {}): Config => {
  const env = options.env ?? process.env
  const readFile = options.readFile ?? ((path: string) => readFileSync(path, 'utf8'))
  const fileExists = options.fileExists ?? existsSync
  const problems: string[] = []
  const filePath = env[configFileEnv]
  const file = filePath !== undefined && filePath !== '' ? readConfigFile(filePath, readFile, problems) : {}

  const unknown: string[] = []
  unknownFileKeys(file, '', new Set(entries.map(([key]) => key)), unknown)
  for (const key of unknown) problems.push(`${key} (${configFileEnv}): unknown setting`)

  const out: Record<string, unknown> = {}
  for (const [key, spec] of entries) {
    const fromFile = fileValue(file, key)
    if (spec.secret === true && fromFile !== undefined) {
      problems.push(`${key} (${spec.env}): a secret, set it in the environment, not in the config file`)
    }
    const envText = spec.secret === true ? secretText(key, spec, env, readFile, problems) : env[spec.env]
    const fromEnv = envText !== undefined && envText !== ''
    const raw = fromEnv ? envText : (spec.secret === true ? undefined : fromFile)
    let value = spec.default
    if (raw !== undefined && raw !== null) {
      const parsed = parseValue(spec, raw, fromEnv)
      const problem = parsed.ok ? spec.check?.(parsed.value as never) : parsed.problem
      if (problem === undefined) value = (parsed as { value: unknown }).value
      else problems.push(`${key} (${spec.env}): ${problem}${shown(spec, raw)}`)
    }
    setPath(out, key, value)
  }

  const config = out as unknown as Config
  problems.push(...crossChecks(config, fileExists))
  if (problems.length > 0) {
    const keys = problems.map((p) => p.split(' ')[0]?.replace(/[:,]$/, '') ?? '')
    throw new ParcelRiskError('E_CONFIG_INVALID',
      `invalid configuration (${problems.length} problem${problems.length === 1 ? '' : 's'}):\n  ` +
        problems.join('\n  '),
      { path: keys.join(',') })
  }
  return deepFreeze(config)
}
