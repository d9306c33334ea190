// The declaration history's Redis work per batch (src/enrich/history.ts), against the local
// Redis (npm run stack -- up; or REDIS_URL): what reading every declarationId's history and
// keeping every decision costs the processor and Redis, per declaration, two ways:
//   per declaration  one HMGET cur prev and one call of a one-key compare-and-set script per
//                    declaration, in one pipeline each (the store until this bench was added)
//   per batch        one call of HISTORY_READ_LUA and one of HISTORY_LUA for the batch (the store now)
// Each pass writes BATCHES batches of fresh declarationIds (every write makes a key, as for a
// stream of new declarations), then reads them back. CPU: the process's own (process.cpuUsage)
// and Redis's (INFO cpu), so whatever else uses that Redis or its CPU shows; runs alternate
// between the two ways and the medians are reported.
// Run: npm run bench -- history   (or node bench/history.ts [runs])
import { randomUUID } from 'node:crypto'
import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import { cpus, loadavg } from 'node:os'
import { Redis } from 'ioredis'
import { HISTORY_LUA, HISTORY_READ_LUA } from '../src/enrich/history.ts'
import { deleteKeys } from '../src/cli/demo/run-setup.ts'

const RUNS = Number(process.argv[2] ?? 5)
const BATCHES = 200
const SIZES = [20, 100]
const TTL_MS = 86_400_000
const url = process.env.REDIS_URL ?? 'redis://127.0.0.1:17379'

// The one-key script the store called once per decision before.
const PER_KEY_LUA = `
local v = tonumber(ARGV[1])
local cur = redis.call('HGET', KEYS[1], 'cur')
if cur then
  local standing = cjson.decode(cur)
  if type(standing) == 'table' and tonumber(standing.version) ~= nil and v <= tonumber(standing.version) then
    return 0
  end
  redis.call('HSET', KEYS[1], 'prev', cur, 'cur', ARGV[2])
else
  redis.call('HSET', KEYS[1], 'cur', ARGV[2])
end
redis.call('PEXPIRE', KEYS[1], ARGV[3])
return 1
`

type Way = 'per declaration' | 'per batch'
type Script = (...args: Array<string | number>) => unknown
type Pipe = ReturnType<Redis['pipeline']> & Record<'hOne' | 'hWrite' | 'hRead', Script>

const redis = new Redis(url, { commandTimeout: 10_000 })
redis.defineCommand('hOne', { lua: PER_KEY_LUA, numberOfKeys: 1 })
redis.defineCommand('hWrite', { lua: HISTORY_LUA })
redis.defineCommand('hRead', { lua: HISTORY_READ_LUA })
const prefix = `bench-history-${randomUUID()}:`
const standing = JSON.stringify({
  version: 1, decision: 'HOLD', action: 'SCREEN_NII', score: 80, rules: ['IND-A', 'IND-B'],
  ruleset: { id: 'eu-lvc', version: '2026.11.3', digest: 'ab'.repeat(32) }
})

const redisCpuS = async (): Promise<number> => {
  const info = await redis.info('cpu')
  const field = (name: string): number => Number(new RegExp(`${name}:([0-9.]+)`).exec(info)?.[1] ?? NaN)
  return field('used_cpu_user') + field('used_cpu_sys')
}

const exec = async (p: Pipe): Promise<void> => {
  const replies = await p.exec()
  if (replies === null) throw new Error('pipeline discarded')
  for (const [err] of replies) if (err !== null) throw err
}

/** Node and Redis CPU µs per declaration for writing then reading `size`-declaration batches. */
const pass = async (way: Way, size: number, run: number): Promise<{ node: number, redis: number }> => {
  const keysOf = (b: number): string[] =>
    Array.from({ length: size }, (_, i) => `${prefix}history:{${way[4]}-${size}-${run}-${b}-${i}}`)
  const c0 = process.cpuUsage()
  const r0 = await redisCpuS()
  for (let b = 0; b < BATCHES; b++) {
    const keys = keysOf(b)
    const write = redis.pipeline() as Pipe
    if (way === 'per declaration') for (const k of keys) write.hOne(k, 1, standing, TTL_MS)
    else {
      const args: Array<string | number> = [keys.length, ...keys, TTL_MS]
      for (let i = 0; i < keys.length; i++) args.push(1, standing, '')
      write.hWrite(...args)
    }
    await exec(write)
    const read = redis.pipeline() as Pipe
    if (way === 'per declaration') for (const k of keys) read.hmget(k, 'cur', 'prev')
    else read.hRead(keys.length, ...keys)
    await exec(read)
  }
  const c = process.cpuUsage(c0)
  const redisS = await redisCpuS() - r0
  const n = BATCHES * size
  return { node: (c.user + c.system) / n, redis: redisS * 1e6 / n }
}

const median = (xs: readonly number[]): number => {
  const s = [...xs].sort((a, b) => a - b)
  const m = Math.floor(s.length / 2)
  return s.length % 2 === 1 ? s[m] as number : ((s[m - 1] as number) + (s[m] as number)) / 2
}

const loadAtStart = loadavg()[0] ?? 0
const rows: Array<{ way: Way, size: number, node: number, redis: number }> = []
for (const size of SIZES) {
  const got: Record<Way, Array<{ node: number, redis: number }>> = { 'per declaration': [], 'per batch': [] }
  await pass('per batch', size, -1) // loads both scripts' JIT paths and Redis's script cache
  await pass('per declaration', size, -1)
  for (let run = 0; run < RUNS; run++) {
    const order = run % 2 === 0 ? ['per declaration', 'per batch'] as const : ['per batch', 'per declaration'] as const
    for (const way of order) got[way].push(await pass(way, size, run))
  }
  for (const way of ['per declaration', 'per batch'] as const) {
    const row = { way, size, node: median(got[way].map((g) => g.node)), redis: median(got[way].map((g) => g.redis)) }
    rows.push(row)
    console.log(`${way}, ${size} a batch: processor ${row.node.toFixed(1)} µs, ` +
      `Redis ${row.redis.toFixed(1)} µs CPU per declaration`)
  }
}
const loadAtEnd = loadavg()[0] ?? 0

await deleteKeys(redis, prefix)
redis.disconnect()

const fmt = (x: number): string => x.toFixed(1)
const table = [
  '| history read and write | declarations a batch | processor CPU µs/declaration | Redis CPU µs/declaration |',
  '|---|---:|---:|---:|',
  ...rows.map((r) => `| ${r.way} | ${r.size} | ${fmt(r.node)} | ${fmt(r.redis)} |`)
].join('\n')
const section = '## Declaration history: Redis work per batch\n\n' +
  `Command: \`npm run bench -- history\`. ${BATCHES} batches of fresh declarationIds per run: keep a decision for ` +
  'each (every write makes a key), then read the batch\'s history back; ' +
  `medians of ${RUNS} runs alternating between the two ways; CPU of the bench process and of Redis (INFO cpu) ` +
  `divided by the declarations. Machine: ${cpus().length} CPUs, node ${process.version}; 1-minute load average ` +
  `${loadAtStart.toFixed(1)} at the start, ${loadAtEnd.toFixed(1)} at the end (a shared machine).\n` +
  '"per declaration": an HMGET and a one-key compare-and-set script call per declaration (the store before); ' +
  '"per batch": one read script and one compare-and-set script for the batch (the store now, src/enrich/history.ts).' +
  `\n\n${table}`
const file = new URL('./RESULTS.md', import.meta.url)
const START = '<!-- history:start -->'
const END = '<!-- history:end -->'
const block = `${START}\n${section}\n${END}`
const existing = existsSync(file) ? readFileSync(file, 'utf8') : '# Benchmark results\n'
const replaced = existing.includes(START)
  ? existing.replace(new RegExp(`${START}[\\s\\S]*?${END}`), block)
  : `${existing.trimEnd()}\n\n${block}\n`
writeFileSync(file, replaced)
