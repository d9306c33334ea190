import type { TestProject } from 'vitest/node'
import { silenceKafkajsTimeoutWarning } from '../../src/kafka/node-warnings.ts'
import { acquireServices, type ServiceUrls } from './services.ts'

declare module 'vitest' {
  export interface ProvidedContext {
    services: ServiceUrls
  }
}

export default async function setup (project: TestProject): Promise<() => Promise<void>> {
  silenceKafkajsTimeoutWarning()
  const started = Date.now()
  const { urls, release } = await acquireServices({ containersOnly: project.name === 'containers' })
  process.stderr.write(`[integration] services from ${urls.source} in ${Date.now() - started} ms: ` +
    `kafka ${urls.kafkaBrokers}, registry ${urls.schemaRegistryUrl}, redis ${urls.redisUrl}\n`)
  project.provide('services', urls)
  return release
}
