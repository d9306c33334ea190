import { describe, expect, it } from 'vitest'
import { compileFiles } from '../../test/fixtures/inline-ruleset.ts'

const rule = (id: string, tier: string, tags: string, extra: string): string =>
  `  - id: ${id}\n    title: ${id}\n    tier: ${tier}\n    ${extra}\n    tags: [${tags}]\n` +
  '    when: \'originCountry == "RU"\'\n'
const mitigation = rule('MIT-AEO', 'mitigation', 'aeo', 'weight: 20')

const diagnostics = (rules: string): string[] => {
  const result = compileFiles({ 'rules/pr.yaml': `rules:\n${rules}` })
  return result.ok ? [] : result.errors.map((e) => `${e.code} ${e.file}:${e.line} ${e.message}`)
}

describe('engine > prohibitions and restrictions', () => {
  it.each([
    ['a gate that holds', 'gate', 'prohibition', 'action: SCREEN_NII'],
    ['a restriction gate asking for a licence', 'gate', 'restriction', 'action: REQUEST_INFO'],
    ['an untagged indicator', 'indicator', 'origin', 'weight: 30']
  ])('%s compiles beside a mitigation', (_, tier, tags, extra) => {
    expect(diagnostics(rule('R1', tier, tags, extra) + mitigation)).toEqual([])
  })

  it('refuses a P&R indicator, naming the mitigation that could offset it', () => {
    expect(diagnostics(rule('IND-WILDLIFE', 'indicator', 'cites, restriction', 'weight: 40') + mitigation)).toEqual([
      'prohibition rules/pr.yaml:2 rule IND-WILDLIFE is tagged `restriction` but is an indicator: ' +
        'mitigation MIT-AEO could offset it'
    ])
  })

  it('refuses a P&R indicator even when no mitigation exists yet', () => {
    expect(diagnostics(rule('IND-ARMS', 'indicator', 'prohibition', 'weight: 40'))).toEqual([
      'prohibition rules/pr.yaml:2 rule IND-ARMS is tagged `prohibition` but is an indicator: ' +
        'any mitigation added later could offset it'
    ])
  })

  it('refuses a P&R gate whose action releases', () => {
    expect(diagnostics(rule('GATE-X', 'gate', 'prohibition', 'action: RELEASE_POST_AUDIT'))).toEqual([
      'prohibition rules/pr.yaml:2 rule GATE-X is tagged `prohibition` ' +
        'but its action RELEASE_POST_AUDIT releases the parcel'
    ])
  })

  it('refuses a mitigation tagged as P&R', () => {
    expect(diagnostics(rule('MIT-X', 'mitigation', 'restriction', 'weight: 5'))).toEqual([
      'prohibition rules/pr.yaml:2 rule MIT-X is tagged `restriction` but is a mitigation: ' +
        'nothing may relieve a prohibition or restriction'
    ])
  })
})
