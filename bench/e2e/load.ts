// Load and measurement for bench/e2e.ts: a producer that offers declarations at a fixed rate
// (or as fast as the system under test takes them, keeping a bounded number outstanding),
// and a consumer that sees every outcome (decision or passed-through record, and dead
// letters) and measures end-to-end latency: the moment a consumer sees the outcome minus the
// declaration's producer timestamp. A decision (Avro, or JSON from the straightforward
// system) carries that timestamp in timings.receivedAt, a passed-through record as its own
// Kafka timestamp, a dead letter in a header.
import { Kafka, logLevel, Partitioners, type Consumer, type Message, type Producer } from 'kafkajs'
import { avroType, readSchema } from '../../src/codec/avro-types.ts'
import { createDecoder } from '../../src/codec/decoder.ts'
import type { Registry } from '../../src/codec/registry.ts'
import type { RiskDecision } from '../../src/declaration.ts'
import { createLatencyHistogram, type LatencyHistogram } from '../../src/cli/demo/latency.ts'
import { deadLetterHeaders } from '../../src/publish/dead-letter.ts'

export interface Encoded { readonly key: string, readonly value: Buffer }

export interface LoadTarget {
  readonly brokers: readonly string[]
  readonly registry: Pick<Registry, 'writerType'>
  readonly declarations: string
  readonly outputs: { readonly main: string, readonly dlq: string }
  /** 'decision': outputs are Avro RiskDecisions; 'json': JSON decisions; 'copy': the input records. */
  readonly output: 'decision' | 'json' | 'copy'
  readonly groupId: string
}

export interface Window {
  readonly latency: LatencyHistogram
  outcomes: number
}

export interface Load {
  /**
   * Offers `rate` declarations/s (or, for 'max', keeps `maxOutstanding` unanswered) until
   * `untilMs` (performance.now()).
   */
  readonly offer: (rate: number | 'max', untilMs: number) => Promise<void>
  /** Outcomes seen from now on are counted into a fresh window. */
  readonly openWindow: () => Window
  readonly closeWindow: () => void
  readonly sent: () => number
  readonly received: () => number
  /** Resolves true once every record sent has an outcome, false after `timeoutMs`. */
  readonly drain: (timeoutMs: number) => Promise<boolean>
  readonly close: () => Promise<void>
}

const MAX_IN_FLIGHT = 8
const MAX_PER_SEND = 1_000
const sleep = async (ms: number): Promise<void> => {
  await new Promise((resolve) => setTimeout(resolve, ms))
}

const header = (headers: Message['headers'], name: string): string | undefined => {
  const v = headers?.[name]
  const first = Array.isArray(v) ? v[0] : v
  return first === undefined ? undefined : String(first)
}

/** A source that cycles through a pool built in advance (nothing generated while timing). */
export const cycle = (pool: readonly Encoded[]): () => Encoded => {
  let next = 0
  return () => {
    const e = pool[next] as Encoded
    next = (next + 1) % pool.length
    return e
  }
}

/** `source` gives the next declaration to send, each time it is called. */
export const startLoad = async (target: LoadTarget, source: () => Encoded, maxOutstanding: number): Promise<Load> => {
  const kafka = new Kafka({ clientId: 'parcel-risk-bench', brokers: [...target.brokers], logLevel: logLevel.ERROR })
  const producer: Producer = kafka.producer({
    createPartitioner: Partitioners.DefaultPartitioner, allowAutoTopicCreation: false
  })
  await producer.connect()
  const consumer: Consumer = kafka.consumer({ groupId: target.groupId, maxWaitTimeInMs: 20 })
  const decoder = createDecoder<RiskDecision>({
    readerType: avroType(readSchema('RiskDecision')), registry: target.registry, maxRecordBytes: 1 << 20
  })
  let sent = 0
  let received = 0
  let window: Window | null = null
  let failure: unknown = null

  const seen = (latencyMs: number): void => {
    received++
    if (window !== null) {
      window.outcomes++
      window.latency.record(latencyMs)
    }
  }
  await consumer.connect()
  await consumer.subscribe({ topics: [target.outputs.main, target.outputs.dlq], fromBeginning: true })
  // No offset commits: the group is new for every run and reads from the beginning, and a
  // commit per batch would hold this consumer's next fetch ~5 ms per partition (Kafka 4's
  // group coordinator lingers before appending), adding tens of ms to every latency seen.
  await consumer.run({
    autoCommit: false,
    partitionsConsumedConcurrently: 4,
    eachBatch: async ({ batch }) => {
      const now = Date.now()
      if (batch.topic === target.outputs.dlq) {
        for (const m of batch.messages) seen(now - Number(header(m.headers, deadLetterHeaders.sourceTimestamp) ?? now))
      } else if (target.output === 'copy') {
        for (const m of batch.messages) seen(now - Number(m.timestamp))
      } else if (target.output === 'json') {
        for (const m of batch.messages) {
          const decision = JSON.parse(m.value?.toString() ?? '{}') as { timings?: { receivedAt?: number } }
          seen(now - Number(decision.timings?.receivedAt ?? now))
        }
      } else {
        const decoded = await decoder.decodeBatch(batch.messages)
        for (const r of decoded) seen(r.ok ? now - Number(r.value.timings.receivedAt) : 0)
      }
    }
  })

  const take = (n: number): Message[] => {
    const stamp = String(Date.now())
    const out: Message[] = new Array<Message>(n)
    for (let i = 0; i < n; i++) {
      const e = source()
      out[i] = { key: e.key, value: e.value, timestamp: stamp }
    }
    return out
  }

  const offer = async (rate: number | 'max', untilMs: number): Promise<void> => {
    const inFlight = new Set<Promise<void>>()
    const startedAt = performance.now()
    const sentAtStart = sent
    const due = (): number => rate === 'max'
      ? received + maxOutstanding - sent
      : sentAtStart + Math.floor(((performance.now() - startedAt) / 1000) * rate) - sent
    while (performance.now() < untilMs) {
      if (failure !== null) throw failure as Error
      const want = due()
      if (want <= 0 || inFlight.size >= MAX_IN_FLIGHT) {
        await Promise.race([sleep(2), ...inFlight])
        continue
      }
      const n = Math.min(want, MAX_PER_SEND)
      sent += n
      const send: Promise<void> = producer.send({ topic: target.declarations, acks: -1, messages: take(n) })
        .then(() => {}, (err: unknown) => { failure = err })
        .finally(() => { inFlight.delete(send) })
      inFlight.add(send)
    }
    await Promise.all(inFlight)
  }

  return {
    offer,
    openWindow: () => {
      window = { latency: createLatencyHistogram(), outcomes: 0 }
      return window
    },
    closeWindow: () => { window = null },
    sent: () => sent,
    received: () => received,
    drain: async (timeoutMs) => {
      const deadline = Date.now() + timeoutMs
      while (received < sent && Date.now() < deadline) await sleep(50)
      return received >= sent
    },
    close: async () => { await Promise.allSettled([producer.disconnect(), consumer.disconnect()]) }
  }
}
