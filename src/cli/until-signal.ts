// The end of a long-running command other than `run` (which has its own exit codes, see
// run.ts): wait for SIGTERM or SIGINT, stop within a bound, and give the exit status.
import type { Logger } from '../logger.ts'

/** Resolves 0 once `stop` finished after a signal, 1 if it failed or overran `timeoutMs`. */
export const untilSignal = async (
  running: { readonly stop: () => Promise<void> }, log: Logger, timeoutMs: number
): Promise<number> =>
  await new Promise<number>((resolve) => {
    const shutdown = (reason: string): void => {
      log.info({ reason }, 'shutting down')
      const bound = setTimeout(() => {
        log.error({ timeoutMs }, 'shutdown overran its bound; exiting anyway')
        resolve(1)
      }, timeoutMs)
      bound.unref()
      running.stop().then(() => {
        clearTimeout(bound)
        resolve(0)
      }, (err: unknown) => {
        log.error({ err }, 'shutdown failed')
        resolve(1)
      })
    }
    process.once('SIGTERM', () => {
      shutdown('SIGTERM')
    })
    process.once('SIGINT', () => {
      shutdown('SIGINT')
    })
  })
