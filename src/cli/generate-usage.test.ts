import { readFileSync } from 'node:fs'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { main } from './generate.ts'

// The usage texts as they were printed before the commands moved to parseCommand (src/cli/args.ts).
const fixture = (name: string): string =>
  readFileSync(new URL(`../../test/fixtures/usage/${name}.txt`, import.meta.url), 'utf8')
const usage = { generate: fixture('generate'), 'generate outcomes': fixture('generate-outcomes') }

let out: string[]
let err: string[]
const writes = { stdout: process.stdout.write, stderr: process.stderr.write }

beforeEach(() => {
  out = []
  err = []
  process.stdout.write = ((text: string) => out.push(text) > 0) as typeof process.stdout.write
  process.stderr.write = ((text: string) => err.push(text) > 0) as typeof process.stderr.write
})

afterEach(() => {
  process.stdout.write = writes.stdout
  process.stderr.write = writes.stderr
})

describe('cli > generate > usage', () => {
  it.each([
    ['generate', ['--help']], ['generate', ['-h']], ['generate', ['--count', '5', '--help']],
    ['generate outcomes', ['outcomes', '--help']], ['generate outcomes', ['outcomes', '-h']]
  ] as const)('%s %j prints the usage unchanged to stdout and exits 0', async (command, argv) => {
    expect(await main(argv)).toBe(0)
    expect(out.join('')).toBe(usage[command])
    expect(err.join('')).toBe('')
  })

  it.each([
    ['generate', ['--count', '5', '--bogus'], "Unknown option '--bogus'"],
    ['generate', ['--bogus', '--help'], "Unknown option '--bogus'"],
    ['generate', ['--count', '5', 'extra'],
      "Unexpected argument 'extra'. This command does not take positional arguments"],
    ['generate', ['--count'], "Option '--count <value>' argument missing"],
    ['generate', ['--count', '5', '--format', 'xml'], '--format must be ndjson or avro'],
    ['generate outcomes', ['outcomes', '--count', '5', '--bogus'], "Unknown option '--bogus'"],
    ['generate outcomes', ['outcomes', '--help', '--bogus'], "Unknown option '--bogus'"],
    ['generate outcomes', ['outcomes', 'extra'],
      "Unexpected argument 'extra'. This command does not take positional arguments"],
    ['generate outcomes', ['outcomes', '--count', '5', '--timeout-ms', '0'], '--timeout-ms must be a positive integer']
  ] as const)('%s %j is refused as before: the message, then the usage, on stderr; exit 2', async (
    command, argv, message
  ) => {
    expect(await main(argv)).toBe(2)
    expect(err.join('')).toBe(`parcel-risk ${command}: ${message}\n\n${usage[command]}`)
    expect(out.join('')).toBe('')
  })
})
