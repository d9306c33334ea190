// Small rulesets written inline, for the engine's and the decision stage's unit tests and
// for trying an expression from the CLI: a default manifest and lists, a rule file built from
// a few fields, and a valid declaration to vary.

import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import type { ParcelDeclaration } from '../declaration.ts'
import { compileRuleset } from './compile.ts'
import { DECLARATION_SCHEMA_PATH } from './load.ts'
import type { CompiledRuleset, CompileResult } from './ruleset.ts'

export const declarationSchema: unknown = JSON.parse(readFileSync(DECLARATION_SCHEMA_PATH, 'utf8'))

export const MANIFEST = `id: inline
version: "1"
jurisdiction: EU
fx: fxToEur
bands:
  - { min: 0, action: RELEASE }
  - { min: 40, action: REQUEST_INFO }
  - { min: 70, action: SCREEN_NII }
  - { min: 90, action: PHYSICAL_EXAM }
fallbackAction: REQUEST_INFO
errorAction: SCREEN_NII
`

export const LISTS: Readonly<Record<string, string>> = {
  'lists/fxToEur.yaml': 'id: fxToEur\nkind: map\nentries: { EUR: 1, USD: 0.5 }\n',
  'lists/highRiskOrigins.yaml': 'id: highRiskOrigins\nkind: set\nentries: [CN, HK]\n',
  'lists/refPriceEur.yaml': 'id: refPriceEur\nkind: map\nentries: { "610910": 4.5 }\n',
  'lists/stopWords.yaml': 'id: stopWords\nkind: set\nentries: [gift, "as per invoice", parts]\n',
  'lists/electronicsHs.yaml': 'id: electronicsHs\nkind: set\nentries: ["84", "85", "9006"]\n'
}

/** Writes the inline ruleset (manifest, lists and `rules` as rules/r.yaml) into the directory `dir`. */
export const writeRulesetDir = (dir: string, rules: string): void => {
  mkdirSync(join(dir, 'rules'))
  mkdirSync(join(dir, 'lists'))
  writeFileSync(join(dir, 'ruleset.yaml'), MANIFEST)
  for (const [path, text] of Object.entries(LISTS)) writeFileSync(join(dir, path), text)
  writeFileSync(join(dir, 'rules/r.yaml'), rules)
}

export interface InlineRule {
  readonly id: string
  readonly when: string
  readonly tier?: 'gate' | 'indicator' | 'mitigation'
  readonly weight?: number
  readonly action?: string
  readonly effectiveFrom?: string
  readonly effectiveTo?: string
}

/** One rule file; `when` goes in a literal block so positions inside it are exact. */
export const ruleFile = (rules: readonly InlineRule[]): string => 'rules:\n' + rules.map((r) => [
  `  - id: ${r.id}`,
  `    title: ${JSON.stringify(`Rule ${r.id}`)}`,
  `    tier: ${r.tier ?? 'indicator'}`,
  (r.tier ?? 'indicator') === 'gate' ? `    action: ${r.action ?? 'SCREEN_NII'}` : `    weight: ${r.weight ?? 10}`,
  r.effectiveFrom === undefined ? null : `    effectiveFrom: ${r.effectiveFrom}`,
  r.effectiveTo === undefined ? null : `    effectiveTo: ${r.effectiveTo}`,
  '    when: |',
  ...r.when.split('\n').map((l) => `      ${l}`)
].filter((l) => l !== null).join('\n')).join('\n') + '\n'

export const compileFiles = (files: Readonly<Record<string, string>>, base: Readonly<Record<string, string>> = { 'ruleset.yaml': MANIFEST, ...LISTS }): CompileResult =>
  compileRuleset(Object.entries({ ...base, ...files }).map(([path, text]) => ({ path, text })), { declarationSchema })

export const compileRules = (rules: readonly InlineRule[], files: Readonly<Record<string, string>> = {}): CompiledRuleset => {
  const result = compileFiles({ 'rules/inline.yaml': ruleFile(rules), ...files })
  if (!result.ok) throw new Error(result.errors.map((e) => `${e.file}:${e.line}:${e.column} ${e.message}`).join('\n'))
  return result.ruleset
}

/** 2026-11-26T09:00:00Z */
export const DECLARED_AT = Date.UTC(2026, 10, 26, 9)

export const declaration = (over: Partial<ParcelDeclaration> = {}): ParcelDeclaration => ({
  declarationId: 'decl-0001',
  version: 1,
  houseTransportDocId: '176-12345675',
  masterTransportDocId: null,
  postalItemId: null,
  orderRef: 'ORD-1',
  source: { kind: 'PLATFORM', sourceId: 'platform-a' },
  declarationType: 'H7',
  declaredAt: DECLARED_AT,
  estimatedArrival: null,
  seller: { name: 'Lianfa Trading', address: { street: '88 Bao an Avenue', city: 'Shenzhen', postcode: '518000', country: 'CN' }, identifiers: { eori: null, tin: null, vat: null }, phone: null, email: null },
  consignee: { name: 'Anna Schmidt', address: { street: 'Lindenstrasse 12', city: 'Berlin', postcode: '10969', country: 'DE' }, identifiers: { eori: null, tin: null, vat: null }, phone: null, email: null },
  destinationCountry: 'DE',
  originCountry: 'CN',
  route: [],
  dispatchLocation: { country: 'CN', freeZone: false, zoneId: null, region: null },
  transportMode: 'AIR',
  pieces: 1,
  grossMassKg: 0.42,
  totalValue: '18.00',
  currency: 'EUR',
  transportInsuranceCost: null,
  itemCategory: 'SALE_OF_GOODS',
  items: [{ description: "men's cotton t-shirt", hsCode: '610910', quantity: 2, unit: 'PCE', netMassKg: 0.36, intrinsicValue: '18.00', originCountry: 'CN', iossNumber: null, originRegion: null }],
  iossNumber: null,
  aeoCertRef: null,
  additionalProcedure: null,
  sellerId: 'seller-1',
  platformId: null,
  ...over
})
