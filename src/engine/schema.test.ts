import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { ACTIONS_BY_SEVERITY } from '../actions.ts'
import { LIST_KEYS, RULE_KEYS } from './files.ts'
import { MANIFEST_KEYS } from './manifest.ts'

// schemas/ruleset.schema.json is what editors validate with; files.ts and manifest.ts are what
// `rules check` enforces. They must describe the same files.
const schema = JSON.parse(readFileSync(new URL('../../schemas/ruleset.schema.json', import.meta.url), 'utf8')) as {
  $defs: Record<string, { enum?: string[], properties?: Record<string, unknown> }>
}
const keys = (def: string): string[] => Object.keys(schema.$defs[def]?.properties ?? {}).sort()

describe('engine > ruleset JSON schema', () => {
  it('knows the same actions, in severity order', () => {
    expect(schema.$defs.action?.enum).toEqual([...ACTIONS_BY_SEVERITY])
  })

  const keySets = [['manifest', MANIFEST_KEYS], ['rule', RULE_KEYS], ['listFile', LIST_KEYS]] as const
  it.each(keySets)('%s has the keys the loader reads', (def, known) => {
    expect(keys(def)).toEqual([...known].sort())
  })
})
