// NDJSON declarations for the offline commands (score, rules backtest): reading the lines, and
// the REJECT_DATA decision of a line that the pipeline's decode or validate stage refused
// (src/cli/offline-pipeline.ts), carrying the error codes, never an exception.

import { createReadStream } from 'node:fs'
import { createInterface } from 'node:readline'
import type { Readable } from 'node:stream'
import type { DataRejection, RiskDecision } from '../declaration.ts'
import type { CompiledRuleset } from '../engine/ruleset.ts'

/** A line the decode or validate stage refused. */
export interface Refusal {
  readonly rejections: DataRejection[]
  /** SHA-256 of the line's bytes. */
  readonly digest: string
  /** The line as far as it parsed (for its declarationId and version), or undefined. */
  readonly partial: unknown
}

const field = (v: unknown, name: string): unknown =>
  typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>)[name] : undefined

/** The decision for a line that could not be scored: REJECT_DATA with every rejection. */
export const rejectDecision = (ruleset: CompiledRuleset, checked: Refusal, nowMs: number): RiskDecision => {
  const id = field(checked.partial, 'declarationId')
  const version = field(checked.partial, 'version')
  return {
    declarationId: typeof id === 'string' ? id : '',
    version: typeof version === 'number' && Number.isInteger(version) ? version : 0,
    decision: 'HOLD',
    action: 'REJECT_DATA',
    score: 0,
    reasons: [],
    gates: [],
    errors: [],
    randomSelection: false,
    ruleset: { id: ruleset.id, version: ruleset.version, digest: ruleset.digest },
    enrichment: { status: 'OK', missing: [] },
    rejections: checked.rejections,
    timings: { receivedAt: nowMs, decidedAt: nowMs, latencyMicros: 0 },
    inputDigest: checked.digest
  }
}

/** Lines of a file, or of stdin for `-`. */
export const readLines = (path: string, stdin: Readable = process.stdin): AsyncIterable<string> =>
  createInterface({ input: path === '-' ? stdin : createReadStream(path), crlfDelay: Infinity })
