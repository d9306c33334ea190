// `parcel-risk profiles status`: what the processor would make of the reference data in Redis
// right now. One row per data set (src/enrich/reference-data.ts): entries, last complete
// load, source, age, limit, fresh | stale | missing, and whether the active ruleset reads it.
// Freshness limits, Redis URL, prefix and ruleset come from the processor's own configuration
// (environment / PARCEL_RISK_CONFIG_FILE), so the answer is the one the processor would give.
import { parseArgs } from 'node:util'
import { loadConfig } from '../config-load.ts'
import { planFor } from '../enrich/keys.ts'
import { dataSetsRead, dataSetStatus, readMarkers, type DataSetStatus } from '../enrich/reference-data.ts'
import { connectRedisClient } from '../enrich/redis-client.ts'
import { classifyRefusal, EXIT_REFUSED } from '../refusals.ts'
import { loadRulesetOrThrow } from '../engine/load.ts'
import { createLogger } from '../logger.ts'
import type { Io } from './args.ts'

const EXIT_OK = 0
const EXIT_FINDINGS = 1
const EXIT_USAGE = 2

/** 90 s, 42 min, 5.2 h, 3.1 d. */
export const formatAge = (ms: number): string => {
  const s = ms / 1_000
  if (s < 120) return `${Math.round(s)} s`
  if (s < 7_200) return `${Math.round(s / 60)} min`
  if (s < 172_800) return `${(s / 3_600).toFixed(1)} h`
  return `${(s / 86_400).toFixed(1)} d`
}

export const statusTable = (rows: readonly DataSetStatus[], read: ReadonlySet<string>): string => {
  const header = ['data set', 'read', 'state', 'entries', 'loaded at', 'age', 'limit', 'source']
  const lines = rows.map((r) => [
    r.dataSet, read.has(r.dataSet) ? 'yes' : 'no', r.state, r.marker === undefined ? '-' : String(r.marker.entries),
    r.marker === undefined ? '-' : new Date(r.marker.loadedAt).toISOString(),
    r.ageMs === undefined ? '-' : formatAge(r.ageMs),
    formatAge(r.maxAgeMs), r.marker?.source ?? '-'
  ])
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => (l[i] ?? '').length)))
  return [header, ...lines]
    .map((l) => l.map((cell, i) => cell.padEnd(widths[i] ?? 0)).join('  ').trimEnd())
    .join('\n') + '\n'
}

export const status = async (argv: readonly string[], io: Io, usage: string): Promise<number> => {
  const fail = (message: string): number => {
    io.stderr.write(`parcel-risk profiles: ${message}\n\n${usage}`)
    return EXIT_USAGE
  }
  let args
  try {
    args = parseArgs({
      args: [...argv],
      options: {
        redis: { type: 'string' }, prefix: { type: 'string' }, rules: { type: 'string' }, json: { type: 'boolean' }
      },
      allowPositionals: false,
      strict: true
    })
  } catch (err) {
    return fail((err as Error).message)
  }
  let config
  try {
    config = loadConfig()
  } catch (err) {
    io.stderr.write(`parcel-risk profiles: ${(err as Error).message}\n`)
    return EXIT_USAGE
  }
  const rulesDir = args.values.rules ?? config.rules.dir
  let read: Set<string>
  try {
    read = new Set(dataSetsRead(planFor((await loadRulesetOrThrow(rulesDir)).enrichmentFields).families))
  } catch (err) {
    io.stderr.write(`parcel-risk profiles: ${(err as Error).message}\n`)
    return EXIT_USAGE
  }
  const url = args.values.redis ?? config.redis.url
  let redis
  try {
    redis = await connectRedisClient({ ...config.redis, url }, createLogger({ level: 'silent' }), 10_000)
  } catch (err) {
    const refusal = classifyRefusal(err, { redisUser: config.redis.username }, 'redis')
    if (refusal !== undefined) {
      io.stderr.write(`parcel-risk profiles: ${refusal.code}: ${refusal.message}\n`)
      return EXIT_REFUSED
    }
    io.stderr.write(`parcel-risk profiles: cannot reach Redis at ${url}: ${(err as Error).message}\n`)
    return EXIT_USAGE
  }
  let rows: DataSetStatus[]
  try {
    const markers = await readMarkers(redis, args.values.prefix ?? config.redis.keyPrefix)
    rows = dataSetStatus(markers, Date.now(), config.referenceData.maxAgeMs)
  } finally {
    redis.disconnect()
  }
  const unusable = rows.filter((r) => read.has(r.dataSet) && r.state !== 'fresh')
  if (args.values.json === true) {
    const dataSets = rows.map((r) => ({ ...r, read: read.has(r.dataSet) }))
    io.stdout.write(JSON.stringify({ ruleset: rulesDir, ok: unusable.length === 0, dataSets }) + '\n')
  } else {
    io.stdout.write(statusTable(rows, read))
    io.stdout.write(unusable.length === 0
      ? `every data set ${rulesDir} reads is fresh\n`
      : `not usable for ${rulesDir}: ${unusable.map((r) => `${r.dataSet} (${r.state})`).join(', ')}: ` +
        'its lookups count as unknown and decisions take the fallback action\n')
  }
  return unusable.length === 0 ? EXIT_OK : EXIT_FINDINGS
}
