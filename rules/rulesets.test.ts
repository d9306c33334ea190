// Every ruleset in rules/ compiles and every schema in schemas/ parses, so a broken rule file or
// schema fails `npm test` before anything is deployed.
import { readdirSync, readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { avroType } from '../src/codec/avro-types.ts'
import { scoreAndDecide } from '../src/decide/decide.ts'
import { loadRuleset } from '../src/engine/load.ts'
import { findRulesetDirs } from '../src/cli/rulesets.ts'
import { expandFixtures } from '../src/cli/rule-fixtures.ts'

const RULES = fileURLToPath(new URL('.', import.meta.url))
const SCHEMAS = fileURLToPath(new URL('../schemas/', import.meta.url))

const rulesetDirs = findRulesetDirs(RULES)
const schemaFiles = readdirSync(SCHEMAS).filter((f) => f.endsWith('.avsc') || f.endsWith('.json')).sort()

describe('rules > every ruleset compiles', () => {
  it('finds the reference rulesets', () => {
    expect(rulesetDirs.map((d) => d.split('/').at(-1))).toEqual(expect.arrayContaining(['eu-lvc', 'us-lvc']))
  })

  const compilesClean = '%s compiles without diagnostics, every rule with a title, description, owner and tags'
  it.each(rulesetDirs)(compilesClean, async (dir) => {
    const result = await loadRuleset(dir)
    expect(result.errors).toEqual([])
    if (!result.ok) return
    for (const rule of result.ruleset.rules) {
      expect(rule.owner, rule.id).not.toBe('')
      expect(rule.tags.length, rule.id).toBeGreaterThan(0)
      expect(rule.title, rule.id).not.toBe('')
      expect(rule.description, rule.id).not.toBe('')
    }
  })
})

interface FixtureExpectation { reasons?: string[], gates?: string[], notReasons?: string[] }

/** Rule ids a ruleset's fixtures expect to fire (reasons, gates) and not to fire (notReasons). */
const fixtureIds = (tests: ReadonlyArray<{ data: unknown }>): { hit: Set<string>, noHit: Set<string> } => {
  const hit = new Set<string>()
  const noHit = new Set<string>()
  for (const file of tests) {
    const data = file.data as { tests?: Array<{ expect?: FixtureExpectation }> }
    for (const t of data.tests ?? []) {
      for (const id of [...(t.expect?.reasons ?? []), ...(t.expect?.gates ?? [])]) hit.add(id)
      for (const id of t.expect?.notReasons ?? []) noHit.add(id)
    }
  }
  return { hit, noHit }
}

describe('rules > every rule has a hit and a no-hit fixture', () => {
  it.each(rulesetDirs)('%s', async (dir) => {
    const result = await loadRuleset(dir)
    if (!result.ok) throw new Error(`${dir} does not compile`)
    const { hit, noHit } = fixtureIds(result.ruleset.tests)
    const ids = result.ruleset.rules.map((r) => r.id)
    expect(ids.filter((id) => !hit.has(id)), 'rules no fixture expects to fire').toEqual([])
    expect(ids.filter((id) => !noHit.has(id)), 'rules no fixture expects not to fire').toEqual([])
  })
})

// The field a REJECT_DATA gate's rejection must name: the filer corrects that field, so a
// rejection that points at another one (the seller's name for the consignee's) misleads.
// Item indices are written as items[].
const REJECTION_FIELD: Readonly<Record<string, string>> = {
  'GATE-DESC-STOP-WORD': 'items[].description',
  'GATE-PARTY-STOP-WORD-SELLER': 'seller.name',
  'GATE-PARTY-STOP-WORD-CONSIGNEE': 'consignee.name',
  'GATE-IOSS-FORMAT': 'iossNumber',
  'GATE-IOSS-MEMBER-STATE': 'iossNumber',
  'GATE-IOSS-UNREGISTERED': 'iossNumber',
  'GATE-IOSS-MULTIPLE': 'items[].iossNumber',
  'GATE-IOSS-OVER-150': 'iossNumber',
  'GATE-IOSS-EXCISE-GOODS': 'iossNumber',
  'GATE-MASS-INCONSISTENT': 'grossMassKg'
}

describe('rules > every REJECT_DATA gate names the offending field', () => {
  it.each(rulesetDirs)('%s', async (dir) => {
    const result = await loadRuleset(dir)
    if (!result.ok) throw new Error(`${dir} does not compile`)
    const { ruleset } = result
    const dataGates = ruleset.rules.filter((r) => r.action === 'REJECT_DATA')
    expect(dataGates.map((r) => r.id).filter((id) => REJECTION_FIELD[id] === undefined),
      'REJECT_DATA gates without an expected field').toEqual([])
    const checked = new Set<string>()
    const score = scoreAndDecide(ruleset)
    for (const file of ruleset.tests) {
      for (const c of expandFixtures(file.data, Date.now()).cases) {
        const decision = score(c.declaration, c.enrichment, { nowMs: c.nowMs, enrichmentMissing: c.enrichmentMissing })
        for (const gate of dataGates) {
          if (!decision.gates.includes(gate.id) || decision.action !== 'REJECT_DATA') continue
          const rejection = decision.rejections.find((r) => r.message === gate.title)
          expect(rejection?.path.replace(/\[\d+\]/g, '[]'), `${gate.id} in "${c.name}"`).toBe(REJECTION_FIELD[gate.id])
          checked.add(gate.id)
        }
      }
    }
    expect(dataGates.map((r) => r.id).filter((id) => !checked.has(id)), 'REJECT_DATA gates no fixture rejects with')
      .toEqual([])
  })
})

describe('schemas > every schema parses', () => {
  it.each(schemaFiles)('%s', (file) => {
    const schema = JSON.parse(readFileSync(`${SCHEMAS}${file}`, 'utf8')) as object
    if (file.endsWith('.avsc')) expect(avroType(schema).name).toBeTruthy()
    else expect(Object.keys(schema).length).toBeGreaterThan(0)
  })
})
