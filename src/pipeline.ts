// One batch of consumed records, top to bottom:
//
//   decode → validate → enrich → score → decide → (encode for) publish
//
// Every record of the batch leaves as exactly one of: a decision, or a dead letter (the
// original bytes with a coded reason). Nothing is dropped and nothing here throws for bad
// input: per-record failures become dead letters; only a failing dependency (registry or
// Redis unreachable, classified `retry`) fails the whole batch so the caller can back off
// and try it again from the same offsets.
//
// Stages come in as parameters (STYLE: the pipeline reads like the table of contents of the
// service), so this file imports no client library. I/O stages take the whole batch (one
// registry lookup per unknown schema id, one Redis round trip); pure stages take one
// declaration.
import { createHash } from 'node:crypto'
import type { ParcelDeclaration, RiskDecision } from './declaration.ts'
import type { EnrichmentRecord } from './enrichment.ts'
import { ParcelRiskError, type ErrorCode } from './errors.ts'

export type HeaderValue = Buffer | string | ReadonlyArray<Buffer | string> | undefined

/** A consumed Kafka record, as the ingest stage hands it over. */
export interface InputRecord {
  readonly topic: string
  readonly partition: number
  readonly offset: string
  /** Producer (or log-append) timestamp, epoch ms. */
  readonly timestampMs: number
  readonly key: Buffer | null
  readonly value: Buffer | null
  readonly headers?: Readonly<Record<string, HeaderValue>>
}

export type Result<T> = { readonly ok: true, readonly value: T } | { readonly ok: false, readonly error: ParcelRiskError }

export interface Rejection { readonly code: ErrorCode, readonly path: string, readonly message: string }

export interface Enriched {
  readonly record: EnrichmentRecord | null
  /** Enrichment groups that could not be read (Redis slow or down); empty when complete. */
  readonly missing: readonly string[]
}

/** The ruleset surface the pipeline needs (src/engine/ruleset.ts CompiledRuleset has it). */
export interface Scorer {
  score (declaration: unknown, enrichment: EnrichmentRecord | null, context: {
    nowMs: number, receivedAtMs?: number, inputDigest?: string, enrichmentMissing?: readonly string[]
  }): RiskDecision
}

export interface Stages {
  readonly decode: (records: readonly InputRecord[]) => Promise<Array<Result<ParcelDeclaration>>>
  readonly validate: (declaration: ParcelDeclaration, nowMs: number) => readonly Rejection[]
  readonly enrich: (declarations: readonly ParcelDeclaration[], nowMs: number) => Promise<readonly Enriched[]>
  /** The ruleset in force, read once per batch so a hot reload swaps between batches. */
  readonly ruleset: () => Scorer
  /** The challenger ruleset, when one is configured. */
  readonly shadow: (() => Scorer) | null
  readonly now: () => number
  /** Told how long each ruleset took to score the batch and how many input bytes it scored. */
  readonly scoringTook?: (role: 'active' | 'shadow', elapsedMs: number, bytes: number) => void
}

export type Stage = 'decode' | 'validate' | 'enrich' | 'score' | 'publish'

export interface DeadLetter {
  readonly source: InputRecord
  readonly code: ErrorCode
  readonly stage: Stage
  readonly message: string
}

export interface DecidedRecord {
  readonly source: InputRecord
  readonly decision: RiskDecision
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

const digestOf = (value: Buffer | null): string => createHash('sha256').update(value ?? Buffer.alloc(0)).digest('hex')

const describeRejections = (rejections: readonly Rejection[]): string =>
  rejections.map((r) => `${r.code} at ${r.path}: ${r.message}`).join('; ')

/**
 * Runs one batch. Throws only a ParcelRiskError of disposition `retry` or `crash` (a
 * dependency failed for the whole batch); the caller must not commit the batch's offsets then.
 */
export const processBatch = async (stages: Stages, records: readonly InputRecord[]): Promise<BatchResult> => {
  const decisions: DecidedRecord[] = []
  const shadowDecisions: DecidedRecord[] = []
  const deadLetters: DeadLetter[] = []
  const timings: BatchTimings = { decodeMs: 0, enrichMs: 0, scoreMs: 0 }
  const started = performance.now()

  // decode
  const decoded = await stages.decode(records)
  const accepted: Array<{ source: InputRecord, declaration: ParcelDeclaration }> = []
  const nowMs = stages.now()
  for (let i = 0; i < records.length; i++) {
    const source = records[i] as InputRecord
    const result = decoded[i]
    if (result === undefined) throw new ParcelRiskError('E_PIPELINE_STAGE_CONTRACT', `decode returned ${decoded.length} results for ${records.length} records`)
    if (!result.ok) {
      if (result.error.disposition !== 'reject') throw result.error
      deadLetters.push({ source, code: result.error.code, stage: 'decode', message: result.error.message })
      continue
    }
    // validate
    const rejections = stages.validate(result.value, nowMs)
    if (rejections.length > 0) {
      deadLetters.push({ source, code: (rejections[0] as Rejection).code, stage: 'validate', message: describeRejections(rejections) })
      continue
    }
    accepted.push({ source, declaration: result.value })
  }
  const decodedAt = performance.now()
  timings.decodeMs = decodedAt - started
  if (accepted.length === 0) return { decisions, shadowDecisions, deadLetters, timings }

  // enrich: one call for the batch; a Redis outage degrades instead of failing.
  const enriched = await stages.enrich(accepted.map((a) => a.declaration), nowMs)
  if (enriched.length !== accepted.length) throw new ParcelRiskError('E_PIPELINE_STAGE_CONTRACT', `enrich returned ${enriched.length} results for ${accepted.length} declarations`)
  const enrichedAt = performance.now()
  timings.enrichMs = enrichedAt - decodedAt

  // score + decide: the ruleset in force, then the challenger; each loop is timed as a whole
  // (two clock reads per batch) so a ruleset that scores far slower than its cost check
  // promised can be caught and reverted.
  const ruleset = stages.ruleset()
  const scored: Array<{ declaration: ParcelDeclaration, enrichment: EnrichmentRecord | null, context: Parameters<Scorer['score']>[2], source: InputRecord }> = []
  let bytes = 0
  let scoreStarted = performance.now()
  for (let i = 0; i < accepted.length; i++) {
    const { source, declaration } = accepted[i] as { source: InputRecord, declaration: ParcelDeclaration }
    const enrichment = enriched[i] as Enriched
    const context = { nowMs: stages.now(), receivedAtMs: source.timestampMs, inputDigest: digestOf(source.value), enrichmentMissing: enrichment.missing }
    bytes += source.value?.length ?? 0
    try {
      decisions.push({ source, decision: ruleset.score(declaration, enrichment.record, context) })
      scored.push({ declaration, enrichment: enrichment.record, context, source })
    } catch (err) {
      // The engine turns a failing rule into an `error` outcome itself; reaching here means
      // the engine failed as a whole. The record is kept (dead letter), never dropped.
      deadLetters.push({ source, code: 'E_PIPELINE_SCORE_FAILED', stage: 'score', message: (err as Error).message })
    }
  }
  stages.scoringTook?.('active', performance.now() - scoreStarted, bytes)
  const shadow = stages.shadow?.() ?? null
  if (shadow !== null) {
    scoreStarted = performance.now()
    for (const { declaration, enrichment, context, source } of scored) {
      try {
        shadowDecisions.push({ source, decision: shadow.score(declaration, enrichment, context) })
      } catch {
        // A broken challenger never affects the champion's decisions; it shows in metrics.
      }
    }
    stages.scoringTook?.('shadow', performance.now() - scoreStarted, bytes)
  }
  timings.scoreMs = performance.now() - enrichedAt
  return { decisions, shadowDecisions, deadLetters, timings }
}
