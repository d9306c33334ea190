// Which dead letters `parcel-risk dlq replay` re-drives, and what it writes back. Pure: the
// Kafka side is replay.ts.
//
// A dead letter (dead-letter.ts) is the original key and value with the reason in headers.
// Re-driving it writes that key and value back to the declarations topic with:
//   - the original headers: the dead letter's own `parcel-risk.error.*` and
//     `parcel-risk.source.*` headers dropped, and a name moved to `parcel-risk.original.<name>`
//     (because it was taken) moved back;
//   - marker headers saying where it came from (a previous replay's markers are replaced):
//       parcel-risk.replay.of    <dead-letter topic>/<partition>/<offset>
//       parcel-risk.replay.code  the code it was dead-lettered with
//       parcel-risk.replay.at    when it was re-driven, epoch milliseconds
// The markers are for people and audits; the processor decodes the record as if it were new.
// A re-driven record that fails again is a new dead letter at a new offset, so it can be
// re-driven again later.
//
// Idempotency rests on the ledger: one record per re-driven dead letter, keyed by
// `ledgerKey`, written in the same Kafka transaction as the re-driven record.
import type { IHeaders } from 'kafkajs'
import { deadLetterHeaders, originalHeaderPrefix } from './dead-letter.ts'

export const replayHeaders = {
  of: 'parcel-risk.replay.of',
  code: 'parcel-risk.replay.code',
  at: 'parcel-risk.replay.at'
} as const

/** A record read from the dead-letter topic. */
export interface DeadLetterRecord {
  readonly topic: string
  readonly partition: number
  readonly offset: string
  /** The dead letter's own record timestamp, epoch ms as kafkajs gives it. */
  readonly timestamp: string
  readonly key: Buffer | null
  readonly value: Buffer | null
  readonly headers?: IHeaders
}

/** What to re-drive: codes (null: any), and the dead-letter time window [fromMs, toMs). */
export interface ReplayFilter {
  readonly codes: ReadonlySet<string> | null
  readonly fromMs: number | null
  readonly toMs: number | null
}

const ownNames: ReadonlySet<string> = new Set([...Object.values(deadLetterHeaders), ...Object.values(replayHeaders)])

const text = (value: IHeaders[string]): string | undefined => {
  const first = Array.isArray(value) ? value[0] : value
  return first === undefined ? undefined : first.toString()
}

export const headerText = (record: DeadLetterRecord, name: string): string | undefined =>
  record.headers === undefined ? undefined : text(record.headers[name])

/** The error code the record was dead-lettered with ('' when the header is missing). */
export const deadLetterCode = (record: DeadLetterRecord): string => headerText(record, deadLetterHeaders.code) ?? ''

/** When the record was dead-lettered: its `parcel-risk.error.timestamp`, else its record timestamp. */
export const deadLetteredAtMs = (record: DeadLetterRecord): number => {
  const header = headerText(record, deadLetterHeaders.timestamp)
  const at = header === undefined || header.trim() === '' ? Number.NaN : Number(header)
  return Number.isFinite(at) ? at : Number(record.timestamp)
}

export const matches = (filter: ReplayFilter, record: DeadLetterRecord): boolean => {
  if (filter.codes !== null && !filter.codes.has(deadLetterCode(record))) return false
  const at = deadLetteredAtMs(record)
  if (filter.fromMs !== null && !(at >= filter.fromMs)) return false
  if (filter.toMs !== null && !(at < filter.toMs)) return false
  return true
}

/**
 * The ledger key of a dead letter: its position, plus its record timestamp so a dead-letter
 * topic deleted and created again (offsets start over) does not look already replayed.
 */
export const ledgerKey = (record: Pick<DeadLetterRecord, 'topic' | 'partition' | 'offset' | 'timestamp'>): string =>
  `${record.topic}/${record.partition}/${record.offset}@${record.timestamp}`

/** The original headers of a dead letter, as the producer sent them. */
export const originalHeaders = (headers: IHeaders | undefined): IHeaders => {
  const out: IHeaders = Object.create(null) as IHeaders
  if (headers === undefined) return out
  const present = new Set(Object.keys(headers))
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined || ownNames.has(name)) continue
    let target = name
    if (name.startsWith(originalHeaderPrefix)) {
      const moved = name.slice(originalHeaderPrefix.length)
      // dead-letter.ts moves a name only when it is taken: by its own headers or by an
      // original header kept under that name.
      if (ownNames.has(moved) || present.has(moved)) target = moved
    }
    out[target] = value
  }
  return out
}

export interface Redriven {
  readonly key: Buffer | null
  readonly value: Buffer | null
  readonly headers: IHeaders
  /** The partition the original was consumed from, when it is known. */
  readonly sourcePartition: number | undefined
  readonly sourceTopic: string | undefined
}

export const redrive = (record: DeadLetterRecord, nowMs: number): Redriven => {
  const headers = originalHeaders(record.headers)
  headers[replayHeaders.of] = `${record.topic}/${record.partition}/${record.offset}`
  headers[replayHeaders.code] = deadLetterCode(record)
  headers[replayHeaders.at] = String(nowMs)
  const partitionText = headerText(record, deadLetterHeaders.sourcePartition)
  const partition = partitionText === undefined || !/^\d+$/.test(partitionText) ? undefined : Number(partitionText)
  return {
    key: record.key,
    value: record.value,
    headers,
    sourcePartition: partition,
    sourceTopic: headerText(record, deadLetterHeaders.sourceTopic)
  }
}

/** What one replay did. In a dry run `redriven` counts what would be re-driven. */
export interface ReplaySummary {
  scanned: number
  matched: number
  redriven: number
  alreadyReplayed: number
}

/**
 * The dead letters of one read that match the filter and are not in `replayed` (the ledger);
 * the chosen ones are added to it, so a dead letter read twice is chosen once. Counts what was
 * scanned, matched and skipped as already replayed; `redriven` is the caller's to count.
 */
export const select = (
  records: readonly DeadLetterRecord[], filter: ReplayFilter, replayed: Set<string>, summary: ReplaySummary
): DeadLetterRecord[] => {
  const chosen: DeadLetterRecord[] = []
  for (const record of records) {
    summary.scanned++
    if (!matches(filter, record)) continue
    summary.matched++
    const key = ledgerKey(record)
    if (replayed.has(key)) {
      summary.alreadyReplayed++
      continue
    }
    replayed.add(key)
    chosen.push(record)
  }
  return chosen
}
