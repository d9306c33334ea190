// `parcel-risk run`: the stream processor. Configuration comes from the environment (see the
// README's configuration table); the process runs until SIGTERM or SIGINT.
//
// Exit codes: 0 after a clean shutdown, 1 after a fatal error or a shutdown that overran
// shutdownTimeoutMs, 2 for invalid configuration, 3 refused by a secured service at start-up.
import type { Config } from '../config.ts'
import { loadConfig } from '../config-load.ts'
import { isParcelRiskError } from '../errors.ts'
import { createLogger } from '../logger.ts'
import { classifyRefusal, EXIT_REFUSED, processorNeeds } from '../refusals.ts'

/** Runs the processor until SIGTERM/SIGINT or a fatal error; resolves with the exit code. */
export const runProcessor = async (): Promise<number> => {
  let config: Config
  try {
    config = loadConfig()
  } catch (err) {
    process.stderr.write(`parcel-risk: ${(err as Error).message}\n`)
    return 2
  }
  const log = createLogger({ level: config.log.level })
  // A fatal error is acted on once the processor runs (before that, start-up fails instead).
  const fatal = Promise.withResolvers<unknown>()
  // The composition root is loaded only now: `run --help` and a bad configuration need none of it.
  const { startProcessor } = await import('../main.ts')
  let processor: Awaited<ReturnType<typeof startProcessor>>
  try {
    processor = await startProcessor(config, log, (err) => {
      fatal.resolve(err)
    })
  } catch (err) {
    // Refused by a secured service (authentication, ACL, TLS): its own code and exit status.
    const refusal = classifyRefusal(err, processorNeeds(config))
    if (refusal !== undefined) {
      log.fatal({ code: refusal.code, detail: refusal.message }, 'start-up refused')
      return EXIT_REFUSED
    }
    log.fatal({ err, code: isParcelRiskError(err) ? err.code : undefined }, 'start-up failed')
    return isParcelRiskError(err) && err.code === 'E_CONFIG_INVALID' ? 2 : 1
  }
  log.info({ http: processor.http.url, mode: config.kafka.deliveryMode }, 'processor running')

  return await new Promise<number>((resolve) => {
    let exiting = false
    const shutdown = (reason: string, code: number): void => {
      if (exiting) return
      exiting = true
      log.info({ reason }, 'shutting down')
      const bound = setTimeout(() => {
        log.error({ shutdownTimeoutMs: config.shutdownTimeoutMs }, 'shutdown overran its bound; exiting anyway')
        resolve(1)
      }, config.shutdownTimeoutMs)
      bound.unref()
      processor.stop().then(
        () => {
          clearTimeout(bound)
          log.info('stopped')
          resolve(code)
        },
        (err: unknown) => {
          clearTimeout(bound)
          log.error({ err }, 'shutdown failed')
          resolve(1)
        }
      )
    }
    void fatal.promise.then((err) => {
      log.fatal({ err }, 'fatal error')
      shutdown('fatal error', 1)
    })
    process.once('SIGTERM', () => {
      shutdown('SIGTERM', 0)
    })
    process.once('SIGINT', () => {
      shutdown('SIGINT', 0)
    })
  })
}

export const main = async (argv: readonly string[]): Promise<number> => {
  if (argv.includes('--help') || argv.includes('-h')) {
    console.log([
      'usage: parcel-risk run',
      '',
      'Consumes declarations, decides, publishes decisions and dead letters until SIGTERM/SIGINT.',
      'Configured through environment variables (and PARCEL_RISK_CONFIG_FILE); see the README.',
      'Exit codes: 0 clean shutdown, 1 fatal error or shutdown overran its bound, 2 invalid configuration,',
      '3 refused by a secured service at start-up (authentication, ACL or TLS; the log line names the code).'
    ].join('\n'))
    return 0
  }
  if (argv.length > 0) {
    console.error(`parcel-risk run: unexpected argument '${argv[0]}' (configuration comes from the environment)`)
    return 2
  }
  const code = await runProcessor()
  // After a shutdown, or a start-up that failed half-way (HTTP server listening, clients
  // connected), kafkajs and ioredis may hold timers and sockets open; the process is done.
  process.exit(code)
}
