// The local stack's start-up guarantees, driven through its command line as a user would:
// a port that is taken stops `up` before anything starts, and a service that fails to start
// leaves none of the stack's processes behind. A second stack (its own ports and run
// directory) is used so the suite's own stack is not touched.
import { spawnSync } from 'node:child_process'
import { chmodSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { createServer, type Server } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { portFree } from '../../src/stack/process.ts'

const stackCli = join(import.meta.dirname, '../../src/cli/stack.ts')
const runDir = mkdtempSync(join(tmpdir(), 'parcel-risk-stack-test-'))

/** Five free ports in a band below the ephemeral range, so nothing else is handed them meanwhile. */
const freePorts = async (from: number): Promise<number[]> => {
  const found: number[] = []
  for (let port = from; found.length < 5 && port < from + 500; port++) {
    if (await portFree(port)) found.push(port)
  }
  return found
}

const [kafkaPort, controllerPort, registryPort, managementPort, redisPort] = await freePorts(28_100)
const env = {
  ...process.env,
  PARCEL_RISK_STACK_RUN_DIR: runDir,
  PARCEL_RISK_KAFKA_PORT: String(kafkaPort),
  PARCEL_RISK_KAFKA_CONTROLLER_PORT: String(controllerPort),
  PARCEL_RISK_REGISTRY_PORT: String(registryPort),
  PARCEL_RISK_REGISTRY_MANAGEMENT_PORT: String(managementPort),
  PARCEL_RISK_REDIS_PORT: String(redisPort)
}

const stack = (
  args: string[], extraEnv: Record<string, string> = {}
): { status: number | null, stdout: string, stderr: string } => {
  const r = spawnSync(process.execPath, [stackCli, ...args], {
    env: { ...env, ...extraEnv }, encoding: 'utf8', timeout: 120_000
  })
  return { status: r.status, stdout: r.stdout, stderr: r.stderr }
}

const listen = (port: number): Promise<Server> => new Promise((resolve, reject) => {
  const server = createServer()
  server.once('error', reject)
  server.listen({ host: '127.0.0.1', port }, () => resolve(server))
})

afterAll(() => {
  stack(['down'])
  rmSync(runDir, { recursive: true, force: true })
})

describe('local stack > start-up', () => {
  it('refuses to start when a port is taken, naming the port, its holder and the override (exit 3)', async () => {
    const holder = await listen(Number(kafkaPort))
    try {
      const r = stack(['up', 'redis', 'kafka'])
      expect(r.status).toBe(3)
      expect(r.stderr).toContain('E_STACK_PORT_TAKEN')
      expect(r.stderr).toContain(`kafka: 127.0.0.1:${kafkaPort} is in use`)
      expect(r.stderr).toContain(`pid ${process.pid}`)
      expect(r.stderr).toContain('PARCEL_RISK_KAFKA_PORT')
      // Nothing was started: not even Redis, whose port is free.
      expect(existsSync(join(runDir, 'redis.pid'))).toBe(false)
      expect(await portFree(Number(redisPort))).toBe(true)
    } finally {
      await new Promise((resolve) => holder.close(resolve))
    }
  })

  it('stops the services it started when another one fails to start, and status shows all down', async () => {
    // A Java that reports a usable version but cannot run anything: the registry exits
    // during start-up, after Redis is already up.
    const fakeHome = join(runDir, 'broken-java')
    mkdirSync(join(fakeHome, 'bin'), { recursive: true })
    const java = join(fakeHome, 'bin', 'java')
    writeFileSync(java, '#!/bin/sh\n' +
      'if [ "$1" = "-version" ]; then echo \'openjdk version "21.0.9"\' >&2; exit 0; fi\n' +
      'echo "Error: broken java for the test" >&2\nexit 1\n')
    chmodSync(java, 0o755)

    const r = stack(['up', 'redis', 'registry'], { JAVA_HOME: fakeHome })
    expect(r.status).toBe(1)
    expect(r.stderr).toMatch(/redis: ready/)
    expect(r.stderr).toMatch(/registry: registry exited during start-up/)
    expect(r.stderr).toContain('broken java for the test')
    expect(r.stderr).toMatch(/stopping what this call started: redis, registry/)

    const s = stack(['status', 'redis', 'registry'])
    expect(s.status).toBe(1)
    expect(s.stdout).toMatch(/redis\s+down/)
    expect(s.stdout).toMatch(/registry\s+down/)
    expect(existsSync(join(runDir, 'redis.pid'))).toBe(false)
    expect(existsSync(join(runDir, 'registry.pid'))).toBe(false)
    expect(await portFree(Number(redisPort))).toBe(true)
  })
})
