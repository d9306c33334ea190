import { describe, expect, it } from 'vitest'
import { authorised } from './registry-proxy.ts'
import { KAFKA_USERS, REDIS_COMMANDS, secureAcls } from './secure.ts'

const basic = (text: string): string => `Basic ${Buffer.from(text).toString('base64')}`

describe('stack > secure > ACLs', () => {
  const acls = secureAcls()
  const ops = (user: string, name: string): number[] =>
    acls.filter((a) => a.principal === `User:${user}` && a.resourceName === name).map((a) => a.operation).sort()
  const kafkajsOps = { READ: 3, WRITE: 4 } as const

  it.each([
    ['processor reads declarations', KAFKA_USERS.processor, 'declarations', [kafkajsOps.READ]],
    ['processor reads profile updates', KAFKA_USERS.processor, 'profile-updates', [kafkajsOps.READ]],
    ['processor writes decisions', KAFKA_USERS.processor, 'risk-decisions', [kafkajsOps.WRITE]],
    ['processor writes dead letters', KAFKA_USERS.processor, 'declarations-dlq', [kafkajsOps.WRITE]],
    ['processor writes shadow decisions', KAFKA_USERS.processor, 'risk-decisions-shadow', [kafkajsOps.WRITE]],
    ['feeder writes declarations', KAFKA_USERS.feeder, 'declarations', [kafkajsOps.WRITE]],
    ['feeder reads no decisions', KAFKA_USERS.feeder, 'risk-decisions', []]
  ])('%s', (_name, user, topic, expected) => {
    expect(ops(user, topic)).toEqual(expected)
    // The namespaced form (`name.suffix`) carries the same permission, as a prefix.
    expect(ops(user, `${topic}.`)).toEqual(expected)
  })

  it('gives the processor no prefix that also matches the dead-letter topic', () => {
    const prefixes = acls.filter((a) =>
      a.principal === `User:${KAFKA_USERS.processor}` && a.resourceType === 2 && a.resourcePatternType === 4)
    expect(prefixes.some((a) => 'declarations-dlq'.startsWith(a.resourceName) && a.operation === kafkajsOps.READ))
      .toBe(false)
  })
})

describe('stack > secure > registry front', () => {
  it.each([
    ['the right user and password', basic('parcel-risk:s3cret'), true],
    ['a wrong password', basic('parcel-risk:s3creT'), false],
    ['another user', basic('admin:s3cret'), false],
    ['no header', undefined, false],
    ['a bearer token', 'Bearer s3cret', false]
  ])('%s → %s', (_name, header, expected) => {
    expect(authorised(header, 'parcel-risk', 's3cret')).toBe(expected)
  })
})

describe('stack > secure > Redis ACL', () => {
  it('allows none of the commands that could read or wipe other keys or the server', () => {
    for (const c of ['flushall', 'flushdb', 'keys', 'config', 'monitor', 'debug', 'shutdown', 'acl', 'module']) {
      expect(REDIS_COMMANDS as readonly string[]).not.toContain(c)
    }
  })
})
