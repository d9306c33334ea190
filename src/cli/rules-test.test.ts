import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { memoryIo } from './args.ts'
import { run } from './rules-test.ts'

const RULES = fileURLToPath(new URL('../../rules', import.meta.url))

describe('cli > rules test', () => {
  it('passes every fixture of the reference rulesets', async () => {
    const io = memoryIo()
    expect(await run([RULES], io)).toBe(0)
    expect(io.out()).toMatch(/^ok .*eu-lvc: (\d+)\/\1 tests passed$/m)
    expect(io.out()).toMatch(/^ok .*us-lvc: (\d+)\/\1 tests passed$/m)
    expect(io.out()).not.toContain('FAIL')
  }, 60_000) // compiles and runs every fixture of both rulesets: seconds on a busy machine

  it('fails a broken fixture with its file:line and a readable difference', async () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'rules-test-')), 'eu-lvc')
    cpSync(join(RULES, 'eu-lvc'), dir, { recursive: true })
    const file = join(dir, 'tests', 'gates.yaml')
    const text = readFileSync(file, 'utf8')
    const broken = text.replace('expect: { decision: HOLD, action: DO_NOT_LOAD, gates: [GATE-WATCHLIST-SELLER] }',
      'expect: { decision: HOLD, action: SCREEN_NII, gates: [GATE-WATCHLIST-CONSIGNEE], score: { max: -1 } }')
    expect(broken).not.toBe(text)
    writeFileSync(file, broken)
    const line = broken.split('\n').findIndex((l) => l.includes('name: watchlisted seller is not loaded')) + 1

    const io = memoryIo()
    expect(await run([dir], io)).toBe(1)
    const out = io.out()
    expect(out).toContain(`${file}:${line}: FAIL watchlisted seller is not loaded\n`)
    expect(out).toContain('action:   expected SCREEN_NII, got DO_NOT_LOAD')
    expect(out).toContain('gates:    expected GATE-WATCHLIST-CONSIGNEE, got GATE-WATCHLIST-SELLER')
    expect(out).toContain('score:    expected <= -1, got 0')
    expect(out).toContain('fired GATE-WATCHLIST-SELLER (+0): enrichment.watchlist.sellerMatchScore=1')
    expect(out).toMatch(/^FAILED .*eu-lvc: \d+\/\d+ tests passed$/m)
  })

  it('runs only the tests a filter names', async () => {
    const io = memoryIo()
    expect(await run([join(RULES, 'us-lvc'), '--filter', 'watchlisted'], io)).toBe(0)
    expect(io.out()).toContain('us-lvc: 5/5 tests passed')
  })

  it('exits 2 on a directory without rulesets', async () => {
    const io = memoryIo()
    expect(await run([mkdtempSync(join(tmpdir(), 'empty-'))], io)).toBe(2)
    expect(io.err()).toContain('no ruleset')
  })
})
