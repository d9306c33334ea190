import { describe, expect, it } from 'vitest'
import { createLogger } from '../logger.ts'
import type { RedisClient } from './redis-client.ts'
import { createWatchIndex, idAfter, watchlistLogKey, type StreamEntry } from './watch-index.ts'

const log = createLogger({ level: 'silent' })

/** What the index reads at its load: the hash's fields (two HSCAN pages) and the log's last entry. */
const source = (fields: string[], lastId: string | null): RedisClient => ({
  hscan: async (_key: string, cursor: string) => {
    const half = Math.ceil(fields.length / 2)
    const page = cursor === '0' ? fields.slice(0, half) : fields.slice(half)
    return [cursor === '0' ? '1' : '0', page.flatMap((f) => [f, '{}'])]
  },
  xrevrange: async () => lastId === null ? [] : [[lastId, ['0', 'x']]]
}) as unknown as RedisClient

const entry = (id: string, ...fields: string[]): StreamEntry => [id, fields.flatMap((f, i) => [String(i), f])]

describe('enrich > watch index', () => {
  it('orders stream ids by time, then sequence', () => {
    expect(idAfter('1700000000001-0', '1700000000000-5')).toBe(true)
    expect(idAfter('1700000000000-10', '1700000000000-9')).toBe(true)
    expect(idAfter('1700000000000-9', '1700000000000-9')).toBe(false)
    expect(idAfter('999-0', '1000-0')).toBe(false)
  })

  it('puts the log in the watchlist hash\'s slot', () => {
    expect(watchlistLogKey('pr:wl')).toBe('pr:wl:log:{pr:wl}')
    expect(watchlistLogKey('{tenant}:wl')).toBe('{tenant}:wl:log')
    expect(watchlistLogKey('odd{}:wl')).toBe('odd{}:wl:log:{odd{}:wl}')
  })

  it('loads the fields, then applies the log from the entry it read, whatever order answers come in', async () => {
    const index = createWatchIndex(source(['A:1', 'B:2', 'C:3'], '5-0'), { watchlist: 'pr:wl', maxFields: 10, log })
    expect(index.read()).toBeNull()
    expect(await index.load()).toBe(true)
    expect(index.size()).toBe(3)
    const loaded = index.version()
    const first = index.read()
    const second = index.read()
    expect(first?.args).toEqual(['pr:wl:log:{pr:wl}', '5-0', '+', 'COUNT', 1_000])
    const changed: string[] = []
    expect(index.apply(first!, [entry('5-0', 'A:1'), entry('6-0', 'D:4', '~N:X')], (f) => changed.push(f))).toBe(true)
    expect(changed).toEqual(['D:4', '~N:X'])
    expect(index.version()).toBeGreaterThan(loaded)
    const applied = index.version()
    // A concurrent batch read from the same entry: what was applied is not applied again.
    expect(index.apply(second!, [entry('5-0'), entry('6-0', 'D:4', '~N:X'), entry('7-0', 'E:5')],
      (f) => changed.push(f))).toBe(true)
    expect(changed).toEqual(['D:4', '~N:X', 'E:5'])
    expect(index.version()).toBeGreaterThan(applied)
    const current = index.version()
    expect(index.apply(index.read()!, [entry('7-0', 'E:5')], () => {})).toBe(true)
    expect(index.version()).toBe(current)
    expect(index.read()?.args[1]).toBe('7-0')
    expect(['D:4', '~N:X', 'E:5', 'A:1'].every(index.has)).toBe(true)
    expect(index.has('Z:9')).toBe(false)
  })

  it('reloads when the entry it read is gone, and says so', async () => {
    const index = createWatchIndex(source(['A:1'], '5-0'), { watchlist: 'pr:wl', maxFields: 10, log })
    await index.load()
    const read = index.read()!
    expect(index.apply(read, [entry('8-0', 'F:6')], () => {})).toBe(false)
    expect(index.ready()).toBe(false)
    await new Promise((resolve) => setImmediate(resolve))
    expect(index.ready()).toBe(true)
    // An answer to a read made before the reload is not applied.
    expect(index.apply(read, [entry('5-0'), entry('9-0', 'G:7')], () => {})).toBe(true)
    expect(index.has('G:7')).toBe(false)
  })

  it('reads an empty log from its start', async () => {
    const index = createWatchIndex(source([], null), { watchlist: 'pr:wl', maxFields: 10, log })
    await index.load()
    expect(index.read()?.args[1]).toBe('-')
    expect(index.apply(index.read()!, [entry('1-0', 'A:1')], () => {})).toBe(true)
    expect(index.read()?.args[1]).toBe('1-0')
  })

  it('is off for a watchlist over maxFields, at the load or through the log', async () => {
    const big = createWatchIndex(source(['A:1', 'B:2', 'C:3'], '5-0'), { watchlist: 'pr:wl', maxFields: 2, log })
    expect(await big.load()).toBe(false)
    expect(big.read()).toBeNull()
    const growing = createWatchIndex(source(['A:1'], '5-0'), { watchlist: 'pr:wl', maxFields: 2, log })
    await growing.load()
    growing.apply(growing.read()!, [entry('5-0'), entry('6-0', 'B:2', 'C:3')], () => {})
    expect(growing.ready()).toBe(false)
    expect(createWatchIndex(source([], null), { watchlist: 'pr:wl', maxFields: 0, log }).read()).toBeNull()
  })

  it('stops asking after an ACL refusal; after any other failure asks again once RETRY_MS passed', async () => {
    let calls = 0
    const failing = (message: string): RedisClient => ({
      xrevrange: async () => {
        calls++
        throw new Error(message)
      }
    }) as unknown as RedisClient
    let now = 0
    const refused = createWatchIndex(failing('NOPERM this user has no permissions to run the \'xrevrange\' command'),
      { watchlist: 'pr:wl', maxFields: 10, log, now: () => now })
    expect(await refused.load()).toBe(false)
    now = 60_000
    refused.ensure()
    await new Promise((resolve) => setImmediate(resolve))
    expect(calls).toBe(1)
    expect(refused.read()).toBeNull()

    calls = 0
    now = 0
    const down = createWatchIndex(failing('connect ECONNREFUSED'), {
      watchlist: 'pr:wl', maxFields: 10, log, now: () => now
    })
    expect(await down.load()).toBe(false)
    down.ensure()
    await new Promise((resolve) => setImmediate(resolve))
    expect(calls).toBe(1)
    now = 5_000
    down.ensure()
    await new Promise((resolve) => setImmediate(resolve))
    expect(calls).toBe(2)
    expect(down.ready()).toBe(false)
  })
})
