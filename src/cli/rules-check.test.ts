import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { memoryIo } from './args.ts'
import { run } from './rules-check.ts'

const RULES = fileURLToPath(new URL('../../rules', import.meta.url))

const scratchRuleset = (): string => {
  const dir = mkdtempSync(join(tmpdir(), 'rules-check-'))
  mkdirSync(join(dir, 'rules'))
  mkdirSync(join(dir, 'lists'))
  writeFileSync(join(dir, 'ruleset.yaml'), [
    'id: scratch', 'version: 1.0.0', 'jurisdiction: EU', 'description: a ruleset with mistakes', 'fx: fxToEur',
    'bands:', '  - { min: 0, action: RELEASE }', '  - { min: 50, action: REQUEST_INFO }',
    'fallbackAction: REQUEST_INFO', ''
  ].join('\n'))
  writeFileSync(join(dir, 'lists', 'fxToEur.yaml'), 'id: fxToEur\nkind: map\nentries:\n  EUR: 1\n')
  writeFileSync(join(dir, 'rules', 'mistakes.yaml'), [
    'rules:',
    '  - id: IND-MISSPELT',
    '    title: misspelt field',
    '    tier: indicator',
    '    weight: 10',
    '    when: "grossMasKg > 2"',
    '  - id: IND-TYPE',
    '    title: type error',
    '    tier: indicator',
    '    weight: 10',
    "    when: 'destinationCountry > 5'",
    '  - id: IND-LIST',
    '    title: unknown list',
    '    tier: indicator',
    '    weight: 10',
    '    when: "originCountry in @highRiskOrigin"',
    ''
  ].join('\n'))
  return dir
}

describe('cli > rules check', () => {
  it('passes the reference rulesets, naming each with its worst case and slowest rules', async () => {
    const io = memoryIo()
    expect(await run([RULES], io)).toBe(0)
    expect(io.out()).toMatch(/^ok .*eu-lvc: eu-lvc .* \d+ rules/m)
    expect(io.out()).toMatch(/^ok .*us-lvc: us-lvc /m)
    expect(io.out()).toMatch(/^ {3}worst case [\d,.]+ µs per KiB over \d+ adversarial declarations \(budget 1,000 µs\); slowest rules: [A-Z]/m)
    expect(io.err()).toBe('')
  }, 120_000)

  it('refuses a rule over the cost budget at its position', async () => {
    const dir = scratchRuleset()
    writeFileSync(join(dir, 'rules', 'mistakes.yaml'), [
      'rules:',
      '  - id: IND-DESCRIPTION-PATTERN',
      '    title: a pattern that costs the whole budget on every item',
      '    tier: indicator',
      '    weight: 10',
      '    when: \'any item in items: matches(item.description, ".*.*.*.*.*.*.*.*=x")\'',
      ''
    ].join('\n'))
    const io = memoryIo()
    // A budget far below what the pattern costs (about 300 µs per KiB), so the verdict does
    // not depend on the machine.
    expect(await run([dir, '--cost-budget', '10'], io)).toBe(1)
    expect(io.err()).toMatch(new RegExp(`^${join(dir, 'rules', 'mistakes.yaml')}:6:12: rule IND-DESCRIPTION-PATTERN ` +
      'alone takes [\\d,.]+ µs per KiB of an adversarial declaration; the budget for the whole ruleset is 10 µs ' +
      'per KiB \\[cost\\]$', 'm'))
    expect(io.out()).toBe('')
  }, 60_000)

  it('reports a misspelt field, a type error and an unknown list, each at file:line:column', async () => {
    const dir = scratchRuleset()
    const io = memoryIo()
    expect(await run([dir], io)).toBe(1)
    const lines = io.err().trim().split('\n')
    const file = join(dir, 'rules', 'mistakes.yaml')
    expect(lines).toHaveLength(3)
    expect(lines[0]).toContain(`${file}:6:12: unknown field \`grossMasKg\``)
    expect(lines[0]).toContain('did you mean `grossMassKg`?')
    expect(lines[1]).toContain(`${file}:11:31: cannot compare string with number`)
    expect(lines[2]).toContain(`${file}:16:29: unknown list \`@highRiskOrigin\``)
  })

  it.each([
    [['--help'], 0, 'usage: parcel-risk rules check'],
    [['--nope'], 2, "Unknown option '--nope'"],
    [['--cost-budget', 'fast'], 2, '--cost-budget must be a whole number'],
    [['a', 'b'], 2, "unexpected argument 'b'"],
    [[join(tmpdir(), 'no-such-ruleset-dir')], 2, 'no ruleset']
  ])('argv %j exits %i', async (argv, code, text) => {
    const io = memoryIo()
    expect(await run(argv, io)).toBe(code)
    expect(io.out() + io.err()).toContain(text)
  })
})
