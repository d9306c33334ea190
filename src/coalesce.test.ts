import { describe, expect, it } from 'vitest'
import { coalesce, coalesceVoid } from './coalesce.ts'

const nextTurn = async (): Promise<void> => {
  await new Promise((resolve) => setImmediate(resolve))
}

describe('coalesce', () => {
  it('runs the calls of one turn as one call and answers each caller its own items, in order', async () => {
    const calls: Array<{ items: readonly number[], args: string }> = []
    const double = coalesce<number, string, string>(async (items, args) => {
      calls.push({ items, args })
      return items.map((n) => `${args}:${n * 2}`)
    })
    const answers = await Promise.all([double([1, 2], 'a'), double([], 'b'), double([3], 'c'), double([4, 5, 6], 'd')])
    expect(answers).toEqual([['a:2', 'a:4'], [], ['a:6'], ['a:8', 'a:10', 'a:12']])
    expect(calls).toEqual([{ items: [1, 2, 3, 4, 5, 6], args: 'a' }])
  })

  it('starts a new group for a call made after the group was sent', async () => {
    const calls: Array<readonly number[]> = []
    const same = coalesce<number, undefined, number>(async (items) => {
      calls.push(items)
      await nextTurn()
      return items
    })
    const first = same([1], undefined)
    await nextTurn()
    const second = same([2], undefined)
    const third = same([3], undefined)
    expect(await Promise.all([first, second, third])).toEqual([[1], [2], [3]])
    expect(calls).toEqual([[1], [2, 3]])
  })

  it('rejects every caller of a failed group, and only those', async () => {
    let fail = true
    const op = coalesce<number, undefined, number>(async (items) => {
      if (fail) throw new Error('Redis went away')
      return items
    })
    const a = op([1], undefined)
    const b = op([2], undefined)
    await expect(a).rejects.toThrow('Redis went away')
    await expect(b).rejects.toThrow('Redis went away')
    fail = false
    expect(await op([3], undefined)).toEqual([3])
  })

  it('rejects every caller with E_PIPELINE_STAGE_CONTRACT when the answer has another length', async () => {
    const short = coalesce<number, undefined, number>(async (items) => items.slice(1))
    await expect(Promise.all([short([1], undefined), short([2], undefined)])).rejects.toMatchObject({
      code: 'E_PIPELINE_STAGE_CONTRACT', message: 'coalesced call answered 1 results for 2 items'
    })
  })

  it('coalesceVoid: one call for the group, each caller resolves once it is done', async () => {
    const sent: Array<readonly string[]> = []
    const send = coalesceVoid<string, undefined>(async (items) => {
      await nextTurn()
      sent.push(items)
    })
    let resolved = 0
    const pending = [send(['x'], undefined), send(['y', 'z'], undefined)].map(async (p) => {
      await p
      resolved++
    })
    expect(resolved).toBe(0)
    await Promise.all(pending)
    expect(resolved).toBe(2)
    expect(sent).toEqual([['x', 'y', 'z']])
  })
})
