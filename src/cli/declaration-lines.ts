// Reading NDJSON declarations for the offline commands (score, rules backtest): each line goes
// through the same checks as a JSON record on the declarations topic (src/codec/json-input.ts,
// then src/validate/), and a line that fails becomes a REJECT_DATA decision carrying the
// error codes, never an exception. Blank lines are skipped.

import { createHash } from 'node:crypto'
import { createReadStream } from 'node:fs'
import { createInterface } from 'node:readline'
import type { Readable } from 'node:stream'
import { avroType, readSchema } from '../codec/avro-types.ts'
import { fromJsonValue, parseJson } from '../codec/json-input.ts'
import type { DataRejection, ParcelDeclaration, RiskDecision } from '../declaration.ts'
import type { CompiledRuleset } from '../engine/ruleset.ts'
import { createValidator } from '../validate/validate.ts'

/** Same bound as the processor's default codec.maxRecordBytes. */
const MAX_LINE_BYTES = 1_048_576

export type Checked =
  | { readonly ok: true, readonly declaration: ParcelDeclaration, readonly digest: string }
  | { readonly ok: false, readonly rejections: DataRejection[], readonly digest: string, readonly partial: unknown }

export const createLineChecker = (): ((line: string, nowMs: number) => Checked) => {
  const type = avroType(readSchema('ParcelDeclaration'))
  const validate = createValidator()
  return (line, nowMs) => {
    const bytes = Buffer.from(line, 'utf8')
    const digest = createHash('sha256').update(bytes).digest('hex')
    const parsed = parseJson(bytes, MAX_LINE_BYTES)
    if (!parsed.ok) return { ok: false, digest, partial: undefined, rejections: [{ code: parsed.error.code, path: parsed.error.path ?? '', message: parsed.error.message }] }
    const typed = fromJsonValue<ParcelDeclaration>(type, parsed.value)
    if (!typed.ok) return { ok: false, digest, partial: parsed.value, rejections: [{ code: typed.error.code, path: typed.error.path ?? '', message: typed.error.message }] }
    const rejections = validate(typed.value, nowMs)
    if (rejections.length > 0) return { ok: false, digest, partial: typed.value, rejections: rejections.map((r) => ({ code: r.code, path: r.path, message: r.message })) }
    return { ok: true, declaration: typed.value, digest }
  }
}

const field = (v: unknown, name: string): unknown =>
  typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>)[name] : undefined

/** The decision for a line that could not be scored: REJECT_DATA with every rejection. */
export const rejectDecision = (ruleset: CompiledRuleset, checked: Extract<Checked, { ok: false }>, nowMs: number): RiskDecision => {
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
