import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { createLogger } from '../logger.ts'
import { defaultLimits } from '../validate/limits.ts'
import { inputBounds } from './bounds.ts'
import { openRuleset, type RulesetInForce } from './in-force.ts'
import { ruleFile, writeRulesetDir } from '../../test/fixtures/inline-ruleset.ts'

const dirs: string[] = []
const opened: RulesetInForce[] = []
afterEach(() => {
  for (const r of opened.splice(0)) r.close()
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true })
})

const makeDir = (rules: string): string => {
  const dir = mkdtempSync(join(tmpdir(), 'parcel-risk-in-force-'))
  dirs.push(dir)
  writeRulesetDir(dir, rules)
  return dir
}

// A budget far above what these rules cost: the verdicts do not depend on the machine's load.
const gate = { budgetMicrosPerKib: 1_000_000, bounds: inputBounds(defaultLimits) }

describe('engine > in-force', () => {
  it('tells of each hot reload: swapped in, or refused with the running ruleset kept', async () => {
    const dir = makeDir(ruleFile([{ id: 'R1', when: 'pieces > 1' }]))
    const reloads: string[] = []
    let next: (() => void) | null = null
    const settled = async (): Promise<void> => {
      await new Promise<void>((resolve) => {
        next = resolve
      })
    }
    const ruleset = await openRuleset({
      dir, watch: true, gate, role: 'active', log: createLogger({ level: 'silent' }),
      onLoaded: () => {}, onOverrun: () => {},
      onReload: (result) => {
        reloads.push(result)
        next?.()
      }
    })
    opened.push(ruleset)

    let event = settled()
    writeFileSync(join(dir, 'rules/r.yaml'), ruleFile([{ id: 'R2', when: 'pieces > 2' }]))
    await event
    expect(ruleset.current().rules.map((r) => r.id)).toEqual(['R2'])

    event = settled()
    writeFileSync(join(dir, 'rules/r.yaml'), ruleFile([{ id: 'R3', when: 'pices > 3' }]))
    await event
    expect(ruleset.current().rules.map((r) => r.id)).toEqual(['R2'])
    expect(reloads).toEqual(['swapped', 'refused'])
  }, 60_000)
})
