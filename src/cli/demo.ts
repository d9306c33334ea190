// `parcel-risk demo`: the processor against the local stack with a synthetic stream and a
// live summary (src/cli/demo/). Ctrl-C stops feeding and shuts down cleanly; a second
// Ctrl-C (after 2 s, so one key press relayed twice by npm does not count) exits at once.
import { processIo } from './args.ts'
import { parseDemoArgs } from './demo/options.ts'
import { runDemo } from './demo/run-demo.ts'

export const main = async (argv: readonly string[]): Promise<number> => {
  const options = parseDemoArgs(argv, processIo)
  if ('exitCode' in options) return options.exitCode
  const interrupt = new AbortController()
  let firstAt = 0
  const onSigint = (): void => {
    if (firstAt === 0) {
      firstAt = Date.now()
      process.stderr.write('\ninterrupted: stopping the stream and shutting the processor down ' +
        '(Ctrl-C again to quit at once)\n')
      interrupt.abort()
    } else if (Date.now() - firstAt > 2_000) {
      process.exit(130)
    }
  }
  process.on('SIGINT', onSigint)
  try {
    const result = await runDemo(options, { out: process.stdout, err: process.stderr, interrupt: interrupt.signal })
    if (result.summary.pending > 0) {
      process.stderr.write(`${result.summary.pending} declarations were neither decided nor dead-lettered ` +
        'before the drain timeout\n')
    }
    return result.ok ? 0 : 1
  } finally {
    process.off('SIGINT', onSigint)
  }
}
