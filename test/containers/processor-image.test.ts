// The processor's image as an operator runs it: configuration from environment variables only,
// the ruleset from a mounted directory, a read-only root filesystem, an unprivileged user. It
// decides a generated stream against the real Kafka, registry and Redis, its HEALTHCHECK
// command passes, and SIGTERM stops it with exit code 0 (drained and committed, not killed).
// Host networking lets the container reach the services wherever the setup found them.
import { cpSync, chmodSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { GenericContainer, getContainerRuntimeClient, Wait, type StartedTestContainer } from 'testcontainers'
import { afterEach, describe, expect, inject, it } from 'vitest'
import { IMAGES } from '../../deploy/container/images.ts'
import { freePort } from '../../src/cli/demo/processor-child.ts'
import { collect, produceStream, scenario, waitUntil, type Collector } from '../integration/processor/harness.ts'

const services = inject('services')
const cleanups: Array<() => Promise<unknown>> = []
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => undefined)
})

class ProcessorContainer extends GenericContainer {
  withReadOnlyRootFilesystem (): this {
    this.hostConfig.ReadonlyRootfs = true
    return this
  }
}

/** A copy of the reference ruleset under a version of its own, readable by the image's user. */
const mountedRuleset = (version: string): string => {
  const dir = mkdtempSync(join(tmpdir(), 'parcel-risk-image-rules-'))
  cpSync(fileURLToPath(new URL('../../rules/eu-lvc', import.meta.url)), dir, { recursive: true })
  chmodSync(dir, 0o755)
  const manifest = join(dir, 'ruleset.yaml')
  writeFileSync(manifest, readFileSync(manifest, 'utf8').replace(/^version: .*$/m, `version: ${version}`))
  return dir
}

describe('image > processor', () => {
  it('decides 10,000 declarations with only environment variables and a mounted ruleset, ' +
    'then exits 0 on SIGTERM', async () => {
    const httpPort = await freePort()
    // Nothing is killed here, so a session timeout long enough that a busy machine cannot
    // cost the member its partitions (and the stream a redelivery) mid-run.
    const s = scenario(services, {
      PARCEL_RISK_HTTP_PORT: String(httpPort),
      PARCEL_RISK_KAFKA_SESSION_TIMEOUT_MS: '30000',
      PARCEL_RISK_KAFKA_HEARTBEAT_INTERVAL_MS: '3000'
    })
    const produced = await produceStream(services, s, 10_000, { seed: 23, poisonEvery: 0 })
    const rules = mountedRuleset('2026.11.0-mounted')
    const env = Object.fromEntries(Object.entries(s.env).filter((e): e is [string, string] => e[1] !== undefined))
    const container: StartedTestContainer = await new ProcessorContainer(IMAGES.app)
      .withReadOnlyRootFilesystem()
      .withAutoRemove(false)
      .withNetworkMode('host')
      .withEnvironment(env)
      .withBindMounts([{ source: rules, target: '/rules', mode: 'ro' }])
      .withWaitStrategy(Wait.forLogMessage(/"msg":"processor running"/))
      .withStartupTimeout(90_000)
      .start()
    let stopped = false
    cleanups.push(async () => {
      if (!stopped) await container.stop({ timeout: 10_000, remove: true })
    })
    const reader: Collector = await collect(services, s)
    cleanups.push(async () => {
      await reader.stop()
    })

    // Every declaration answered once: a decision, or a dead letter for the generator's share
    // of invalid data (malformed IOSS numbers), never anything else.
    await waitUntil('10,000 answers', async () => reader.distinct() >= 10_000, 240_000)
    const { decisions, deadLetters } = reader.collected
    expect(produced.keys.filter((key) => !decisions.has(key) && !deadLetters.has(key))).toEqual([])
    const answers = [...decisions.values(), ...deadLetters.values()].reduce((n, list) => n + list.length, 0)
    expect(answers).toBe(10_000)
    expect(decisions.size).toBeGreaterThan(9_900)
    expect([...new Set([...deadLetters.values()].flat())].filter((code) => !code.startsWith('E_VALIDATE_'))).toEqual([])
    const versions = new Set([...reader.collected.decisions.values()].flat().map((d) => d.ruleset.version))
    expect([...versions]).toEqual(['2026.11.0-mounted'])

    // The image's HEALTHCHECK command, run where the engine would run it.
    const client = await getContainerRuntimeClient()
    const handle = client.container.getById(container.getId())
    const test = (await handle.inspect()).Config.Healthcheck?.Test ?? []
    expect(test[0]).toBe('CMD')
    const health = await container.exec(test.slice(1))
    expect(health.exitCode, health.output).toBe(0)

    const stopping = Date.now()
    await container.stop({ timeout: 30_000, remove: false })
    stopped = true
    const state = (await handle.inspect()).State
    cleanups.push(async () => {
      await handle.remove({ force: true })
    })
    expect(state.ExitCode).toBe(0)
    expect(Date.now() - stopping).toBeLessThan(30_000)
  }, 420_000)
})
