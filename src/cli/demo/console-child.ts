// The demo's console: `parcel-risk console` and `parcel-risk outcomes` (which feeds the rule
// performance page) as child processes on the run's topics and Redis prefix, and a demo
// officer with a fresh random password, printed with the console's URL. Both children stop
// with the demo; the run's clean-up deletes their topics and keys with the rest.
import { spawn, type ChildProcess } from 'node:child_process'
import { closeSync, openSync } from 'node:fs'
import { randomBytes } from 'node:crypto'
import { setPriority } from 'node:os'
import { createAuthStore } from '../../console/auth.ts'
import { consolePrefix } from '../../console/store.ts'
import { connectRedis } from '../../enrich/redis-client.ts'
import { freePort, tailOf } from './processor-child.ts'
import { quietLog, servicesConfig, type RunNames, type Services } from './run-setup.ts'

const cli = new URL('../parcel-risk.ts', import.meta.url).pathname

export const DEMO_USER = 'demo-officer'
/** The console's default port when it is free, so the printed URL is the usual one. */
const PREFERRED_PORT = 9470

export interface DemoConsole {
  readonly url: string
  readonly user: string
  readonly password: string
  readonly stop: () => Promise<void>
}

const portFree = async (port: number): Promise<boolean> =>
  await fetch(`http://127.0.0.1:${port}/`, { signal: AbortSignal.timeout(500) }).then(() => false, () => true)

const spawnChild = (args: string[], env: Record<string, string>, logFile: string): ChildProcess => {
  const log = openSync(logFile, 'a')
  const child = spawn(process.execPath, [cli, ...args], {
    env: { ...process.env, ...env }, stdio: ['ignore', log, log], detached: true
  })
  closeSync(log)
  // Below the processor's priority: on the demo's one machine they share its cores, where a
  // deployment gives them their own; the latencies shown are the processor's.
  if (child.pid !== undefined) {
    try {
      setPriority(child.pid, 10)
    } catch { /* not permitted: same priority */ }
  }
  return child
}

const stopChild = async (child: ChildProcess): Promise<void> => {
  if (child.exitCode !== null || child.signalCode !== null) return
  const exited = new Promise((resolve) => child.once('exit', resolve))
  child.kill('SIGTERM')
  const timer = setTimeout(() => {
    child.kill('SIGKILL')
  }, 15_000)
  await exited
  clearTimeout(timer)
}

export const startDemoConsole = async (
  services: Services, names: RunNames, runEnv: Record<string, string>, logFile: string
): Promise<DemoConsole> => {
  const password = randomBytes(12).toString('base64url')
  const config = servicesConfig(services)
  const redis = await connectRedis(config.redis, quietLog, 30_000)
  try {
    const auth = createAuthStore(redis, consolePrefix(names.redisPrefix, false), config.console.sessionTtlMs)
    await auth.putUser(DEMO_USER, 'officer', password)
  } finally {
    redis.disconnect()
  }
  const port = await portFree(PREFERRED_PORT) ? PREFERRED_PORT : await freePort()
  const env = {
    ...runEnv,
    PARCEL_RISK_CONSOLE_PORT: String(port),
    PARCEL_RISK_CONSOLE_GROUP_ID: `${names.groupId}-console`,
    PARCEL_RISK_OUTCOMES_GROUP_ID: `${names.groupId}-outcomes`,
    PARCEL_RISK_OUTCOMES_HTTP_PORT: String(await freePort())
  }
  const outcomes = spawnChild(['outcomes'], env, logFile)
  const consoleChild = spawnChild(['console'], env, logFile)
  const stop = async (): Promise<void> => {
    await Promise.all([stopChild(consoleChild), stopChild(outcomes)])
  }
  const url = `http://localhost:${port}/`
  const up = async (probe: string): Promise<boolean> =>
    await fetch(probe, { signal: AbortSignal.timeout(1_000) }).then((r) => r.ok, () => false)
  // Both ready (the console serving, the outcome intake in its group) before the demo feeds,
  // so their start-up does not share the cores with the first seconds of decisions.
  const deadline = Date.now() + 120_000
  while (Date.now() < deadline) {
    if (consoleChild.exitCode !== null || outcomes.exitCode !== null) break
    const ok = await up(`${url}healthz`) && await up(`http://127.0.0.1:${env.PARCEL_RISK_OUTCOMES_HTTP_PORT}/readyz`)
    if (ok) return { url, user: DEMO_USER, password, stop }
    await new Promise((resolve) => setTimeout(resolve, 250))
  }
  await stop()
  throw new Error(`the console did not start; its log (${logFile}) ends:\n${tailOf(logFile, 15)}`)
}
