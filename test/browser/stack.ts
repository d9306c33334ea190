// The console's browser suite runs the whole loop as child processes against the real stack:
// `parcel-risk run` (the processor), `parcel-risk outcomes` (the outcome loop) and
// `parcel-risk console`, each on the scenario's own topics, groups and Redis prefix, and
// Debian's Chromium driven by playwright-core (no browser download).
import { execFile, spawn, type ChildProcess } from 'node:child_process'
import { createWriteStream } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { Kafka, logLevel } from 'kafkajs'
import { chromium, type Browser, type Page } from 'playwright-core'
import type { Scenario } from '../integration/processor/harness.ts'
import type { ServiceUrls } from '../integration/services.ts'

const cli = new URL('../../src/cli/parcel-risk.ts', import.meta.url).pathname
const run = promisify(execFile)

/** The scenario's settings for the console and the outcome loop. */
export const consoleEnv = (s: Scenario): NodeJS.ProcessEnv => ({
  ...s.env,
  PARCEL_RISK_WARM_UP_DECLARATIONS: '0',
  PARCEL_RISK_CONSOLE_PORT: '0',
  PARCEL_RISK_CONSOLE_GROUP_ID: `it-${s.id}-console`,
  PARCEL_RISK_CONSOLE_AUDIT_TOPIC: `it-${s.id}-audit`,
  PARCEL_RISK_CONSOLE_DLQ_TOPIC: `it-${s.id}-console-dlq`,
  // A lower limit than the default keeps the lockout test short.
  PARCEL_RISK_CONSOLE_SIGN_IN_MAX_FAILURES_PER_USER: '3',
  PARCEL_RISK_OUTCOMES_GROUP_ID: `it-${s.id}-outcomes`,
  PARCEL_RISK_TOPIC_OUTCOMES_DLQ: `it-${s.id}-outcomes-dlq`,
  PARCEL_RISK_OUTCOMES_HTTP_PORT: '0'
})

/** Starts a long-running command; resolves with the first match of `ready` in its output. */
export const startChild = async (
  env: NodeJS.ProcessEnv, args: string[], ready: RegExp, children: ChildProcess[]
): Promise<RegExpExecArray> => {
  const log = createWriteStream(join(tmpdir(), `parcel-risk-browser-${args.join('-')}-${process.pid}.log`))
  const child = spawn(process.execPath, [cli, ...args], {
    env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe']
  })
  children.push(child)
  let buffered = ''
  return await new Promise((resolve, reject) => {
    const seen = (chunk: Buffer): void => {
      log.write(chunk)
      buffered += chunk.toString()
      const match = ready.exec(buffered)
      if (match !== null) resolve(match)
    }
    child.stdout?.on('data', seen)
    child.stderr?.on('data', seen)
    child.once('exit', (code) => {
      reject(new Error(`${args.join(' ')} exited (${code}) before it was ready: ${buffered.slice(-2_000)}`))
    })
  })
}

export const addUser = async (env: NodeJS.ProcessEnv, name: string, role: string, password: string): Promise<void> => {
  await run(process.execPath, [cli, 'console', 'user', 'add', name, '--role', role], {
    env: { ...process.env, ...env, PARCEL_RISK_CONSOLE_PASSWORD: password }
  })
}

export const stopChildren = async (children: ChildProcess[]): Promise<void> => {
  await Promise.all(children.splice(0).map(async (c) => {
    if (c.exitCode !== null || c.signalCode !== null) return
    const exited = new Promise((resolve) => c.once('exit', resolve))
    c.kill('SIGTERM')
    const timer = setTimeout(() => c.kill('SIGKILL'), 10_000)
    await exited
    clearTimeout(timer)
  }))
}

export const launchChromium = async (): Promise<Browser> =>
  await chromium.launch({
    executablePath: process.env.PARCEL_RISK_CHROMIUM ?? '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-dev-shm-usage']
  })

export const signIn = async (page: Page, base: string, user: string, password: string): Promise<void> => {
  await page.goto(new URL('/login', base).href)
  await page.fill('input[name=user]', user)
  await page.fill('input[name=password]', password)
  await Promise.all([page.waitForURL((u) => !u.pathname.startsWith('/login')), page.click('#login button')])
}

/** JSON records of a topic from its beginning until `done` holds or the time is up. */
export const readJsonTopic = async <T>(
  services: ServiceUrls, topic: string, done: (records: readonly T[]) => boolean, timeoutMs: number
): Promise<T[]> => {
  const kafka = new Kafka({
    clientId: 'it-browser-reader', brokers: services.kafkaBrokers.split(','), logLevel: logLevel.NOTHING
  })
  const consumer = kafka.consumer({ groupId: `it-read-${Math.random().toString(36).slice(2)}` })
  const records: T[] = []
  await consumer.connect()
  try {
    await consumer.subscribe({ topic, fromBeginning: true })
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        reject(new Error(`${topic}: condition not met within ${timeoutMs} ms (${records.length} records)`))
      }, timeoutMs)
      void consumer.run({
        eachMessage: async ({ message }) => {
          if (message.value !== null) records.push(JSON.parse(message.value.toString()) as T)
          if (done(records)) {
            clearTimeout(timer)
            resolve()
          }
        }
      })
    })
  } finally {
    await consumer.disconnect()
  }
  return records
}
