// The enrichment interface, with two implementations: redis-store.ts (the processor) and
// memory-store.ts (offline scoring and backtests from an NDJSON profile file).
import type { History } from '../amendment.ts'
import type { EnrichmentStatus, ParcelDeclaration, RiskDecision } from '../declaration.ts'
import { enrichmentFields, type EnrichmentRecord } from '../enrichment.ts'
import { HISTORY_GROUP } from '../amendment.ts'
import { aggEntry, type AggEntry } from './buckets.ts'
import { toEurCents, type FxToEur } from './fx.ts'
import { planFor, type FetchPlan } from './keys.ts'
import type { DeclarationKeys } from './record.ts'

export interface EnrichmentResult {
  readonly record: EnrichmentRecord
  readonly status: EnrichmentStatus
  /** Families that could not be read (seller, aeo, consignee, watchlist, ioss, aggregates, amendments). */
  readonly missing: readonly string[]
  /** The declarationId's earlier decisions (src/amendment.ts); undefined when they could not be read. */
  readonly history: History
}

export interface ProfileStore {
  /**
   * One result per declaration, in order. `fields` are the `enrichment.` paths the compiled
   * ruleset reads (CompiledRuleset.enrichmentFields); nothing else is fetched. Default: all.
   * Also counts every declaration once in the windowed aggregates when any is read (an
   * amended parcel once, whatever its versions), and reads each declarationId's history.
   */
  readonly enrichBatch: (
    declarations: readonly ParcelDeclaration[], nowMs: number, fields?: readonly string[]
  ) => Promise<EnrichmentResult[]>
  /**
   * Keeps decisions as the standing ones of their declarationIds; never throws. `declarations`
   * (same order) name the parties kept with the decisions a control can follow (offences.ts).
   */
  readonly remember: (
    decisions: readonly RiskDecision[], declarations?: ReadonlyArray<ParcelDeclaration | undefined>
  ) => Promise<void>
  readonly close: () => Promise<void>
}

export const ALL_FIELDS: readonly string[] = Object.keys(enrichmentFields)

const plans = new WeakMap<readonly string[], FetchPlan>()

/** The fetch plan of a field list, computed once per list object (rulesets keep theirs). */
export const planOf = (fields: readonly string[] = ALL_FIELDS): FetchPlan => {
  let plan = plans.get(fields)
  if (plan === undefined) {
    plan = planFor(fields)
    plans.set(fields, plan)
  }
  return plan
}

export const resultOf = (record: EnrichmentRecord, missing: string[], history: History): EnrichmentResult => {
  if (history === undefined) missing.push(HISTORY_GROUP)
  return { record, status: missing.length === 0 ? 'OK' : 'DEGRADED', missing, history }
}

/** The aggregate entry of a declaration: its buckets, value in EUR cents and entity ids. */
export const entryOf = (d: ParcelDeclaration, k: DeclarationKeys, fx: FxToEur, nowMs: number): AggEntry => {
  const valueCents = toEurCents(d.totalValue, d.currency, fx)
  const ids = [k.identityHash, d.sellerId, k.iossNumber] as const
  return aggEntry(`${d.declarationId}#${d.version}`, d.declaredAt, valueCents, ids, nowMs, true)
}

/** What a counted entry contributed to its own buckets: [count, EUR cents]. */
export const ownOf = (entry: AggEntry | undefined): readonly [number, number] =>
  entry === undefined || entry.mode === 0 ? [0, 0] : [1, entry.valueCents]
