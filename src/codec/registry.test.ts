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
    const send = (status: number, body: unknown): void => { res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body)) }
    if (id === 1) send(200, { schema })
    else if (id === 2) send(200, { schema: '{"type":"record","name":"Broken","fields":[{"name":"x","type":"nosuchtype"}]}' })
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
