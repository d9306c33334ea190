import { mkdirSync, mkdtempSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { isParcelRiskError } from '../errors.ts'
import { inputBounds } from './bounds.ts'
import { defaultLimits } from '../validate/limits.ts'
import { LISTS, MANIFEST, ruleFile, writeRulesetDir } from '../../test/fixtures/inline-ruleset.ts'
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
  writeRulesetDir(dir, rules)
  return dir
}

/** Resolves with the first event the watcher reports. */
type WatchEvent = { swapped?: CompiledRuleset, errors?: readonly Diagnostic[] }
const nextEvent = (): {
  promise: Promise<WatchEvent>, onSwap: (r: CompiledRuleset) => void, onError: (e: readonly Diagnostic[]) => void
} => {
  let resolve: (v: WatchEvent) => void = () => {}
  const promise = new Promise<WatchEvent>((r) => {
    resolve = r
  })
  return { promise, onSwap: (swapped) => resolve({ swapped }), onError: (errors) => resolve({ errors }) }
}

/**
 * A ruleset directory as the kubelet lays out a ConfigMap volume (its atomic writer): the
 * files live in a timestamped directory `..<time>`, `..data` links to it, and each top-level
 * entry the container sees (`ruleset.yaml`, `rules`, `lists`) is a link through `..data`. An
 * update writes a new timestamped directory, points `..data_tmp` at it, renames that over
 * `..data` (the one atomic step) and removes the old directory.
 */
const configMapVolume = (rules: string) => {
  const dir = mkdtempSync(join(tmpdir(), 'parcel-risk-configmap-'))
  dirs.push(dir)
  let generation = 0
  const write = (ruleText: string): string => {
    generation += 1
    const stamp = `..2026_11_30_03_00_0${generation}.00000000${generation}`
    const files: Record<string, string> = { 'ruleset.yaml': MANIFEST, ...LISTS, 'rules/r.yaml': ruleText }
    for (const [path, text] of Object.entries(files)) {
      mkdirSync(dirname(join(dir, stamp, path)), { recursive: true })
      writeFileSync(join(dir, stamp, path), text)
    }
    return stamp
  }
  let current = write(rules)
  symlinkSync(current, join(dir, '..data'))
  for (const top of ['ruleset.yaml', 'rules', 'lists']) symlinkSync(join('..data', top), join(dir, top))
  return {
    dir,
    update: (ruleText: string): void => {
      const next = write(ruleText)
      symlinkSync(next, join(dir, '..data_tmp'))
      renameSync(join(dir, '..data_tmp'), join(dir, '..data'))
      rmSync(join(dir, current), { recursive: true })
      current = next
    }
  }
}

describe('engine > watch', () => {
  it('swaps to a valid change and keeps the old ruleset on an invalid one', async () => {
    const dir = makeDir(ruleFile([{ id: 'R1', when: 'pieces > 1' }]))
    let events = nextEvent()
    const watch = await watchRuleset(dir, (r) => events.onSwap(r), (e) => events.onError(e), { debounceMs: 50 })
    watches.push(watch)
    const first = watch.current()
    expect(first.rules.map((r) => r.id)).toEqual(['R1'])

    writeFileSync(join(dir, 'rules/r.yaml'),
      ruleFile([{ id: 'R1', when: 'pieces > 1' }, { id: 'R2', when: 'pieces > 2' }]))
    const swapped = await events.promise
    expect(swapped.swapped?.rules.map((r) => r.id)).toEqual(['R1', 'R2'])
    expect(watch.current()).toBe(swapped.swapped)
    expect(watch.current().digest).not.toBe(first.digest)

    events = nextEvent()
    const before = watch.current()
    writeFileSync(join(dir, 'rules/r.yaml'),
      ruleFile([{ id: 'R1', when: 'pices > 1' }, { id: 'R2', when: 'originCountry in @nope' }]))
    const failed = await events.promise
    expect(failed.errors?.map((e) => `${e.file}:${e.line}:${e.column} ${e.code}`))
      .toEqual(['rules/r.yaml:7:7 unknown-field', 'rules/r.yaml:13:24 unknown-list'])
    expect(watch.current()).toBe(before)

    events = nextEvent()
    writeFileSync(join(dir, 'rules/r.yaml'), ruleFile([{ id: 'R3', when: 'pieces > 3' }]))
    expect((await events.promise).swapped?.rules.map((r) => r.id)).toEqual(['R3'])
  })

  it('refuses to start on a ruleset that does not compile, listing every problem', async () => {
    const dir = makeDir(ruleFile([{ id: 'R1', when: 'pices > 1' }]))
    const err: unknown = await watchRuleset(dir, () => {}, () => {}).catch((e: unknown) => e)
    expect(isParcelRiskError(err) && err.code).toBe('E_RULES_INVALID')
    expect((err as Error).message)
      .toContain('rules/r.yaml:7:7: unknown field `pices` in the declaration (rule R1) (did you mean `pieces`?)')
  })

  // Budgets far from what the rules measure (10× or more either way): the verdicts do not
  // depend on how busy the machine is.
  const gate = { budgetMicrosPerKib: 10, bounds: inputBounds(defaultLimits) }
  const costly = 'any i in items: matches(i.description, ".*.*.*.*.*.*.*.*=x")'

  it('refuses a change over the cost budget at the costly rule and keeps the running ruleset', async () => {
    const dir = makeDir(ruleFile([{ id: 'R1', when: 'pieces > 1' }]))
    let events = nextEvent()
    const watch = await watchRuleset(dir, (r) => events.onSwap(r), (e) => events.onError(e), { debounceMs: 50, gate })
    watches.push(watch)
    const first = watch.current()

    writeFileSync(join(dir, 'rules/r.yaml'),
      ruleFile([{ id: 'R1', when: 'pieces > 1' }, { id: 'COSTLY', when: costly }]))
    const refused = await events.promise
    expect(refused.errors?.map((e) => `${e.file}:${e.line}:${e.column} ${e.code}`)).toEqual(['rules/r.yaml:13:7 cost'])
    expect(refused.errors?.[0]?.message).toContain('rule COSTLY alone takes')
    expect(watch.current()).toBe(first)

    events = nextEvent()
    writeFileSync(join(dir, 'rules/r.yaml'),
      ruleFile([{ id: 'R1', when: 'pieces > 1' }, { id: 'R2', when: 'pieces > 2' }]))
    expect((await events.promise).swapped?.rules.map((r) => r.id)).toEqual(['R1', 'R2'])
  }, 60_000)

  it('refuses to start on a ruleset over the cost budget', async () => {
    const dir = makeDir(ruleFile([{ id: 'COSTLY', when: costly }]))
    const err: unknown = await watchRuleset(dir, () => {}, () => {}, { gate }).catch((e: unknown) => e)
    expect(isParcelRiskError(err) && err.code).toBe('E_RULES_INVALID')
    expect((err as Error).message).toMatch(/rules\/r\.yaml:7:7: rule COSTLY alone takes [\d,.]+ µs per KiB/)
  }, 60_000)

  it('reverts to the ruleset before the last reload, once, and does not swap the same files in again', async () => {
    const dir = makeDir(ruleFile([{ id: 'R1', when: 'pieces > 1' }]))
    let events = nextEvent()
    const watch = await watchRuleset(dir, (r) => events.onSwap(r), (e) => events.onError(e), { debounceMs: 50 })
    watches.push(watch)
    const first = watch.current()
    expect(watch.revert()).toBeNull()

    writeFileSync(join(dir, 'rules/r.yaml'), ruleFile([{ id: 'R2', when: 'pieces > 2' }]))
    const reloaded = (await events.promise).swapped
    expect(watch.revert()).toBe(first)
    expect(watch.current()).toBe(first)
    expect(watch.revert()).toBeNull()

    // Touching the reverted files again does not bring them back; an edit does.
    events = nextEvent()
    writeFileSync(join(dir, 'rules/r.yaml'), ruleFile([{ id: 'R2', when: 'pieces > 2' }]))
    await new Promise((resolve) => setTimeout(resolve, 500))
    expect(watch.current()).toBe(first)
    writeFileSync(join(dir, 'rules/r.yaml'), ruleFile([{ id: 'R3', when: 'pieces > 3' }]))
    const third = (await events.promise).swapped
    expect(third?.rules.map((r) => r.id)).toEqual(['R3'])
    expect(third?.digest).not.toBe(reloaded?.digest)
  })

  it('loads a ConfigMap volume and swaps on its ..data link swap, again on a second one', async () => {
    const volume = configMapVolume(ruleFile([{ id: 'R1', when: 'pieces > 1' }]))
    let events = nextEvent()
    const watch = await watchRuleset(volume.dir, (r) => events.onSwap(r), (e) => events.onError(e), { debounceMs: 50 })
    watches.push(watch)
    expect(watch.current().rules.map((r) => r.id)).toEqual(['R1'])

    volume.update(ruleFile([{ id: 'R1', when: 'pieces > 1' }, { id: 'R2', when: 'pieces > 2' }]))
    const first = await events.promise
    expect(first.errors).toBeUndefined()
    expect(first.swapped?.rules.map((r) => r.id)).toEqual(['R1', 'R2'])
    expect(watch.current()).toBe(first.swapped)

    // The second update replaces the directory the first one created: the watch must not
    // have stayed on a directory that is gone.
    events = nextEvent()
    volume.update(ruleFile([{ id: 'R3', when: 'pieces > 3' }]))
    const second = await events.promise
    expect(second.errors).toBeUndefined()
    expect(second.swapped?.rules.map((r) => r.id)).toEqual(['R3'])
  })
})
