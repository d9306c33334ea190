// How the integration suites find real Kafka, schema registry and Redis, in this order:
//   1. KAFKA_BROKERS, SCHEMA_REGISTRY_URL and REDIS_URL from the environment, when all set;
//   2. containers through testcontainers, when a container runtime answers;
//   3. the project's local stack (src/stack), stopped afterwards only if we started it.
// Suites read the chosen URLs with `inject('services')`.
import { down, up, type Service } from '../../src/stack/stack.ts'

export interface ServiceUrls {
  readonly kafkaBrokers: string
  readonly schemaRegistryUrl: string
  readonly redisUrl: string
  /** Where they came from, printed once so a reader of the test log knows what ran. */
  readonly source: 'environment' | 'containers' | 'local-stack'
  /** True when Redis can be stopped and restarted through the local stack. */
  readonly redisControllable: boolean
}

export interface Acquired {
  readonly urls: ServiceUrls
  readonly release: () => Promise<void>
}

const fromEnvironment = (): ServiceUrls | undefined => {
  const { KAFKA_BROKERS, SCHEMA_REGISTRY_URL, REDIS_URL } = process.env
  if (!KAFKA_BROKERS || !SCHEMA_REGISTRY_URL || !REDIS_URL) return undefined
  return { kafkaBrokers: KAFKA_BROKERS, schemaRegistryUrl: SCHEMA_REGISTRY_URL, redisUrl: REDIS_URL, source: 'environment', redisControllable: false }
}

const containerRuntimeAnswers = async (): Promise<boolean> => {
  const { getContainerRuntimeClient } = await import('testcontainers')
  try {
    await getContainerRuntimeClient()
    return true
  } catch {
    return false
  }
}

const fromContainers = async (): Promise<Acquired> => {
  const { GenericContainer, Wait } = await import('testcontainers')
  const { KafkaContainer } = await import('@testcontainers/kafka')
  const [kafka, registry, redis] = await Promise.all([
    new KafkaContainer('confluentinc/cp-kafka:8.0.0').withKraft().start(),
    new GenericContainer('apicurio/apicurio-registry:3.3.3').withExposedPorts(8080)
      .withWaitStrategy(Wait.forHttp('/apis/ccompat/v7/subjects', 8080)).start(),
    new GenericContainer('redis:7').withExposedPorts(6379).withWaitStrategy(Wait.forLogMessage('Ready to accept connections')).start()
  ])
  return {
    urls: {
      kafkaBrokers: `${kafka.getHost()}:${kafka.getMappedPort(9093)}`,
      schemaRegistryUrl: `http://${registry.getHost()}:${registry.getMappedPort(8080)}/apis/ccompat/v7`,
      redisUrl: `redis://${redis.getHost()}:${redis.getMappedPort(6379)}`,
      source: 'containers',
      redisControllable: false
    },
    release: async () => { await Promise.all([kafka.stop(), registry.stop(), redis.stop()]) }
  }
}

const fromLocalStack = async (): Promise<Acquired> => {
  const result = await up(undefined, (line) => process.stderr.write(`[stack] ${line}\n`))
  const started: Service[] = result.started
  return {
    urls: {
      kafkaBrokers: result.env.KAFKA_BROKERS,
      schemaRegistryUrl: result.env.SCHEMA_REGISTRY_URL,
      redisUrl: result.env.REDIS_URL,
      source: 'local-stack',
      redisControllable: true
    },
    release: async () => { if (started.length > 0) await down(started) }
  }
}

export const acquireServices = async (): Promise<Acquired> => {
  const env = fromEnvironment()
  if (env !== undefined) return { urls: env, release: async () => {} }
  if (await containerRuntimeAnswers()) return await fromContainers()
  return await fromLocalStack()
}
