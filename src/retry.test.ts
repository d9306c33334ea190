import { describe, expect, it } from 'vitest'
import { retryPolicy, type RetryOptions } from './retry.ts'

// The clock and the dice come in as parameters: `slept` records every wait, `dice` is the
// sequence random() returns.
const policy = (over: Partial<RetryOptions> = {}, dice: number[] = []) => {
  const slept: number[] = []
  const p = retryPolicy({
    attempts: 3,
    backoff: { firstMs: 100, growth: 'exponential', maxMs: 2_000 },
    retryable: (err) => (err as Error).message === 'transient',
    sleep: async (ms) => {
      slept.push(ms)
    },
    random: () => dice.shift() ?? 0,
    ...over
  })
  return { p, slept }
}

const transient = (): Error => new Error('transient')

describe('retry > backoff', () => {
  const EVERY_2S = [2_000, 2_000, 2_000, 2_000, 2_000]
  it.each([
    ['exponential, doubling, capped', { firstMs: 100, growth: 'exponential', maxMs: 2_000 },
      [100, 200, 400, 800, 1_600, 2_000, 2_000]],
    ['exponential by 4 (registration: 0.5 s, 2 s)', { firstMs: 500, growth: 'exponential', factor: 4, maxMs: 2_000 },
      [500, 2_000, ...EVERY_2S]],
    ['linear, capped (an unanswered commit)', { firstMs: 100, growth: 'linear', maxMs: 250 },
      [100, 200, 250, 250, 250, 250, 250]],
    ['linear, uncapped (a retriable transaction)', { firstMs: 50, growth: 'linear', maxMs: Infinity },
      [50, 100, 150, 200, 250, 300, 350]],
    ['none (the Redis round trip)', { firstMs: 0, growth: 'exponential', maxMs: 0 }, [0, 0, 0, 0, 0, 0, 0]]
  ] as const)('%s', (_name, backoff, expected) => {
    const { p } = policy({ backoff })
    expect([1, 2, 3, 4, 5, 6, 7].map((n) => p.delayMs(n))).toEqual(expected)
  })

  it.each([
    ['random 0 keeps the whole wait', 0, 400],
    ['random 0.5 with jitter 0.5 drops a quarter', 0.5, 300],
    ['random close to 1 with jitter 0.5 waits just over half', 0.999, 200]
  ])('jitter: %s', (_name, dice, expected) => {
    const { p } = policy({ jitter: 0.5 }, [dice])
    expect(p.delayMs(3)).toBe(expected)
  })

  it('never waits longer than the cap with jitter', () => {
    const dice = Array.from({ length: 200 }, (_, i) => i / 200)
    const { p } = policy({ jitter: 1 }, dice)
    const waits = Array.from({ length: 200 }, () => p.delayMs(10))
    expect(Math.max(...waits)).toBe(2_000)
    expect(Math.min(...waits)).toBe(10)
  })

  it.each([
    ['no attempts', { attempts: 0 }],
    ['jitter above 1', { jitter: 1.5 }]
  ])('refuses %s', (_name, over) => {
    expect(() => policy(over)).toThrow(RangeError)
  })
})

describe('retry > run', () => {
  it('calls once and does not wait when the first attempt succeeds', async () => {
    const { p, slept } = policy()
    const seen: number[] = []
    expect(await p.run(async (n) => {
      seen.push(n)
      return 'ok'
    })).toBe('ok')
    expect([seen, slept]).toEqual([[1], []])
  })

  it('tries a retryable failure again after the backoff, telling onRetry', async () => {
    const { p, slept } = policy()
    const retries: Array<[number, number]> = []
    const result = await p.run(async (n) => {
      if (n < 3) throw transient()
      return n
    }, { onRetry: (_err, n, ms) => retries.push([n, ms]) })
    expect(result).toBe(3)
    expect(slept).toEqual([100, 200])
    expect(retries).toEqual([[1, 100], [2, 200]])
  })

  it('throws the last error once the attempts are used up', async () => {
    const { p, slept } = policy()
    let calls = 0
    await expect(p.run(async () => {
      calls++
      throw transient()
    })).rejects.toThrow('transient')
    expect([calls, slept]).toEqual([3, [100, 200]])
  })

  it.each([
    ['an error the classification refuses', {}, new Error('refused')],
    ['a programming error, whatever the classification says', { retryable: () => true }, new TypeError('transient')]
  ])('throws %s at once', async (_name, over, error) => {
    const { p, slept } = policy(over)
    let calls = 0
    await expect(p.run(async () => {
      calls++
      throw error
    })).rejects.toBe(error)
    expect([calls, slept]).toEqual([1, []])
  })

  it('skips the sleep for a zero wait', async () => {
    const { p, slept } = policy({ attempts: 2, backoff: { firstMs: 0, growth: 'exponential', maxMs: 0 } })
    await expect(p.run(async () => {
      throw transient()
    })).rejects.toThrow('transient')
    expect(slept).toEqual([])
  })

  it('hands each attempt its budget: the caller\'s, times the factor per attempt', async () => {
    const { p } = policy({ attempts: 3, timeoutFactor: 2 })
    const budgets: number[] = []
    await expect(p.run(async (_n, timeoutMs) => {
      budgets.push(timeoutMs)
      throw transient()
    }, { timeoutMs: 150 })).rejects.toThrow('transient')
    expect(budgets).toEqual([150, 300, 600])
  })

  it('gives an attempt an unbounded budget when the caller gives none', async () => {
    const { p } = policy()
    expect(await p.run(async (_n, timeoutMs) => timeoutMs)).toBe(Infinity)
  })
})

describe('retry > again, delayMs and sleep, for loops of their own', () => {
  it.each([
    [1, 'transient', true],
    [2, 'transient', true],
    [3, 'transient', false],
    [1, 'refused', false]
  ])('after attempt %i failing with "%s": %s', (attempt, message, expected) => {
    expect(policy().p.again(new Error(message), attempt)).toBe(expected)
  })

  it('retries without end when attempts is Infinity', () => {
    expect(policy({ attempts: Infinity }).p.again(transient(), 1_000_000)).toBe(true)
  })

  it('sleeps with the injected clock, and not at all for a zero wait', async () => {
    const { p, slept } = policy()
    await p.sleep(p.delayMs(1))
    await p.sleep(0)
    await p.sleep(p.delayMs(4))
    expect(slept).toEqual([100, 800])
  })
})
