// Readiness and metrics follow the reference data markers (the hot path reads them itself):
// a data set the active ruleset reads that is missing or stale keeps /readyz unready, unless
// the operator chose `ready-degraded`.
import type { DataSet, DataSetStatus } from '../enrich/reference-data.ts'
import type { Readiness } from './http.ts'
import type { Metrics } from './metrics.ts'

/** Marks the check as not yet done; returns what the reference monitor reports to. */
export const reportReferenceData = (readiness: Readiness, metrics: Metrics, required: boolean) => {
  readiness.referenceData = { required, checked: false, unusable: [] }
  return (status: readonly DataSetStatus[], read: ReadonlySet<DataSet>): void => {
    readiness.referenceData = {
      required, checked: true,
      unusable: status.flatMap((s) =>
        read.has(s.dataSet) && s.state !== 'fresh' ? [{ dataSet: s.dataSet, state: s.state }] : [])
    }
    metrics.referenceData(status.map((s) => ({
      dataSet: s.dataSet, ageMs: s.ageMs, entries: s.marker?.entries ?? 0, maxAgeMs: s.maxAgeMs,
      fresh: s.state === 'fresh', read: read.has(s.dataSet)
    })))
  }
}
