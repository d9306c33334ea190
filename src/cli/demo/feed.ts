// The demo's producer: the seeded synthetic stream (src/generate/), Avro in the Confluent
// wire format, paced at a fixed rate, with a share of poison records (poison.ts). Sends
// what is due every 20 ms in one acknowledged batch; a slow send is caught up on the next.
import { avroType, readSchema } from '../../codec/avro-types.ts'
import { createEncoder } from '../../codec/encoder.ts'
import type { Kafka } from 'kafkajs'
import type { Registry } from '../../codec/registry.ts'
import type { ParcelDeclaration } from '../../declaration.ts'
import { createRng } from '../../generate/rng.ts'
import { generateDeclarations } from '../../generate/stream.ts'
import { openTopicWriter } from '../../publish/topic-writer.ts'
import { poison } from './poison.ts'

export interface FeedOptions {
  /** From the one client factory (src/kafka/client.ts). */
  readonly kafka: Kafka
  readonly registry: Pick<Registry, 'register'>
  readonly topic: string
  readonly seed: number
  readonly rate: number
  readonly poisonRate: number
  /** Called after each acknowledged batch with how many records and poison records it held. */
  readonly onSent: (records: number, poison: number) => void
}

export interface Feed {
  /** Stops after the batch in flight; resolves once it is acknowledged and the producer closed. */
  readonly stop: () => Promise<void>
  /** Rejects if producing fails. */
  readonly done: Promise<void>
}

const TICK_MS = 20

export const startFeed = async (options: FeedOptions): Promise<Feed> => {
  const schema = readSchema('ParcelDeclaration')
  const schemaId = await options.registry.register(`${options.topic}-value`, schema)
  const encoder = createEncoder<ParcelDeclaration>(avroType(schema), schemaId)
  const encode = (d: ParcelDeclaration): Buffer => {
    const encoded = encoder.encode(d)
    if (!encoded.ok) throw encoded.error
    return encoded.value
  }
  const writer = await openTopicWriter(options.kafka, {
    topic: options.topic, partitions: 12, replicationFactor: 1, batchSize: Number.MAX_SAFE_INTEGER
  })
  const stream = generateDeclarations({ seed: options.seed })
  const poisonRng = createRng(options.seed ^ 0x0bad5eed)
  let running = true
  let sent = 0

  const sendDue = async (due: number): Promise<void> => {
    let poisoned = 0
    for (let i = 0; i < due; i++) {
      const { declaration } = stream.next().value as { declaration: ParcelDeclaration }
      if (options.poisonRate > 0 && poisonRng.chance(options.poisonRate)) {
        const p = poison(poisonRng, declaration)
        await writer.write(declaration.declarationId, 'bytes' in p ? p.bytes : encode(p.declaration))
        poisoned++
      } else {
        await writer.write(declaration.declarationId, encode(declaration))
      }
    }
    await writer.flush()
    sent += due
    options.onSent(due, poisoned)
  }

  const started = performance.now()
  const loop = async (): Promise<void> => {
    try {
      while (running) {
        const due = Math.floor(((performance.now() - started) / 1000) * options.rate) - sent
        // At most one second's worth per batch, so a stall does not become one huge send.
        if (due > 0) await sendDue(Math.min(due, Math.max(1, Math.ceil(options.rate))))
        else await new Promise((resolve) => setTimeout(resolve, TICK_MS))
      }
    } finally {
      await writer.close()
    }
  }
  const done = loop()
  const stop = async (): Promise<void> => {
    running = false
    await done
  }
  return { stop, done }
}
