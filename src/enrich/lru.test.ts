import { describe, expect, it } from 'vitest'
import { createLru } from './lru.ts'

describe('enrich > lru', () => {
  it('evicts the least recently used entry beyond maxEntries', () => {
    const lru = createLru<number>({ maxEntries: 2, ttlMs: 1_000, now: () => 1_000 })
    lru.set('a', 1)
    lru.set('b', 2)
    expect(lru.get('a')).toBe(1)
    lru.set('c', 3)
    expect(lru.get('b')).toBeUndefined()
    expect(lru.get('a')).toBe(1)
    expect(lru.get('c')).toBe(3)
    expect(lru.size()).toBe(2)
  })

  it('forgets entries after their time to live, and caches null (absent) values', () => {
    let t = 1_000
    const lru = createLru<number | null>({ maxEntries: 10, ttlMs: 100, now: () => t })
    lru.set('absent', null)
    expect(lru.get('absent')).toBeNull()
    t = 1_100
    expect(lru.get('absent')).toBeNull()
    t = 1_101
    expect(lru.get('absent')).toBeUndefined()
  })

  it('gives a set entry a fresh time to live, and drops a deleted one', () => {
    let t = 1_000
    const lru = createLru<number>({ maxEntries: 10, ttlMs: 100, now: () => t })
    lru.set('a', 1)
    t = 1_090
    lru.set('a', 2)
    t = 1_150
    expect(lru.get('a')).toBe(2)
    lru.delete('a')
    expect(lru.get('a')).toBeUndefined()
  })

  it('caches nothing when disabled', () => {
    const lru = createLru<number>({ maxEntries: 0, ttlMs: 100 })
    lru.set('a', 1)
    expect(lru.get('a')).toBeUndefined()
  })
})
