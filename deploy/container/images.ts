// The container images of the project and the engine that builds and runs them. Shared by the
// build script (image.ts), the integration setup's container path and the image tests.
import { spawnSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { APICURIO_VERSION, KAFKA_VERSION } from '../../src/stack/services.ts'

const packageJsonUrl = new URL('../../package.json', import.meta.url)
const packageVersion = (JSON.parse(readFileSync(packageJsonUrl, 'utf8')) as { version: string }).version

/** The images `npm run image` builds, by build target. */
export const IMAGES = {
  app: `localhost/parcel-risk:${packageVersion}`,
  kafka: `localhost/parcel-risk-kafka:${KAFKA_VERSION}`,
  registry: `localhost/parcel-risk-registry:${APICURIO_VERSION}`,
  redis: 'localhost/parcel-risk-redis:trixie'
} as const
export type ImageTarget = keyof typeof IMAGES
export const SERVICE_TARGETS = ['kafka', 'registry', 'redis'] as const satisfies readonly ImageTarget[]

/** Bases pulled from the public registry (the default). */
export const PUBLIC_BASES = {
  debian: 'docker.io/library/debian:trixie-slim',
  node: 'docker.io/library/node:24-trixie-slim'
} as const

/** Where no registry can be reached: the same two made here (Debian by debootstrap). */
export const localBases = (nodeVersion: string): { debian: string, node: string } =>
  ({ debian: 'localhost/parcel-risk-base/debian:trixie', node: `localhost/parcel-risk-base/node:${nodeVersion}` })

export type Engine = 'podman' | 'docker'

const answers = (engine: string): boolean =>
  spawnSync(engine, ['info'], { stdio: 'ignore', timeout: 20_000 }).status === 0

/**
 * The container engine to use: PARCEL_RISK_CONTAINER_ENGINE when set, else podman or docker,
 * whichever answers (`info` succeeds; a docker client without a daemon does not answer).
 */
export const findEngine = (): Engine | undefined => {
  const wanted = process.env.PARCEL_RISK_CONTAINER_ENGINE
  if (wanted === 'podman' || wanted === 'docker') return answers(wanted) ? wanted : undefined
  return (['podman', 'docker'] as const).find(answers)
}

export const imageExists = (engine: Engine, image: string): boolean =>
  spawnSync(engine, ['image', 'inspect', image], { stdio: 'ignore' }).status === 0

/** Size of a local image in bytes, or undefined if it does not exist. */
export const imageSize = (engine: Engine, image: string): number | undefined => {
  const r = spawnSync(engine, ['image', 'inspect', '--format', '{{.Size}}', image], { encoding: 'utf8' })
  return r.status === 0 ? Number(r.stdout.trim()) : undefined
}
