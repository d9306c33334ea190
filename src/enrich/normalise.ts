// Normalisation of party data, so that trivially varied spellings of one consignee, seller or
// listed party meet on one key. Steps for names and addresses, in order:
//   1. letters that do not decompose are spelled out (ß→SS, Æ→AE, Ø→O, Ł→L, Đ→D, Þ→TH)
//   2. NFKD, then combining marks dropped (Müller→MULLER, Łódź→LODZ), upper case
//   3. every character that is not a letter or digit becomes a space; runs of spaces collapse
//   4. each token is mapped through the abbreviation table (ST→STREET, RD→ROAD, LTD→LIMITED…);
//      a German street token ending in STR (MUSTERSTR) becomes …STRASSE
//   5. names drop honorifics (MR, MRS, DR, HERR…) and keep single letters (initials) as they
//      are; tokens are sorted, so word order
//      ("MUSTERMANN ERIKA", "1 MAIN ST" vs "MAIN STREET 1") does not matter
// Phones keep digits only (a leading 00 international prefix is dropped); e-mails are lower
// case without a +tag, and Gmail addresses lose the dots of their local part.
// The identity of a party is name|address|postcode|city|country after these steps, hashed with
// a keyed HMAC so that Redis never holds the raw personal data and keys cannot be guessed
// from a name without the key.
import { hash } from 'node:crypto'
import type { Party } from '../declaration.ts'

const SPELLED: Readonly<Record<string, string>> = {
  ß: 'SS', ẞ: 'SS', æ: 'AE', Æ: 'AE', œ: 'OE', Œ: 'OE', ø: 'O', Ø: 'O', ł: 'L', Ł: 'L',
  đ: 'D', Đ: 'D', þ: 'TH', Þ: 'TH', ı: 'I', ð: 'D', Ð: 'D'
}
const SPELLED_RE = /[ßẞæÆœŒøØłŁđĐþÞıðÐ]/g
const MARKS_RE = /\p{M}+/gu
const NON_ALNUM_RE = /[^\p{L}\p{N}]+/gu

/** Token → canonical token. Streets, building parts, company forms. */
export const ABBREVIATIONS: Readonly<Record<string, string>> = Object.freeze({
  ST: 'STREET', STR: 'STRASSE', RD: 'ROAD', AVE: 'AVENUE', AV: 'AVENUE', BLVD: 'BOULEVARD',
  LN: 'LANE', DR: 'DRIVE', CT: 'COURT', PL: 'PLACE', SQ: 'SQUARE', HWY: 'HIGHWAY', PKWY: 'PARKWAY',
  APT: 'APARTMENT', STE: 'SUITE', FL: 'FLOOR', BLDG: 'BUILDING', NO: 'NUMBER', NR: 'NUMBER',
  RUE: 'RUE', BD: 'BOULEVARD', PZA: 'PIAZZA', CL: 'CALLE', AVDA: 'AVENIDA',
  N: 'NORTH', S: 'SOUTH', E: 'EAST', W: 'WEST',
  LTD: 'LIMITED', CO: 'COMPANY', CORP: 'CORPORATION', INC: 'INCORPORATED', INTL: 'INTERNATIONAL',
  MFG: 'MANUFACTURING', TRDG: 'TRADING', BROS: 'BROTHERS'
})

/** Dropped from names: they vary between declarations of the same person. */
export const HONORIFICS: ReadonlySet<string> = new Set([
  'MR', 'MRS', 'MS', 'MISS', 'MX', 'DR', 'PROF', 'HERR', 'FRAU', 'M', 'MME', 'MLLE', 'SR', 'SRA', 'SIG', 'SIGRA'
])

// Most party data is plain ASCII; it skips the Unicode folding (a third of the cost).
const ASCII_RE = /^[\x20-\x7e]*$/
const ASCII_NON_ALNUM_RE = /[^A-Z0-9]+/g

const tokens = (text: string): string[] => {
  const out = ASCII_RE.test(text)
    ? text.toUpperCase().replace(ASCII_NON_ALNUM_RE, ' ').trim()
    : text.replace(SPELLED_RE, (c) => SPELLED[c] ?? c).normalize('NFKD').replace(MARKS_RE, '')
      .toUpperCase().replace(NON_ALNUM_RE, ' ').trim()
  return out === '' ? [] : out.split(' ')
}

const canonicalToken = (token: string): string => {
  const mapped = ABBREVIATIONS[token]
  if (mapped !== undefined) return mapped
  // MUSTERSTR → MUSTERSTRASSE; MUSTERSTRASSE stays.
  if (token.length > 4 && token.endsWith('STR')) return `${token}ASSE`
  return token
}

// In a name a single letter is an initial, not a compass point (S. Martinez is not SOUTH MARTINEZ).
const nameToken = (token: string): string => token.length === 1 ? token : canonicalToken(token)

/** Canonical text: folded, punctuation-free, abbreviations expanded, tokens sorted. */
export const normaliseText = (text: string): string => tokens(text).map(canonicalToken).sort().join(' ')

/** A person's or company's name: like normaliseText, without honorifics. */
export const normaliseName = (name: string): string =>
  tokens(name).filter((t) => !HONORIFICS.has(t)).map(nameToken).sort().join(' ')

export const normalisePostcode = (postcode: string | null): string =>
  postcode === null ? '' : postcode.toUpperCase().replace(/[^A-Z0-9]/g, '')

/** Digits only; a leading 00 (international call prefix) is dropped so +49… and 0049… agree. */
export const normalisePhone = (phone: string): string => {
  const digits = phone.replace(/\D/g, '')
  return digits.startsWith('00') ? digits.slice(2) : digits
}

const GMAIL_DOMAINS: ReadonlySet<string> = new Set(['gmail.com', 'googlemail.com'])

/** Lower case, +tag removed; Gmail: dots of the local part removed, googlemail → gmail. */
export const normaliseEmail = (email: string): string => {
  const trimmed = email.trim().toLowerCase()
  const at = trimmed.lastIndexOf('@')
  if (at <= 0) return trimmed
  let local = trimmed.slice(0, at)
  let domain = trimmed.slice(at + 1)
  const plus = local.indexOf('+')
  if (plus > 0) local = local.slice(0, plus)
  if (GMAIL_DOMAINS.has(domain)) {
    local = local.replaceAll('.', '')
    domain = 'gmail.com'
  }
  return `${local}@${domain}`
}

/** Registration numbers (EORI, TIN, VAT, IOSS, seller ids): upper case, no spaces or punctuation. */
export const normaliseIdentifier = (id: string): string => id.toUpperCase().replace(/[^A-Z0-9]/g, '')

/**
 * The identity text of a party: normalised name and address joined with '|'. `name` is
 * normaliseName(party.name) when the caller has it already.
 */
export const identityText = (party: Party, name: string = normaliseName(party.name)): string => {
  const a = party.address
  const street = normaliseText(a.street)
  return `${name}|${street}|${normalisePostcode(a.postcode)}|${normaliseText(a.city)}|${a.country.toUpperCase()}`
}

/** `normalisedName`: normaliseName(party.name), when the caller has it already. */
export type IdentityHasher = (party: Party, normalisedName?: string) => string

/**
 * Keyed hash of a party's identity: HMAC-SHA256 (RFC 2104) under `key`, first 16 bytes as hex;
 * 128 bits keep collisions out of reach for billions of parties. Built from two one-shot
 * `crypto.hash` calls with the padded keys prepared once: 2.5 µs a party against 17–24 µs
 * for `createHmac` per call on the bench machine (same output, checked in the tests).
 */
export const createIdentityHasher = (key: string): IdentityHasher => {
  let k = Buffer.from(key, 'utf8')
  if (k.length > 64) k = hash('sha256', k, 'buffer') as unknown as Buffer<ArrayBuffer>
  const block = Buffer.alloc(64)
  k.copy(block)
  const ipad = Buffer.from(block.map((b) => b ^ 0x36))
  const opad = Buffer.from(block.map((b) => b ^ 0x5c))
  return (party, normalisedName) => {
    const text = Buffer.from(identityText(party, normalisedName), 'utf8')
    const inner = hash('sha256', Buffer.concat([ipad, text]), 'buffer') as unknown as Buffer
    return (hash('sha256', Buffer.concat([opad, inner]), 'hex')).slice(0, 32)
  }
}
