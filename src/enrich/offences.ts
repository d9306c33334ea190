// Offences: positive inspection outcomes (src/outcomes/tally.ts POSITIVE_RESULTS) recorded on
// the seller's and the consignee's profile hash by the outcome intake, read back by the
// enrichment with the same HMGET as the profile's other fields (keys.ts PROFILE_FIELDS), so
// rules reading `enrichment.seller.offences180d` cost no extra command.
//
// Hash fields, beside the profile's own (a profile update replaces the others, keeps these):
//   offences       epoch ms of each offence (the control's inspectedAt), comma-joined, oldest first
//   offenceIds     the outcome id of each, in the same order: what makes a write idempotent
//   lastOffenceAt  the latest offence recorded (kept when the list is pruned)
// Bounded: an entry older than OFFENCE_WINDOW_MS is pruned, and at most OFFENCE_MAX (the
// newest) are kept. A party without a profile hash gets one with its first offence: it holds
// no profile field, and the enrichment treats it as no profile, with offences.
//
// Which parties a decision concerned: the processor keeps them in the declaration history
// (history.ts, field `p:<version>`, JSON [sellerId, consigneeKey]) for the decisions a control
// can follow (holds and post-audit releases); the intake reads them beside the decision record
// it joins the outcome to.
import type { ParcelDeclaration } from '../declaration.ts'
import { normaliseIdentifier, type IdentityHasher } from './normalise.ts'

/** How far back `offences180d` counts. */
export const OFFENCE_WINDOW_MS = 180 * 86_400_000
/** Offences kept per profile; `offences180d` counts at most this many. */
export const OFFENCE_MAX = 64

// KEYS[1] the profile hash; ARGV: outcome id, offence time (ms), start of the window (ms), the
// most entries kept. Returns 1 when the offence was listed, 0 when it was there already (or is
// too old to list: before the window, or older than every entry of a full list, which a
// replayed offence pruned for room would be). lastOffenceAt becomes the latest offence either way.
export const OFFENCE_LUA = `
local v = redis.call('HMGET', KEYS[1], 'offences', 'offenceIds', 'lastOffenceAt')
local id = ARGV[1]
local at = tonumber(ARGV[2])
local from = tonumber(ARGV[3])
local max = tonumber(ARGV[4])
local times, ids = {}, {}
if v[1] and v[2] then
  for t in string.gmatch(v[1], '[^,]+') do times[#times + 1] = t end
  for s in string.gmatch(v[2], '[^,]+') do ids[#ids + 1] = s end
end
if #times ~= #ids then times, ids = {}, {} end
for i = 1, #ids do if ids[i] == id then return 0 end end
local keptTimes, keptIds = {}, {}
for i = 1, #times do
  if tonumber(times[i]) >= from then
    keptTimes[#keptTimes + 1] = times[i]
    keptIds[#keptIds + 1] = ids[i]
  end
end
local listed = at >= from and not (#keptTimes >= max and at <= tonumber(keptTimes[1]))
if listed then
  local pos = #keptTimes + 1
  while pos > 1 and tonumber(keptTimes[pos - 1]) > at do pos = pos - 1 end
  table.insert(keptTimes, pos, ARGV[2])
  table.insert(keptIds, pos, id)
  while #keptTimes > max do
    table.remove(keptTimes, 1)
    table.remove(keptIds, 1)
  end
end
if #keptTimes == 0 then
  redis.call('HDEL', KEYS[1], 'offences', 'offenceIds')
else
  redis.call('HSET', KEYS[1], 'offences', table.concat(keptTimes, ','), 'offenceIds', table.concat(keptIds, ','))
end
local last = tonumber(v[3])
if last == nil or at > last then redis.call('HSET', KEYS[1], 'lastOffenceAt', ARGV[2]) end
if listed then return 1 end
return 0
`

/** The offences of a profile's `offences` field at or after `from` (the list is oldest first). */
export const offencesSince = (times: string | null | undefined, from: number): number => {
  if (times === null || times === undefined || times === '') return 0
  const list = times.split(',')
  let n = 0
  for (let i = list.length - 1; i >= 0 && Number(list[i]) >= from; i--) n++
  return n
}

/** The consignee's profile key, as declarationKeys (record.ts) builds it: the EORI, else the identity hash. */
export const consigneeKeyOf = (d: ParcelDeclaration, hash: IdentityHasher): string => {
  const eori = d.consignee.identifiers.eori
  return eori !== null && eori !== '' ? normaliseIdentifier(eori) : hash(d.consignee)
}

/** The parties of a decision, as kept in the declaration history. */
export interface Parties {
  readonly sellerId: string
  readonly consigneeKey: string
}

export const encodeParties = (p: Parties): string => JSON.stringify([p.sellerId, p.consigneeKey])

/** Null for anything that is not a stored pair of non-empty strings. */
export const decodeParties = (text: string | null | undefined): Parties | null => {
  if (text === null || text === undefined || text === '') return null
  try {
    const v: unknown = JSON.parse(text)
    if (!Array.isArray(v) || v.length !== 2) return null
    const [sellerId, consigneeKey] = v as unknown[]
    if (typeof sellerId !== 'string' || typeof consigneeKey !== 'string') return null
    if (sellerId === '' || consigneeKey === '') return null
    return { sellerId, consigneeKey }
  } catch {
    return null
  }
}
