import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createRegistry } from './registry.ts'

// How the wrapper classifies what a registry does, against a small HTTP server that answers
// the way a Confluent-compatible registry does (or hangs). Real-registry behaviour is covered
// by test/integration/codec.test.ts.
const schema = JSON.stringify({ type: 'record', name: 'P', fields: [{ name: 'id', type: 'string' }] })
const requests: string[] = []
let server: Server
let base = ''

beforeAll(async () => {
  server = createServer((req, res) => {
    requests.push(req.url ?? '')
    const id = Number((req.url ?? '').split('/').pop())
    const broken = '{"type":"record","name":"Broken","fields":[{"name":"x","type":"nosuchtype"}]}'
    const send = (status: number, body: unknown): void => {
      res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body))
    }
    if (id === 1) send(200, { schema })
    else if (id === 2) send(200, { schema: broken })
    else if (id === 3) send(200, { schemaType: 'JSON', schema: '{"type":"object"}' })
    else if (id === 5) send(500, { error_code: 50001, message: 'store unavailable' })
    else if (id === 6) return // never answers
    else send(404, { error_code: 40403, message: `Schema ${id} not found.` })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
})

afterAll(async () => {
  server.closeAllConnections()
  await new Promise((resolve) => server.close(resolve))
})

const registry = () => createRegistry({ url: base, requestTimeoutMs: 500, unknownIdTtlMs: 60_000 })
const outcome = async (id: number, r = registry()): Promise<string> => {
  const result = await r.writerType(id)
  return result.ok ? `ok ${result.value.name ?? ''}` : `${result.error.code} ${result.error.disposition}`
}

describe('codec > registry', () => {
  it.each([
    [1, 'ok P'],
    [4, 'E_DECODE_UNKNOWN_SCHEMA reject'],
    [0, 'E_DECODE_UNKNOWN_SCHEMA reject'],
    [-7, 'E_DECODE_UNKNOWN_SCHEMA reject'],
    [2, 'E_DECODE_SCHEMA_INCOMPATIBLE reject'],
    [3, 'E_DECODE_SCHEMA_INCOMPATIBLE reject'],
    [5, 'E_DECODE_REGISTRY_UNAVAILABLE retry'],
    [6, 'E_DECODE_REGISTRY_UNAVAILABLE retry']
  ])('classifies schema id %i as %s', async (id, expected) => {
    expect(await outcome(id)).toBe(expected)
  })

  it('gives up on a registry that does not answer within requestTimeoutMs', async () => {
    const started = performance.now()
    await outcome(6)
    expect(performance.now() - started).toBeLessThan(2000)
  })

  it('asks about an id once, then answers from memory: found ids for good, 404s for unknownIdTtlMs', async () => {
    const r = registry()
    requests.length = 0
    await outcome(1, r)
    await outcome(1, r)
    await outcome(4, r)
    await outcome(4, r)
    expect(requests).toEqual(['/schemas/ids/1', '/schemas/ids/4'])
  })

  it('classifies a refused connection as retry', async () => {
    const refused = createRegistry({ url: 'http://127.0.0.1:9', requestTimeoutMs: 500, unknownIdTtlMs: 1000 })
    expect(await outcome(1, refused)).toBe('E_DECODE_REGISTRY_UNAVAILABLE retry')
  })
})

describe('codec > registry > start-up race', () => {
  // Two instances start together: both read "no config yet", the first creates the subject's
  // compatibility rule, the second's PUT answers 409. The second must read the rule the first
  // set and register, not fail start-up.
  let raceServer: Server
  let raceBase = ''
  let level: string | null = null
  let putsSeen = 0

  beforeAll(async () => {
    raceServer = createServer((req, res) => {
      const send = (status: number, body: unknown): void => {
        res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body))
      }
      const url = req.url ?? ''
      if (url.startsWith('/config/') && req.method === 'GET') {
        // The first GET is answered as the loser saw it: before the winner's rule existed.
        if (putsSeen === 0 || level === null) {
          send(404, { error_code: 40401, message: 'no config' })
          return
        }
        send(200, { compatibilityLevel: level })
      } else if (url.startsWith('/config/') && req.method === 'PUT') {
        putsSeen++
        level = 'BACKWARD' // the winner's rule, created just before this request
        send(409, { message: "A rule named 'COMPATIBILITY' already exists." })
      } else if (url.endsWith('/versions') && req.method === 'POST') {
        send(200, { id: 42 })
      } else {
        send(404, { error_code: 40401, message: `unexpected ${req.method} ${url}` })
      }
    })
    await new Promise<void>((resolve) => raceServer.listen(0, '127.0.0.1', resolve))
    raceBase = `http://127.0.0.1:${(raceServer.address() as AddressInfo).port}`
  })

  afterAll(async () => {
    raceServer.closeAllConnections()
    await new Promise((resolve) => raceServer.close(resolve))
  })

  it('reads the level another instance just set when its own PUT answers 409', async () => {
    const r = createRegistry({ url: raceBase, requestTimeoutMs: 2_000, unknownIdTtlMs: 60_000 })
    expect(await r.register('declarations-value', JSON.parse(schema) as object)).toBe(42)
    expect(putsSeen).toBe(1)
  })
})

describe('codec > registry > registration on a stalling registry', () => {
  // The registry stalls one request (a PUT of the level) and answers another with a 503, as a
  // registry does under a pause; a 422 is a refusal and is not asked again.
  let flakyServer: Server
  let flakyBase = ''
  const seen: string[] = []
  const plan: Record<string, Array<'hang' | 503 | 422>> = {}

  beforeAll(async () => {
    flakyServer = createServer((req, res) => {
      const send = (status: number, body: unknown): void => {
        res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body))
      }
      const url = req.url ?? ''
      const step = `${req.method ?? ''} ${url.startsWith('/config/') ? 'config' : 'versions'}`
      seen.push(step)
      const planned = plan[step]?.shift()
      if (planned === 'hang') return
      if (planned !== undefined) {
        send(planned, { error_code: planned * 100, message: `planned ${planned}` })
        return
      }
      if (step === 'GET config') send(404, { error_code: 40401, message: 'no config' })
      else if (step === 'PUT config') send(200, { compatibility: 'BACKWARD' })
      else send(200, { id: 7 })
    })
    await new Promise<void>((resolve) => flakyServer.listen(0, '127.0.0.1', resolve))
    flakyBase = `http://127.0.0.1:${(flakyServer.address() as AddressInfo).port}`
  })

  afterAll(async () => {
    flakyServer.closeAllConnections()
    await new Promise((resolve) => flakyServer.close(resolve))
  })

  const subject = 'stall-value'
  const register = async (): Promise<number> =>
    await createRegistry({ url: flakyBase, requestTimeoutMs: 300, unknownIdTtlMs: 1000 })
      .register(subject, JSON.parse(schema) as object)

  it('asks again after a 503 and a stalled PUT, and registers', async () => {
    seen.length = 0
    plan['PUT config'] = ['hang']
    plan['GET config'] = [503]
    expect(await register()).toBe(7)
    // 503 → again; stalled PUT → again; then the level, the library's own read of it, the schema.
    expect(seen).toEqual([
      'GET config', 'GET config', 'PUT config', 'GET config', 'PUT config', 'GET config', 'POST versions'
    ])
  })

  it('gives up after three attempts, naming them', async () => {
    seen.length = 0
    plan['GET config'] = [503, 503, 503]
    await expect(register()).rejects.toMatchObject({
      code: 'E_PUBLISH_SCHEMA_REGISTRATION',
      message: expect.stringContaining('(3 attempts)') as unknown
    })
    expect(seen).toEqual(['GET config', 'GET config', 'GET config'])
  })

  it('does not ask again after a refusal', async () => {
    seen.length = 0
    plan['GET config'] = [422]
    await expect(register()).rejects.toMatchObject({ code: 'E_PUBLISH_SCHEMA_REGISTRATION' })
    expect(seen).toEqual(['GET config'])
  })
})
