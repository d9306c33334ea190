// Precision and recall of approximate party matching (src/enrich/match.ts) on a generated set:
// seeded watchlisted consignees (name and address listed as two entries, as lists do), a
// spelling variant of each listed name or address per kind (transliteration, diacritics,
// word order, honorific, initial, missing middle name, typo; street abbreviations, missing
// house number, number on the other side, typo…), near-misses (other people, other
// addresses that look alike) and unrelated parties. Everything goes through the real code
// path: the watchlist updates through profile-write.ts into the in-memory store, each
// declaration through declarationKeys → buildRecord, and its
// `enrichment.watchlist.consigneeMatchScore` is what is measured.
// A variant counts as found at threshold t when its score is >= t; a near-miss or an
// unrelated party with a score >= t is a false positive. The thresholds of the reference
// ruleset (rules/eu-lvc, the `consigneeMatchScore >= …` conditions) are reported first.
// Run: npm run bench -- matching   (or node bench/matching.ts [listedCount] [seed])
import { readFileSync } from 'node:fs'
import type { Party, ParcelDeclaration, ProfileUpdate } from '../src/declaration.ts'
import { createMemoryProfileStore } from '../src/enrich/memory-store.ts'
import { normaliseName, normaliseText } from '../src/enrich/normalise.ts'
import { createRng } from '../src/generate/rng.ts'
import { generateDeclarations } from '../src/generate/stream.ts'
import {
  addressVariants, nameVariants, nearMisses, randomParty, type Declared, type GeneratedParty
} from './matching/parties.ts'
import { NO_PAYLOAD } from '../src/enrich/profile-write.ts'

const LISTED = Number(process.argv[2] ?? 400)
const SEED = Number(process.argv[3] ?? 17)
const rng = createRng(SEED)
const FIELDS = ['watchlist.consigneeMatchScore', 'watchlist.consigneeHit']

const rules = readFileSync(new URL('../rules/eu-lvc/rules/security.yaml', import.meta.url), 'utf8')
const ruleThresholds = [...new Set([...rules.matchAll(/consigneeMatchScore >= ([0-9.]+)/g)].map((m) => Number(m[1])))].sort()

// The listed parties: distinct names and distinct addresses.
const listed: GeneratedParty[] = []
const listedNames = new Set<string>()
const listedAddresses = new Set<string>()
const addressKey = (p: Declared): string => normaliseText(`${p.street} ${p.postcode} ${p.city} ${p.country}`)
while (listed.length < LISTED) {
  const p = randomParty(rng)
  if (listedNames.has(normaliseName(p.name)) || listedAddresses.has(addressKey(p))) continue
  listed.push(p)
  listedNames.add(normaliseName(p.name))
  listedAddresses.add(addressKey(p))
}

const personOf = (p: GeneratedParty): string => `${p.first}/${p.surname}`
const placeOf = (p: GeneratedParty): string => `${p.countryIndex}/${p.streetIndex}/${p.cityIndex}/${p.houseNumber}`
const listedPeople = new Set(listed.map(personOf))
const listedPlaces = new Set(listed.map(placeOf))

/** A party none of whose name or address is listed, nor a spelling of one: the unrelated half of a case. */
const unrelated = (): GeneratedParty => {
  for (;;) {
    const p = randomParty(rng)
    const sameName = listed.some((l) => l.surname === p.surname && l.first === p.first)
    const samePlace = listed.some((l) =>
      l.countryIndex === p.countryIndex && l.streetIndex === p.streetIndex && l.cityIndex === p.cityIndex)
    if (!sameName && !samePlace) return p
  }
}

interface Case {
  readonly group: 'variant' | 'near-miss' | 'unrelated'
  readonly kind: string
  readonly party: Declared
}
const cases: Case[] = []
for (const p of listed) {
  for (const [kind, make] of Object.entries(nameVariants)) {
    const name = make(rng, p)
    if (name !== undefined) cases.push({ group: 'variant', kind: `name: ${kind}`, party: { ...unrelated(), name } })
  }
  for (const [kind, make] of Object.entries(addressVariants)) {
    const a = make(rng, p)
    if (a !== undefined) {
      cases.push({ group: 'variant', kind: `address: ${kind}`, party: { ...a, name: unrelated().name } })
    }
  }
  for (const [kind, make] of Object.entries(nearMisses)) {
    const isName = kind.includes('name')
    // Drawn again while it hits another listed party: that would be a variant, not a near-miss.
    let m = make(rng, p)
    const isListed = (x: GeneratedParty): boolean =>
      isName ? listedPeople.has(personOf(x)) : listedPlaces.has(placeOf(x))
    for (let tries = 0; tries < 50 && isListed(m); tries++) m = make(rng, p)
    const other = unrelated()
    cases.push({ group: 'near-miss', kind, party: isName ? { ...other, name: m.name } : { ...m, name: other.name } })
  }
  cases.push({ group: 'unrelated', kind: 'unrelated party', party: unrelated() })
}

const at = Date.UTC(2026, 10, 1)
const updates: ProfileUpdate[] = listed.flatMap((p) => (['PARTY_NAME', 'ADDRESS'] as const).map((entityType) => ({
  kind: 'WATCHLIST' as const,
  updatedAt: at,
  sourceSystem: 'bench',
  ...NO_PAYLOAD,
  watchlist: {
    listId: 'bench-list',
    op: 'ADD' as const,
    entityType,
    value: entityType === 'PARTY_NAME' ? p.name : `${p.street}, ${p.postcode} ${p.city}, ${p.country}`,
    reason: 'bench',
    expiresAt: null
  }
})))
const store = createMemoryProfileStore({ identityKey: 'bench-matching' })
store.applyUpdates(updates)

const first = generateDeclarations({ seed: 1 }).next().value
if (first === undefined) throw new Error('the generator made no declaration')
const base = first.declaration
const declarations: ParcelDeclaration[] = cases.map(({ party }, i) => {
  const consignee: Party = {
    ...base.consignee,
    name: party.name,
    address: { street: party.street, postcode: party.postcode, city: party.city, country: party.country },
    identifiers: { eori: null, tin: null, vat: null },
    phone: null,
    email: null
  }
  return { ...base, declarationId: `match-${i}`, consignee }
})
const started = performance.now()
const results = await store.enrichBatch(declarations, at + 1, FIELDS)
const elapsedMs = performance.now() - started
const scores = results.map((r) => r.record.watchlist?.consigneeMatchScore ?? 0)

const measure = (t: number): { precision: number, recall: number, tp: number, fp: number, fn: number } => {
  let tp = 0
  let fp = 0
  let fn = 0
  cases.forEach((c, i) => {
    const hit = (scores[i] as number) >= t
    if (c.group === 'variant') {
      if (hit) tp++
      else fn++
    } else if (hit) fp++
  })
  return { precision: tp + fp === 0 ? 1 : tp / (tp + fp), recall: tp / (tp + fn), tp, fp, fn }
}
const pct = (x: number): string => `${(100 * x).toFixed(1)} %`.padStart(7)

const variants = cases.filter((c) => c.group === 'variant').length
const nearMissCount = cases.filter((c) => c.group === 'near-miss').length
const unrelatedCount = cases.filter((c) => c.group === 'unrelated').length
console.log(`seed ${SEED}: ${LISTED} listed parties (${updates.length} watchlist entries); ` +
  `${cases.length} declared parties: ${variants} variants, ${nearMissCount} near-misses, ` +
  `${unrelatedCount} unrelated; ` +
  `enriched in ${elapsedMs.toFixed(0)} ms`)
console.log('\nthreshold  precision  recall    TP    FP    FN')
const thresholds = [...new Set([0.8, 0.85, 0.88, 0.9, 0.92, 0.94, 0.96, 0.98, 1, ...ruleThresholds])].sort()
for (const t of thresholds) {
  const m = measure(t)
  const mark = ruleThresholds.includes(t) ? '*' : ' '
  const counts = [m.tp, m.fp, m.fn].map((n) => String(n).padStart(5)).join(' ')
  console.log(`${t.toFixed(2).padStart(9)}${mark} ${pct(m.precision)}   ${pct(m.recall)} ${counts}`)
}
console.log('(* a threshold of the eu-lvc ruleset)')

console.log(`\nper kind: share of cases scoring >= each ruleset threshold (${ruleThresholds.join(', ')}); ` +
  'a variant should, a near-miss should not')
const kinds = [...new Set(cases.map((c) => `${c.group}\t${c.kind}`))]
for (const key of kinds) {
  const [group, kind] = key.split('\t') as [string, string]
  const idx = cases.flatMap((c, i) => c.group === group && c.kind === kind ? [i] : [])
  const shares = ruleThresholds.map((t) => pct(idx.filter((i) => (scores[i] as number) >= t).length / idx.length))
  const sorted = idx.map((i) => scores[i] as number).sort((a, b) => a - b)
  const median = (sorted[Math.floor(sorted.length / 2)] ?? 0).toFixed(3)
  console.log(`${group.padEnd(9)} ${kind.padEnd(40)} n=${String(idx.length).padStart(4)}  ${shares.join('  ')}   ` +
    `median score ${median}`)
}

