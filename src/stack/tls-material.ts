// What the secured stack needs before its first start, generated once into its run directory
// (never into the repository): a local certificate authority, one server certificate for
// 127.0.0.1 and localhost signed by it (Kafka, Redis and the registry's HTTPS front all
// present it), the broker's PKCS12 key store and trust store, and random passwords for every
// user. PEM files for the Node clients, PKCS12 for the JVM. openssl and keytool (shipped with
// every JDK) do the work; the secrets file and the keys are readable by their owner only.
import { randomBytes } from 'node:crypto'
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { run } from './process.ts'

/** Passwords of the secured stack, generated at first start. */
export interface Secrets {
  /** Kafka super user: the stack's own tooling (topics, ACLs, readiness probe) and tests. */
  readonly kafkaAdmin: string
  /** Kafka user of the processor (ACLs: read the inputs, write the outputs). */
  readonly kafkaProcessor: string
  /** Kafka user of the feeders (`generate --to-topic`, profile-update producers). */
  readonly kafkaFeeder: string
  readonly redisProcessor: string
  readonly registry: string
  /** Store password of the broker's PKCS12 files. */
  readonly keyStore: string
  /** The HMAC key of consignee identities the processor requires. */
  readonly identityKey: string
}

export interface Material {
  readonly dir: string
  readonly caFile: string
  readonly caKeyFile: string
  readonly certFile: string
  readonly keyFile: string
  readonly keyStore: string
  readonly trustStore: string
  readonly secretsFile: string
}

/** The subject of the server certificate; its CN is the broker's principal on the controller listener. */
export const SERVER_CN = 'parcel-risk-local-stack'

export const materialIn = (runDir: string): Material => {
  const dir = join(runDir, 'tls')
  return {
    dir,
    caFile: join(dir, 'ca.pem'),
    caKeyFile: join(dir, 'ca-key.pem'),
    certFile: join(dir, 'server.pem'),
    keyFile: join(dir, 'server-key.pem'),
    keyStore: join(dir, 'server.p12'),
    trustStore: join(dir, 'truststore.p12'),
    secretsFile: join(runDir, 'secrets.json')
  }
}

const password = (): string => randomBytes(18).toString('base64url')

const must = (what: string, r: { ok: boolean, output: string }): void => {
  if (!r.ok) throw new Error(`${what} failed:\n${r.output}`)
}

export const readSecrets = (m: Material): Secrets => JSON.parse(readFileSync(m.secretsFile, 'utf8')) as Secrets

/**
 * Creates whatever is missing: the secrets file, then the CA, the server certificate and the
 * PKCS12 stores. Idempotent: a second call with everything in place does nothing.
 */
export const ensureMaterial = (runDir: string, keytool: string): { material: Material, secrets: Secrets } => {
  const m = materialIn(runDir)
  mkdirSync(m.dir, { recursive: true, mode: 0o700 })
  if (!existsSync(m.secretsFile)) {
    const secrets: Secrets = {
      kafkaAdmin: password(), kafkaProcessor: password(), kafkaFeeder: password(), redisProcessor: password(),
      registry: password(), keyStore: password(), identityKey: randomBytes(32).toString('base64url')
    }
    writeFileSync(m.secretsFile, `${JSON.stringify(secrets, null, 2)}\n`, { mode: 0o600 })
  }
  const secrets = readSecrets(m)
  if (!existsSync(m.caFile)) {
    const caKey = m.caKeyFile
    must('openssl (CA key)',
      run('openssl', ['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', caKey]))
    chmodSync(caKey, 0o600)
    must('openssl (CA certificate)', run('openssl', [
      'req', '-x509', '-new', '-key', caKey, '-sha256', '-days', '825', '-subj', '/CN=parcel-risk local CA',
      '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign',
      '-out', m.caFile
    ]))
  }
  if (!existsSync(m.keyStore)) {
    const caKey = m.caKeyFile
    const csr = join(m.dir, 'server.csr')
    const ext = join(m.dir, 'server.ext')
    must('openssl (server key)',
      run('openssl', ['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', m.keyFile]))
    chmodSync(m.keyFile, 0o600)
    must('openssl (server request)',
      run('openssl', ['req', '-new', '-key', m.keyFile, '-subj', `/CN=${SERVER_CN}`, '-out', csr]))
    // serverAuth for the listeners, clientAuth because the broker presents the same
    // certificate to its own controller listener (mutual TLS there).
    writeFileSync(ext, 'subjectAltName=IP:127.0.0.1,DNS:localhost\n' +
      'extendedKeyUsage=serverAuth,clientAuth\nkeyUsage=critical,digitalSignature\n')
    must('openssl (server certificate)', run('openssl', [
      'x509', '-req', '-in', csr, '-CA', m.caFile, '-CAkey', caKey, '-CAcreateserial',
      '-days', '825', '-sha256', '-extfile', ext, '-out', m.certFile
    ]))
    must('openssl (PKCS12 key store)', run('openssl', [
      'pkcs12', '-export', '-in', m.certFile, '-inkey', m.keyFile, '-certfile', m.caFile,
      '-name', 'server', '-passout', `pass:${secrets.keyStore}`, '-out', m.keyStore
    ]))
    chmodSync(m.keyStore, 0o600)
  }
  if (!existsSync(m.trustStore)) {
    must('keytool (PKCS12 trust store)', run(keytool, [
      '-importcert', '-noprompt', '-alias', 'parcel-risk-ca', '-file', m.caFile,
      '-storetype', 'PKCS12', '-keystore', m.trustStore, '-storepass', secrets.keyStore
    ]))
  }
  return { material: m, secrets }
}
