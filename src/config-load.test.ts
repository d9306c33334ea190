import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { configFileEnv, loadConfig, secretFileEnv, type LoadConfigOptions } from './config-load.ts'
import { configTableRows, schema } from './config-schema.ts'
import { ParcelRiskError } from './errors.ts'

const noFiles = {
  readFile: (): string => {
    throw new Error('no file expected')
  },
  fileExists: () => false
}
const load = (env: Record<string, string>, options: Partial<LoadConfigOptions> = {}) =>
  loadConfig({ ...noFiles, env, ...options })

const failure = (fn: () => unknown): ParcelRiskError => {
  try {
    fn()
  } catch (err) {
    if (err instanceof ParcelRiskError) return err
    throw err
  }
  throw new Error('expected E_CONFIG_INVALID')
}

const withFile = (text: string, env: Record<string, string> = {}) =>
  load({ [configFileEnv]: '/etc/parcel-risk.yaml', ...env }, { readFile: () => text })

describe('config > defaults', () => {
  it('loads with no environment at all, with the documented topic names and ports', () => {
    const config = load({})
    expect(config.kafka.brokers).toEqual(['127.0.0.1:19092'])
    expect(config.kafka.topics).toEqual({
      declarations: 'declarations',
      decisions: 'risk-decisions',
      shadow: 'risk-decisions-shadow',
      dlq: 'declarations-dlq',
      profileUpdates: 'profile-updates',
      inspectionOutcomes: 'inspection-outcomes',
      outcomesDlq: 'inspection-outcomes-dlq'
    })
    expect(config.kafka.deliveryMode).toBe('at-least-once')
    expect(config.kafka.sasl).toEqual({ mechanism: undefined, username: undefined, password: undefined })
    expect(config.observe).toEqual({ host: '0.0.0.0', port: 9464 })
    expect(config.rules.shadowDir).toBeUndefined()
    expect(config.log.level).toBe('info')
    expect(config.shutdownTimeoutMs).toBe(30_000)
  })

  it('gives every key of the table a value of its kind', () => {
    const config = load({}) as unknown as Record<string, unknown>
    for (const [key, spec] of Object.entries(schema)) {
      const value = key.split('.').reduce<unknown>((node, part) => (node as Record<string, unknown>)[part], config)
      expect(value, key).toEqual(spec.default)
    }
  })

  it('reads the plain variables the local stack prints', () => {
    const config = load({ KAFKA_BROKERS: 'a:1, b:2', SCHEMA_REGISTRY_URL: 'https://reg.example/apis/ccompat/v7', REDIS_URL: 'rediss://cache:6380' })
    expect(config.kafka.brokers).toEqual(['a:1', 'b:2'])
    expect(config.registry.url).toBe('https://reg.example/apis/ccompat/v7')
    expect(config.redis.url).toBe('rediss://cache:6380')
  })

  it.each([
    ['PARCEL_RISK_KAFKA_TLS_ENABLED', 'true', (c: ReturnType<typeof load>) => c.kafka.tls.enabled, true],
    ['PARCEL_RISK_RULES_WATCH', '0', (c: ReturnType<typeof load>) => c.rules.watch, false],
    ['PARCEL_RISK_MAX_BATCH_RECORDS', ' 800 ', (c: ReturnType<typeof load>) => c.kafka.maxBatchRecords, 800],
    ['PARCEL_RISK_DELIVERY_MODE', 'exactly-once', (c: ReturnType<typeof load>) => c.kafka.deliveryMode, 'exactly-once'],
    ['PARCEL_RISK_HTTP_PORT', '', (c: ReturnType<typeof load>) => c.observe.port, 9464]
  ])('reads %s=%j', (name, text, pick, expected) => {
    expect(pick(load({ [name]: text }))).toEqual(expected)
  })
})

describe('config > redis cluster', () => {
  it('is off by default: one Redis server at redis.url', () => {
    expect(load({}).redis.clusterNodes).toEqual([])
  })

  it('reads the seed nodes the local cluster stack prints, IPv6 hosts in brackets', () => {
    const config = load({ PARCEL_RISK_REDIS_CLUSTER_NODES: '10.0.0.1:7000, redis-b:7001,[::1]:7002' })
    expect(config.redis.clusterNodes).toEqual(['10.0.0.1:7000', 'redis-b:7001', '[::1]:7002'])
  })

  it('names every seed node that is not host:port', () => {
    const err = failure(() => load({ PARCEL_RISK_REDIS_CLUSTER_NODES: 'a:1,redis://b:2,c' }))
    expect(err.message)
      .toContain('redis.clusterNodes (PARCEL_RISK_REDIS_CLUSTER_NODES): every entry must be host:port (bad: redis://b:2, c)')
  })
})

describe('config > errors', () => {
  it('reports every bad key together in one E_CONFIG_INVALID', () => {
    const err = failure(() => load({
      KAFKA_BROKERS: 'no-port',
      PARCEL_RISK_HTTP_PORT: '70000',
      PARCEL_RISK_DELIVERY_MODE: 'at-most-once',
      PARCEL_RISK_KAFKA_TLS_ENABLED: 'maybe',
      PARCEL_RISK_TOPIC_DLQ: 'bad topic',
      SCHEMA_REGISTRY_URL: 'not a url',
      PARCEL_RISK_LOG_LEVEL: 'loud',
      PARCEL_RISK_REDIS_COMMAND_TIMEOUT_MS: '1.5'
    }))
    expect(err.code).toBe('E_CONFIG_INVALID')
    expect(err.disposition).toBe('crash')
    const keys = [
      'kafka.brokers', 'observe.port', 'kafka.deliveryMode', 'kafka.tls.enabled', 'kafka.topics.dlq', 'registry.url',
      'log.level', 'redis.commandTimeoutMs'
    ]
    expect(err.path?.split(',').sort()).toEqual([...keys].sort())
    for (const key of keys) expect(err.message).toContain(`${key} (`)
    expect(err.message).toContain('invalid configuration (8 problems)')
  })

  it('rejects a heartbeat interval not below the session timeout', () => {
    const err = failure(() =>
      load({ PARCEL_RISK_KAFKA_SESSION_TIMEOUT_MS: '10000', PARCEL_RISK_KAFKA_HEARTBEAT_INTERVAL_MS: '10000' }))
    expect(err.path).toBe('kafka.heartbeatIntervalMs')
  })

  it('rejects TLS files that do not exist, a certificate without its key, and files with TLS off', () => {
    const err = failure(() => load({
      PARCEL_RISK_KAFKA_TLS_ENABLED: 'true',
      PARCEL_RISK_KAFKA_TLS_CA_FILE: '/nowhere/ca.pem',
      PARCEL_RISK_KAFKA_TLS_CERT_FILE: '/nowhere/client.pem',
      PARCEL_RISK_REDIS_TLS_CA_FILE: '/nowhere/redis-ca.pem'
    }))
    expect(err.message).toContain('kafka.tls.caFile (PARCEL_RISK_KAFKA_TLS_CA_FILE): no such file "/nowhere/ca.pem"')
    expect(err.message).toContain('kafka.tls.certFile, kafka.tls.keyFile: set both or neither')
    expect(err.message)
      .toContain('redis.tls.caFile (PARCEL_RISK_REDIS_TLS_CA_FILE): set, but redis.tls.enabled is false')
  })

  it('accepts TLS files that exist', () => {
    const config = load(
      { PARCEL_RISK_KAFKA_TLS_ENABLED: 'true', PARCEL_RISK_KAFKA_TLS_CA_FILE: '/etc/ca.pem' },
      { fileExists: (p) => p === '/etc/ca.pem' }
    )
    expect(config.kafka.tls.caFile).toBe('/etc/ca.pem')
  })
})

describe('config > secrets', () => {
  it.each([
    [{ PARCEL_RISK_KAFKA_SASL_MECHANISM: 'scram-sha-512', PARCEL_RISK_KAFKA_SASL_USERNAME: 'svc' },
      'kafka.sasl.password'],
    [{ PARCEL_RISK_KAFKA_SASL_MECHANISM: 'plain', PARCEL_RISK_KAFKA_SASL_PASSWORD: 's3cr3t-sasl' },
      'kafka.sasl.username'],
    [{ PARCEL_RISK_KAFKA_SASL_USERNAME: 'svc', PARCEL_RISK_KAFKA_SASL_PASSWORD: 's3cr3t-sasl' },
      'kafka.sasl.mechanism'],
    [{ PARCEL_RISK_REGISTRY_PASSWORD: 's3cr3t-registry' }, 'registry.username']
  ])('rejects incomplete credentials %j (missing %s)', (env, missing) => {
    const err = failure(() => load(env))
    expect(err.path).toBe(missing)
  })

  it('accepts SASL with mechanism, user name and password from the environment', () => {
    const config = load({
      PARCEL_RISK_KAFKA_SASL_MECHANISM: 'scram-sha-256', PARCEL_RISK_KAFKA_SASL_USERNAME: 'svc',
      PARCEL_RISK_KAFKA_SASL_PASSWORD: 'pw'
    })
    expect(config.kafka.sasl).toEqual({ mechanism: 'scram-sha-256', username: 'svc', password: 'pw' })
  })

  it('refuses secrets in the config file and never echoes a secret or URL credentials', () => {
    const err = failure(() => withFile(
      'kafka:\n  sasl:\n    mechanism: plain\n    username: svc\n    password: file-secret-1\n' +
        'redis:\n  password: file-secret-2\n',
      {
        REDIS_URL: 'http://user:url-secret-3@cache:6379',
        PARCEL_RISK_KAFKA_SASL_PASSWORD: 'env-secret-4',
        PARCEL_RISK_KAFKA_SASL_USERNAME: 'svc'
      }))
    expect(err.message)
      .toContain('kafka.sasl.password (PARCEL_RISK_KAFKA_SASL_PASSWORD): a secret, set it in the environment')
    expect(err.message).toContain('redis.password (PARCEL_RISK_REDIS_PASSWORD): a secret')
    expect(err.message).toContain('redis.url (REDIS_URL): must be a redis:// or rediss:// URL')
    for (const secret of ['file-secret-1', 'file-secret-2', 'url-secret-3', 'env-secret-4']) {
      expect(err.message).not.toContain(secret)
    }
  })
})

describe('config > secrets from files', () => {
  const secretKeys = Object.entries(schema)
    .filter(([, spec]) => spec.secret === true)
    .map(([key, spec]) => [key, spec.env] as const)
  const files = (content: Record<string, string>) => ({
    readFile: (path: string): string => {
      const text = content[path]
      if (text === undefined) {
        throw Object.assign(new Error(`ENOENT: no such file or directory, open '${path}'`), { code: 'ENOENT' })
      }
      return text
    }
  })
  const valueAt = (config: object, key: string): unknown =>
    key.split('.').reduce<unknown>((node, part) => (node as Record<string, unknown>)[part], config)

  it('covers every secret: the SASL, registry and Redis credentials and the identity key', () => {
    expect(secretKeys.map(([key]) => key)).toEqual([
      'kafka.sasl.username', 'kafka.sasl.password', 'registry.username', 'registry.password', 'redis.username',
      'redis.password', 'redis.identityKey'
    ])
  })

  it.each(secretKeys)('reads %s from the file %s_FILE names, trailing line break trimmed', (key, env) => {
    const config = load({
      [`${env}_FILE`]: '/run/secrets/value',
      ...(key.startsWith('kafka.sasl') ? saslRest(key) : {}),
      ...(key === 'registry.password' ? { PARCEL_RISK_REGISTRY_USERNAME: 'svc' } : {})
    },
      files({ '/run/secrets/value': 'from-a-file\n' }))
    expect(valueAt(config, key)).toBe('from-a-file')
  })

  it('keeps inner whitespace and trims only line breaks at the end (CRLF too)', () => {
    const config = load({ PARCEL_RISK_REDIS_PASSWORD_FILE: '/s/p' }, files({ '/s/p': ' two words \r\n' }))
    expect(config.redis.password).toBe(' two words ')
  })

  it.each(secretKeys)('refuses %s set both in %s and in its _FILE', (key, env) => {
    const err = failure(() => load(
      { [env]: 'env-secret-5', [`${env}_FILE`]: '/run/secrets/value' }, files({ '/run/secrets/value': 'file-secret-6' })
    ))
    expect(err.code).toBe('E_CONFIG_INVALID')
    expect(err.path?.split(',')).toContain(key)
    expect(err.message).toContain(`${key} (${env}, ${env}_FILE): both set`)
    for (const secret of ['env-secret-5', 'file-secret-6']) expect(err.message).not.toContain(secret)
  })

  it('names the variable, the path and the reason of an unreadable or empty file, never a content', () => {
    const err = failure(() => load({
      PARCEL_RISK_REDIS_PASSWORD_FILE: '/run/secrets/missing',
      PARCEL_RISK_REGISTRY_USERNAME: 'svc',
      PARCEL_RISK_REGISTRY_PASSWORD_FILE: '/run/secrets/empty',
      PARCEL_RISK_REDIS_IDENTITY_KEY_FILE: '/run/secrets/key'
    }, files({ '/run/secrets/empty': '\n', '/run/secrets/key': 'key-secret-7' })))
    expect(err.code).toBe('E_CONFIG_INVALID')
    expect(err.message)
      .toContain('redis.password (PARCEL_RISK_REDIS_PASSWORD_FILE): cannot read "/run/secrets/missing" (ENOENT)')
    expect(err.message)
      .toContain('registry.password (PARCEL_RISK_REGISTRY_PASSWORD_FILE): "/run/secrets/empty" is empty')
    expect(err.path?.split(',').sort()).toEqual(['redis.password', 'registry.password'])
    expect(err.message).not.toContain('key-secret-7')
  })

  it('reads a real file, and reports a directory as unreadable', () => {
    const dir = mkdtempSync(join(tmpdir(), 'parcel-risk-secret-'))
    writeFileSync(join(dir, 'password'), 'on-disk-secret\n')
    expect(loadConfig({ env: { PARCEL_RISK_REDIS_PASSWORD_FILE: join(dir, 'password') } }).redis.password)
      .toBe('on-disk-secret')
    const err = failure(() => loadConfig({ env: { PARCEL_RISK_REDIS_PASSWORD_FILE: dir } }))
    expect(err.message)
      .toContain(`redis.password (PARCEL_RISK_REDIS_PASSWORD_FILE): cannot read ${JSON.stringify(dir)} (EISDIR)`)
  })

  it('gives no other setting a _FILE variable, and no _FILE name is taken by a setting', () => {
    const names = new Set(Object.values(schema).map((spec) => spec.env))
    for (const [, env] of secretKeys) expect(names.has(secretFileEnv({ env }))).toBe(false)
    const config = load(
      { PARCEL_RISK_KAFKA_CLIENT_ID_FILE: '/run/secrets/value' }, files({ '/run/secrets/value': 'from-a-file' })
    )
    expect(config.kafka.clientId).toBe('parcel-risk')
  })
})

const saslRest = (key: string): Record<string, string> => ({
  PARCEL_RISK_KAFKA_SASL_MECHANISM: 'scram-sha-512',
  ...(key === 'kafka.sasl.username'
    ? { PARCEL_RISK_KAFKA_SASL_PASSWORD: 'pw' }
    : { PARCEL_RISK_KAFKA_SASL_USERNAME: 'svc' })
})

describe('config > file', () => {
  it('reads JSON or YAML and lets the environment win over the file', () => {
    const yaml = withFile(
      'kafka:\n  clientId: from-file\n  groupId: from-file\n  brokers: [f1:9092, f2:9092]\nobserve:\n  port: 9000\n',
      { PARCEL_RISK_KAFKA_GROUP_ID: 'from-env' }
    )
    expect(yaml.kafka.clientId).toBe('from-file')
    expect(yaml.kafka.groupId).toBe('from-env')
    expect(yaml.kafka.brokers).toEqual(['f1:9092', 'f2:9092'])
    expect(yaml.observe.port).toBe(9000)
    const json = withFile(
      JSON.stringify({ rules: { watch: false, shadowDir: 'rules/challenger', costBudgetMicrosPerKib: 500 } }),
      { PARCEL_RISK_RULES_WATCH: 'true' }
    )
    expect(json.rules)
      .toEqual({ dir: 'rules/eu-lvc', shadowDir: 'rules/challenger', watch: true, costBudgetMicrosPerKib: 500 })
  })

  it('reports unknown keys, wrongly typed values and an unreadable file', () => {
    const err = failure(() =>
      withFile('kafka:\n  brokerz: [a:1]\n  topicPartitions: "12"\nobserve:\n  port: true\nextra: 1\n'))
    expect(err.path?.split(',').sort()).toEqual(['extra', 'kafka.brokerz', 'kafka.topicPartitions', 'observe.port'])
    const unreadable = {
      readFile: () => {
        throw new Error('ENOENT: no such file')
      }
    }
    const missing = failure(() => load({ [configFileEnv]: '/nowhere.yaml' }, unreadable))
    expect(missing.message).toContain('PARCEL_RISK_CONFIG_FILE: cannot read /nowhere.yaml: ENOENT')
  })
})

describe('config > frozen', () => {
  it('returns a deeply frozen object', () => {
    const config = load({})
    expect(Object.isFrozen(config)).toBe(true)
    expect(Object.isFrozen(config.kafka.topics)).toBe(true)
    expect(Object.isFrozen(config.kafka.brokers)).toBe(true)
    expect(() => {
      (config.kafka as { clientId: string }).clientId = 'x'
    }).toThrow(TypeError)
  })
})

describe('config > table', () => {
  it('uses unique environment names, each PARCEL_RISK_* or one of the stack variables', () => {
    const names = Object.values(schema).map((spec) => spec.env)
    expect(new Set(names).size).toBe(names.length)
    for (const name of names) expect(name).toMatch(/^(PARCEL_RISK_[A-Z0-9_]+|KAFKA_BROKERS|SCHEMA_REGISTRY_URL|REDIS_URL)$/)
  })

  it('is documented row for row in the README Configuration table', () => {
    const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8')
    const documented = readme.split('\n').filter((line) => /^\| `[a-zA-Z.]+` \| `[A-Z_]+` \|/.test(line))
    // On failure, paste the expected rows into the README.
    expect(documented).toEqual(configTableRows())
  })
})
