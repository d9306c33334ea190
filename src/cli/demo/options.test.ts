import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { memoryIo } from '../args.ts'
import { defaultDemoOptions, parseDemoArgs } from './options.ts'

// The usage text as it was printed before the command moved to parseCommand (src/cli/args.ts).
const usage = readFileSync(new URL('../../../test/fixtures/usage/demo.txt', import.meta.url), 'utf8')

const parse = (argv: string[]): ReturnType<typeof parseDemoArgs> => parseDemoArgs(argv, memoryIo())

describe('cli > demo > options', () => {
  it('defaults: 200/s until interrupted, seed 1, 0.5 % poison, the reference ruleset', () => {
    expect(parse([])).toEqual(defaultDemoOptions)
    expect(defaultDemoOptions).toMatchObject({
      rate: 200, durationS: undefined, seed: 1, poisonRate: 0.005, rulesetDir: 'rules/eu-lvc',
      keep: false, verbose: false
    })
  })

  it('reads every option', () => {
    expect(parse([
      '--rate', '50', '--duration', '10', '--seed', '7', '--poison-rate', '0.1', '--ruleset', 'r',
      '--drain-timeout', '5', '--keep', '--verbose'
    ])).toEqual({
      rate: 50, durationS: 10, seed: 7, poisonRate: 0.1, rulesetDir: 'r', drainTimeoutS: 5, keep: true, verbose: true,
      console: true
    })
    expect(parse(['--no-console'])).toMatchObject({ console: false })
  })

  it.each([['--help'], ['-h']])('%s prints the usage unchanged to stdout and exits 0', (flag) => {
    const io = memoryIo()
    expect(parseDemoArgs([flag], io)).toEqual({ exitCode: 0 })
    expect(io.out()).toBe(usage)
    expect(io.err()).toBe('')
  })

  it.each([
    [['--bogus'], "Unknown option '--bogus'"],
    [['--bogus', '--help'], "Unknown option '--bogus'"],
    [['extra'], "Unexpected argument 'extra'. This command does not take positional arguments"],
    [['--seed'], "Option '--seed <value>' argument missing"]
  ])('%j is refused as before: the message, then the usage, on stderr; exit 2', (argv, message) => {
    const io = memoryIo()
    expect(parseDemoArgs(argv, io)).toEqual({ exitCode: 2 })
    expect(io.err()).toBe(`parcel-risk demo: ${message}\n\n${usage}`)
    expect(io.out()).toBe('')
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
    const io = memoryIo()
    expect(parseDemoArgs(argv, io)).toEqual({ exitCode: 2 })
    expect(io.err().split('\n')[0]).toContain(name)
  })
})
