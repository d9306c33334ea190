// Windowed aggregates: parcel count and declared value (EUR cents) per consignee identity,
// seller and IOSS number, over 24 h and 7 d.
//
// A parcel is counted in the buckets of its event time, declaredAt (not the processing time),
// so that replaying a declaration lands in the same buckets and finds its first answer:
//   hour bucket     hourNo = floor(declaredAt / 1 h)      24 h window = hourNo-23 … hourNo
//   quarter bucket  qNo    = floor(declaredAt / 6 h)      7 d window  = qNo-27 … qNo
// So "24 h" is the current clock hour plus the 23 before it, and "7 d" the current six-hour
// slot plus the 27 before it: both windows end at the declaration's own bucket and include it.
//
// Storage (see keys.ts): one hash per entity, `{p}agg:{c|s|i}:{id}`, one integer field per
// bucket and measure: 4·hourNo (count) and 4·hourNo+1 (EUR cents) for hour buckets,
// 4·qNo+2 and 4·qNo+3 for quarter buckets. Integer names parse with one tonumber() in Lua;
// the h/q-prefixed strings they replace cost three string.sub calls a field. A bucket older
// than its window is deleted by the next write to that entity, so a parcel declared an hour
// or more behind the newest one counted for the entity finds the start of its own 24 h window
// gone and reads a lower 24 h count than the in-memory aggregates below, which keep every
// bucket (in declaration order the two agree on every counter; test/integration/
// aggregates.test.ts pins both). The whole hash expires 7 d after the end of its newest
// quarter bucket (set when that bucket is created), so an entity that goes quiet costs
// nothing after a week.
// Idempotence and identical replays: `{p}answers:{hourNo}` maps `declarationId#version` of
// every parcel counted in that hour to the values the script gave it the first time
// (`{mask}:{12 numbers}`, or '' when it was counted by a catch-up and given nothing) and
// expires with the last bucket that could count it. A parcel already in it is not counted
// again and gets its first answer back for every kind that answer covers, so a replay, or
// the retry of a round trip that timed out after Redis had run it, sees exactly what the
// first pass saw. Kinds the first answer did not cover (a ruleset that now reads more) and
// parcels first counted by a catch-up are read as they are now.
// Amendments: a parcel is counted once, whatever its versions. The history hash of its
// declarationId (`{p}history:{<declarationId>}`, history.ts) keeps in field `agg` the version
// counted and what it added (its buckets, EUR cents, entity ids, as a JSON array). A newer
// version moves the parcel: the earlier version's count and value leave their buckets (those
// still there) and the newer version's are added, so the counters hold one parcel at its
// amended value. A version not newer than the one counted is not counted; it is answered
// with the counters as they are, and that answer is kept like any other.
// On a Redis Cluster the same counters and semantics are kept in each entity's slot, in two
// idempotent steps instead of this one script (cluster-aggregates.ts): the answers are kept
// per entity (`{p}answers:{k}:{<id>}:{hourNo}`), the decision per declaration.

export const HOUR_MS = 3_600_000
export const QUARTER_MS = 6 * HOUR_MS
export const HOUR_BUCKETS = 24
export const QUARTER_BUCKETS = 28
export const WINDOW_7D_MS = 7 * 24 * HOUR_MS

/** Entity kinds, in the order of the script's per-entry ids and of its output. */
export const AGG_KINDS = ['c', 's', 'i'] as const
export type AggKind = typeof AGG_KINDS[number]

/** Values per entry in the script's ARGV (after the 3 header values). */
export const ENTRY_STRIDE = 10
/** Numbers the script returns per read entry: per kind n24, v24, n7, v7. */
export const OUTPUT_STRIDE = 12

/** 1: count and read; 2: count only (catch-up after an outage); 0: read only (too old to count). */
export type EntryMode = 0 | 1 | 2

export interface AggEntry {
  readonly member: string
  readonly hourNo: number
  readonly qNo: number
  readonly answersExpireAtMs: number
  readonly keyExpireAtMs: number
  readonly valueCents: number
  /** Consignee identity, seller id, IOSS number; '' when the declaration has none. */
  readonly ids: readonly [string, string, string]
  readonly mode: EntryMode
}

export const aggEntry = (
  member: string, declaredAt: number, valueCents: number, ids: readonly [string, string, string], nowMs: number,
  countIt: boolean
): AggEntry => {
  const hourNo = Math.floor(declaredAt / HOUR_MS)
  const qNo = Math.floor(declaredAt / QUARTER_MS)
  const keyExpireAtMs = (qNo + 1) * QUARTER_MS + WINDOW_7D_MS
  const answersExpireAtMs = (hourNo + 1) * HOUR_MS + WINDOW_7D_MS + QUARTER_MS
  const mode: EntryMode = !countIt || keyExpireAtMs <= nowMs ? 0 : 1
  return { member, hourNo, qNo, answersExpireAtMs, keyExpireAtMs, valueCents, ids, mode }
}

export const entryArgs = (entry: AggEntry, mode: EntryMode, out: Array<string | number>): void => {
  out.push(
    entry.member, entry.hourNo, entry.qNo, entry.answersExpireAtMs, entry.keyExpireAtMs, entry.valueCents,
    entry.ids[0], entry.ids[1], entry.ids[2], mode
  )
}

/* eslint-disable max-len -- Lua source, loaded into Redis by its hash: a line broken here is another script */
// The counting and the reading of one entity's hash, shared with the cluster's per-entity
// script (cluster-aggregates.ts). In scope: key, hn and qn (the entry's count fields),
// cents, counting, hourNo, qNo, keyExpire, n24 v24 n7 v7 (0); COUNT_LUA sets newHour and
// newBucket, READ_LUA (after `local reading`) sums the windows and prunes old buckets.
export const COUNT_LUA = `      local newHour = false
      local newBucket = false
      if counting then
        newHour = redis.call('HINCRBY', key, hn, 1) == 1
        redis.call('HINCRBY', key, hn + 1, cents)
        newBucket = redis.call('HINCRBY', key, qn, 1) == 1
        redis.call('HINCRBY', key, qn + 1, cents)
      end`

export const READ_LUA = `      if reading or newHour then
        local newest = qNo
        local all, step
        if reading then all = redis.call('HGETALL', key); step = 2 else all = redis.call('HKEYS', key); step = 1 end
        for i = 1, #all, step do
          local f = tonumber(all[i])
          local slot = f % 4
          local no = (f - slot) / 4
          if slot < 2 then
            if no <= hourNo and no > hourNo - ${HOUR_BUCKETS} then
              if reading then if slot == 0 then n24 = n24 + tonumber(all[i + 1]) else v24 = v24 + tonumber(all[i + 1]) end end
            elseif no <= hourNo - ${HOUR_BUCKETS} and counting then
              redis.call('HDEL', key, all[i])
            end
          else
            if no > newest then newest = no end
            if no <= qNo and no > qNo - ${QUARTER_BUCKETS} then
              if reading then if slot == 2 then n7 = n7 + tonumber(all[i + 1]) else v7 = v7 + tonumber(all[i + 1]) end end
            elseif no <= qNo - ${QUARTER_BUCKETS} and counting then
              redis.call('HDEL', key, all[i])
            end
          end
        end
        -- The hash lives as long as its newest quarter bucket is needed: set when that bucket
        -- is created (a late parcel's older bucket never shortens it). A new quarter bucket
        -- always brings a new hour bucket, so this branch runs.
        if newBucket and newest == qNo then redis.call('PEXPIREAT', key, keyExpire) end
      end`

// ARGV: prefix, entryCount, read mask (FetchPlan.aggregateMask), then ENTRY_STRIDE values per entry
// (entryArgs order). Returns OUTPUT_STRIDE integers for every entry whose mode is not 2
// (zeros for the kinds the mask leaves out).
// Every kind is counted; only the masked kinds are read (HGETALL and sum). Buckets that left
// their window are deleted when read, or, for a kind nobody reads, when an hour bucket is
// created (one HKEYS per entity and hour), so memory stays bounded either way.
export const AGGREGATE_LUA = `
local prefix = ARGV[1]
local n = tonumber(ARGV[2])
local mask = ARGV[3]
local kinds = { 'c', 's', 'i' }
local reads = {}
for k = 1, 3 do reads[k] = string.find(mask, kinds[k], 1, true) ~= nil end
local out = {}
local expiring = {}
-- Whether the entry at ARGV offset b counts its parcel (see the header on amendments).
local function countsParcel(member, b)
  local id, version = string.match(member, '^(.*)#(%-?%d+)$')
  if id == nil then return true end
  local history = prefix .. 'history:{' .. id .. '}'
  local mark = redis.call('HGET', history, 'agg')
  if mark then
    local m = cjson.decode(mark)
    if tonumber(version) <= tonumber(m[1]) then return false end
    local oh, oq, oc = tonumber(m[2]) * 4, tonumber(m[3]) * 4 + 2, tonumber(m[4])
    for k = 1, 3 do
      if m[4 + k] ~= '' then
        local key = prefix .. 'agg:' .. kinds[k] .. ':' .. m[4 + k]
        for _, f in ipairs({ oh, oq }) do
          if redis.call('HEXISTS', key, f) == 1 then
            redis.call('HINCRBY', key, f, -1)
            redis.call('HINCRBY', key, f + 1, -oc)
          end
        end
      end
    end
  end
  redis.call('HSET', history, 'agg', cjson.encode({ version, ARGV[b + 2], ARGV[b + 3], ARGV[b + 6], ARGV[b + 7], ARGV[b + 8], ARGV[b + 9] }))
  if redis.call('PTTL', history) < 0 then redis.call('PEXPIREAT', history, ARGV[b + 5]) end
  return true
end
for e = 0, n - 1 do
  local b = 3 + e * ${ENTRY_STRIDE}
  local member = ARGV[b + 1]
  local hourNo = tonumber(ARGV[b + 2])
  local qNo = tonumber(ARGV[b + 3])
  local keyExpire = tonumber(ARGV[b + 5])
  local cents = tonumber(ARGV[b + 6])
  local mode = ARGV[b + 10]
  local answers = prefix .. 'answers:' .. hourNo
  local counting = false
  local prior = nil
  local priorMask = ''
  if mode ~= '0' then
    local stored = redis.call('HGET', answers, member)
    if stored == false then
      counting = true
    elseif stored ~= '' then
      local sep = string.find(stored, ':', 1, true)
      priorMask = string.sub(stored, 1, sep - 1)
      prior = {}
      for v in string.gmatch(string.sub(stored, sep + 1), '[^,]+') do prior[#prior + 1] = tonumber(v) end
    end
  end
  local answering = counting
  if counting then counting = countsParcel(member, b) end
  local given = {}
  local hn = hourNo * 4
  local qn = qNo * 4 + 2
  for k = 1, 3 do
    local id = ARGV[b + 6 + k]
    local n24, v24, n7, v7 = 0, 0, 0, 0
    if prior ~= nil and string.find(priorMask, kinds[k], 1, true) ~= nil then
      local p = (k - 1) * 4
      n24, v24, n7, v7 = prior[p + 1], prior[p + 2], prior[p + 3], prior[p + 4]
    elseif id ~= '' then
      local key = prefix .. 'agg:' .. kinds[k] .. ':' .. id
${COUNT_LUA}
      local reading = reads[k] and mode ~= '2'
${READ_LUA}
    end
    given[#given + 1] = n24
    given[#given + 1] = v24
    given[#given + 1] = n7
    given[#given + 1] = v7
    if mode ~= '2' then
      out[#out + 1] = n24
      out[#out + 1] = v24
      out[#out + 1] = n7
      out[#out + 1] = v7
    end
  end
  if answering then
    local answer = ''
    if mode == '1' then answer = mask .. ':' .. table.concat(given, ',') end
    redis.call('HSET', answers, member, answer)
    -- The expiry of an hour's answers is fixed: set it once per call.
    if not expiring[answers] then redis.call('PEXPIREAT', answers, ARGV[b + 4]); expiring[answers] = true end
  end
end
return out
`
/* eslint-enable max-len */

/** The same bucket arithmetic in memory, for the offline store (memory-store.ts). */
export interface MemoryAggregates {
  /** Counts (when new) and reads one entry; writes OUTPUT_STRIDE numbers at out[offset]. */
  readonly apply: (entry: AggEntry, out: number[], offset: number) => void
}

export const createMemoryAggregates = (): MemoryAggregates => {
  // The first answer given to each counted parcel, per hour (the script's `answers` hashes).
  const answers = new Map<number, Map<string, readonly number[]>>()
  const entities = new Map<string, Map<string, number>>()
  // Per declarationId, the version counted and the entry that counted it (the script's `agg`).
  const counted = new Map<string, AggEntry>()
  /** Takes a counted entry's parcel out of its buckets. */
  const subtract = (e: AggEntry): void => {
    for (let k = 0; k < 3; k++) {
      const fields = e.ids[k] === '' ? undefined : entities.get(`${AGG_KINDS[k] as string}:${e.ids[k] as string}`)
      if (fields === undefined) continue
      for (const f of [`h${e.hourNo}`, `q${e.qNo}`]) {
        const n = fields.get(`${f}n`)
        if (n === undefined) continue
        fields.set(`${f}n`, n - 1)
        fields.set(`${f}v`, (fields.get(`${f}v`) ?? 0) - e.valueCents)
      }
    }
  }
  /** Whether the entry counts its parcel: an amended parcel once (the script's countsParcel). */
  const countsParcel = (entry: AggEntry): boolean => {
    const at = entry.member.lastIndexOf('#')
    if (at < 0) return true
    const id = entry.member.slice(0, at)
    const version = Number(entry.member.slice(at + 1))
    const earlier = counted.get(id)
    if (earlier !== undefined) {
      const earlierVersion = Number(earlier.member.slice(earlier.member.lastIndexOf('#') + 1))
      if (version <= earlierVersion) return false
      subtract(earlier)
    }
    counted.set(id, entry)
    return true
  }
  const apply = (entry: AggEntry, out: number[], offset: number): void => {
    let counting = false
    let answering = false
    let given: Map<string, readonly number[]> | undefined
    if (entry.mode !== 0) {
      given = answers.get(entry.hourNo)
      if (given === undefined) {
        given = new Map()
        answers.set(entry.hourNo, given)
      }
      const prior = given.get(entry.member)
      if (prior !== undefined) {
        for (let i = 0; i < OUTPUT_STRIDE; i++) out[offset + i] = prior[i] ?? 0
        return
      }
      answering = true
      counting = countsParcel(entry)
    }
    const h = `h${entry.hourNo}`
    const q = `q${entry.qNo}`
    for (let k = 0; k < 3; k++) {
      const id = entry.ids[k] as string
      let n24 = 0
      let v24 = 0
      let n7 = 0
      let v7 = 0
      if (id !== '') {
        const key = `${AGG_KINDS[k] as string}:${id}`
        let fields = entities.get(key)
        if (fields === undefined) {
          fields = new Map()
          entities.set(key, fields)
        }
        if (counting) {
          const increments = [
            [`${h}n`, 1], [`${h}v`, entry.valueCents], [`${q}n`, 1], [`${q}v`, entry.valueCents]
          ] as const
          for (const [f, by] of increments) {
            fields.set(f, (fields.get(f) ?? 0) + by)
          }
        }
        for (const [f, v] of fields) {
          const no = Number(f.slice(1, -1))
          const isCount = f.endsWith('n')
          if (f.startsWith('h')) {
            if (no <= entry.hourNo && no > entry.hourNo - HOUR_BUCKETS) {
              if (isCount) n24 += v
              else v24 += v
            }
          } else if (no <= entry.qNo && no > entry.qNo - QUARTER_BUCKETS) {
            if (isCount) n7 += v
            else v7 += v
          }
        }
      }
      out[offset + k * 4] = n24
      out[offset + k * 4 + 1] = v24
      out[offset + k * 4 + 2] = n7
      out[offset + k * 4 + 3] = v7
    }
    if (answering) given?.set(entry.member, out.slice(offset, offset + OUTPUT_STRIDE))
  }
  return { apply }
}
