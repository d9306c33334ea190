// What a processor test starts is stopped after it, passed or failed: the `parcel-risk run`
// children (SIGKILLed if still running, then awaited) and the decision collectors. A test file
// pushes into the two lists; `first` runs before them (e.g. restarting a stopped service).
import { afterEach } from 'vitest'
import type { Collector, Running } from './harness.ts'

export const stopAfterEach = (
  first?: () => Promise<void>
): { readonly running: Running[], readonly collectors: Collector[] } => {
  const running: Running[] = []
  const collectors: Collector[] = []
  afterEach(async () => {
    if (first !== undefined) await first()
    for (const r of running.splice(0)) {
      if (r.child.exitCode === null && r.child.signalCode === null) r.child.kill('SIGKILL')
      await r.exited
    }
    for (const c of collectors.splice(0)) await c.stop()
  })
  return { running, collectors }
}
