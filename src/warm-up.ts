// Warm-up: before the processor joins its consumer group (and so before /readyz says ready),
// the real decode → validate → score path and the decision encoder run on generated
// declarations, so the first real chunk is not the one that pays for V8's tier-up of the
// compiled ruleset, the Avro codecs and the validator.
//
// How many: with `node --trace-opt`, scoring the reference ruleset on the generated stream,
// the hot functions (the ruleset's quantifiers, word-list lookups, record building, money
// parsing) reach the optimising compiler between ~1,500 and ~9,500 declarations; past
// 10,000 no hot-path function was optimised for the first time. Hence the default of 10,000
// (in chunks of kafka.maxBatchRecords, then small chunks: smallChunkSizes), bounded by
// warmUp.timeoutMs.
//
// Nothing leaves the process: enrichment comes from an in-memory store filled with the
// generated stream's profiles (the Redis store would count the generated parcels in the
// windowed aggregates), and the encoded decisions are dropped. The records carry the
// declaration schema id the registry issued at start-up, so the decoder's schema lookup is
// resolved (and cached) here too.
import { avroType, readSchema } from './codec/avro-types.ts'
import { createEncoder } from './codec/encoder.ts'
import type { ParcelDeclaration, RiskDecision } from './declaration.ts'
import { createMemoryProfileStore } from './enrich/memory-store.ts'
import { generateDeclarations, generateProfiles } from './generate/stream.ts'
import type { Logger } from './logger.ts'
import type { ConsumedRecord } from './record.ts'
import { processBatch, type Stages } from './pipeline.ts'

export interface WarmUpOptions {
  /** The processor's stages; enrichment is replaced by the in-memory store. */
  readonly stages: Stages
  /** Id of ParcelDeclaration in the registry, written into the generated records. */
  readonly declarationSchemaId: number
  readonly encodeDecision: (decision: RiskDecision) => unknown
  /** Enrichment fields the active ruleset reads (what the in-memory store fills). */
  readonly enrichmentFields: readonly string[]
  readonly declarations: number
  readonly chunkRecords: number
  readonly timeoutMs: number
}

export interface WarmUpReport {
  readonly declarations: number
  /** Generated declarations that ended as dead letters (the code of each is in deadLetterCodes). */
  readonly deadLetters: number
  readonly deadLetterCodes: readonly string[]
  readonly chunks: number
  readonly durationMs: number
  /** Microseconds per declaration of the first and of the last full chunk: what the tier-up bought. */
  readonly firstChunkUsPerDeclaration: number
  readonly lastChunkUsPerDeclaration: number
  /** True when warmUp.timeoutMs ended it before every chunk (full and small) was run. */
  readonly timedOut: boolean
}

const SEED = 20_260_302

/**
 * After the full chunks, small ones, as a quiet stream brings them (a record or a few per
 * partition and fetch): per-chunk code runs once per chunk, so 20 chunks of 500 leave it on
 * V8's first tiers. One small chunk per 25 declarations of the full run (400 for the default
 * 10,000), of 1 to 8 records in turn. Measured in the demo at 200/s (chunks of 1-6 records),
 * three runs each, the first real chunks after start-up spent 4-7 ms in enrichment with them
 * (and the Redis warm-up in chunks of 4) and 12-27 ms without; later chunks 2-5 ms.
 */
export const smallChunkSizes = (declarations: number): number[] =>
  Array.from({ length: Math.floor(declarations / 25) }, (_, i) => 1 + (i % 8))

/** Generated declarations as wire-format records, made as they are needed. */
function * generatedRecords (schemaId: number, nowMs: number): Generator<ConsumedRecord> {
  const encoder = createEncoder<ParcelDeclaration>(avroType(readSchema('ParcelDeclaration')), schemaId)
  let offset = 0
  // Declared over the last day, so validation's date checks accept them as current.
  for (const { declaration } of generateDeclarations({ seed: SEED, startMs: nowMs - 86_400_000 })) {
    const encoded = encoder.encode(declaration)
    if (!encoded.ok) continue
    yield {
      topic: 'warm-up', partition: 0, offset: String(offset++), timestampMs: nowMs, key: null, value: encoded.value
    }
  }
}

const take = (source: Iterator<ConsumedRecord>, n: number): ConsumedRecord[] => {
  const out: ConsumedRecord[] = []
  while (out.length < n) out.push(source.next().value as ConsumedRecord)
  return out
}

export const warmUp = async (options: WarmUpOptions): Promise<WarmUpReport> => {
  const started = performance.now()
  const deadline = started + options.timeoutMs
  const nowMs = options.stages.now()
  const store = createMemoryProfileStore({ identityKey: 'parcel-risk-warm-up' })
  store.applyUpdates(generateProfiles({ seed: SEED, startMs: nowMs - 86_400_000 }))
  const stages: Stages = {
    ...options.stages,
    // Warm-up parcels are not real: they take no inspection seats.
    seats: null,
    enrich: async (declarations, at) => await store.enrichBatch(declarations, at, options.enrichmentFields)
  }
  let done = 0
  let chunks = 0
  let deadLetters = 0
  const deadLetterCodes = new Set<string>()
  let first = 0
  let last = 0
  const source = generatedRecords(options.declarationSchemaId, nowMs)
  const sizes: number[] = []
  for (let left = options.declarations; left > 0; left -= options.chunkRecords) {
    sizes.push(Math.min(left, options.chunkRecords))
  }
  const fullChunks = sizes.length
  sizes.push(...smallChunkSizes(options.declarations))
  const planned = sizes.reduce((a, b) => a + b, 0)
  for (const [index, size] of sizes.entries()) {
    if (performance.now() >= deadline) break
    const chunk = take(source, size)
    const t0 = performance.now()
    const result = await processBatch(stages, chunk)
    for (const { decision } of result.decisions) options.encodeDecision(decision)
    for (const { decision } of result.shadowDecisions) options.encodeDecision(decision)
    deadLetters += result.deadLetters.length
    for (const d of result.deadLetters) deadLetterCodes.add(d.code)
    const us = (performance.now() - t0) * 1_000 / chunk.length
    if (chunks === 0) first = us
    if (index < fullChunks) last = us
    done += chunk.length
    chunks++
    // Let timers and sockets run between chunks (the /readyz probe, the profile consumer):
    // without it the awaits above resolve as microtasks and the loop holds the event loop.
    await new Promise((resolve) => setImmediate(resolve))
  }
  return {
    declarations: done,
    deadLetters,
    deadLetterCodes: [...deadLetterCodes],
    chunks,
    durationMs: performance.now() - started,
    firstChunkUsPerDeclaration: first,
    lastChunkUsPerDeclaration: last,
    timedOut: done < planned
  }
}

/**
 * Generated declarations for the store's read path (keys, the cache, the pipeline and its
 * replies, the records): the in-memory run above does not reach that code, and without this
 * the first real batch ran it cold. Measured on the first-decision test: the first chunk's
 * enrichment took 4-16 ms without it against 1.5-2.5 ms for later chunks; with it, 1.8-5.9 ms
 * on a machine busy with other work. 1,000 in chunks of 4, the size of a quiet stream's chunks
 * (redis-store.ts `warm`): 250 round trips, `storeMs` in the warm-up's log line.
 */
const storeDeclarations = (nowMs: number): ParcelDeclaration[] => {
  const out: ParcelDeclaration[] = []
  for (const { declaration } of generateDeclarations({ seed: SEED + 1, startMs: nowMs - 86_400_000 })) {
    out.push(declaration)
    if (out.length === STORE_WARM_DECLARATIONS) break
  }
  return out
}

const STORE_WARM_DECLARATIONS = 1_000

/** What the processor warms before it joins its group. */
export interface ProcessorWarmUp {
  /**
   * Loads the Redis scripts (one round trip that changes nothing), then takes `declarations`
   * through the store's read path without counting them (redis-store.ts `warm`).
   */
  readonly warmStore: (declarations: readonly ParcelDeclaration[]) => Promise<void>
  /** The generated-declaration run; null when `warmUp.declarations` is 0. */
  readonly run: WarmUpOptions | null
  readonly log: Logger
  /** Told how long the warm-up took: the store's part and the generated-declaration run. */
  readonly took: (ms: number) => void
}

/**
 * Warms up before joining the group: the first real chunk must not pay for the script load
 * and the optimising compiler. A store that cannot warm is logged, not fatal: the first batch
 * then loads the scripts.
 */
export const warmBeforeJoining = async (w: ProcessorWarmUp): Promise<void> => {
  const reads = w.run === null ? [] : storeDeclarations(w.run.stages.now())
  const started = performance.now()
  await w.warmStore(reads).catch((err: unknown) => {
    w.log.warn({ err }, 'redis warm-up failed; the first batch loads the script')
  })
  const storeMs = Math.round(performance.now() - started)
  if (w.run === null) return
  const report = await warmUp(w.run)
  w.took(storeMs + report.durationMs)
  w.log.info({ ...report, storeMs }, report.timedOut ? 'warm-up stopped at its time bound' : 'warm-up finished')
}
