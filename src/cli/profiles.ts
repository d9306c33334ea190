// `parcel-risk profiles load FILE…`: writes profile files (NDJSON of ProfileUpdate, or CSV
// watchlists and AEO lists; formats in src/enrich/profile-files.ts) into Redis, in pipelined
// chunks, and prints what it did per file. Once every file is written, each reference data
// set the files carried gets its sync marker (src/enrich/reference-data.ts): one command is
// one complete load of those data sets, unless --partial says the files are only changes.
// `parcel-risk profiles status` lives in profiles-status.ts.
import { readFileSync } from 'node:fs'
import { basename } from 'node:path'
import { parseArgs } from 'node:util'
import { createLogger } from '../logger.ts'
import { parseProfileFile } from '../enrich/profile-files.ts'
import { keyLayout } from '../enrich/keys.ts'
import { DATA_SETS, dataSetOfKind, writeMarkers, type DataSet, type SyncMarker } from '../enrich/reference-data.ts'
import { writeFor, type ProfileWrite } from '../enrich/profile-write.ts'
import { loadConfig } from '../config-load.ts'
import { connectRedisClient, isCluster } from '../enrich/redis-client.ts'
import { classifyRefusal, EXIT_REFUSED } from '../refusals.ts'
import { createProfileWriter } from '../enrich/redis-writer.ts'

export interface Io {
  readonly stdout: { write: (text: string) => unknown }
  readonly stderr: { write: (text: string) => unknown }
}

const EXIT_OK = 0
const EXIT_FINDINGS = 1
const EXIT_USAGE = 2

const USAGE =
  'usage: parcel-risk profiles load FILE... [--redis URL] [--prefix P] [--chunk N] [--partial] [--empty SETS]\n' +
  `       parcel-risk profiles status [--redis URL] [--prefix P] [--rules DIR] [--json]

load: loads profile files into the Redis profile store. FILE is NDJSON (one ProfileUpdate per
line, JSON form) or, when its name ends in .csv, one of these with a header row:
  watchlist  listId,entityType,value[,op][,reason][,expiresAt][,updatedAt]
  AEO        id,idScheme,operatorName,programme,status,authorisedAt,issuingCountry
             [,suspendedAt][,mraPartners (';'-separated)][,updatedAt]
  HS codes   hsCode[,updatedAt],ATTRIBUTE...       (custom attributes, one column each)
  routes     originCountry,destinationCountry[,updatedAt],ATTRIBUTE...
Times are epoch milliseconds or ISO 8601; updatedAt defaults to now. An update older than
the stored one for the same entity is skipped (counted as stale). Each reference data set
the files carry (ioss, watchlist, aeo, seller, consignee, hsCode, route) is then marked loaded completely
now, from these files: until a data set has such a mark, and again once the mark is older
than its limit (PARCEL_RISK_REFERENCE_*_MAX_AGE_MS), the processor treats its lookups as
unknown and decides with the ruleset's fallback action.

status: each reference data set, its entries, last complete load, source, age and whether
it is fresh, stale or missing, and whether the active ruleset reads it.

  --redis URL    Redis (default: redis.url of the processor's configuration, $REDIS_URL;
                 credentials and TLS come from that configuration too)
  --prefix P     key prefix (default: redis.keyPrefix, $PARCEL_RISK_REDIS_KEY_PREFIX)
  --chunk N      load: updates per pipelined round trip (default: 1000)
  --partial      load: the files are changes to data sets loaded before; leave their marks alone
  --empty SETS   load: also mark these data sets (comma-separated) loaded with what the files
                 carry of them, even nothing: they are known to be empty (e.g. consignee
                 profiles before the first inspection outcome); FILE may then be omitted
  --rules DIR    status: the ruleset whose data sets must be fresh (default: $PARCEL_RISK_RULES_DIR, else rules/eu-lvc)
  --json         status: one JSON document instead of the table
  -h, --help     this text

Exit codes (load): 0 loaded, 1 some lines were invalid (the valid ones are loaded), 2 usage
error, unreadable file or Redis unreachable.
Exit codes (status): 0 every data set the ruleset reads is fresh, 1 one of them is missing or
stale, 2 usage or configuration error or Redis unreachable.
Both: 3 Redis refused (E_REDIS_AUTH: NOAUTH, WRONGPASS, NOPERM; E_TLS_UNTRUSTED).
`

const usageError = (io: Io, message: string): number => {
  io.stderr.write(`parcel-risk profiles: ${message}\n\n${USAGE}`)
  return EXIT_USAGE
}

export const run = async (
  argv: readonly string[], io: Io = { stdout: process.stdout, stderr: process.stderr }
): Promise<number> => {
  const [sub, ...rest] = argv
  if (sub === '--help' || sub === '-h' || rest.includes('--help') || rest.includes('-h')) {
    io.stdout.write(USAGE)
    return EXIT_OK
  }
  if (sub === 'status') return await (await import('./profiles-status.ts')).status(rest, io, USAGE)
  if (sub !== 'load') {
    return usageError(io, sub === undefined ? 'missing sub-command (load or status)' : `unknown sub-command '${sub}'`)
  }
  let args
  try {
    args = parseArgs({
      args: rest,
      options: {
        redis: { type: 'string' },
        prefix: { type: 'string' },
        chunk: { type: 'string' },
        partial: { type: 'boolean' },
        empty: { type: 'string' }
      },
      allowPositionals: true,
      strict: true
    })
  } catch (err) {
    return usageError(io, (err as Error).message)
  }
  const files = args.positionals
  const empty = (args.values.empty ?? '').split(',').map((x) => x.trim()).filter((x) => x !== '')
  const unknownSets = empty.filter((x) => !(DATA_SETS as readonly string[]).includes(x))
  if (unknownSets.length > 0) {
    return usageError(io, `--empty: unknown data set ${unknownSets.join(', ')} (one of ${DATA_SETS.join(', ')})`)
  }
  if (empty.length > 0 && args.values.partial === true) {
    return usageError(io, '--empty marks data sets loaded; it cannot go with --partial')
  }
  if (files.length === 0 && empty.length === 0) return usageError(io, 'no FILE given')
  const chunk = Number(args.values.chunk ?? '1000')
  if (!Number.isInteger(chunk) || chunk <= 0) return usageError(io, '--chunk must be a positive whole number')
  let config
  try {
    config = loadConfig().redis
  } catch (err) {
    return usageError(io, (err as Error).message)
  }
  const prefix = args.values.prefix ?? config.keyPrefix
  const url = args.values.redis ?? config.url

  const parsed = []
  for (const file of files) {
    let text: string
    try {
      text = readFileSync(file, 'utf8')
    } catch (err) {
      return usageError(io, `cannot read ${file}: ${(err as Error).message}`)
    }
    parsed.push({ file, ...parseProfileFile(file, text, Date.now()) })
  }
  const log = createLogger({ level: 'silent' })
  let redis
  try {
    redis = await connectRedisClient({ ...config, url }, log, 30_000)
  } catch (err) {
    const refusal = classifyRefusal(err, { redisUser: config.username }, 'redis')
    if (refusal !== undefined) {
      io.stderr.write(`parcel-risk profiles: ${refusal.code}: ${refusal.message}\n`)
      return EXIT_REFUSED
    }
    io.stderr.write(`parcel-risk profiles: cannot reach Redis at ${url}: ${(err as Error).message}\n`)
    return EXIT_USAGE
  }
  let invalid = 0
  const loaded = new Map<DataSet, { entries: number, sources: string[] }>(
    empty.map((set) => [set as DataSet, { entries: 0, sources: [] }])
  )
  try {
    const writer = createProfileWriter(redis, prefix)
    const keys = keyLayout(prefix, isCluster(redis))
    for (const { file, updates, errors } of parsed) {
      for (const e of errors) io.stderr.write(`${file}: ${e.code} ${e.message}\n`)
      invalid += errors.length
      const byKind = new Map<string, number>()
      const writes: ProfileWrite[] = []
      for (const u of updates) {
        const w = writeFor(u, keys)
        if (w === undefined) {
          io.stderr.write(`${file}: E_ENRICH_PROFILE_INVALID a ${u.kind} update without its payload\n`)
          invalid++
          continue
        }
        writes.push(w)
        byKind.set(u.kind, (byKind.get(u.kind) ?? 0) + 1)
      }
      for (const [kind, n] of byKind) {
        const set = dataSetOfKind[kind as keyof typeof dataSetOfKind]
        const entry = loaded.get(set) ?? { entries: 0, sources: [] }
        entry.entries += n
        entry.sources.push(basename(file))
        loaded.set(set, entry)
      }
      const started = Date.now()
      const counts = await writer.write(writes, chunk)
      const kinds = [...byKind].map(([k, n]) => `${k} ${n}`).join(', ')
      io.stdout.write(`${file}: ${writes.length} updates (${kinds === '' ? 'none' : kinds}) → ` +
        `applied ${counts.applied}, stale ${counts.stale}, invalid ${errors.length}; ` +
        `${Math.ceil(writes.length / chunk)} round trips, ${Date.now() - started} ms\n`)
    }
    if (args.values.partial !== true && loaded.size > 0) {
      const now = Date.now()
      const markers = new Map<DataSet, SyncMarker>()
      for (const [set, { entries, sources }] of loaded) {
        markers.set(set, { loadedAt: now, source: sources.length === 0 ? 'empty' : sources.join(','), entries })
      }
      await writeMarkers(redis, prefix, markers)
      io.stdout.write(`marked loaded: ${[...markers].map(([set, m]) => `${set} (${m.entries})`).join(', ')}\n`)
    }
  } finally {
    redis.disconnect()
  }
  return invalid > 0 ? EXIT_FINDINGS : EXIT_OK
}

export const main = async (argv: readonly string[]): Promise<number> => await run(argv)
