// `parcel-risk profiles load FILE…`: writes profile files (NDJSON of ProfileUpdate, or CSV
// watchlists and AEO lists; formats in src/enrich/profile-files.ts) into Redis, in pipelined
// chunks, and prints what it did per file.
import { readFileSync } from 'node:fs'
import { parseArgs } from 'node:util'
import { createLogger } from '../logger.ts'
import { parseProfileFile } from '../enrich/profile-files.ts'
import { keyLayout } from '../enrich/keys.ts'
import { writeFor, type ProfileWrite } from '../enrich/profile-write.ts'
import { loadConfig } from '../config.ts'
import { connectRedis } from '../enrich/redis-client.ts'
import { createProfileWriter } from '../enrich/redis-writer.ts'

export interface Io {
  readonly stdout: { write: (text: string) => unknown }
  readonly stderr: { write: (text: string) => unknown }
}

const EXIT_OK = 0
const EXIT_FINDINGS = 1
const EXIT_USAGE = 2

const USAGE = `usage: parcel-risk profiles load FILE... [--redis URL] [--prefix P] [--chunk N]

Loads profile files into the Redis profile store. FILE is NDJSON (one ProfileUpdate per
line, JSON form) or, when its name ends in .csv, a watchlist or AEO list with a header row:
  watchlist  listId,entityType,value[,op][,reason][,expiresAt][,updatedAt]
  AEO        id,idScheme,operatorName,programme,status,authorisedAt,issuingCountry
             [,suspendedAt][,mraPartners (';'-separated)][,updatedAt]
Times are epoch milliseconds or ISO 8601; updatedAt defaults to now. An update older than
the stored one for the same entity is skipped (counted as stale).

  --redis URL    Redis to write to (default: redis.url of the processor's configuration,
                 $REDIS_URL; credentials and TLS come from that configuration too)
  --prefix P     key prefix (default: redis.keyPrefix, $PARCEL_RISK_REDIS_KEY_PREFIX)
  --chunk N      updates per pipelined round trip (default: 1000)
  -h, --help     this text

Exit codes: 0 loaded, 1 some lines were invalid (the valid ones are loaded), 2 usage error,
unreadable file or Redis unreachable.
`

const usageError = (io: Io, message: string): number => {
  io.stderr.write(`parcel-risk profiles: ${message}\n\n${USAGE}`)
  return EXIT_USAGE
}

export const run = async (argv: readonly string[], io: Io = { stdout: process.stdout, stderr: process.stderr }): Promise<number> => {
  const [sub, ...rest] = argv
  if (sub === '--help' || sub === '-h' || rest.includes('--help') || rest.includes('-h')) { io.stdout.write(USAGE); return EXIT_OK }
  if (sub !== 'load') return usageError(io, sub === undefined ? 'missing sub-command (load)' : `unknown sub-command '${sub}'`)
  let args
  try {
    args = parseArgs({ args: rest, options: { redis: { type: 'string' }, prefix: { type: 'string' }, chunk: { type: 'string' } }, allowPositionals: true, strict: true })
  } catch (err) {
    return usageError(io, (err as Error).message)
  }
  const files = args.positionals
  if (files.length === 0) return usageError(io, 'no FILE given')
  const chunk = Number(args.values.chunk ?? '1000')
  if (!Number.isInteger(chunk) || chunk <= 0) return usageError(io, '--chunk must be a positive whole number')
  let config
  try { config = loadConfig().redis } catch (err) { return usageError(io, (err as Error).message) }
  const prefix = args.values.prefix ?? config.keyPrefix
  const url = args.values.redis ?? config.url

  const parsed = []
  for (const file of files) {
    let text: string
    try { text = readFileSync(file, 'utf8') } catch (err) { return usageError(io, `cannot read ${file}: ${(err as Error).message}`) }
    parsed.push({ file, ...parseProfileFile(file, text, Date.now()) })
  }
  const log = createLogger({ level: 'silent' })
  let redis
  try { redis = await connectRedis({ ...config, url }, log, 30_000) } catch (err) {
    io.stderr.write(`parcel-risk profiles: cannot reach Redis at ${url}: ${(err as Error).message}\n`)
    return EXIT_USAGE
  }
  let invalid = 0
  try {
    const writer = createProfileWriter(redis, prefix)
    const keys = keyLayout(prefix)
    for (const { file, updates, errors } of parsed) {
      for (const e of errors) io.stderr.write(`${file}: ${e.code} ${e.message}\n`)
      invalid += errors.length
      const byKind = new Map<string, number>()
      const writes: ProfileWrite[] = []
      for (const u of updates) {
        const w = writeFor(u, keys)
        if (w === undefined) { io.stderr.write(`${file}: E_ENRICH_PROFILE_INVALID a ${u.kind} update without its payload\n`); invalid++; continue }
        writes.push(w)
        byKind.set(u.kind, (byKind.get(u.kind) ?? 0) + 1)
      }
      const started = Date.now()
      const counts = await writer.write(writes, chunk)
      const kinds = [...byKind].map(([k, n]) => `${k} ${n}`).join(', ')
      io.stdout.write(`${file}: ${writes.length} updates (${kinds === '' ? 'none' : kinds}) → applied ${counts.applied}, stale ${counts.stale}, invalid ${errors.length}; ${Math.ceil(writes.length / chunk)} round trips, ${Date.now() - started} ms\n`)
    }
  } finally {
    redis.disconnect()
  }
  return invalid > 0 ? EXIT_FINDINGS : EXIT_OK
}

export const main = async (argv: readonly string[]): Promise<number> => await run(argv)
