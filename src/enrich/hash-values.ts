// Values of a fetched profile hash, as the record needs them: the text of numbers, the custom
// attributes after the fixed fields, each item code's attributes from its most specific
// profile, a party's offences. Pure; record.ts builds the enrichment record from them.
import { OFFENCE_WINDOW_MS, offencesSince } from './offences.ts'

/** A fetched profile hash: values in PROFILE_FIELDS order, null when the key does not exist. */
export type Hash = ReadonlyArray<string | null> | null

/** A stored number, or null for an empty or absent value. */
export const num = (v: string | null | undefined): number | null =>
  v === null || v === undefined || v === '' ? null : Number(v)

const NO_ATTRIBUTES: Readonly<Record<string, string>> | undefined = undefined

/**
 * The custom attributes read, from the hash values after the fixed fields (`from`), as the
 * text stored; an attribute the profile lacks is absent (a missing value to the rules). The
 * object has no prototype, so no attribute name can reach Object.prototype.
 */
export const attributesOf = (
  h: ReadonlyArray<string | null>, from: number, names: readonly string[]
): Readonly<Record<string, string>> | undefined => {
  if (names.length === 0) return NO_ATTRIBUTES
  const out = Object.create(null) as Record<string, string>
  for (let i = 0; i < names.length; i++) {
    const v = h[from + i]
    if (v !== null && v !== undefined && v !== '') out[names[i] as string] = v
  }
  return out
}

/**
 * The attributes of each item code: per attribute, the value of the first of its profiles
 * (most specific first) that carries it. Objects without a prototype, as attributesOf's.
 */
export const commodityAttributes = (
  codes: ReadonlyArray<readonly [string, readonly string[]]>, hashes: ReadonlyMap<string, Hash>,
  from: number, names: readonly string[]
): Readonly<Record<string, Readonly<Record<string, string>>>> => {
  const out = Object.create(null) as Record<string, Record<string, string>>
  for (const [code, lookups] of codes) {
    const attributes = Object.create(null) as Record<string, string>
    for (let i = 0; i < names.length; i++) {
      for (const key of lookups) {
        const v = hashes.get(key)?.[from + i]
        if (v === null || v === undefined || v === '') continue
        attributes[names[i] as string] = v
        break
      }
    }
    out[code] = attributes
  }
  return out
}

/**
 * A party's offences (offences.ts) as the plan read them: right after its fixed fields (`at`),
 * when some rule reads them; nothing otherwise. No profile, or one without any: 0 offences.
 */
export const offencesOf = (
  h: Hash, at: number, read: boolean, now: number
): { offences180d?: number, lastOffenceAt?: number } => {
  if (!read) return {}
  if (h === null) return { offences180d: 0 }
  const lastOffenceAt = num(h[at + 1]) ?? undefined
  return { offences180d: offencesSince(h[at], now - OFFENCE_WINDOW_MS), lastOffenceAt }
}

/** Whether a hash holds any of the fixed profile fields (the first `count`), not only offences or attributes. */
export const hasProfile = (h: ReadonlyArray<string | null>, count: number): boolean => {
  for (let i = 0; i < count; i++) if (h[i] !== null && h[i] !== undefined) return true
  return false
}
