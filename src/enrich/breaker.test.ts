import { describe, expect, it } from 'vitest'
import { createBreaker } from './breaker.ts'

const setup = () => {
  let t = 0
  const breaker = createBreaker({ failureThreshold: 3, coolDownMs: 1_000, now: () => t })
  const advance = (ms: number): void => {
    t += ms
  }
  return { breaker, advance }
}

describe('enrich > breaker', () => {
  it('stays closed below the failure threshold and resets on success', () => {
    const { breaker } = setup()
    breaker.failure()
    breaker.failure()
    breaker.success()
    breaker.failure()
    breaker.failure()
    expect(breaker.state()).toBe('closed')
    expect(breaker.allow()).toBe(true)
  })

  it('opens after N consecutive failures and refuses calls during the cool-down', () => {
    const { breaker, advance } = setup()
    for (let i = 0; i < 3; i++) breaker.failure()
    expect(breaker.state()).toBe('open')
    expect(breaker.allow()).toBe(false)
    advance(999)
    expect(breaker.allow()).toBe(false)
  })

  it('lets exactly one probe through after the cool-down (half-open)', () => {
    const { breaker, advance } = setup()
    for (let i = 0; i < 3; i++) breaker.failure()
    advance(1_000)
    expect(breaker.allow()).toBe(true)
    expect(breaker.state()).toBe('half-open')
    expect(breaker.allow()).toBe(false)
  })

  it.each([
    ['success', 'closed', true],
    ['failure', 'open', false]
  ] as const)('a probe %s leaves the breaker %s', (outcome, state, allowed) => {
    const { breaker, advance } = setup()
    for (let i = 0; i < 3; i++) breaker.failure()
    advance(1_000)
    breaker.allow()
    breaker[outcome]()
    expect(breaker.state()).toBe(state)
    expect(breaker.allow()).toBe(allowed)
  })

  it('after a failed probe waits a full cool-down again', () => {
    const { breaker, advance } = setup()
    for (let i = 0; i < 3; i++) breaker.failure()
    advance(1_000)
    breaker.allow()
    breaker.failure()
    advance(500)
    expect(breaker.allow()).toBe(false)
    advance(500)
    expect(breaker.allow()).toBe(true)
  })

  it('probes at once when told the store is back, and only when open', () => {
    const { breaker } = setup()
    breaker.probeNow()
    expect(breaker.state()).toBe('closed')
    for (let i = 0; i < 3; i++) breaker.failure()
    expect(breaker.allow()).toBe(false)
    breaker.probeNow()
    expect(breaker.state()).toBe('half-open')
    expect(breaker.allow()).toBe(true)
    expect(breaker.allow()).toBe(false)
  })
})
