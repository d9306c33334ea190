// Watches the reference data sync markers for the operations side: readiness and metrics.
// Off the hot path (its own Redis connection, one HMGET every intervalMs); the enrichment
// stage reads the same markers in its own pipeline and never waits for this.
import type { RedisClient } from './redis-client.ts'
import type { Logger } from '../logger.ts'
import { planFor } from './keys.ts'
import {
  dataSetsRead, dataSetStatus, readMarkers, type DataSet, type DataSetStatus, type MaxAges
} from './reference-data.ts'

export interface ReferenceMonitorOptions {
  readonly redis: RedisClient
  readonly prefix: string
  readonly maxAgesMs: MaxAges
  readonly intervalMs: number
  /** The enrichment fields the active ruleset reads now (it may be reloaded). */
  readonly fields: () => readonly string[]
  readonly onStatus: (status: readonly DataSetStatus[], read: ReadonlySet<DataSet>) => void
  readonly log: Logger
  readonly now?: () => number
}

export interface ReferenceMonitor {
  /** Reads the markers now and reports them. */
  readonly refresh: () => Promise<void>
  readonly stop: () => void
}

export const startReferenceMonitor = (options: ReferenceMonitorOptions): ReferenceMonitor => {
  const now = options.now ?? Date.now
  let last = ''
  // The data sets those fields need, worked out again only when a reload changed the fields.
  let readSets: { fields: readonly string[], sets: ReadonlySet<DataSet> } | undefined
  const setsRead = (): ReadonlySet<DataSet> => {
    const fields = options.fields()
    if (readSets?.fields !== fields) readSets = { fields, sets: new Set(dataSetsRead(planFor(fields).families)) }
    return readSets.sets
  }
  const refresh = async (): Promise<void> => {
    const status = dataSetStatus(await readMarkers(options.redis, options.prefix), now(), options.maxAgesMs)
    const read = setsRead()
    options.onStatus(status, read)
    // One log line per change of what is unusable, not one per check.
    const unusable = status.filter((s) => read.has(s.dataSet) && s.state !== 'fresh')
      .map((s) => `${s.dataSet}:${s.state}`).join(',')
    if (unusable !== last) {
      if (unusable === '') options.log.info('reference data the ruleset reads is loaded and fresh')
      else {
        options.log.warn(
          { unusable: unusable.split(',') },
          'reference data missing or stale; its lookups count as unknown and decisions take the fallback action'
        )
      }
      last = unusable
    }
  }
  const timer = setInterval(() => {
    refresh().catch((err: unknown) => {
      options.log.warn({ err }, 'reference data markers could not be read')
    })
  }, options.intervalMs)
  timer.unref()
  const stop = (): void => {
    clearInterval(timer)
  }
  return { refresh, stop }
}
