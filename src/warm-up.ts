// Warm-up: before the processor joins its consumer group (and so before /readyz says ready),
// the real decode → validate → score path and the decision encoder run on generated
// declarations, so the first real chunk is not the one that pays for V8's tier-up of the
// compiled ruleset, the Avro codecs and the validator.
//
// How many: with `node --trace-opt`, scoring the reference ruleset on the generated stream,
// the hot functions (the ruleset's quantifiers, word-list lookups, record building, money
// parsing) reach the optimising compiler between ~1,500 and ~9,500 declarations; past
// 10,000 no hot-path function was optimised for the first time. Hence the default of 10,000
// (in chunks of kafka.maxBatchRecords), bounded by warmUp.timeoutMs.
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
  /** Microseconds per declaration of the first and of the last chunk: what the tier-up bought. */
  readonly firstChunkUsPerDeclaration: number
  readonly lastChunkUsPerDeclaration: number
  /** True when warmUp.timeoutMs ended it before `declarations` were run. */
  readonly timedOut: boolean
}

const SEED = 20_260_302

/** Generated declarations as wire-format records, `size` at a time, made as they are needed. */
function * generatedChunks (size: number, schemaId: number, nowMs: number): Generator<ConsumedRecord[]> {
  const encoder = createEncoder<ParcelDeclaration>(avroType(readSchema('ParcelDeclaration')), schemaId)
  let chunk: ConsumedRecord[] = []
  let offset = 0
  // Declared over the last day, so validation's date checks accept them as current.
  for (const { declaration } of generateDeclarations({ seed: SEED, startMs: nowMs - 86_400_000 })) {
    const encoded = encoder.encode(declaration)
    if (!encoded.ok) continue
    chunk.push({
      topic: 'warm-up', partition: 0, offset: String(offset++), timestampMs: nowMs, key: null, value: encoded.value
    })
    if (chunk.length === size) {
      yield chunk
      chunk = []
    }
  }
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
  const source = generatedChunks(options.chunkRecords, options.declarationSchemaId, nowMs)
  while (done < options.declarations && performance.now() < deadline) {
    const chunk = (source.next().value as ConsumedRecord[]).slice(0, options.declarations - done)
    const t0 = performance.now()
    const result = await processBatch(stages, chunk)
    for (const { decision } of result.decisions) options.encodeDecision(decision)
    for (const { decision } of result.shadowDecisions) options.encodeDecision(decision)
    deadLetters += result.deadLetters.length
    for (const d of result.deadLetters) deadLetterCodes.add(d.code)
    const us = (performance.now() - t0) * 1_000 / chunk.length
    if (chunks === 0) first = us
    last = us
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
    timedOut: done < options.declarations
  }
}

/**
 * Generated declarations for the store's read path (keys, the cache, the pipeline and its
 * replies, the records): the in-memory run above does not reach that code, and without this
 * the first real batch ran it cold. Measured on the first-decision test: the first chunk's
 * enrichment took 4-16 ms without it against 1.5-2.5 ms for later chunks; with it, 1.8-5.9 ms
 * on a machine busy with other work. 1,000 in chunks of 100: ten round trips, tens of ms.
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
  /** Told how long the generated-declaration run took. */
  readonly took: (ms: number) => void
}

/**
 * Warms up before joining the group: the first real chunk must not pay for the script load
 * and the optimising compiler. A store that cannot warm is logged, not fatal: the first batch
 * then loads the scripts.
 */
export const warmBeforeJoining = async (w: ProcessorWarmUp): Promise<void> => {
  const reads = w.run === null ? [] : storeDeclarations(w.run.stages.now())
  await w.warmStore(reads).catch((err: unknown) => {
    w.log.warn({ err }, 'redis warm-up failed; the first batch loads the script')
  })
  if (w.run === null) return
  const report = await warmUp(w.run)
  w.took(report.durationMs)
  w.log.info(report, report.timedOut ? 'warm-up stopped at its time bound' : 'warm-up finished')
}
