import { describe, expect, it } from 'vitest'
import { ParcelRiskError } from './errors.ts'
import { classifyRefusal } from './refusals.ts'

// Errors shaped as the clients produce them (kafkajs, ioredis, Node's TLS, the registry client).
const kafkajs = (name: string, fields: Record<string, unknown> = {}): Error =>
  Object.assign(new Error('kafkajs says no'), { name, ...fields })
const tls = (code: string): Error => Object.assign(new Error('self-signed certificate in certificate chain'), { code })

describe('refusals > classifyRefusal', () => {
  it.each([
    ['a SASL failure', kafkajs('KafkaJSSASLAuthenticationError'), 'E_KAFKA_AUTH_FAILED'],
    ['a SASL failure after retries',
      kafkajs('KafkaJSNumberOfRetriesExceeded', { cause: kafkajs('KafkaJSSASLAuthenticationError') }),
      'E_KAFKA_AUTH_FAILED'],
    ['a topic ACL refusal', kafkajs('KafkaJSProtocolError', { type: 'TOPIC_AUTHORIZATION_FAILED' }),
      'E_KAFKA_NOT_AUTHORISED'],
    ['a group ACL refusal', kafkajs('KafkaJSProtocolError', { type: 'GROUP_AUTHORIZATION_FAILED' }),
      'E_KAFKA_NOT_AUTHORISED'],
    ['an untrusted Kafka certificate', kafkajs('KafkaJSConnectionError', { code: 'SELF_SIGNED_CERT_IN_CHAIN' }),
      'E_TLS_UNTRUSTED'],
    ['an expired certificate', tls('CERT_HAS_EXPIRED'), 'E_TLS_UNTRUSTED'],
    ['a registry 401 under a registration error',
      new ParcelRiskError('E_PUBLISH_SCHEMA_REGISTRATION', 'failed', {
        cause: Object.assign(new Error('x'), { status: 401 })
      }),
      'E_REGISTRY_AUTH'],
    ['a registry 403', Object.assign(new Error('x'), { status: 403 }), 'E_REGISTRY_AUTH'],
    ['Redis NOAUTH', new Error('closed', { cause: new Error('NOAUTH Authentication required.') }), 'E_REDIS_AUTH'],
    ['Redis WRONGPASS', new Error('WRONGPASS invalid username-password pair or user is disabled.'), 'E_REDIS_AUTH'],
    ['Redis NOPERM', new Error("NOPERM this user has no permissions to run the 'flushall' command"), 'E_REDIS_AUTH']
  ])('%s → %s', (_name, err, code) => {
    expect(classifyRefusal(err)?.code).toBe(code)
  })

  it.each([
    ['a broker outage', kafkajs('KafkaJSConnectionError', { code: 'ECONNREFUSED' })],
    ['a registry 500', Object.assign(new Error('x'), { status: 500 })],
    ['a bad record', new ParcelRiskError('E_DECODE_MAGIC_BYTE', 'bad byte')],
    ['not an error at all', 'text']
  ])('%s is not a refusal', (_name, err) => {
    expect(classifyRefusal(err)).toBeUndefined()
  })

  it('names the user and what the command needs for a missing ACL, never a password', () => {
    const refusal = classifyRefusal(kafkajs('KafkaJSProtocolError', { type: 'TOPIC_AUTHORIZATION_FAILED' }),
      {
        kafkaUser: 'parcel-risk',
        kafkaNeeds: { read: ['declarations'], write: ['risk-decisions'], groups: ['parcel-risk'] }
      })
    expect(refusal?.message).toBe("Kafka refused user 'parcel-risk' access to a topic (TOPIC_AUTHORIZATION_FAILED); " +
      'this command needs READ on topic declarations; WRITE on topic risk-decisions; READ on group parcel-risk')
  })

  it('names the setting of the service whose certificate failed', () => {
    expect(classifyRefusal(new Error('closed', { cause: tls('SELF_SIGNED_CERT_IN_CHAIN') }), {}, 'redis')?.message)
      .toContain('redis.tls.caFile')
    const registration = new ParcelRiskError('E_PUBLISH_SCHEMA_REGISTRATION', 'failed: self-signed certificate', {
      cause: tls('SELF_SIGNED_CERT_IN_CHAIN')
    })
    expect(classifyRefusal(registration)?.message).toContain('registry.caFile')
  })
})
