import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { isParcelRiskError } from '../errors.ts'
import { LISTS, MANIFEST, ruleFile } from './inline-ruleset.ts'
import type { CompiledRuleset, Diagnostic, RulesetWatch } from './ruleset.ts'
import { watchRuleset } from './watch.ts'

const dirs: string[] = []
const watches: RulesetWatch[] = []
afterEach(() => {
  for (const w of watches.splice(0)) w.close()
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true })
})

const makeDir = (rules: string): string => {
  const dir = mkdtempSync(join(tmpdir(), 'parcel-risk-rules-'))
  dirs.push(dir)
  mkdirSync(join(dir, 'rules'))
  mkdirSync(join(dir, 'lists'))
  writeFileSync(join(dir, 'ruleset.yaml'), MANIFEST)
  for (const [path, text] of Object.entries(LISTS)) writeFileSync(join(dir, path), text)
  writeFileSync(join(dir, 'rules/r.yaml'), rules)
  return dir
}

/** Resolves with the first event the watcher reports. */
const nextEvent = (): { promise: Promise<{ swapped?: CompiledRuleset, errors?: readonly Diagnostic[] }>, onSwap: (r: CompiledRuleset) => void, onError: (e: readonly Diagnostic[]) => void } => {
  let resolve: (v: { swapped?: CompiledRuleset, errors?: readonly Diagnostic[] }) => void = () => {}
  const promise = new Promise<{ swapped?: CompiledRuleset, errors?: readonly Diagnostic[] }>((r) => { resolve = r })
  return { promise, onSwap: (swapped) => resolve({ swapped }), onError: (errors) => resolve({ errors }) }
}

describe('engine > watch', () => {
  it('swaps to a valid change and keeps the old ruleset on an invalid one', async () => {
    const dir = makeDir(ruleFile([{ id: 'R1', when: 'pieces > 1' }]))
    let events = nextEvent()
    const watch = await watchRuleset(dir, (r) => events.onSwap(r), (e) => events.onError(e), { debounceMs: 50 })
    watches.push(watch)
    const first = watch.current()
    expect(first.rules.map((r) => r.id)).toEqual(['R1'])

    writeFileSync(join(dir, 'rules/r.yaml'), ruleFile([{ id: 'R1', when: 'pieces > 1' }, { id: 'R2', when: 'pieces > 2' }]))
    const swapped = await events.promise
    expect(swapped.swapped?.rules.map((r) => r.id)).toEqual(['R1', 'R2'])
    expect(watch.current()).toBe(swapped.swapped)
    expect(watch.current().digest).not.toBe(first.digest)

    events = nextEvent()
    const before = watch.current()
    writeFileSync(join(dir, 'rules/r.yaml'), ruleFile([{ id: 'R1', when: 'pices > 1' }, { id: 'R2', when: 'originCountry in @nope' }]))
    const failed = await events.promise
    expect(failed.errors?.map((e) => `${e.file}:${e.line}:${e.column} ${e.code}`)).toEqual(['rules/r.yaml:7:7 unknown-field', 'rules/r.yaml:13:24 unknown-list'])
    expect(watch.current()).toBe(before)

    events = nextEvent()
    writeFileSync(join(dir, 'rules/r.yaml'), ruleFile([{ id: 'R3', when: 'pieces > 3' }]))
    expect((await events.promise).swapped?.rules.map((r) => r.id)).toEqual(['R3'])
  })

  it('refuses to start on a ruleset that does not compile, listing every problem', async () => {
    const dir = makeDir(ruleFile([{ id: 'R1', when: 'pices > 1' }]))
    const err: unknown = await watchRuleset(dir, () => {}, () => {}).catch((e: unknown) => e)
    expect(isParcelRiskError(err) && err.code).toBe('E_RULES_INVALID')
    expect((err as Error).message).toContain('rules/r.yaml:7:7: unknown field `pices` in the declaration (rule R1) (did you mean `pieces`?)')
  })
})
