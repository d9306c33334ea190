// `parcel-risk demo`, start to end:
//   stack → run names → profiles into Redis → processor (child) ready → watch outcomes →
//   feed declarations, live summary every second → stop feeding (duration or Ctrl-C) →
//   drain the last outcomes → SIGTERM the processor, wait for exit 0 → final summary →
//   delete the run's topics and Redis keys (unless --keep).
import { randomBytes } from 'node:crypto'
import { mkdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { createRegistry } from '../../codec/registry.ts'
import { createKafka } from '../../kafka/client.ts'
import { dirs, up } from '../../stack/stack.ts'
import { breakdownOf, renderBreakdown } from './breakdown.ts'
import { startFeed } from './feed.ts'
import type { DemoOptions } from './options.ts'
import { startDemoConsole, type DemoConsole } from './console-child.ts'
import { spawnProcessor } from './processor-child.ts'
import { redraw, renderLine, renderPanel } from './render.ts'
import {
  cleanUp, loadProfiles, processorEnv, quietLog, runNames, servicesConfig, settleRedisPersistence, type RunNames,
  type Services
} from './run-setup.ts'
import { createSummary, recordDeadLetter, recordDecision, view, type SummaryView } from './summary.ts'
import { startWatch } from './watch.ts'

export interface DemoIo {
  readonly out: { write: (text: string) => unknown, readonly isTTY?: boolean }
  readonly err: { write: (text: string) => unknown }
  /** Aborted on Ctrl-C: stop feeding and shut down as at the end of --duration. */
  readonly interrupt: AbortSignal
}

export interface DemoResult {
  /** The run's topics, group and Redis prefix (deleted at the end unless options.keep). */
  readonly names: RunNames
  readonly summary: SummaryView
  readonly processorExitCode: number | null
  readonly unreadable: number
  /** Every declaration sent was decided or dead-lettered, and the processor exited with 0. */
  readonly ok: boolean
}

/** The environment's services when all three are set, else the local stack (started if needed). */
export const resolveServices = async (say: (line: string) => void): Promise<Services> => {
  const { KAFKA_BROKERS, SCHEMA_REGISTRY_URL, REDIS_URL } = process.env
  const set = (v: string | undefined): v is string => v !== undefined && v !== ''
  if (set(KAFKA_BROKERS) && set(SCHEMA_REGISTRY_URL) && set(REDIS_URL)) {
    return { KAFKA_BROKERS, SCHEMA_REGISTRY_URL, REDIS_URL }
  }
  const { env, started } = await up(undefined, say)
  say(started.length > 0 ? `local stack started: ${started.join(', ')}` : 'local stack already running')
  return env
}

const sleep = async (ms: number): Promise<void> => {
  await new Promise((resolve) => setTimeout(resolve, ms))
}

/** Resolves after `ms` (never when undefined), or when `signal` aborts, whichever first. */
const until = async (ms: number | undefined, signal: AbortSignal, also: Promise<unknown>): Promise<void> => {
  if (signal.aborted) return
  await Promise.race([
    also,
    new Promise<void>((resolve) => {
      const timer = ms === undefined ? undefined : setTimeout(resolve, ms)
      signal.addEventListener('abort', () => {
        clearTimeout(timer)
        resolve()
      }, { once: true })
    })
  ])
}

/** `services`: where Kafka, the registry and Redis are; default resolveServices(). */
export const runDemo = async (options: DemoOptions, io: DemoIo, services?: Services): Promise<DemoResult> => {
  const say = (line: string): void => {
    io.err.write(`${line}\n`)
  }
  services ??= await resolveServices(say)
  const names = runNames('demo')
  say(`run ${names.runId}: topics ${names.topics.declarations} → ${names.topics.decisions} / ${names.topics.dlq}`)
  const profiles = await loadProfiles(services, names.redisPrefix, options.seed)
  say(`loaded ${profiles} profiles of seed ${options.seed} into Redis (prefix ${names.redisPrefix})`)
  const settled = await settleRedisPersistence(services)
  if (settled !== undefined) say(settled)

  mkdirSync(dirs.run, { recursive: true })
  const identityKey = process.env.PARCEL_RISK_REDIS_IDENTITY_KEY ?? randomBytes(24).toString('hex')
  const runEnv = processorEnv(services, names, options.rulesetDir, identityKey)
  const processor = await spawnProcessor({
    env: runEnv,
    logFile: join(dirs.run, `${names.runId}.log`)
  })
  // Whatever happens to this process, the processor does not outlive it.
  const killOnExit = (): void => {
    try {
      process.kill(processor.pid, 'SIGTERM')
    } catch { /* already gone */ }
  }
  process.once('exit', killOnExit)
  say(`processor pid ${processor.pid}, metrics ${processor.httpUrl}/metrics, log ${processor.logFile}`)

  // Restarted when the feed starts, so rates and elapsed time leave start-up out.
  let summary = createSummary(Date.now())
  let unreadable = 0
  let processorExitCode: number | null = null
  // When the last outcome came in (or the drain gave up): the final rates leave shutdown out.
  let endedMs: number | undefined
  let breakdown: string[] = []
  let webConsole: DemoConsole | undefined
  // The console starts while the processor warms up: their start-ups overlap, and neither
  // shares the cores with the first seconds of the feed.
  const consoleStarting = options.console
    ? startDemoConsole(services, names, runEnv, join(dirs.run, `${names.runId}-console.log`))
    : undefined
  consoleStarting?.catch(() => {})
  try {
    await processor.ready(120_000)
    say('processor ready')
    if (consoleStarting !== undefined) {
      webConsole = await consoleStarting
      say(`console at ${webConsole.url} — sign in as ${webConsole.user} / ${webConsole.password}`)
    }
    const config = servicesConfig(services)
    const registry = createRegistry(config.registry)
    const kafka = createKafka({ ...config.kafka, clientId: 'parcel-risk-demo' }, quietLog)
    const watch = await startWatch({
      kafka,
      registry,
      groupId: `${names.groupId}-watch`,
      decisionsTopic: names.topics.decisions,
      dlqTopic: names.topics.dlq,
      onDecision: (d) => {
        recordDecision(summary, d, Date.now())
      },
      onDeadLetter: (d) => {
        recordDeadLetter(summary, d, Date.now())
      },
      onUnreadable: (reason) => {
        unreadable++
        if (unreadable <= 3) say(`unreadable decision: ${reason}`)
      }
    })
    const context = {
      title: 'parcel-risk demo',
      settings: `rate ${options.rate}/s, seed ${options.seed}, poison ${(options.poisonRate * 100).toFixed(1)} %, ` +
        `ruleset ${options.rulesetDir}`
    }
    const show = (): void => {
      const v = view(summary, Date.now())
      io.out.write(io.out.isTTY === true ? redraw(renderPanel(v, context)) : `${renderLine(v)}\n`)
    }
    const ticker = setInterval(show, 1_000)
    try {
      summary = createSummary(Date.now())
      const feed = await startFeed({
        kafka,
        registry,
        topic: names.topics.declarations,
        seed: options.seed,
        rate: options.rate,
        poisonRate: options.poisonRate,
        onSent: (n, p) => {
          summary.sent += n
          summary.poisonSent += p
        }
      })
      const failed = Promise.race([feed.done, processor.exited]).catch((err: unknown) => {
        say(`feed failed: ${(err as Error).message}`)
      })
      await until(options.durationS === undefined ? undefined : options.durationS * 1000, io.interrupt, failed)
      await feed.stop().catch(() => {})
      say(`stopped feeding after ${summary.sent} declarations; waiting for the last outcomes`)
      const drainUntil = Date.now() + options.drainTimeoutS * 1000
      while (summary.decisions + summary.deadLetters < summary.sent && Date.now() < drainUntil) await sleep(100)
      endedMs = Date.now()
    } finally {
      clearInterval(ticker)
    }
    if (options.verbose) {
      const metricsText = await fetch(`${processor.httpUrl}/metrics`).then(async (r) => await r.text(), () => '')
      let processorLog = ''
      try {
        processorLog = readFileSync(processor.logFile, 'utf8')
      } catch {
        processorLog = ''
      }
      breakdown = renderBreakdown(breakdownOf(metricsText, processorLog))
    }
    processorExitCode = await processor.stop(60_000)
    say(`processor exited with code ${String(processorExitCode)}`)
    await watch.stop()
  } finally {
    await (webConsole ?? await consoleStarting?.catch(() => undefined))?.stop()
    if (processorExitCode === null) processorExitCode = await processor.stop(10_000)
    process.off('exit', killOnExit)
  }
  const final = view(summary, endedMs ?? Date.now())
  const settings = `rate ${options.rate}/s, seed ${options.seed}`
  const panel = renderPanel(final, { title: 'parcel-risk demo — final summary', settings })
  io.out.write(`\n${panel.join('\n')}\n`)
  if (breakdown.length > 0) io.out.write(`\n${breakdown.join('\n')}\n`)
  if (!options.keep) {
    await cleanUp(services, names).then(() => {
      say(`deleted the run's topics and Redis keys (keep them with --keep)`)
    }, (err: unknown) => {
      say(`clean-up failed: ${(err as Error).message}`)
    })
  }
  const complete = final.pending === 0 && final.decisions + final.deadLetters === final.sent
  return { names, summary: final, processorExitCode, unreadable, ok: complete && processorExitCode === 0 }
}
