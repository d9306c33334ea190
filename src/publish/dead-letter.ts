// Dead-letter records. A record that cannot become a decision goes to the DLQ topic with
// its ORIGINAL key and value bytes, untouched (never decoded and re-encoded), so it can be
// replayed or inspected exactly as the producer sent it. The reason travels in headers:
//
//   parcel-risk.error.code        error code, e.g. E_VALIDATE_HS_CODE
//   parcel-risk.error.stage       decode | validate | enrich | score | publish | join (outcomes)
//   parcel-risk.error.message     the error message (at most 1,000 characters)
//   parcel-risk.error.timestamp   when the record was dead-lettered, epoch milliseconds
//   parcel-risk.source.topic      where the record was consumed from
//   parcel-risk.source.partition
//   parcel-risk.source.offset
//   parcel-risk.source.timestamp  the original record's timestamp, epoch milliseconds
//
// The original headers are kept. One whose name is already taken (a record dead-lettered
// twice, after a replay) is kept under `parcel-risk.original.<name>`.
import type { ConsumedRecord, Headers, OutgoingRecord } from '../record.ts'

export type FailureStage = 'decode' | 'validate' | 'enrich' | 'score' | 'publish' | 'join'

export const deadLetterHeaders = {
  code: 'parcel-risk.error.code',
  stage: 'parcel-risk.error.stage',
  message: 'parcel-risk.error.message',
  timestamp: 'parcel-risk.error.timestamp',
  sourceTopic: 'parcel-risk.source.topic',
  sourcePartition: 'parcel-risk.source.partition',
  sourceOffset: 'parcel-risk.source.offset',
  sourceTimestamp: 'parcel-risk.source.timestamp'
} as const

export const originalHeaderPrefix = 'parcel-risk.original.'

export interface Failure {
  readonly code: string
  readonly stage: FailureStage
  readonly message: string
}

export const maxMessageLength = 1_000

const ownNames: ReadonlySet<string> = new Set(Object.values(deadLetterHeaders))

export const buildDeadLetter = (source: ConsumedRecord, failure: Failure, now: number = Date.now()): OutgoingRecord => {
  const message = failure.message.length > maxMessageLength
    ? `${failure.message.slice(0, maxMessageLength - 1)}…`
    : failure.message
  // No prototype: a header named __proto__ stays an ordinary header.
  const headers: Headers = Object.assign(Object.create(null) as Headers, {
    [deadLetterHeaders.code]: failure.code,
    [deadLetterHeaders.stage]: failure.stage,
    [deadLetterHeaders.message]: message,
    [deadLetterHeaders.timestamp]: String(now),
    [deadLetterHeaders.sourceTopic]: source.topic,
    [deadLetterHeaders.sourcePartition]: String(source.partition),
    [deadLetterHeaders.sourceOffset]: source.offset,
    [deadLetterHeaders.sourceTimestamp]: String(source.timestampMs)
  })
  if (source.headers !== undefined) {
    for (const [name, value] of Object.entries(source.headers)) {
      if (value === undefined) continue
      let target = name
      while (ownNames.has(target) || Object.hasOwn(headers, target)) target = `${originalHeaderPrefix}${target}`
      headers[target] = value
    }
  }
  return { key: source.key, value: source.value, headers }
}
