// The offline commands' pipeline (`score`, `rules backtest`): NDJSON lines run through the
// processor's own processBatch (src/pipeline.ts), so offline decisions are the processor's
// decisions. Only the I/O stages differ: a JSON-lines decode stage (src/codec/json-lines.ts)
// instead of Kafka and the registry, the in-memory profile store (src/enrich/memory-store.ts)
// instead of Redis, and a fixed clock. A batch of lines is one processBatch call: one
// enrichment call, as the processor makes one Redis round trip per chunk.
//
// Each line leaves as one row, in input order: one decision per ruleset (backtest scores with
// a champion and a challenger, the challenger as the processor's shadow). Amendments too: a
// later line with a higher version of a declarationId says what changed, an older one is
// answered as superseded (src/amendment.ts), as the processor answers them. A line that the
// decode or validate stage dead-letters becomes a REJECT_DATA decision carrying every
// rejection; a ruleset that fails as a whole stops the command (a defect, never bad input).
import { createHash } from 'node:crypto'
import { createJsonLinesDecoder } from '../codec/json-lines.ts'
import { parseJson } from '../codec/json-input.ts'
import type { DataRejection, RiskDecision } from '../declaration.ts'
import { annotateAmendment, supersededAnswer } from '../decide/amendments.ts'
import { createDecider } from '../decide/decide.ts'
import type { CompiledRuleset } from '../engine/ruleset.ts'
import { createMemoryHistory } from '../enrich/history.ts'
import type { MemoryProfileStore } from '../enrich/memory-store.ts'
import { processBatch, type DeadLetter, type RulesetStages, type Stages } from '../pipeline.ts'
import type { ConsumedRecord } from '../record.ts'
import { createValidator } from '../validate/validate.ts'
import { rejectDecision } from './declaration-lines.ts'

/** Same bound as the processor's default codec.maxRecordBytes. */
const MAX_LINE_BYTES = 1_048_576

/** Lines scored together: one processBatch (one enrichment call) each. */
export const BATCH_LINES = 512

export interface OfflineBatch {
  /** Per line, in order: the champion's decision, then the challenger's when there is one. */
  readonly rows: RiskDecision[][]
  /** Lines the decode or validate stage refused (REJECT_DATA rows). */
  readonly rejected: number
}

export type ScoreLines = (lines: readonly string[]) => Promise<OfflineBatch>

const stagesOf = (ruleset: CompiledRuleset): RulesetStages =>
  ({ score: (d, e, ctx) => ruleset.evaluate(d, e, ctx), decide: createDecider(ruleset) })

/** What a refused line says of itself: the id and version it carried, if it parses at all. */
const partialOf = (source: ConsumedRecord): unknown => {
  const parsed = parseJson(source.value ?? Buffer.alloc(0), MAX_LINE_BYTES)
  return parsed.ok ? parsed.value : undefined
}

const refusal = (ruleset: CompiledRuleset, dead: DeadLetter, digest: string, nowMs: number): RiskDecision => {
  const rejections: DataRejection[] = dead.rejections.map((r) => ({ code: r.code, path: r.path, message: r.message }))
  return rejectDecision(ruleset, { rejections, digest, partial: partialOf(dead.source) }, nowMs)
}

/**
 * Builds the stages once; the returned function scores one batch of non-blank lines.
 * `rulesets` is [champion] or [champion, challenger].
 */
export const offlinePipeline = (
  rulesets: readonly [CompiledRuleset] | readonly [CompiledRuleset, CompiledRuleset],
  store: MemoryProfileStore | null,
  nowMs: number
): ScoreLines => {
  const [champion, challenger] = rulesets
  const fields = [...new Set(rulesets.flatMap((r) => r.enrichmentFields))]
  const active = stagesOf(champion)
  const shadow = challenger === undefined ? null : stagesOf(challenger)
  // Without profiles there is no store, but amendments are still answered as the processor does.
  const history = createMemoryHistory()
  const stages: Stages = {
    decode: createJsonLinesDecoder(MAX_LINE_BYTES),
    validate: createValidator(),
    enrich: async (declarations, at) => store === null
      ? declarations.map((d) => ({ record: null, missing: [], history: history.read(d.declarationId) }))
      : await store.enrichBatch(declarations, at, fields),
    ruleset: () => active,
    shadow: shadow === null ? null : () => shadow,
    now: () => nowMs,
    amend: { superseded: supersededAnswer, annotate: annotateAmendment }
  }
  let line = 0
  return async (lines) => {
    const records: ConsumedRecord[] = lines.map((text) =>
      ({
        topic: 'input',
        partition: 0,
        offset: String(++line),
        timestampMs: nowMs,
        key: null,
        value: Buffer.from(text, 'utf8')
      }))
    const result = await processBatch(stages, records)
    const decisions = result.decisions.map((d) => d.decision)
    if (store === null) history.remember(decisions)
    else await store.remember(decisions)
    const decided = new Map<ConsumedRecord, RiskDecision>()
    for (const d of result.decisions) decided.set(d.source, d.decision)
    const shadowed = new Map<ConsumedRecord, RiskDecision>()
    for (const d of result.shadowDecisions) shadowed.set(d.source, d.decision)
    const refused = new Map<ConsumedRecord, DeadLetter>()
    for (const dead of result.deadLetters) {
      if (dead.stage !== 'decode' && dead.stage !== 'validate') {
        throw new Error(`line ${dead.source.offset}: ${dead.message}`)
      }
      refused.set(dead.source, dead)
    }
    const rows = records.map((source): RiskDecision[] => {
      const dead = refused.get(source)
      if (dead !== undefined) {
        const digest = createHash('sha256').update(source.value ?? Buffer.alloc(0)).digest('hex')
        return rulesets.map((r) => refusal(r, dead, digest, nowMs))
      }
      const decision = decided.get(source) as RiskDecision
      if (challenger === undefined) return [decision]
      const other = shadowed.get(source)
      if (other === undefined) throw new Error(`line ${source.offset}: the challenger ruleset failed as a whole`)
      return [decision, other]
    })
    return { rows, rejected: refused.size }
  }
}
