// The console store's Lua scripts (store.ts says what the keys hold). Each consumed record is
// one script run, so its marker and every write it causes happen together: a record handed
// over again after a failure (at-least-once) finds its marker and changes nothing, and a
// failure half-way through a batch leaves no half-written record behind.
//
// The scripts touch keys they compute (index sets, party sets): on Redis Cluster that holds
// because every console key shares one hash tag (store.ts consolePrefix), and each script
// declares the prefix as its key so that the client sends it to that slot's primary.
//
// Shared helpers, prepended to the scripts that need them:
//   unindex(id, pk)  removes the parcel from every queue index it is in (listed in its idx field)
//   index(id, pk)    adds an open parcel to the queue and its lane, rule, seller and route indexes
//   party(id, pk)    adds the parcel to its seller's and consignee's history (latest 200 kept)
const PRELUDE = String.raw`
local p = ARGV[1]
local function unindex (id, pk)
  local idx = redis.call('HGET', pk, 'idx')
  if idx then for key in string.gmatch(idx, '[^\n]+') do redis.call('ZREM', key, id) end end
  redis.call('HDEL', pk, 'idx')
end
local function index (id, pk)
  local f = redis.call('HMGET', pk, 'z', 'lane', 'rules', 'seller', 'route')
  local keys = { p .. 'q', p .. 'q:lane:' .. f[2] }
  for r in string.gmatch(f[3] or '', '[^,]+') do keys[#keys + 1] = p .. 'q:rule:' .. r end
  if f[4] and f[4] ~= '' then keys[#keys + 1] = p .. 'q:seller:' .. f[4] end
  for c in string.gmatch(f[5] or '', '[^,]+') do keys[#keys + 1] = p .. 'q:route:' .. c end
  for _, key in ipairs(keys) do redis.call('ZADD', key, f[1], id) end
  redis.call('HSET', pk, 'idx', table.concat(keys, '\n'))
end
local function party (id, pk)
  local f = redis.call('HMGET', pk, 'seller', 'consignee', 'decidedAt')
  for i, kind in ipairs({ 's', 'c' }) do
    if f[i] and f[i] ~= '' then
      local key = p .. 'party:' .. kind .. ':' .. f[i]
      redis.call('ZADD', key, f[3], id)
      redis.call('ZREMRANGEBYRANK', key, 0, -201)
    end
  end
end
`

// ARGV: 1 prefix, 2 id, 3 version, 4 marker TTL, 5 held 1|0, 6 queue order, 7 lane, 8 rules csv,
// 9 decision JSON, 10 decidedAt, 11 latency bucket, 12 degraded 1|0, 13 ruleset field,
// 14 second, 15 hour, 16 summary (decision|action), 17 parcel TTL
export const DECISION_LUA = PRELUDE + String.raw`
local id, v = ARGV[2], tonumber(ARGV[3])
if not redis.call('SET', p .. 'seen:d:' .. id .. ':' .. v, '1', 'NX', 'PX', ARGV[4]) then return 0 end
local sec = p .. 'ov:' .. ARGV[14]
redis.call('HINCRBY', sec, 'n', 1)
redis.call('HINCRBY', sec, 'lane:' .. ARGV[7], 1)
redis.call('HINCRBY', sec, 'lat:' .. ARGV[11], 1)
if ARGV[5] == '1' then redis.call('HINCRBY', sec, 'held', 1) end
if ARGV[12] == '1' then redis.call('HINCRBY', sec, 'degraded', 1) end
redis.call('PEXPIRE', sec, 7200000)
redis.call('HSET', p .. 'rulesets', ARGV[13], ARGV[10])
for r in string.gmatch(ARGV[8], '[^,]+') do
  redis.call('HINCRBY', p .. 'trend:' .. r, ARGV[15] .. '|hits', 1)
  if ARGV[5] == '1' then redis.call('HINCRBY', p .. 'trend:' .. r, ARGV[15] .. '|holds', 1) end
end
local pk = p .. 'parcel:' .. id
local cur = tonumber(redis.call('HGET', pk, 'version') or '0')
if cur > v then return 1 end
unindex(id, pk)
redis.call('HSET', pk, 'version', v, 'decision', ARGV[9], 'summary', ARGV[16], 'z', ARGV[6], 'lane', ARGV[7],
  'rules', ARGV[8], 'decidedAt', ARGV[10], 'status', ARGV[5] == '1' and 'open' or 'released')
redis.call('PEXPIRE', pk, ARGV[17])
local dk = p .. 'decl:' .. id
local d = redis.call('HMGET', dk, 'version', 'seller', 'route', 'consignee')
if d[1] and tonumber(d[1]) == v then
  redis.call('HSET', pk, 'seller', d[2], 'route', d[3], 'consignee', d[4])
  redis.call('PEXPIRE', dk, ARGV[17])
  party(id, pk)
end
if ARGV[5] == '1' then index(id, pk) end
local s = redis.call('HMGET', p .. 'shadow:' .. id, 'version', 'summary')
if s[1] and tonumber(s[1]) == v and s[2] ~= ARGV[16] then redis.call('ZADD', p .. 'disagree', ARGV[10], id) end
return 1`

// ARGV: 1 prefix, 2 id, 3 version, 4 TTL, 5 seller, 6 route csv, 7 consignee key, 8 declaration JSON,
// 9 TTL of a held parcel's declaration
export const DECLARATION_LUA = PRELUDE + String.raw`
local id, v = ARGV[2], tonumber(ARGV[3])
local dk = p .. 'decl:' .. id
local cur = tonumber(redis.call('HGET', dk, 'version') or '0')
if cur > v then return 0 end
redis.call('HSET', dk, 'version', v, 'seller', ARGV[5], 'route', ARGV[6], 'consignee', ARGV[7], 'json', ARGV[8])
redis.call('PEXPIRE', dk, ARGV[4])
local pk = p .. 'parcel:' .. id
local f = redis.call('HMGET', pk, 'version', 'status')
if f[1] and tonumber(f[1]) == v then
  redis.call('HSET', pk, 'seller', ARGV[5], 'route', ARGV[6], 'consignee', ARGV[7])
  party(id, pk)
  if f[2] == 'open' then
    unindex(id, pk)
    index(id, pk)
  end
  if f[2] ~= 'released' then redis.call('PEXPIRE', dk, ARGV[9]) end
end
return 1`

// ARGV: 1 prefix, 2 id, 3 version, 4 outcome key, 5 TTL, 6 outcome JSON, 7 hour, 8 positive 1|0
export const OUTCOME_LUA = PRELUDE + String.raw`
local id, v = ARGV[2], tonumber(ARGV[3])
if not redis.call('SET', p .. 'seen:o:' .. ARGV[4], '1', 'NX', 'PX', ARGV[5]) then return 0 end
local ok = p .. 'outcomes:' .. id
redis.call('RPUSH', ok, ARGV[6])
redis.call('PEXPIRE', ok, ARGV[5])
local pk = p .. 'parcel:' .. id
local f = redis.call('HMGET', pk, 'version', 'status', 'rules')
if f[1] and tonumber(f[1]) == v then
  if f[2] == 'open' then
    unindex(id, pk)
    redis.call('HSET', pk, 'status', 'controlled')
  end
  for r in string.gmatch(f[3] or '', '[^,]+') do
    redis.call('HINCRBY', p .. 'trend:' .. r, ARGV[7] .. '|controls', 1)
    if ARGV[8] == '1' then redis.call('HINCRBY', p .. 'trend:' .. r, ARGV[7] .. '|positives', 1) end
  end
  redis.call('DEL', p .. 'claim:' .. id)
end
return 1`

// ARGV: 1 prefix, 2 id, 3 version, 4 TTL, 5 summary, 6 decision JSON, 7 decidedAt, 8 ruleset field
export const SHADOW_LUA = String.raw`
local p, id, v = ARGV[1], ARGV[2], tonumber(ARGV[3])
local sk = p .. 'shadow:' .. id
local cur = tonumber(redis.call('HGET', sk, 'version') or '0')
if cur > v then return 0 end
redis.call('HSET', sk, 'version', v, 'summary', ARGV[5], 'decision', ARGV[6])
redis.call('PEXPIRE', sk, ARGV[4])
redis.call('HSET', p .. 'shadow-rulesets', ARGV[8], ARGV[7])
local f = redis.call('HMGET', p .. 'parcel:' .. id, 'version', 'summary')
if f[1] and tonumber(f[1]) == v and f[2] ~= ARGV[5] then
  redis.call('ZADD', p .. 'disagree', ARGV[7], id)
  redis.call('ZREMRANGEBYRANK', p .. 'disagree', 0, -10001)
end
return 1`

// ARGV: 1 prefix, 2 marker (topic/partition/offset), 3 TTL, 4 code, 5 second
export const DEAD_LETTER_LUA = String.raw`
local p = ARGV[1]
if not redis.call('SET', p .. 'seen:x:' .. ARGV[2], '1', 'NX', 'PX', ARGV[3]) then return 0 end
redis.call('HINCRBY', p .. 'dlq', ARGV[4], 1)
local sec = p .. 'ov:' .. ARGV[5]
redis.call('HINCRBY', sec, 'dlq:' .. ARGV[4], 1)
redis.call('PEXPIRE', sec, 7200000)
return 1`

// ARGV: 1 prefix, 2 id, 3 user, 4 TTL. Returns 'ok', 'closed' (not in the queue) or the holder.
export const CLAIM_LUA = String.raw`
local p, id = ARGV[1], ARGV[2]
if redis.call('HGET', p .. 'parcel:' .. id, 'status') ~= 'open' then return 'closed' end
if redis.call('SET', p .. 'claim:' .. id, ARGV[3], 'NX', 'PX', ARGV[4]) then return 'ok' end
return redis.call('GET', p .. 'claim:' .. id)`

// ARGV: 1 prefix, 2 id, 3 user, 4 force 1|0. Returns 1 when released.
export const UNCLAIM_LUA = String.raw`
local key = ARGV[1] .. 'claim:' .. ARGV[2]
local holder = redis.call('GET', key)
if holder and (holder == ARGV[3] or ARGV[4] == '1') then redis.call('DEL', key) return 1 end
return 0`
