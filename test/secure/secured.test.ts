// The product against the secured profile of the local stack: Kafka over SASL_SSL with
// SCRAM-SHA-512 and ACLs, the registry behind HTTPS and basic auth, Redis TLS-only with an ACL
// user. Every command runs as a child process with the environment `stack env --secure`
// prints, and no secret may appear in what it writes.
import { spawn, spawnSync } from 'node:child_process'
import { randomUUID } from 'node:crypto'
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { createServer as createTlsServer } from 'node:tls'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Kafka, logLevel } from 'kafkajs'
import { beforeAll, describe, expect, inject, it } from 'vitest'
import { avroType, readSchema } from '../../src/codec/avro-types.ts'
import { createDecoder } from '../../src/codec/decoder.ts'
import { createRegistry } from '../../src/codec/registry.ts'
import { loadConfig } from '../../src/config-load.ts'
import type { RiskDecision } from '../../src/declaration.ts'
import { connectRedis } from '../../src/enrich/redis-client.ts'
import { createKafka } from '../../src/kafka/client.ts'
import { createLogger } from '../../src/logger.ts'
import { secureDirs } from '../../src/stack/secure-stack.ts'
import { materialIn } from '../../src/stack/tls-material.ts'

const envs = inject('secure')
const cli = new URL('../../src/cli/parcel-risk.ts', import.meta.url).pathname
const quiet = createLogger({ level: 'silent' })
const work = mkdtempSync(join(tmpdir(), 'parcel-risk-secure-'))

/** Every secret of the secured stack: none may appear in a command's output. */
const secrets = [...new Set(Object.values(envs).flatMap((env) =>
  [
    env.PARCEL_RISK_KAFKA_SASL_PASSWORD, env.PARCEL_RISK_REGISTRY_PASSWORD, env.PARCEL_RISK_REDIS_PASSWORD,
    env.PARCEL_RISK_REDIS_IDENTITY_KEY
  ]))]
  .filter((s): s is string => s !== undefined && s !== '')

interface Ran { readonly code: number | string, readonly out: string }

/** Runs the CLI with exactly `env` (plus PATH/HOME), collecting stdout and stderr. */
const runCli = async (
  args: readonly string[],
  env: Record<string, string | undefined>,
  options: { untilExit?: boolean, stopWhen?: RegExp, timeoutMs?: number } = {}
): Promise<Ran> =>
  await new Promise((resolve, reject) => {
    const clean = Object.fromEntries(Object.entries({ PATH: process.env.PATH, HOME: process.env.HOME, ...env })
      .filter(([, v]) => v !== undefined)) as Record<string, string>
    const child = spawn(process.execPath, [cli, ...args], { env: clean, stdio: ['ignore', 'pipe', 'pipe'] })
    let out = ''
    const timer = setTimeout(() => {
      child.kill('SIGKILL')
      reject(new Error(`parcel-risk ${args.join(' ')} did not finish; output:\n${out.slice(-3000)}`))
    }, options.timeoutMs ?? 60_000)
    const take = (chunk: Buffer): void => {
      out += chunk.toString()
      if (options.stopWhen?.test(out) === true) child.kill('SIGTERM')
    }
    child.stdout.on('data', take)
    child.stderr.on('data', take)
    child.once('exit', (code, signal) => {
      clearTimeout(timer)
      resolve({ code: code ?? signal ?? -1, out })
    })
  })

/** The wrong passwords the tests try: as secret as the right ones (an old password, a typo of the right one). */
const WRONG = 'not-the-password'

const expectNoSecret = (out: string): void => {
  for (const secret of [...secrets, WRONG]) expect(out.includes(secret), 'a secret appears in the output').toBe(false)
}

const admin = (): ReturnType<ReturnType<typeof createKafka>['admin']> =>
  createKafka(loadConfig({ env: envs.admin }).kafka, quiet).admin()

const createTopics = async (names: readonly string[], partitions = 3): Promise<void> => {
  const a = admin()
  await a.connect()
  try {
    await a.createTopics({
      waitForLeaders: true,
      topics: names.map((topic) => ({ topic, numPartitions: partitions, replicationFactor: 1 }))
    })
  } finally {
    await a.disconnect()
  }
}

/** A namespace of topics, group and keys that the processor's ACLs cover (`<topic>.<suffix>`). */
const namespace = (): {
  id: string
  env: Record<string, string>
  topics: Record<
    'declarations' | 'decisions' | 'dlq' | 'shadow' | 'profileUpdates' | 'outcomes' | 'outcomesDlq', string
  >
} => {
  const id = `it-${randomUUID().slice(0, 8)}`
  const topics = {
    declarations: `declarations.${id}`, decisions: `risk-decisions.${id}`, dlq: `declarations-dlq.${id}`,
    shadow: `risk-decisions-shadow.${id}`, profileUpdates: `profile-updates.${id}`,
    outcomes: `inspection-outcomes.${id}`, outcomesDlq: `inspection-outcomes-dlq.${id}`
  }
  return {
    id,
    topics,
    env: {
      PARCEL_RISK_TOPIC_DECLARATIONS: topics.declarations,
      PARCEL_RISK_TOPIC_DECISIONS: topics.decisions,
      PARCEL_RISK_TOPIC_DLQ: topics.dlq,
      PARCEL_RISK_TOPIC_SHADOW: topics.shadow,
      PARCEL_RISK_TOPIC_PROFILE_UPDATES: topics.profileUpdates,
      PARCEL_RISK_TOPIC_INSPECTION_OUTCOMES: topics.outcomes,
      PARCEL_RISK_TOPIC_OUTCOMES_DLQ: topics.outcomesDlq,
      PARCEL_RISK_OUTCOMES_GROUP_ID: `parcel-risk-${id}-outcomes`,
      PARCEL_RISK_KAFKA_GROUP_ID: `parcel-risk-${id}`,
      PARCEL_RISK_KAFKA_TRANSACTIONAL_ID_PREFIX: `parcel-risk-${id}`,
      PARCEL_RISK_REDIS_KEY_PREFIX: `pr:${id}:`,
      PARCEL_RISK_REDIS_COMMAND_TIMEOUT_MS: '2000',
      PARCEL_RISK_HTTP_PORT: '0',
      PARCEL_RISK_LOG_LEVEL: 'info'
    }
  }
}

describe('secure > round trip over SASL_SSL, HTTPS and Redis TLS', () => {
  const ns = namespace()
  const count = 300
  const profiles = join(work, `${ns.id}-profiles.ndjson`)

  beforeAll(async () => {
    await createTopics(Object.values(ns.topics))
  })

  it('generate --to-topic produces as the feeder user', async () => {
    const args = [
      'generate', '--count', String(count), '--seed', '7', '--to-topic', ns.topics.declarations, '--profiles', profiles
    ]
    const ran = await runCli(args, { ...envs.feeder, ...ns.env })
    expect(ran.out).toContain(`produced ${count} declarations`)
    expect(ran.code).toBe(0)
    expectNoSecret(ran.out)
  })

  it('profiles load writes the profiles over TLS as the Redis ACL user', async () => {
    const ran = await runCli(['profiles', 'load', profiles, '--empty', 'consignee'], { ...envs.processor, ...ns.env })
    expect(ran.out).toMatch(/marked loaded: .*seller/)
    expect(ran.code).toBe(0)
    expectNoSecret(ran.out)
    const redis = await connectRedis(loadConfig({ env: envs.processor }).redis, quiet, 5_000)
    try {
      const [cursor, keys] = await redis.scan('0', 'MATCH', `pr:${ns.id}:*`, 'COUNT', 1000)
      expect(cursor === '0' ? keys.length : 1).toBeGreaterThan(0)
    } finally {
      redis.disconnect()
    }
  })

  it('run decides every declaration exactly once (transactions) and exits 0 on SIGTERM', async () => {
    const collected = new Map<string, number>()
    const readerKafka = createKafka(loadConfig({ env: envs.admin }).kafka, quiet)
    const registry = createRegistry(loadConfig({ env: envs.processor }).registry)
    const decoder = createDecoder<RiskDecision>({
      readerType: avroType(readSchema('RiskDecision')), registry, maxRecordBytes: 1 << 20
    })
    const consumer = readerKafka.consumer({ groupId: `reader-${ns.id}`, readUncommitted: false })
    await consumer.connect()
    // Every declaration ends as a decision or, when it fails validation, as a dead letter.
    await consumer.subscribe({ topics: [ns.topics.decisions, ns.topics.dlq], fromBeginning: true })
    let resolveAll: () => void = () => {}
    const all = new Promise<void>((resolve) => {
      resolveAll = resolve
    })
    const seen = (id: string): void => {
      collected.set(id, (collected.get(id) ?? 0) + 1)
    }
    await consumer.run({
      eachBatch: async ({ batch }) => {
        if (batch.topic === ns.topics.dlq) {
          for (const m of batch.messages) seen(m.key?.toString() ?? '')
        } else {
          for (const r of await decoder.decodeBatch(batch.messages.map((m) => ({ value: m.value })))) {
            if (!r.ok) throw r.error
            seen(r.value.declarationId)
          }
        }
        if (collected.size >= count) resolveAll()
      }
    })
    const processor = spawn(process.execPath, [cli, 'run'], {
      env: {
        PATH: process.env.PATH ?? '',
        HOME: process.env.HOME ?? '',
        ...envs.processor,
        ...ns.env,
        PARCEL_RISK_DELIVERY_MODE: 'exactly-once',
        PARCEL_RISK_WARM_UP_DECLARATIONS: '0'
      },
      stdio: ['ignore', 'pipe', 'pipe']
    })
    let out = ''
    processor.stdout.on('data', (c: Buffer) => {
      out += c.toString()
    })
    processor.stderr.on('data', (c: Buffer) => {
      out += c.toString()
    })
    const exited = new Promise<number | string>((resolve) => {
      processor.once('exit', (code, signal) => {
        resolve(code ?? signal ?? -1)
      })
    })
    try {
      const died = exited.then((code) => {
        throw new Error(`processor exited ${code}:\n${out.slice(-3000)}`)
      })
      const late = new Promise((_resolve, reject) => setTimeout(() => {
        reject(new Error(`${collected.size} of ${count} decided:\n${out.slice(-3000)}`))
      }, 90_000))
      await Promise.race([all, died, late])
    } finally {
      processor.kill('SIGTERM')
      await consumer.disconnect()
    }
    expect(await exited).toBe(0)
    expect(collected.size).toBe(count)
    expect([...collected.values()].every((n) => n === 1)).toBe(true)
    expect(out).toContain('"mode":"exactly-once"')
    expectNoSecret(out)
  }, 150_000)

  it('outcomes counts the inspection outcomes as the processor user: its ACLs and Redis commands suffice', async () => {
    // The outcomes of the held parcels, written as the admin: a targeting centre's part, which
    // has no user of its own on this stack.
    const generated = await runCli([
      'generate', 'outcomes', '--count', String(count), '--seed', '7',
      '--from-topic', ns.topics.decisions, '--to-topic', ns.topics.outcomes
    ], { ...envs.admin, ...ns.env })
    expect(generated.code).toBe(0)
    const written = Number(/wrote (\d+) outcomes/.exec(generated.out)?.[1] ?? 0)
    expect(written).toBeGreaterThan(0)

    const env = { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...envs.processor, ...ns.env }
    const intake = spawn(process.execPath, [cli, 'outcomes'], { env, stdio: ['ignore', 'pipe', 'pipe'] })
    let out = ''
    const take = (c: Buffer): void => {
      out += c.toString()
    }
    intake.stdout.on('data', take)
    intake.stderr.on('data', take)
    const exited = new Promise<number | string>((resolve) => {
      intake.once('exit', (code, signal) => {
        resolve(code ?? signal ?? -1)
      })
    })
    const controls = async (): Promise<number> => {
      const report = await runCli(['rules', 'report', '--format', 'json'], { ...envs.processor, ...ns.env })
      if (report.code !== 0) return -1
      const json = JSON.parse(report.out) as { rulesets: Array<{ total: { controls: number } }> }
      return json.rulesets.reduce((n, r) => n + r.total.controls, 0)
    }
    let counted = 0
    try {
      const deadline = Date.now() + 90_000
      while (counted < written && Date.now() < deadline) {
        const code = await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 2_000, null))])
        if (code !== null) throw new Error(`outcomes exited ${String(code)}:\n${out.slice(-3000)}`)
        counted = await controls()
      }
    } finally {
      intake.kill('SIGTERM')
    }
    expect(await exited).toBe(0)
    expect(counted, out.slice(-3000)).toBe(written)
    expect(out).not.toMatch(/NOPERM|E_KAFKA_NOT_AUTHORISED|E_REDIS_AUTH/)
    expectNoSecret(out)
  }, 150_000)
})

describe('secure > refusals: coded, exit 3, nothing leaked', () => {
  const ns = namespace()
  const unlisted = `unlisted-${ns.id}`
  beforeAll(async () => {
    await createTopics([...Object.values(ns.topics), unlisted], 1)
  })

  // A one-rule ruleset and no warm-up: these runs are about connecting, and the reference
  // ruleset's compile and cost check would make each start-up take seconds.
  const quick = {
    PARCEL_RISK_RULES_DIR: new URL('fixtures/rules', import.meta.url).pathname,
    PARCEL_RISK_RULES_WATCH: 'false',
    PARCEL_RISK_WARM_UP_DECLARATIONS: '0'
  }
  const run = async (env: Record<string, string | undefined>): Promise<Ran> =>
    await runCli(['run'], { ...envs.processor, ...ns.env, ...quick, ...env }, { timeoutMs: 90_000 })

  it.each([
    ['a wrong Kafka password', { PARCEL_RISK_KAFKA_SASL_PASSWORD: WRONG }, 'E_KAFKA_AUTH_FAILED', /user 'parcel-risk'/],
    ['a Kafka user that does not exist', { PARCEL_RISK_KAFKA_SASL_USERNAME: 'nobody' }, 'E_KAFKA_AUTH_FAILED', /user 'nobody'/],
    ['the Kafka CA not trusted (system CAs only)', { PARCEL_RISK_KAFKA_TLS_CA_FILE: undefined }, 'E_TLS_UNTRUSTED', /kafka\.tls\.caFile/],
    ['the registry CA not trusted', { PARCEL_RISK_REGISTRY_CA_FILE: undefined }, 'E_TLS_UNTRUSTED', /registry\.caFile/],
    ['a wrong registry password (401)', { PARCEL_RISK_REGISTRY_PASSWORD: WRONG }, 'E_REGISTRY_AUTH', /answered 401/],
    ['no registry credentials (401)', { PARCEL_RISK_REGISTRY_USERNAME: undefined, PARCEL_RISK_REGISTRY_PASSWORD: undefined }, 'E_REGISTRY_AUTH', /answered 401/],
    ['a wrong Redis password (WRONGPASS)', { PARCEL_RISK_REDIS_PASSWORD: WRONG }, 'E_REDIS_AUTH', /WRONGPASS/],
    ['no Redis credentials (NOAUTH)', { PARCEL_RISK_REDIS_USERNAME: undefined, PARCEL_RISK_REDIS_PASSWORD: undefined }, 'E_REDIS_AUTH', /NOAUTH/],
    ['a declarations topic the processor user may not read', { PARCEL_RISK_TOPIC_DECLARATIONS: unlisted },
      'E_KAFKA_NOT_AUTHORISED', new RegExp(`READ on topic ${unlisted}`)]
  ])('run with %s: %s, exit 3', async (_name, env, code, detail) => {
    const ran = await run(env)
    expect(ran.out).toContain(code)
    expect(ran.out).toMatch(detail)
    expect(ran.code).toBe(3)
    expectNoSecret(ran.out)
  }, 120_000)

  it('run with a CA file that does not exist: E_CONFIG_INVALID naming the key, exit 2', async () => {
    const ran = await run({ PARCEL_RISK_KAFKA_TLS_CA_FILE: join(work, 'missing-ca.pem') })
    expect(ran.out).toMatch(/kafka\.tls\.caFile .*no such file/)
    expect(ran.code).toBe(2)
    expectNoSecret(ran.out)
  })

  it('profiles load outside the ACL user\'s key prefix: E_REDIS_AUTH (NOPERM), exit 3', async () => {
    const file = join(work, `${ns.id}-one.ndjson`)
    const gen = await runCli(
      ['generate', '--count', '1', '--out', join(work, `${ns.id}-one-decl.ndjson`), '--profiles', file], {})
    expect(gen.code).toBe(0)
    const ran = await runCli(['profiles', 'load', file, '--prefix', `other:${ns.id}:`], envs.processor)
    expect(ran.out).toContain('E_REDIS_AUTH')
    expect(ran.out).toContain('NOPERM')
    expect(ran.code).toBe(3)
    expectNoSecret(ran.out)
  })

  it('profiles load without Redis credentials: E_REDIS_AUTH (NOAUTH), exit 3', async () => {
    const ran = await runCli(['profiles', 'status'], {
      ...envs.processor, PARCEL_RISK_REDIS_USERNAME: undefined, PARCEL_RISK_REDIS_PASSWORD: undefined
    })
    expect(ran.out).toContain('E_REDIS_AUTH')
    expect(ran.code).toBe(3)
    expectNoSecret(ran.out)
  })

  it('generate --to-topic as the processor user, which may not write declarations: ' +
    'E_KAFKA_NOT_AUTHORISED, exit 3', async () => {
    const ran = await runCli(['generate', '--count', '5', '--to-topic', ns.topics.declarations],
      { ...envs.processor, ...ns.env })
    expect(ran.out).toContain('E_KAFKA_NOT_AUTHORISED')
    expect(ran.out).toContain(`WRITE on topic ${ns.topics.declarations}`)
    expect(ran.code).toBe(3)
    expectNoSecret(ran.out)
  })

  it('profiles load against a server whose certificate has expired: E_TLS_UNTRUSTED naming it, exit 3', async () => {
    // A certificate from the stack's own CA, valid in January 2020 only: trusted, but expired.
    const dir = join(work, `${ns.id}-expired`)
    mkdirSync(dir)
    const m = materialIn(secureDirs.run)
    writeFileSync(join(dir, 'index.txt'), '')
    writeFileSync(join(dir, 'serial'), '1000\n')
    writeFileSync(join(dir, 'ca.cnf'), '[ca]\ndefault_ca = local\n' +
      '[local]\ndatabase = index.txt\nserial = serial\nnew_certs_dir = .\ndefault_md = sha256\npolicy = any\n' +
      'copy_extensions = copy\nunique_subject = no\n' +
      '[any]\ncommonName = supplied\n')
    const openssl = (args: string[]): void => {
      const r = spawnSync('openssl', args, { cwd: dir, encoding: 'utf8' })
      expect(r.status, r.stderr).toBe(0)
    }
    openssl(['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', 'key.pem'])
    openssl([
      'req', '-new', '-key', 'key.pem', '-subj', '/CN=expired', '-addext', 'subjectAltName=IP:127.0.0.1',
      '-out', 'req.csr'
    ])
    openssl([
      'ca', '-batch', '-config', 'ca.cnf', '-cert', m.caFile, '-keyfile', m.caKeyFile,
      '-startdate', '20200101000000Z', '-enddate', '20200201000000Z', '-in', 'req.csr', '-out', 'cert.pem'
    ])
    const credentials = { cert: readFileSync(join(dir, 'cert.pem')), key: readFileSync(join(dir, 'key.pem')) }
    const server = createTlsServer(credentials, (socket) => {
      socket.end()
    })
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    const { port } = server.address() as { port: number }
    try {
      const ran = await runCli(['profiles', 'load', '--empty', 'consignee'], { ...envs.processor, REDIS_URL: `rediss://127.0.0.1:${port}` })
      expect(ran.out).toContain('E_TLS_UNTRUSTED')
      expect(ran.out).toMatch(/has expired \(CERT_HAS_EXPIRED\)/)
      expect(ran.code).toBe(3)
      expectNoSecret(ran.out)
    } finally {
      server.close()
    }
  })

  it('the broker refuses a plaintext client: no answer to any request without TLS and SASL', async () => {
    const plain = new Kafka({
      clientId: 'plaintext-probe',
      brokers: [envs.admin.KAFKA_BROKERS ?? ''],
      logLevel: logLevel.NOTHING,
      connectionTimeout: 2_000,
      requestTimeout: 3_000,
      retry: { retries: 0 }
    })
    const a = plain.admin()
    await expect(a.connect().then(async () => await a.listTopics())).rejects.toThrow()
    await a.disconnect().catch(() => undefined)
  })
})
