// ProfileUpdate (schemas/profile-update.avsc) → the writes that keep the store current.
// Shared by `profiles load`, the profile-updates consumer and the in-memory store, so every
// path stores exactly the same hash fields (keys.ts PROFILE_FIELDS).
//
// Entity keys (the Kafka key of profile-updates; a tombstone carries only this):
//   seller:{sellerId}   consignee:{consigneeKey}   aeo:{id}   ioss:{iossNumber}
//   watchlist:{listId}:{ENTITY_TYPE}:{value}   hsCode:{digits}   route:{ORIGIN}-{DESTINATION}
// Hash values are strings: numbers in decimal, booleans 1/0, lists comma-joined, null as ''.
// A seller's or consignee's custom attributes (a ruleset's `attributes:`) are hash fields
// `attr:{name}` beside the fixed ones, values as the update gives them, so one HMGET reads both.
// A commodity code's or route's profile is its custom attributes and updatedAt only.
// A profile write replaces the whole hash unless the stored updatedAt is newer (older updates
// never overwrite newer ones). A watchlist write adds or removes one list from the entry's
// index field; a PARTY_NAME or ADDRESS entry also from its approximate-match fields
// (match.ts), under the member `{listId}|{normalised value}` so that the score can be worked
// out from what the lookup returns.
import { LOG_MAX_ENTRIES } from './watch-index.ts'
import type { ProfileUpdate, WatchlistEntityType } from '../declaration.ts'
import { attributeField, commodityCode, routeOf, type KeyLayout } from './keys.ts'
import { fuzzyFields } from './match.ts'
import { normaliseEmail, normaliseIdentifier, normaliseName, normalisePhone, normaliseText } from './normalise.ts'

export type ProfileWrite =
  | {
      readonly kind: 'put', readonly key: string, readonly updatedAt: number,
      readonly fields: Readonly<Record<string, string>>
    }
  | { readonly kind: 'delete', readonly key: string }
  | {
    readonly kind: 'watch', readonly field: string, readonly listId: string, readonly op: 'ADD' | 'REMOVE'
    readonly expiresAt: number, readonly updatedAt: number
    /** Approximate-match fields of the entry (none for identifiers, phones, e-mails). */
    readonly fuzzy: readonly string[]
    /** Their member: `{listId}|{normalised value}`. */
    readonly fuzzyMember: string
  }

/** Every payload of a ProfileUpdate empty: spread it, then set the one `kind` names. */
export const NO_PAYLOAD = Object.freeze({
  seller: null, consignee: null, aeo: null, watchlist: null, iossRegistry: null, hsCode: null, route: null
} as const)

const str = (v: string | number | boolean | null | undefined): string =>
  v === null || v === undefined ? '' : typeof v === 'boolean' ? (v ? '1' : '0') : String(v)

/** The hash fields of custom attributes: `attr:{name}` → value. */
const attributeFields = (attributes: Readonly<Record<string, string>>): Record<string, string> => {
  const out: Record<string, string> = {}
  for (const name of Object.keys(attributes)) out[attributeField(name)] = attributes[name] as string
  return out
}

/** Normalised watchlist value for its entity type, the same function the lookups use. */
export const normaliseListed = (type: WatchlistEntityType, value: string): string => {
  switch (type) {
    case 'PARTY_NAME': return normaliseName(value)
    case 'ADDRESS': return normaliseText(value)
    case 'PHONE': return normalisePhone(value)
    case 'EMAIL': return normaliseEmail(value)
    default: return normaliseIdentifier(value)
  }
}

/** The Kafka key of an update: the entity it describes. */
export const entityKeyOf = (u: ProfileUpdate): string | undefined => {
  switch (u.kind) {
    case 'SELLER': return u.seller === null ? undefined : `seller:${u.seller.sellerId}`
    case 'CONSIGNEE': return u.consignee === null ? undefined : `consignee:${u.consignee.consigneeKey}`
    case 'AEO': return u.aeo === null ? undefined : `aeo:${normaliseIdentifier(u.aeo.id)}`
    case 'IOSS': return u.iossRegistry === null ? undefined : `ioss:${normaliseIdentifier(u.iossRegistry.iossNumber)}`
    case 'WATCHLIST': {
      const w = u.watchlist
      return w === null ? undefined : `watchlist:${w.listId}:${w.entityType}:${normaliseListed(w.entityType, w.value)}`
    }
    case 'HS_CODE': return u.hsCode === null ? undefined : `hsCode:${commodityCode(u.hsCode.hsCode)}`
    case 'ROUTE': {
      const r = u.route
      return r === null ? undefined : `route:${routeOf(r.originCountry, r.destinationCountry)}`
    }
  }
}

/** The write for one update, or undefined when the payload named by `kind` is missing (or names no code). */
export const writeFor = (u: ProfileUpdate, keys: KeyLayout): ProfileWrite | undefined => {
  const at = u.updatedAt
  switch (u.kind) {
    case 'SELLER': {
      const s = u.seller
      if (s === null) return undefined
      return {
        kind: 'put', key: keys.seller(s.sellerId), updatedAt: at,
        fields: {
          updatedAt: str(at), firstSeenAt: str(s.firstSeenAt), knownConsignor: str(s.knownConsignor),
          violationCount: str(s.violationCount), lastViolationAt: str(s.lastViolationAt), flags: s.flags.join(','),
          ...attributeFields(s.attributes)
        }
      }
    }
    case 'CONSIGNEE': {
      const c = u.consignee
      if (c === null) return undefined
      return {
        kind: 'put', key: keys.consignee(c.consigneeKey), updatedAt: at,
        fields: {
          updatedAt: str(at), firstSeenAt: str(c.firstSeenAt), violationCount: str(c.violationCount),
          lastViolationAt: str(c.lastViolationAt), flags: c.flags.join(','), ...attributeFields(c.attributes)
        }
      }
    }
    case 'AEO': {
      const a = u.aeo
      if (a === null) return undefined
      const id = normaliseIdentifier(a.id)
      return {
        kind: 'put', key: keys.aeo(id), updatedAt: at,
        fields: {
          updatedAt: str(at), id, idScheme: a.idScheme, operatorKey: normaliseName(a.operatorName),
          programme: a.programme, status: a.status, authorisedAt: str(a.authorisedAt), suspendedAt: str(a.suspendedAt),
          issuingCountry: a.issuingCountry, mraPartners: a.mraPartners.join(',')
        }
      }
    }
    case 'IOSS': {
      const i = u.iossRegistry
      if (i === null) return undefined
      return {
        kind: 'put', key: keys.ioss(normaliseIdentifier(i.iossNumber)), updatedAt: at,
        fields: { updatedAt: str(at), valid: str(i.valid), sellerId: str(i.sellerId), platformId: str(i.platformId) }
      }
    }
    case 'HS_CODE': {
      const h = u.hsCode
      // A code profile is a chapter at least: two digits.
      if (h === null || commodityCode(h.hsCode).length < 2) return undefined
      const key = keys.hsCode(commodityCode(h.hsCode))
      return { kind: 'put', key, updatedAt: at, fields: { updatedAt: str(at), ...attributeFields(h.attributes) } }
    }
    case 'ROUTE': {
      const r = u.route
      if (r === null) return undefined
      const key = keys.route(routeOf(r.originCountry, r.destinationCountry))
      return { kind: 'put', key, updatedAt: at, fields: { updatedAt: str(at), ...attributeFields(r.attributes) } }
    }
    case 'WATCHLIST': {
      const w = u.watchlist
      if (w === null) return undefined
      const value = normaliseListed(w.entityType, w.value)
      return {
        kind: 'watch', field: keys.watchlistField(w.entityType, value), listId: w.listId,
        op: w.op, expiresAt: w.expiresAt ?? 0, updatedAt: at, fuzzy: fuzzyFields(w.entityType, value),
        fuzzyMember: `${w.listId}|${value}`
      }
    }
  }
}

/** The write for a tombstone (null value) under `entityKey`, or undefined for an unknown key. */
export const writeForTombstone = (entityKey: string, keys: KeyLayout): ProfileWrite | undefined => {
  const colon = entityKey.indexOf(':')
  if (colon <= 0) return undefined
  const kind = entityKey.slice(0, colon)
  const rest = entityKey.slice(colon + 1)
  switch (kind) {
    case 'seller': return { kind: 'delete', key: keys.seller(rest) }
    case 'consignee': return { kind: 'delete', key: keys.consignee(rest) }
    case 'aeo': return { kind: 'delete', key: keys.aeo(rest) }
    case 'ioss': return { kind: 'delete', key: keys.ioss(rest) }
    case 'hsCode': return { kind: 'delete', key: keys.hsCode(rest) }
    case 'route': return { kind: 'delete', key: keys.route(rest) }
    case 'watchlist': {
      // listId:TYPE:value — the value may itself contain ':'.
      const parts = rest.split(':')
      if (parts.length < 3) return undefined
      const [listId, type] = parts as [string, string]
      const value = parts.slice(2).join(':')
      return {
        kind: 'watch', field: keys.watchlistField(type, value), listId, op: 'REMOVE', expiresAt: 0,
        updatedAt: Number.MAX_SAFE_INTEGER, fuzzy: fuzzyFields(type, value), fuzzyMember: `${listId}|${value}`
      }
    }
    default: return undefined
  }
}

// KEYS[1] the profile hash; ARGV[1] updatedAt; ARGV[2..] field, value pairs. The offence
// fields (offences.ts) are the outcome intake's, not the profile source's: a put keeps them.
export const PUT_LUA = `
local cur = redis.call('HGET', KEYS[1], 'updatedAt')
if cur and tonumber(cur) > tonumber(ARGV[1]) then return 0 end
local kept = redis.call('HMGET', KEYS[1], 'offences', 'offenceIds', 'lastOffenceAt')
redis.call('DEL', KEYS[1])
redis.call('HSET', KEYS[1], unpack(ARGV, 2))
if kept[1] and kept[2] then redis.call('HSET', KEYS[1], 'offences', kept[1], 'offenceIds', kept[2]) end
if kept[3] then redis.call('HSET', KEYS[1], 'lastOffenceAt', kept[3]) end
return 1
`

// KEYS[1] the watchlist index, KEYS[2] its change log (watch-index.ts); ARGV: field, listId,
// ADD|REMOVE, expiresAt (0 = never), updatedAt, fuzzy member, fuzzy fields…. A field's value is
// JSON {member: [expiresAt, updatedAt]}, the member being the listId in the exact field and
// `{listId}|{value}` in the fuzzy ones. The exact field decides whether the write is stale; the
// fuzzy fields follow it. A write that is applied appends the fields it wrote to the log, in
// the same script, so no write escapes the processors' indexes.
/* eslint-disable max-len -- Lua source, loaded into Redis by its hash: a line broken here is another script */
export const WATCH_LUA = `
local function merge(field, member)
  local raw = redis.call('HGET', KEYS[1], field)
  local lists = {}
  if raw then lists = cjson.decode(raw) end
  if ARGV[3] == 'ADD' then lists[member] = { tonumber(ARGV[4]), tonumber(ARGV[5]) } else lists[member] = nil end
  if next(lists) == nil then redis.call('HDEL', KEYS[1], field) else redis.call('HSET', KEYS[1], field, cjson.encode(lists)) end
end
local raw = redis.call('HGET', KEYS[1], ARGV[1])
if raw then
  local cur = cjson.decode(raw)[ARGV[2]]
  if cur and cur[2] > tonumber(ARGV[5]) then return 0 end
end
merge(ARGV[1], ARGV[2])
for i = 7, #ARGV do merge(ARGV[i], ARGV[6]) end
local logged = { 'MAXLEN', '~', '${LOG_MAX_ENTRIES}', '*', '0', ARGV[1] }
for i = 7, #ARGV do
  logged[#logged + 1] = tostring(i - 6)
  logged[#logged + 1] = ARGV[i]
end
redis.call('XADD', KEYS[2], unpack(logged))
return 1
`
/* eslint-enable max-len */

type WatchWrite = Extract<ProfileWrite, { kind: 'watch' }>

const mergeMember = (raw: string | undefined, member: string, w: WatchWrite): string | null => {
  const lists = raw === undefined ? {} : JSON.parse(raw) as Record<string, [number, number]>
  if (w.op === 'ADD') lists[member] = [w.expiresAt, w.updatedAt]
  else delete lists[member]
  return Object.keys(lists).length === 0 ? null : JSON.stringify(lists)
}

/**
 * The same watchlist merge in JavaScript, for the in-memory store: the new value of each
 * field written (null: field deleted), exact field first; undefined when the write is stale.
 */
export const mergeWatch = (
  read: (field: string) => string | undefined, w: WatchWrite
): Array<readonly [string, string | null]> | undefined => {
  const raw = read(w.field)
  const cur = raw === undefined ? undefined : (JSON.parse(raw) as Record<string, [number, number]>)[w.listId]
  if (cur !== undefined && cur[1] > w.updatedAt) return undefined
  const exact = [w.field, mergeMember(raw, w.listId, w)] as const
  return [exact, ...w.fuzzy.map((f) => [f, mergeMember(read(f), w.fuzzyMember, w)] as const)]
}
