// The processor's use case, one chunk of consumed records at a time, top to bottom:
//
//   decode      bytes → ParcelDeclaration (Avro by schema id, or JSON)      stages.decode
//   validate    semantic checks → coded rejections                          stages.validate
//   enrich      one round trip for the chunk: profiles, aggregates,        stages.enrich
//               each declarationId's history (src/amendment.ts)
//   supersede   a version older than the one decided: answered with that   stages.amend.superseded
//               standing decision, not scored
//   score       the ruleset in force (and the challenger, when one runs)    stages.ruleset / shadow .score
//               → its Evaluation: the rules that fired, score parts, values
//   decide      the Evaluation → RiskDecision: action, reasons, record     stages.ruleset / shadow .decide
//               an amendment says what changed since the earlier version    stages.amend.annotate
//   seat        lane capacity: holds in a full lane move down a lane,       stages.ruleset .seating, stages.seats
//               one round trip for the batch, only when a decision wants a seat
//   publish     encode the decisions, dead-letter the rest, ONE send        publish.encode / deadLetter / send
//               beside it, the decisions become the standing ones          stages.remember
//   commit      returning hands the chunk back to ingest, which commits its offsets
//               (exactly-once: the send's transaction already did)
//
// processBatch runs decode → decide; handleChunk wraps it with publish and the hand-off.
// Every record of the chunk leaves as exactly one of: a decision, or a dead letter (the
// original bytes with a coded reason). Nothing is dropped and nothing here throws for bad
// input: per-record failures become dead letters; only a failing dependency (registry or
// Redis unreachable, classified `retry`) fails the whole chunk so the caller can back off
// and try it again from the same offsets.
//
// Stages come in as parameters (STYLE: the pipeline reads like the table of contents of the
// service), so this file imports no client library. I/O stages take the whole batch (one
// registry lookup per unknown schema id, one Redis round trip, one send); pure stages take
// one declaration.
import { createHash } from 'node:crypto'
import { advance, earlierThan, standingOf, supersededBy, type History, type StandingDecision } from './amendment.ts'
import type { SeatGrant, SeatRequest } from './actions.ts'
import type { ParcelDeclaration, RiskDecision } from './declaration.ts'
import type { EnrichmentRecord } from './enrichment.ts'
import { ParcelRiskError, type ErrorCode } from './errors.ts'
import type { Evaluation, ScoreContext } from './evaluation.ts'
import type { ConsumedRecord, OutgoingRecord } from './record.ts'

export type Result<T> =
  | { readonly ok: true, readonly value: T }
  | { readonly ok: false, readonly error: ParcelRiskError }

export interface Rejection { readonly code: ErrorCode, readonly path: string, readonly message: string }

export interface Enriched {
  readonly record: EnrichmentRecord | null
  /** Enrichment groups that could not be read (Redis slow or down); empty when complete. */
  readonly missing: readonly string[]
  /** What was decided before under the declarationId (src/amendment.ts); undefined: unknown. */
  readonly history?: History
}

/** The decide stage's side of amendments (src/decide/amendments.ts). */
export interface AmendStages {
  /** The answer to a version older than the standing decision `newer`. */
  readonly superseded: (declaration: ParcelDeclaration, newer: StandingDecision, context: ScoreContext) => RiskDecision
  /** The decision with what changed since `earlier`; `unchecked`: the history was unknown. */
  readonly annotate: (decision: RiskDecision, earlier: StandingDecision | null, unchecked: boolean) => RiskDecision
}

/**
 * One ruleset as two stages: score (the engine: src/engine/ruleset.ts `evaluate`) and decide
 * (src/decide/decide.ts `createDecider` for that ruleset). The evaluation is reused by the
 * next score call, so each declaration is decided before the next one is scored.
 */
export interface RulesetStages {
  readonly score: (declaration: unknown, enrichment: EnrichmentRecord | null, context: ScoreContext) => Evaluation
  readonly decide: (evaluation: Evaluation, declaration: unknown, context: ScoreContext) => RiskDecision
  /** Lane capacity (src/decide/capacity.ts createSeater); absent or null when no lane is limited. */
  readonly seating?: SeatingStage | null
}

/** The pure half of lane capacity: which decisions want a seat, and the decisions once seated. */
export interface SeatingStage {
  readonly request: (decisions: readonly RiskDecision[]) => SeatRequest | null
  readonly apply: (decisions: readonly RiskDecision[], request: SeatRequest, grant: SeatGrant | null) => RiskDecision[]
}

/** The shared seat counters: a grant, or null when they could not be reached. */
export type Seats = (request: SeatRequest) => Promise<SeatGrant | null>

export interface Stages {
  readonly decode: (records: readonly ConsumedRecord[]) => Promise<Array<Result<ParcelDeclaration>>>
  readonly validate: (declaration: ParcelDeclaration, nowMs: number) => readonly Rejection[]
  readonly enrich: (declarations: readonly ParcelDeclaration[], nowMs: number) => Promise<readonly Enriched[]>
  /** The ruleset in force, read once per batch so a hot reload swaps between batches. */
  readonly ruleset: () => RulesetStages
  /** The challenger ruleset, when one is configured. */
  readonly shadow: (() => RulesetStages) | null
  /** The shared seat counters (src/enrich/seats.ts); absent or null: nothing takes seats. */
  readonly seats?: Seats | null
  readonly now: () => number
  /** Amendments: absent, every version is decided on its own. */
  readonly amend?: AmendStages
  /**
   * Keeps a chunk's decisions as the standing ones of their declarationIds (superseded
   * answers left out), beside the send. Must not throw for an unreachable store.
   */
  readonly remember?: (
    decisions: readonly RiskDecision[], declarations: ReadonlyArray<ParcelDeclaration | undefined>
  ) => Promise<void>
  /** Told how long each ruleset took to score the batch and how many input bytes it scored. */
  readonly scoringTook?: (role: 'active' | 'shadow', elapsedMs: number, bytes: number) => void
}

export type Stage = 'decode' | 'validate' | 'enrich' | 'score' | 'publish'

export interface DeadLetter {
  readonly source: ConsumedRecord
  readonly code: ErrorCode
  readonly stage: Stage
  readonly message: string
  /** Every reason, with its path (validation finds several; the first is `code`). */
  readonly rejections: readonly Rejection[]
}

const deadLetterOf = (source: ConsumedRecord, stage: Stage, error: ParcelRiskError): DeadLetter =>
  ({
    source,
    code: error.code,
    stage,
    message: error.message,
    rejections: [{ code: error.code, path: error.path ?? '', message: error.message }]
  })

export interface DecidedRecord {
  readonly source: ConsumedRecord
  readonly decision: RiskDecision
  /** The declaration decided on (absent where only the decision matters). */
  readonly declaration?: ParcelDeclaration
}

/** Where a batch's time went, in milliseconds (decode includes validation, score the decision). */
export interface BatchTimings {
  decodeMs: number
  enrichMs: number
  scoreMs: number
}

export interface BatchResult {
  readonly decisions: DecidedRecord[]
  readonly shadowDecisions: DecidedRecord[]
  readonly deadLetters: DeadLetter[]
  readonly timings: BatchTimings
}

interface Scored {
  readonly declaration: ParcelDeclaration
  readonly enrichment: EnrichmentRecord | null
  readonly context: ScoreContext
  readonly source: ConsumedRecord
  readonly earlier: StandingDecision | null
  readonly unchecked: boolean
}

const digestOf = (value: Buffer | null): string => createHash('sha256').update(value ?? Buffer.alloc(0)).digest('hex')

const describeRejections = (rejections: readonly Rejection[]): string =>
  rejections.map((r) => `${r.code} at ${r.path}: ${r.message}`).join('; ')

/**
 * Runs one batch. Throws only a ParcelRiskError of disposition `retry` or `crash` (a
 * dependency failed for the whole batch); the caller must not commit the batch's offsets then.
 */
export const processBatch = async (stages: Stages, records: readonly ConsumedRecord[]): Promise<BatchResult> => {
  const decisions: DecidedRecord[] = []
  const shadowDecisions: DecidedRecord[] = []
  const deadLetters: DeadLetter[] = []
  const timings: BatchTimings = { decodeMs: 0, enrichMs: 0, scoreMs: 0 }
  const started = performance.now()

  // decode
  const decoded = await stages.decode(records)
  const accepted: Array<{ source: ConsumedRecord, declaration: ParcelDeclaration }> = []
  const nowMs = stages.now()
  for (let i = 0; i < records.length; i++) {
    const source = records[i] as ConsumedRecord
    const result = decoded[i]
    if (result === undefined) {
      const message = `decode returned ${decoded.length} results for ${records.length} records`
      throw new ParcelRiskError('E_PIPELINE_STAGE_CONTRACT', message)
    }
    if (!result.ok) {
      if (result.error.disposition !== 'reject') throw result.error
      deadLetters.push(deadLetterOf(source, 'decode', result.error))
      continue
    }
    // validate
    const rejections = stages.validate(result.value, nowMs)
    if (rejections.length > 0) {
      const code = (rejections[0] as Rejection).code
      deadLetters.push({ source, code, stage: 'validate', message: describeRejections(rejections), rejections })
      continue
    }
    accepted.push({ source, declaration: result.value })
  }
  const decodedAt = performance.now()
  timings.decodeMs = decodedAt - started
  if (accepted.length === 0) return { decisions, shadowDecisions, deadLetters, timings }

  // enrich: one call for the batch; a Redis outage degrades instead of failing.
  const enriched = await stages.enrich(accepted.map((a) => a.declaration), nowMs)
  if (enriched.length !== accepted.length) {
    const message = `enrich returned ${enriched.length} results for ${accepted.length} declarations`
    throw new ParcelRiskError('E_PIPELINE_STAGE_CONTRACT', message)
  }
  const enrichedAt = performance.now()
  timings.enrichMs = enrichedAt - decodedAt

  // score, then decide, per declaration: the ruleset in force, then the challenger; each loop
  // is timed as a whole (two clock reads per batch) so a ruleset that scores far slower than
  // its cost check promised can be caught and reverted.
  const ruleset = stages.ruleset()
  const amend = stages.amend
  const scored: Scored[] = []
  // A declarationId seen twice in the batch: the second sees what the first decided.
  const histories = new Map<string, History>()
  // Decisions made here (not superseded answers, which repeat a standing decision): they seat.
  const seatable: number[] = []
  let bytes = 0
  let scoreStarted = performance.now()
  for (let i = 0; i < accepted.length; i++) {
    const { source, declaration } = accepted[i] as { source: ConsumedRecord, declaration: ParcelDeclaration }
    const enrichment = enriched[i] as Enriched
    const context = {
      nowMs: stages.now(),
      receivedAtMs: source.timestampMs,
      inputDigest: digestOf(source.value),
      enrichmentMissing: enrichment.missing
    }
    bytes += source.value?.length ?? 0
    const id = declaration.declarationId
    const history = histories.has(id) ? histories.get(id) : enrichment.history
    // supersede
    const newer = amend === undefined ? null : supersededBy(declaration.version, history)
    if (amend !== undefined && newer !== null) {
      decisions.push({ source, decision: amend.superseded(declaration, newer, context), declaration })
      continue
    }
    const earlier = earlierThan(declaration.version, history)
    try {
      // score
      const evaluation = ruleset.score(declaration, enrichment.record, context)
      // decide
      let decision = ruleset.decide(evaluation, declaration, context)
      if (amend !== undefined) {
        decision = amend.annotate(decision, earlier, history === undefined)
        histories.set(id, advance(history ?? null, standingOf(decision)))
      }
      seatable.push(decisions.length)
      decisions.push({ source, decision, declaration })
      scored.push({
        declaration, enrichment: enrichment.record, context, source, earlier, unchecked: history === undefined
      })
    } catch (err) {
      // The engine turns a failing rule into an `error` outcome itself; reaching here means
      // the engine failed as a whole. The record is kept (dead letter), never dropped.
      const failure = new ParcelRiskError('E_PIPELINE_SCORE_FAILED', (err as Error).message, { cause: err })
      deadLetters.push(deadLetterOf(source, 'score', failure))
    }
  }
  stages.scoringTook?.('active', performance.now() - scoreStarted, bytes)
  // seat: the active ruleset's decisions only; a challenger's never take seats.
  const seating = ruleset.seating ?? null
  const seats = stages.seats ?? null
  if (seating !== null && seats !== null) await seat(seating, seats, decisions, seatable)
  const shadow = stages.shadow?.() ?? null
  if (shadow !== null) {
    scoreStarted = performance.now()
    for (const { declaration, enrichment, context, source, earlier, unchecked } of scored) {
      try {
        const decision = shadow.decide(shadow.score(declaration, enrichment, context), declaration, context)
        shadowDecisions.push({
          source, decision: amend === undefined ? decision : amend.annotate(decision, earlier, unchecked)
        })
      } catch {
        // A broken challenger never affects the champion's decisions; it shows in metrics.
      }
    }
    stages.scoringTook?.('shadow', performance.now() - scoreStarted, bytes)
  }
  timings.scoreMs = performance.now() - enrichedAt
  return { decisions, shadowDecisions, deadLetters, timings }
}

/** Lane capacity for the batch's decisions at `at`, in place: one round trip when any wants a seat. */
const seat = async (
  seating: SeatingStage, seats: Seats, decided: DecidedRecord[], at: readonly number[]
): Promise<void> => {
  const decisions = at.map((i) => (decided[i] as DecidedRecord).decision)
  const request = seating.request(decisions)
  if (request === null) return
  const seated = seating.apply(decisions, request, await seats(request))
  at.forEach((i, k) => {
    decided[i] = { ...(decided[i] as DecidedRecord), decision: seated[k] as RiskDecision }
  })
}

/** Where a chunk was read, and the offset to commit once it is done. */
export interface ChunkPosition {
  readonly topic: string
  readonly partition: number
  readonly nextOffset: string
}

/** What ingest hands over with a chunk (src/ingest/consumer.ts ChunkContext has it). */
export interface ChunkContext extends ChunkPosition {
  readonly lag: number
  /** Throws unless this instance still owns the partition; called right before the send. */
  readonly fence: () => Promise<void>
}

/** A chunk's output: decisions, challenger decisions and dead letters, sent together. */
export interface ChunkOutput {
  readonly decisions: readonly OutgoingRecord[]
  readonly shadow: readonly OutgoingRecord[]
  readonly deadLetters: readonly OutgoingRecord[]
}

export interface PublishStages {
  readonly encode: (decision: RiskDecision) => Result<Buffer>
  /** The dead letter of a record: its original key and bytes, the reason in headers. */
  readonly deadLetter: (source: ConsumedRecord, failure: DeadLetter, nowMs: number) => OutgoingRecord
  /** One send of the chunk's output; resolves once Kafka acknowledged all of it. */
  readonly send: (output: ChunkOutput, position: ChunkPosition) => Promise<void>
}

/** Where one chunk's time went, in milliseconds, from its oldest record's timestamp on. */
export interface ChunkTimings {
  readonly fetchWait: number
  readonly decode: number
  readonly enrich: number
  /** Scoring, deciding and encoding. */
  readonly score: number
  readonly publish: number
}

export interface ChunkReport {
  readonly records: readonly ConsumedRecord[]
  readonly result: BatchResult
  readonly stageMs: ChunkTimings
  /** When Kafka acknowledged the output, epoch ms. */
  readonly ackedAtMs: number
}

/** Told of every chunk: when it arrives, and once its output is acknowledged. */
export interface ChunkObserver {
  readonly received: (records: readonly ConsumedRecord[], context: ChunkContext) => void
  readonly published: (report: ChunkReport) => void
}

/**
 * Encoding a decision cannot fail for a decision the engine built; if it does, the record is
 * dead-lettered with the reason rather than lost.
 */
const encodeAll = (
  publish: PublishStages, decided: readonly DecidedRecord[], deadLetters: OutgoingRecord[], nowMs: number
): OutgoingRecord[] => {
  const out: OutgoingRecord[] = []
  for (const { source, decision } of decided) {
    const encoded = publish.encode(decision)
    if (encoded.ok) out.push({ key: decision.declarationId, value: encoded.value })
    else deadLetters.push(publish.deadLetter(source, deadLetterOf(source, 'publish', encoded.error), nowMs))
  }
  return out
}

const oldestTimestamp = (records: readonly ConsumedRecord[], fallbackMs: number): number => {
  let oldest = fallbackMs
  for (const r of records) if (r.timestampMs < oldest) oldest = r.timestampMs
  return oldest
}

/**
 * The chunk handler ingest drives: decode → decide, publish, hand-off. Throws what
 * processBatch, the fence or the send throws (a ParcelRiskError the caller classifies); the
 * chunk's offsets must not be committed then.
 */
export const handleChunk = (stages: Stages, publish: PublishStages, observe: ChunkObserver) =>
  async (records: readonly ConsumedRecord[], context: ChunkContext): Promise<void> => {
    const handledAtMs = stages.now()
    observe.received(records, context)
    const result = await processBatch(stages, records)

    // publish: dead letters first, so an encoding failure joins them; then one send.
    const encodeStarted = performance.now()
    const nowMs = stages.now()
    const deadLetters = result.deadLetters.map((d) => publish.deadLetter(d.source, d, nowMs))
    const output: ChunkOutput = {
      decisions: encodeAll(publish, result.decisions, deadLetters, nowMs),
      shadow: encodeAll(publish, result.shadowDecisions, [], nowMs),
      deadLetters
    }
    await context.fence()
    const publishStarted = performance.now()
    const decided = result.decisions.map((d) => d.decision)
    const remembered = stages.remember?.(decided, result.decisions.map((d) => d.declaration))
    await Promise.all([publish.send(output, context), remembered])
    const ackedAtMs = stages.now()

    // commit hand-off: returning tells ingest the output is acknowledged.
    observe.published({
      records,
      result,
      ackedAtMs,
      stageMs: {
        fetchWait: handledAtMs - oldestTimestamp(records, handledAtMs),
        decode: result.timings.decodeMs,
        enrich: result.timings.enrichMs,
        score: result.timings.scoreMs + (publishStarted - encodeStarted),
        publish: performance.now() - publishStarted
      }
    })
  }
