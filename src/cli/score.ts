// `parcel-risk score`: offline scoring. NDJSON declarations in, NDJSON RiskDecisions out, one
// per non-blank input line and in input order, decided by the processor's own pipeline
// (src/cli/offline-pipeline.ts). A line that is not valid JSON, does not fit the schema or
// fails validation yields a REJECT_DATA decision carrying the error codes; the command never
// stops on bad input.

import { createWriteStream, readFileSync } from 'node:fs'
import { EventEmitter, once } from 'node:events'
import type { Readable, Writable } from 'node:stream'
import { EXIT_OK, parseCommand, processIo, usageError } from './args.ts'
import type { Io } from './args.ts'
import { readLines } from './declaration-lines.ts'
import { BATCH_LINES, offlinePipeline } from './offline-pipeline.ts'
import { createMemoryProfileStore } from '../enrich/memory-store.ts'
import type { MemoryProfileStore } from '../enrich/memory-store.ts'
import { parseProfileFile } from '../enrich/profile-files.ts'
import { DATA_SETS, dataSetsRead, markersOfLoad, type DataSet } from '../enrich/reference-data.ts'
import { planOf } from '../enrich/store.ts'
import type { CompiledRuleset } from '../engine/ruleset.ts'
import { compileOrReport, findRulesetDirs } from './rulesets.ts'

const USAGE =
  'usage: parcel-risk score --rules DIR [--input FILE|-] [--output FILE|-] [--profiles FILE] [--empty SETS] ' +
  `[--now ISO]

Scores NDJSON declarations (one ParcelDeclaration per line) with the ruleset in DIR and
writes one RiskDecision per line, in input order. Bad lines become REJECT_DATA decisions
with their error codes in \`rejections\`.

  --rules DIR       ruleset directory (holds ruleset.yaml)
  --input FILE      declarations, NDJSON; - for stdin (default)
  --output FILE     decisions, NDJSON; - for stdout (default)
  --profiles FILE   profiles to enrich from, in memory: ProfileUpdate NDJSON (as written by
                    'parcel-risk generate --profiles') or the CSV that 'profiles load'
                    reads. Aggregates count the earlier lines of the same input. Without
                    it every enrichment value is missing (rules that need one do not fire).
                    As in Redis, a data set (ioss, watchlist, aeo, seller, consignee,
                    hsCode, route) the file carries nothing of is unknown, not empty: its
                    rules take the fallback action and the decision is DEGRADED naming it
  --empty SETS      data sets (comma-separated) that are complete with what --profiles
                    carries of them, even nothing (e.g. 'consignee' for a generated stream,
                    whose consignees have no history)
  --now ISO         decision time (default: the current time); fixes validation and
                    timings for reproducible output
  -h, --help        this text

Exit codes: 0 scored (bad lines included), 2 usage error, unreadable file or a ruleset
that does not compile.
`

const spec = {
  name: 'score',
  usage: USAGE,
  options: {
    rules: { type: 'string' },
    input: { type: 'string' },
    output: { type: 'string' },
    profiles: { type: 'string' },
    empty: { type: 'string' },
    now: { type: 'string' }
  },
  maxPositionals: 0
} as const

export interface ScoreIo extends Io {
  readonly stdin?: Readable
}

/**
 * Loads --profiles into the in-memory store (src/enrich/memory-store.ts, the same record
 * building as the processor's Redis store); a usage-error message when it cannot. Identity
 * hashes only need to agree within one run, so the HMAC key is a fixed one. The data sets the
 * file carries, and those `empty` names, count as loaded; the others are unknown, as they are
 * in Redis before `profiles load` (src/enrich/reference-data.ts).
 */
export const loadEnrichment = (
  path: string | undefined, nowMs: number, empty = ''
): MemoryProfileStore | string | null => {
  const emptySets = empty.split(',').map((x) => x.trim()).filter((x) => x !== '')
  const unknownSets = emptySets.filter((x) => !(DATA_SETS as readonly string[]).includes(x))
  if (unknownSets.length > 0) {
    return `--empty: unknown data set ${unknownSets.join(', ')} (one of ${DATA_SETS.join(', ')})`
  }
  if (path === undefined) return emptySets.length > 0 ? '--empty goes with --profiles' : null
  let text: string
  try {
    text = readFileSync(path, 'utf8')
  } catch (err) {
    return `cannot read --profiles: ${(err as Error).message}`
  }
  const { updates, errors } = parseProfileFile(path, text, nowMs)
  if (errors.length > 0) return `--profiles ${path}: ${errors.slice(0, 5).map((e) => e.message).join('; ')}`
  const loaded = new Set(markersOfLoad(updates, path, nowMs, emptySets as DataSet[]).keys())
  const store = createMemoryProfileStore({ identityKey: 'parcel-risk-offline', loaded })
  store.applyUpdates(updates)
  return store
}

/** The data sets the rulesets read that the store does not know, for a warning. */
export const unknownRead = (store: MemoryProfileStore | null, rulesets: readonly CompiledRuleset[]): DataSet[] => {
  if (store === null) return []
  const read = dataSetsRead(planOf([...new Set(rulesets.flatMap((r) => r.enrichmentFields))]).families)
  return read.filter((set) => !store.loaded.has(set))
}

/** One stderr line when a data set the ruleset reads is unknown, naming the way out. */
export const warnUnknown = (io: Io, sets: readonly DataSet[]): void => {
  if (sets.length === 0) return
  io.stderr.write(`parcel-risk: --profiles carries nothing of ${sets.join(', ')}, which the rules read: unknown, ` +
    `so their rules take the fallback action (--empty ${sets.join(',')} if they are known to be empty)\n`)
}

export const run = async (argv: readonly string[], io: ScoreIo = processIo): Promise<number> => {
  const args = parseCommand(argv, spec, io)
  if (!args.ok) return args.exitCode
  const { rules, input = '-', output = '-', profiles, empty, now } = args.values
  if (rules === undefined) return usageError(spec, io, '--rules DIR is required').exitCode
  const nowMs = now === undefined ? Date.now() : Date.parse(now)
  if (Number.isNaN(nowMs)) return usageError(spec, io, `--now: not an ISO-8601 time: ${now ?? ''}`).exitCode
  if (findRulesetDirs(rules)[0] !== rules) {
    return usageError(spec, io, `--rules: ${rules} is not a ruleset directory (no ruleset.yaml)`).exitCode
  }
  const store = loadEnrichment(profiles, nowMs, empty)
  if (typeof store === 'string') return usageError(spec, io, store).exitCode
  const ruleset = await compileOrReport(rules, io)
  if (ruleset === null) return usageError(spec, io, `ruleset ${rules} does not compile`).exitCode
  warnUnknown(io, unknownRead(store, [ruleset]))

  // stdout may be a plain sink (tests); only a real stream has back-pressure to wait for.
  let out: Pick<Writable, 'write'> = io.stdout as Pick<Writable, 'write'>
  if (output !== '-') {
    const file = createWriteStream(output)
    try {
      await once(file, 'open')
    } catch (err) {
      return usageError(spec, io, `cannot write --output: ${(err as Error).message}`).exitCode
    }
    out = file
  }
  const stream = out instanceof EventEmitter && out !== process.stdout ? out as Writable : null
  const score = offlinePipeline([ruleset], store, nowMs)
  let count = 0
  let rejected = 0
  let batch: string[] = []
  const flush = async (): Promise<void> => {
    const { rows, rejected: refused } = await score(batch)
    batch = []
    rejected += refused
    const text = rows.map((row) => `${JSON.stringify(row[0])}\n`).join('')
    if (out.write(text) === false && stream !== null && out !== io.stdout) await once(stream, 'drain')
  }
  try {
    for await (const line of readLines(input, io.stdin ?? process.stdin)) {
      if (line.trim() === '') continue
      count++
      batch.push(line)
      if (batch.length >= BATCH_LINES) await flush()
    }
    await flush()
    if (stream !== null && out !== io.stdout) {
      stream.end()
      await once(stream, 'finish')
    }
  } catch (err) {
    stream?.destroy()
    return usageError(spec, io, `stopped after ${count} lines: ${(err as Error).message}`).exitCode
  }
  io.stderr.write(`scored ${count} declarations with ${ruleset.id} ${ruleset.version}; ` +
    `${rejected} rejected as bad data\n`)
  return EXIT_OK
}

export const main = async (argv: readonly string[]): Promise<number> => await run(argv)
