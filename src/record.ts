// The records at the processor's two Kafka ends. A consumed record keeps ONE shape from the
// moment ingest reads it to the moment it is decided or dead-lettered: the decoder reads its
// value and headers, the pipeline its timestamp and bytes, the dead letter all of it. An
// outgoing record is what publish sends: a decision, a shadow decision or a dead letter.
// Types only, no client library, so every stage can share them.

export type HeaderValue = Buffer | string | Array<Buffer | string> | undefined

export type Headers = Record<string, HeaderValue>

/** A record as read from Kafka, and where it was read. */
export interface ConsumedRecord {
  readonly topic: string
  readonly partition: number
  readonly offset: string
  /** Producer (or log-append) timestamp, epoch ms. */
  readonly timestampMs: number
  readonly key: Buffer | null
  readonly value: Buffer | null
  readonly headers?: Readonly<Headers>
}

/** A record to send. */
export interface OutgoingRecord {
  readonly key: Buffer | string | null
  readonly value: Buffer | null
  readonly headers?: Headers
}
