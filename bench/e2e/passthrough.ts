// The baseline of bench/e2e.ts: a no-work Kafka passthrough built from the processor's own
// ingest and publish modules with the same configuration (src/config-load.ts, from the same
// environment), so it has the same kafkajs settings: the same consumer group options,
// batching (maxBatchRecords chunks, partitionsConsumedConcurrently), one sendBatch with
// acks -1 per chunk, offsets committed after the acknowledgement. The only difference:
// each chunk's records are produced unchanged (key, value bytes, timestamp) to the
// decisions topic instead of being decoded, validated, enriched and scored.
//   node bench/e2e/passthrough.ts        runs until SIGTERM, then exits 0
import type { Message } from 'kafkajs'
import { createIngest } from '../../src/ingest/consumer.ts'
import { createProducer, createPublisher } from '../../src/publish/producer.ts'
import type { OutgoingRecord } from '../../src/record.ts'
import { startChild } from './child.ts'

const { config, log, kafka } = await startChild()
const k = config.kafka
const producer = createProducer(kafka)
await producer.connect()
const publisher = createPublisher({ ...k, producer })
const ingest = createIngest({
  kafka,
  config: { ...k, topic: k.topics.declarations, deliveryMode: 'at-least-once' },
  handle: async (records) => {
    // The input timestamp travels on, so the consumer measures from the original produce time.
    const out = records.map((r): Message => ({ key: r.key, value: r.value, timestamp: String(r.timestampMs) }))
    await publisher.publishBatch({ decisions: out as OutgoingRecord[], deadLetters: [] })
  },
  log: log.child({ module: 'ingest' }),
  onFatal: (err) => {
    log.fatal({ err }, 'passthrough failed')
    process.exit(1)
  }
})
await ingest.start()
log.info('passthrough running')
process.once('SIGTERM', () => {
  void (async () => {
    await ingest.stop()
    await producer.disconnect()
    process.exit(0)
  })()
})
