import { Writable } from 'node:stream'
import { describe, expect, it } from 'vitest'
import { loadConfig } from '../config-load.ts'
import { createLogger } from '../logger.ts'
import { kafkaClientConfig } from './client.ts'

const lines: string[] = []
const logger = createLogger({ level: 'info' }, new Writable({
  write: (chunk: Buffer, _e, done) => {
    lines.push(chunk.toString())
    done()
  }
}))
const files: Record<string, string> = { '/tls/ca.pem': 'CA', '/tls/client.pem': 'CERT', '/tls/client.key': 'KEY' }
const readFile = (path: string): Buffer => Buffer.from(files[path] ?? '')
const kafkaSlice = (env: Record<string, string>) => loadConfig({ env, fileExists: (p) => p in files }).kafka

describe('kafka > client', () => {
  it('connects in plain text without SASL by default', () => {
    const config = kafkaClientConfig(kafkaSlice({ KAFKA_BROKERS: 'b1:9092,b2:9092' }), logger, readFile)
    expect(config.brokers).toEqual(['b1:9092', 'b2:9092'])
    expect(config.clientId).toBe('parcel-risk')
    expect(config.ssl).toBe(false)
    expect(config.sasl).toBeUndefined()
  })

  it('reads the TLS files and passes SASL credentials from the environment', () => {
    const config = kafkaClientConfig(kafkaSlice({
      PARCEL_RISK_KAFKA_TLS_ENABLED: 'true',
      PARCEL_RISK_KAFKA_TLS_CA_FILE: '/tls/ca.pem',
      PARCEL_RISK_KAFKA_TLS_CERT_FILE: '/tls/client.pem',
      PARCEL_RISK_KAFKA_TLS_KEY_FILE: '/tls/client.key',
      PARCEL_RISK_KAFKA_SASL_MECHANISM: 'scram-sha-512',
      PARCEL_RISK_KAFKA_SASL_USERNAME: 'svc',
      PARCEL_RISK_KAFKA_SASL_PASSWORD: 'pw'
    }), logger, readFile)
    expect(config.ssl).toEqual({
      rejectUnauthorized: true, ca: [Buffer.from('CA')], cert: Buffer.from('CERT'), key: Buffer.from('KEY')
    })
    expect(config.sasl).toEqual({ mechanism: 'scram-sha-512', username: 'svc', password: 'pw' })
  })

  it('routes kafkajs log lines into the pino logger', () => {
    const config = kafkaClientConfig(kafkaSlice({}), logger, readFile)
    const log = config.logCreator?.(2)
    log?.({
      namespace: 'Producer', level: 2, label: 'WARN',
      log: { timestamp: 't', message: 'leader not available', topic: 'x' }
    })
    const entry = JSON.parse(lines.at(-1) ?? '{}') as Record<string, unknown>
    expect(entry).toMatchObject({
      level: 40, module: 'kafkajs', namespace: 'Producer',
      detail: 'leader not available', topic: 'x', msg: 'kafka client'
    })
  })
})
