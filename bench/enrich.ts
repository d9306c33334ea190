// Enrichment against the local Redis (npm run stack -- up; or REDIS_URL): 100,000 generated
// declarations (seed 7, moved to end now so every parcel is counted) in batches of 500, with
// the generated profiles loaded. Per scenario: declarations per second (median of 5 runs,
// each with a cold in-process cache and fresh declaration versions so every parcel is
// counted again), Redis round trips per batch (pipelines the store sent) and the server-side
// command counts per batch from INFO commandstats. The scenarios differ in how many
// enrichment fields the "ruleset" reads: the round trips per batch must not change.
// Server command counts come from INFO commandstats, i.e. include whatever else uses the
// same Redis during the run; the round trips are counted by the store itself.
// Run: npm run bench -- enrich   (or node bench/enrich.ts [count])
import { randomUUID } from 'node:crypto'
import { mkdirSync, writeFileSync } from 'node:fs'
import { cpus } from 'node:os'
import { Redis } from 'ioredis'
import type { ParcelDeclaration } from '../src/declaration.ts'
import { keyLayout } from '../src/enrich/keys.ts'
import { writeFor, type ProfileWrite } from '../src/enrich/profile-write.ts'
import { loadConfig } from '../src/config-load.ts'
import { connectRedis } from '../src/enrich/redis-client.ts'
import { createRedisProfileStore } from '../src/enrich/redis-store.ts'
import { createProfileWriter } from '../src/enrich/redis-writer.ts'
import { DATA_SETS, markersOfLoad, writeMarkers } from '../src/enrich/reference-data.ts'
import { ALL_FIELDS } from '../src/enrich/store.ts'
import { generateDeclarations, generateProfiles } from '../src/generate/stream.ts'
import { createLogger } from '../src/logger.ts'

const COUNT = Number(process.argv[2] ?? 100_000)
const RUNS = 5
const BATCH = 500
const url = process.env.REDIS_URL ?? 'redis://127.0.0.1:17379'
const prefix = `bench-enrich-${randomUUID()}:`
const log = createLogger({ level: 'silent' })
const config = loadConfig({
  env: { REDIS_URL: url, PARCEL_RISK_REDIS_KEY_PREFIX: prefix, PARCEL_RISK_REDIS_COMMAND_TIMEOUT_MS: '5000' }
})

const scenarios: ReadonlyArray<{ name: string, fields: readonly string[] }> = [
  { name: `every enrichment field (${ALL_FIELDS.length} paths, 6 families)`, fields: ALL_FIELDS },
  {
    name: 'aggregates only (consignee 24 h / 7 d)',
    fields: ['aggregates.consigneeCount24h', 'aggregates.consigneeValueEur24h', 'aggregates.consigneeCount7d']
  },
  {
    name: 'profiles only (seller, AEO, IOSS, watchlist; no counters)',
    fields: ALL_FIELDS.filter((f) => !f.startsWith('aggregates.'))
  },
  { name: 'one field (seller.riskTier)', fields: ['seller.riskTier'] }
]

const declarations: ParcelDeclaration[] = []
for (const g of generateDeclarations({ seed: 7 })) {
  if (declarations.length === COUNT) break
  declarations.push(g.declaration)
}
const shift = Date.now() - (declarations.at(-1)?.declaredAt ?? 0)
for (const d of declarations) d.declaredAt += shift

const commandStats = async (redis: Redis): Promise<Record<string, number>> => {
  const info = await redis.info('commandstats')
  const out: Record<string, number> = {}
  for (const m of info.matchAll(/^cmdstat_([a-z|]+):calls=(\d+)/gm)) out[m[1] as string] = Number(m[2])
  return out
}

const median = (xs: readonly number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number

const main = async (): Promise<void> => {
  const admin = new Redis(url, { maxRetriesPerRequest: 1 })
  const redis = await connectRedis(config.redis, log)
  const keys = keyLayout(prefix)
  const updates = generateProfiles({ seed: 7 })
  const writes = updates.map((u) => writeFor(u, keys)).filter((w): w is ProfileWrite => w !== undefined)
  const loaded = await createProfileWriter(redis, prefix).write(writes)
  await writeMarkers(redis, prefix, markersOfLoad(updates, 'bench', Date.now(), DATA_SETS))
  const memoryBefore = Number(/used_memory:(\d+)/.exec(await admin.info('memory'))?.[1])
  const results = []
  try {
    let version = 1
    for (const scenario of scenarios) {
      const rates: number[] = []
      let trips = 0
      let batches = 0
      let calls: Record<string, number> = {}
      for (let run = 0; run < RUNS; run++) {
        version++
        const storeConfig = { ...config.redis, identityKey: 'bench-key', maxAgesMs: config.referenceData.maxAgeMs }
        const store = createRedisProfileStore(redis, storeConfig, { log })
        const input = declarations.map((d) => ({ ...d, version }))
        const statsBefore = await commandStats(admin)
        const started = performance.now()
        for (let i = 0; i < input.length; i += BATCH) {
          const results = await store.enrichBatch(input.slice(i, i + BATCH), Date.now(), scenario.fields)
          if (results[0]?.status !== 'OK') throw new Error(`degraded: ${results[0]?.missing.join(',')}`)
        }
        rates.push(Math.round(input.length / ((performance.now() - started) / 1000)))
        const statsAfter = await commandStats(admin)
        trips = store.roundTrips()
        batches = Math.ceil(input.length / BATCH)
        calls = {}
        for (const [name, n] of Object.entries(statsAfter)) {
          const delta = n - (statsBefore[name] ?? 0) - (name === 'info' ? 1 : 0)
          if (delta > 0) calls[name] = Math.round(delta / batches * 10) / 10
        }
      }
      const result = {
        name: scenario.name,
        fields: scenario.fields.length,
        declarationsPerSecond: median(rates),
        microsPerDeclaration: Math.round(1e6 / median(rates) * 100) / 100,
        roundTripsPerBatch: trips / batches,
        serverCommandsPerBatch: calls,
        runs: rates
      }
      results.push(result)
      console.log(`${result.name.padEnd(60)} ${String(result.declarationsPerSecond).padStart(8)} decl/s  ` +
        `${result.roundTripsPerBatch} round trip/batch  server calls/batch ${JSON.stringify(calls)}`)
    }
  } finally {
    const memoryAfter = Number(/used_memory:(\d+)/.exec(await admin.info('memory'))?.[1])
    let cursor = '0'
    do {
      const [next, found] = await admin.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1_000)
      cursor = next
      if (found.length > 0) await admin.unlink(...found)
    } while (cursor !== '0')
    redis.disconnect()
    admin.disconnect()
    const counting = scenarios.filter((s) => s.fields.some((f) => f.startsWith('aggregates.'))).length
    const out = {
      bench: 'enrich', count: COUNT, runs: RUNS, batch: BATCH, node: process.version,
      cpu: cpus()[0]?.model ?? 'unknown',
      redis: url, profilesLoaded: loaded.applied,
      redisMemoryGrowthBytesPerDeclarationVersion: Math.round((memoryAfter - memoryBefore) / (COUNT * RUNS * counting)),
      results
    }
    mkdirSync(new URL('./results/', import.meta.url), { recursive: true })
    writeFileSync(new URL('./results/enrich.json', import.meta.url), `${JSON.stringify(out, null, 2)}\n`)
      console.log(`Redis memory growth ≈ ${out.redisMemoryGrowthBytesPerDeclarationVersion} bytes per counted parcel ` +
        '(seen sets + counters); saved bench/results/enrich.json')
  }
}

await main()
