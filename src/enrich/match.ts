// Approximate matching of party names and addresses against watchlist entries.
//
// The watchlist lives in one Redis hash and a batch reads it with one HMGET, so there is no
// scan: approximate candidates are found through lookup keys ("blocking keys") that spelling
// variants of one party share. A listed PARTY_NAME or ADDRESS is written under its exact field
// and under each of its lookup keys (fields `~N:{key}` and `~A:{key}`, whose value names the
// list and the listed normalised value); a declaration's party asks for the same keys of its
// own name and address, and every entry found is scored against the party with Jaro–Winkler
// similarity (@skyra/jaro-winkler) over tokens. The keys are derived from the normalised value
// (normalise.ts), never the raw one, so a tombstone, which carries only that, removes them too.
//
// Names (tokens as normaliseName leaves them: folded, honorifics dropped):
//   fold      transliteration variants to one spelling, in one pass: TSCH/TCH/KH/CH→H,
//             SCH/ZH→SH, DZH/DJ/J/Y→I, PH→F, CK/C/Q→K, X→KS, W→V, Z→S, OU/UE→U, OE→O, AE→A
//             (MUELLER is MÜLLER, TSCHERNOW is CHERNOV), then doubled letters once
//   skeleton  first letter (any vowel as A) + the consonants after it, runs collapsed:
//             MOHAMMED, MUHAMMAD, MOHAMED → MD; ALEKSANDR, ALEXANDER → ALKSNDR
//   keys      company forms (LIMITED, GMBH…) left out, at most the four longest tokens:
//             all skeletons sorted (catches order, transliteration, vowel slips); for each
//             token its skeleton with the other tokens' initials (one slip in one token, or a
//             first name reduced to its initial); with three tokens or four, the skeletons
//             without each one token in turn (a middle name missing on one side)
// Addresses (tokens as normaliseText leaves them):
//   country   a two-letter token that is a country of address-tables.ts (a particle such as
//             DE in "Rue de la Paix … FR" only when no other is there); its table maps the
//             street abbreviations (a token mapped to '' is dropped: the SO of C.SO), its
//             compound endings are split off (LINDENSTRASSE → LINDEN STRASSE), and a word
//             within Jaro–Winkler 0.88 of a street type of its initial is that type (STRET)
//   keys      country + skeletons of the words that are not street types (a missing or wrong
//             house number); country + each number (postcode, house number) + the words'
//             initials (a slip in a word)
// Scores, 0..1: tokens paired greedily by Jaro–Winkler similarity (an initial pairs with any
// token it starts, at 0.9), averaged weighted by token length; each token left unpaired costs
// 4 %. Name tokens that pair below 0.8 count as 0: HANS is not HEINZ. Addresses multiply in
// their numbers: all equal 1, one side lacking some 0.97, any number that differs 0.5 (the
// house next door is another address), another country 0.5.
import { jaroWinkler } from '@skyra/jaro-winkler'
import {
  COMPOUND_SUFFIXES, COUNTRY_TABLES, GENERIC, GENERIC_SUFFIXES, PARTICLES, STREET_TYPES
} from './address-tables.ts'

// One pass, longest spelling first at each position (an alternation tries its branches in order).
const FOLD_TO: Readonly<Record<string, string>> = {
  TSCH: 'H', TCH: 'H', SCH: 'SH', DZH: 'I', ZH: 'SH', DJ: 'I', KH: 'H', CH: 'H', PH: 'F', CK: 'K', C: 'K', Q: 'K',
  X: 'KS', W: 'V', J: 'I', Y: 'I', Z: 'S', OU: 'U', UE: 'U', OE: 'O', AE: 'A'
}
const FOLD_RE = /TSCH|TCH|SCH|DZH|ZH|DJ|KH|CH|PH|CK|C|Q|X|W|J|Y|Z|OU|UE|OE|AE/g
const fold = (m: string): string => FOLD_TO[m] as string
const DOUBLED_RE = /(.)\1+/g

// A bound on each word memo: folded words and skeletons here, street types below.
const MEMO_MAX = 20_000

// Name and address words recur (given names, surnames, streets, cities), and folding one takes
// three regular-expression passes: each word is folded once, up to MEMO_MAX words.
const foldedSeen = new Map<string, string>()
const skeletonSeen = new Map<string, string>()

const remember = (memo: Map<string, string>, key: string, value: string): string => {
  if (memo.size >= MEMO_MAX) memo.clear()
  memo.set(key, value)
  return value
}

/** One spelling for the usual transliteration variants of a name token. */
export const foldName = (token: string): string =>
  foldedSeen.get(token) ?? remember(foldedSeen, token, token.replace(FOLD_RE, fold).replace(DOUBLED_RE, '$1'))

const VOWEL_OR_H_RE = /[AEIOUH]/g

const skeletonOf = (folded: string): string => {
  if (folded === '') return ''
  const first = /[AEIOU]/.test(folded[0] as string) ? 'A' : folded[0] as string
  return (first + folded.slice(1).replace(VOWEL_OR_H_RE, '')).replace(DOUBLED_RE, '$1')
}

/** First letter (a vowel as A) and the consonants after it, runs collapsed; of a folded token. */
export const skeleton = (folded: string): string =>
  skeletonSeen.get(folded) ?? remember(skeletonSeen, folded, skeletonOf(folded))

const split = (text: string): string[] => text === '' ? [] : text.split(' ')

/** Name tokens considered: at most this many of the longest (keys grow with the square). */
const MAX_NAME_TOKENS = 4

/** Company forms, as normaliseName spells them out: scored, but not part of a lookup key. */
const COMPANY_FORMS: ReadonlySet<string> = new Set([
  'LIMITED', 'COMPANY', 'CORPORATION', 'INCORPORATED', 'INTERNATIONAL', 'TRADING', 'MANUFACTURING', 'BROTHERS',
  'GROUP', 'HOLDING', 'HOLDINGS',
  'GMBH', 'AG', 'KG', 'SA', 'SAS', 'SARL', 'SRL', 'SPA', 'BV', 'NV', 'LLC', 'PLC', 'LLP', 'OY', 'AB', 'AS', 'SP', 'ZOO'
])


/** The lookup keys of a normalised name (normaliseName), without the `~N:` field prefix. */
export const nameKeys = (normalisedName: string): string[] => {
  const folded = split(normalisedName).filter((t) => !COMPANY_FORMS.has(t)).map(foldName).filter((t) => t !== '')
  if (folded.length === 0) return []
  const tokens = folded.length > MAX_NAME_TOKENS
    ? [...folded].sort((a, b) => b.length - a.length).slice(0, MAX_NAME_TOKENS)
    : folded
  const skels = tokens.map(skeleton)
  const keys = new Set<string>([[...skels].sort().join(' ')])
  if (tokens.length >= 2) {
    skels.forEach((s, i) => {
      if (s.length < 2) return
      const initials = skels.filter((_, j) => j !== i).map((o) => o[0] as string).sort().join('')
      keys.add(`${initials}/${s}`)
    })
  }
  if (tokens.length >= 3) skels.forEach((_, i) => keys.add(skels.filter((_, j) => j !== i).sort().join(' ')))
  return [...keys]
}

export interface AddressTokens {
  /** The detected country, '' when none. */
  readonly country: string
  /** Words after the country's table, street types included. */
  readonly words: readonly string[]
  /** Tokens with a digit: postcodes, house numbers. */
  readonly numbers: readonly string[]
}

const DIGIT_RE = /\d/

/**
 * The one country token; a particle (DE, LA…) only when no other country token is there.
 * normaliseText spells a country code PL out as PLACE: PLACE is PL when nothing else is.
 */
const countryOf = (tokens: readonly string[]): string => {
  let country = ''
  let particle = ''
  let place = false
  for (const t of tokens) {
    if (t === 'PLACE') {
      place = true
      continue
    }
    if (t.length !== 2 || COUNTRY_TABLES[t] === undefined) continue
    if (PARTICLES.has(t)) {
      particle = particle === '' || particle === t ? t : '-'
      continue
    }
    if (country !== '' && country !== t) return ''
    country = t
  }
  if (country !== '') return country
  if (particle !== '') return particle === '-' ? '' : particle
  return place ? 'PL' : ''
}

const TYPES_BY_LETTER = new Map<string, string[]>()
for (const t of STREET_TYPES) TYPES_BY_LETTER.set(t[0] as string, [...TYPES_BY_LETTER.get(t[0] as string) ?? [], t])

const typeSeen = new Map<string, string>()

/**
 * A slip in a street-type word (STRAESSE, AVENE) is taken for the type: it is not part of the
 * key. Words recur (street and city names), so each is compared with the types once, up to a bound.
 */
const streetType = (token: string): string => {
  if (token.length < 4 || STREET_TYPES.has(token)) return token
  let type = typeSeen.get(token)
  if (type === undefined) {
    type = token
    for (const t of TYPES_BY_LETTER.get(token[0] as string) ?? []) {
      if (t.length >= 4 && Math.abs(t.length - token.length) <= 2 && jaroWinkler(token, t) >= 0.88) {
        type = t
        break
      }
    }
    if (typeSeen.size >= MEMO_MAX) typeSeen.clear()
    typeSeen.set(token, type)
  }
  return type
}

/** A normalised address (normaliseText) read as country, words and numbers. */
export const addressTokens = (normalisedAddress: string): AddressTokens => {
  const tokens = split(normalisedAddress)
  const country = countryOf(tokens)
  const table = country === '' ? GENERIC : COUNTRY_TABLES[country] ?? GENERIC
  const suffixes = COMPOUND_SUFFIXES[country] ?? GENERIC_SUFFIXES
  const words: string[] = []
  const numbers: string[] = []
  let countrySeen = false
  for (const raw of tokens) {
    if (!countrySeen && (raw === country || (country === 'PL' && raw === 'PLACE'))) {
      countrySeen = true
      continue
    }
    if (DIGIT_RE.test(raw)) {
      numbers.push(raw)
      continue
    }
    const t = streetType(table[raw] ?? raw)
    if (t === '') continue
    const suffix = STREET_TYPES.has(t) ? undefined : suffixes.find((s) => t.length >= s.length + 3 && t.endsWith(s))
    if (suffix === undefined) words.push(t)
    else words.push(t.slice(0, -suffix.length), table[suffix] ?? suffix)
  }
  return { country, words, numbers }
}

/** The lookup keys of a normalised address (normaliseText), without the `~A:` field prefix. */
export const addressKeys = (normalisedAddress: string): string[] => {
  const a = addressTokens(normalisedAddress)
  const names = a.words.filter((w) => !STREET_TYPES.has(w)).map((w) => skeleton(foldName(w)))
    .filter((s) => s !== '').sort()
  if (names.length === 0) return []
  const keys = new Set<string>([`${a.country}|${names.join(' ')}`])
  const initials = names.map((s) => s[0] as string).join('')
  for (const n of a.numbers) keys.add(`${a.country}#${n}#${initials}`)
  return [...keys]
}

const UNPAIRED_FACTOR = 0.96

/** Token pairs by similarity, best first, each token used once; length-weighted mean. */
const pairScore = (a: readonly string[], b: readonly string[], floor: number): number => {
  if (a.length === 0 || b.length === 0) return 0
  const pairs: Array<readonly [number, number, number]> = []
  for (let i = 0; i < a.length; i++) {
    for (let j = 0; j < b.length; j++) {
      const x = a[i] as string
      const y = b[j] as string
      const s = x === y ? 1 : x.length === 1 || y.length === 1 ? (x[0] === y[0] ? 0.9 : 0) : jaroWinkler(x, y)
      pairs.push([s, i, j])
    }
  }
  pairs.sort((p, q) => q[0] - p[0])
  const usedA = new Set<number>()
  const usedB = new Set<number>()
  let sum = 0
  let weight = 0
  for (const [s, i, j] of pairs) {
    if (usedA.has(i) || usedB.has(j)) continue
    usedA.add(i)
    usedB.add(j)
    const w = Math.max((a[i] as string).length, (b[j] as string).length)
    sum += (s < floor ? 0 : s) * w
    weight += w
  }
  const unpaired = a.length + b.length - 2 * usedA.size
  return (sum / weight) * UNPAIRED_FACTOR ** unpaired
}

const round = (x: number): number => Math.round(x * 1000) / 1000

/** Similarity of two normalised names, 0..1. */
export const nameScore = (listed: string, declared: string): number => {
  if (listed === declared) return 1
  return round(pairScore(split(listed).map(foldName), split(declared).map(foldName), 0.8))
}

const numbersFactor = (a: readonly string[], b: readonly string[]): number => {
  if (a.length === 0 && b.length === 0) return 1
  const [short, long] = a.length <= b.length ? [a, b] : [b, a]
  for (const n of short) if (!long.includes(n)) return 0.5
  return short.length === long.length ? 1 : 0.97
}

/** Similarity of two normalised addresses, 0..1. */
export const addressScore = (listed: string, declared: string): number => {
  if (listed === declared) return 1
  const a = addressTokens(listed)
  const b = addressTokens(declared)
  const countries = a.country === b.country || a.country === '' || b.country === '' ? 1 : 0.5
  const words = pairScore(a.words.map(foldName), b.words.map(foldName), 0)
  return round(words * numbersFactor(a.numbers, b.numbers) * countries)
}

/** Field prefixes of the approximate-match fields in the watchlist hash. */
export const FUZZY_NAME = '~N:'
export const FUZZY_ADDRESS = '~A:'

/** The approximate-match fields of a normalised watchlist value (only names and addresses have them). */
export const fuzzyFields = (entityType: string, normalisedValue: string): string[] =>
  entityType === 'PARTY_NAME'
    ? nameKeys(normalisedValue).map((k) => FUZZY_NAME + k)
    : entityType === 'ADDRESS' ? addressKeys(normalisedValue).map((k) => FUZZY_ADDRESS + k) : []

/**
 * The best score of a party against the members of one fuzzy field's value (JSON
 * {`{listId}|{value}`: [expiresAt, updatedAt]}); entries expired at `now` do not count.
 */
export const bestFuzzyScore = (field: string, raw: string, name: string, address: string, now: number): number => {
  const members = JSON.parse(raw) as Record<string, [number, number]>
  const isName = field.startsWith(FUZZY_NAME)
  let best = 0
  for (const member in members) {
    const expiresAt = (members[member] as [number, number])[0]
    if (expiresAt !== 0 && expiresAt <= now) continue
    const listed = member.slice(member.indexOf('|') + 1)
    const s = isName ? nameScore(listed, name) : addressScore(listed, address)
    if (s > best) best = s
  }
  return best
}
