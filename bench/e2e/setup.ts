// What bench/e2e.ts and bench/soak.ts set up the same way: the pool of encoded declarations
// they cycle through, and the run's topics.
import { Kafka, logLevel } from 'kafkajs'
import { avroType, readSchema } from '../../src/codec/avro-types.ts'
import { createEncoder } from '../../src/codec/encoder.ts'
import { loadConfig } from '../../src/config-load.ts'
import type { ParcelDeclaration } from '../../src/declaration.ts'
import { generateDeclarations } from '../../src/generate/stream.ts'
import { ensureTopics } from '../../src/kafka/topics.ts'
import type { Services } from '../../src/cli/demo/run-setup.ts'
import type { Encoded } from './load.ts'

export const declarationSchema = readSchema('ParcelDeclaration')

/**
 * `size` encoded declarations of the seeded stream, built before any timing so generating
 * them costs nothing during a measurement; callers cycle through it.
 */
export const buildPool = (schemaId: number, seed: number, size: number): Encoded[] => {
  const encoder = createEncoder<ParcelDeclaration>(avroType(declarationSchema), schemaId)
  const pool: Encoded[] = []
  for (const { declaration } of generateDeclarations({ seed })) {
    const r = encoder.encode(declaration)
    if (!r.ok) throw r.error
    pool.push({ key: declaration.declarationId, value: Buffer.from(r.value) })
    if (pool.length >= size) break
  }
  return pool
}

// Topic creation right after another run deleted its topics can meet a broker still busy
// with the deletions (UNKNOWN_TOPIC_OR_PARTITION while waiting for leaders); try again.
export const createTopics = async (services: Services, env: Record<string, string>, attempts = 3): Promise<void> => {
  const config = loadConfig({ env: { ...process.env, ...env } })
  const kafka = new Kafka({
    clientId: 'parcel-risk-bench', brokers: services.KAFKA_BROKERS.split(','), logLevel: logLevel.NOTHING
  })
  const admin = kafka.admin()
  await admin.connect()
  try {
    await ensureTopics(admin, config.kafka)
  } catch (err) {
    if (attempts <= 1) throw err
    await new Promise((resolve) => setTimeout(resolve, 2_000))
    await createTopics(services, env, attempts - 1)
  } finally {
    await admin.disconnect()
  }
}
