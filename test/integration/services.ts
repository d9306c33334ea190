// How the integration suites find real Kafka, schema registry and Redis, in this order:
//   1. KAFKA_BROKERS, SCHEMA_REGISTRY_URL and REDIS_URL from the environment, when all set;
//   2. containers through testcontainers, when a container runtime answers;
//   3. the project's local stack (src/stack), stopped afterwards only if we started it.
// The containers project (`npm run test:containers`) always takes the second.
// Suites read the chosen URLs with `inject('services')`.
import { randomBytes } from 'node:crypto'
import type { StartedTestContainer } from 'testcontainers'
import { IMAGES } from '../../deploy/container/images.ts'
import { down, up, type Service } from '../../src/stack/stack.ts'
import { freePort } from '../../src/cli/demo/processor-child.ts'

export interface ServiceUrls {
  readonly kafkaBrokers: string
  readonly schemaRegistryUrl: string
  readonly redisUrl: string
  /** Where they came from, printed once so a reader of the test log knows what ran. */
  readonly source: 'environment' | 'containers' | 'local-stack'
  /** True when Redis can be stopped and restarted through the local stack. */
  readonly redisControllable: boolean
  /** Replicas of the topics the suites create: 3 on the three-broker profile, else 1. */
  readonly replicationFactor?: number
  /** Seed nodes (comma-separated host:port) on the Redis Cluster profile; then redisUrl is one of them. */
  readonly redisClusterNodes?: string
}

export interface Acquired {
  readonly urls: ServiceUrls
  readonly release: () => Promise<void>
}

const fromEnvironment = (): ServiceUrls | undefined => {
  const { KAFKA_BROKERS, SCHEMA_REGISTRY_URL, REDIS_URL } = process.env
  if (!KAFKA_BROKERS || !SCHEMA_REGISTRY_URL || !REDIS_URL) return undefined
  return {
    kafkaBrokers: KAFKA_BROKERS,
    schemaRegistryUrl: SCHEMA_REGISTRY_URL,
    redisUrl: REDIS_URL,
    source: 'environment',
    redisControllable: false
  }
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

// The project's own service images (`npm run image -- services`), not public ones: they are
// what the compose file runs, and they can be built where no image registry is reachable.
// Kafka advertises the address clients use, so its container port is published on a host
// port chosen here rather than a random one the engine picks after start-up.
const fromContainers = async (): Promise<Acquired> => {
  const { GenericContainer, ImageName, Wait, getContainerRuntimeClient } = await import('testcontainers')
  const client = await getContainerRuntimeClient()
  const images = [IMAGES.kafka, IMAGES.registry, IMAGES.redis]
  const absent: string[] = []
  for (const image of images) if (!(await client.image.exists(ImageName.fromString(image)))) absent.push(image)
  if (absent.length > 0) {
    throw new Error(`container images missing: ${absent.join(', ')}; build them with ` +
      '`npm run image -- services` (add --local-base where no registry can be reached)')
  }
  const kafkaPort = await freePort()
  // Java services start slowly on a busy machine; four minutes before giving up.
  const startupTimeoutMs = 240_000
  const started = await Promise.allSettled([
    new GenericContainer(IMAGES.kafka)
      .withExposedPorts({ container: 9092, host: kafkaPort })
      // A cluster id of our own spares the image one JVM start (its random-uuid step).
      .withEnvironment({ KAFKA_ADVERTISED_LISTENERS: `PLAINTEXT://127.0.0.1:${kafkaPort}`, CLUSTER_ID: randomBytes(16).toString('base64url') })
      .withWaitStrategy(Wait.forLogMessage('Kafka Server started'))
      .withStartupTimeout(startupTimeoutMs)
      .start(),
    new GenericContainer(IMAGES.registry).withExposedPorts(8080)
      .withWaitStrategy(Wait.forHttp('/apis/ccompat/v7/subjects', 8080))
      .withStartupTimeout(startupTimeoutMs)
      .start(),
    new GenericContainer(IMAGES.redis).withExposedPorts(6379)
      .withWaitStrategy(Wait.forLogMessage('Ready to accept connections'))
      .withStartupTimeout(startupTimeoutMs)
      .start()
  ])
  const running = started.flatMap((s) => s.status === 'fulfilled' ? [s.value] : [])
  const failed = started.find((s) => s.status === 'rejected')
  if (failed !== undefined) {
    // Leave nothing behind when one of the three did not come up.
    await Promise.allSettled(running.map(async (c) => await c.stop()))
    throw failed.reason
  }
  const [kafka, registry, redis] = running as [StartedTestContainer, StartedTestContainer, StartedTestContainer]
  return {
    urls: {
      kafkaBrokers: `127.0.0.1:${kafkaPort}`,
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

/**
 * The services for a test run. With `containersOnly` (the containers project) a missing
 * container runtime is an error rather than a reason to fall back to the local stack.
 */
export const acquireServices = async (options: { containersOnly?: boolean } = {}): Promise<Acquired> => {
  const env = fromEnvironment()
  if (env !== undefined && options.containersOnly !== true) return { urls: env, release: async () => {} }
  if (await containerRuntimeAnswers()) return await fromContainers()
  if (options.containersOnly === true) {
    throw new Error('no container runtime answers ' +
      '(testcontainers found none; set DOCKER_HOST to a Docker or podman socket)')
  }
  return await fromLocalStack()
}
