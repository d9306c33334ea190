import { describe, expect, it } from 'vitest'
import { defaultDemoOptions, parseDemoArgs } from './options.ts'

describe('cli > demo > options', () => {
  it('defaults: 200/s until interrupted, seed 1, 0.5 % poison, the reference ruleset', () => {
    expect(parseDemoArgs([])).toEqual(defaultDemoOptions)
    expect(defaultDemoOptions).toMatchObject({
      rate: 200, durationS: undefined, seed: 1, poisonRate: 0.005, rulesetDir: 'rules/eu-lvc',
      keep: false, verbose: false
    })
  })

  it('reads every option', () => {
    expect(parseDemoArgs([
      '--rate', '50', '--duration', '10', '--seed', '7', '--poison-rate', '0.1', '--ruleset', 'r',
      '--drain-timeout', '5', '--keep', '--verbose'
    ])).toEqual({
      rate: 50, durationS: 10, seed: 7, poisonRate: 0.1, rulesetDir: 'r', drainTimeoutS: 5, keep: true, verbose: true,
      console: true
    })
    expect(parseDemoArgs(['--no-console'])).toMatchObject({ console: false })
  })

  it.each([['--help'], ['-h']])('%s asks for help', (flag) => {
    expect(parseDemoArgs([flag])).toBe('help')
  })

  it.each([
    [['--rate', '0'], '--rate'],
    [['--rate', 'fast'], '--rate'],
    [['--duration', '-1'], '--duration'],
    [['--seed', '1.5'], '--seed'],
    [['--poison-rate', '2'], '--poison-rate'],
    [['--drain-timeout', 'x'], '--drain-timeout'],
    [['--colour'], "'--colour'"],
    [['extra'], "'extra'"]
  ])('%j is refused, naming %s', (argv, name) => {
    const result = parseDemoArgs(argv)
    expect(typeof result === 'object' && 'error' in result ? result.error : '').toContain(name)
  })
})
