// Prometheus metrics of `parcel-risk outcomes` (outcome intake), on a registry of their own.
// Intake works per batch, far from the declarations' hot path, so prom-client's labelled
// counters are used as they are.
import { collectDefaultMetrics, Counter, Histogram, Registry } from 'prom-client'
import type { YieldMetric } from '../outcomes/intake.ts'
import type { DecisionRecord } from '../outcomes/tally.ts'

export interface OutcomeMetrics {
  readonly render: () => Promise<string>
  readonly contentType: string
  readonly decisions: (counted: number, duplicates: number) => void
  readonly outcomes: (status: 'counted' | 'duplicate' | 'dead-lettered', count: number) => void
  readonly deadLettered: (code: string) => void
  readonly waitedMs: (ms: number) => void
  readonly counted: (record: DecisionRecord, metrics: readonly YieldMetric[]) => void
  readonly offences: (recorded: number, unattributed: number) => void
}

/** The rule label of every decision of the version, and of the random-selection slice. */
export const ALL_DECISIONS_RULE = '*'
export const RANDOM_SLICE_RULE = '(random)'

export const createOutcomeMetrics = (options: { processMetrics?: boolean } = {}): OutcomeMetrics => {
  const registry = new Registry()
  if (options.processMetrics === true) collectDefaultMetrics({ register: registry })
  const registers = [registry]
  const decisionsTotal = new Counter({
    name: 'parcel_risk_outcome_intake_decisions_total',
    help: 'Decisions read by outcome intake: counted (first time seen) or duplicate (seen before, not counted again).',
    labelNames: ['status'], registers
  })
  const outcomesTotal = new Counter({
    name: 'parcel_risk_outcome_intake_outcomes_total',
    help: 'Inspection outcomes read: counted, duplicate (seen before, not counted again) or dead-lettered.',
    labelNames: ['status'], registers
  })
  const deadLettersTotal = new Counter({
    name: 'parcel_risk_outcome_intake_dead_letters_total',
    help: 'Records sent to the outcomes dead-letter topic, by error code.',
    labelNames: ['code'], registers
  })
  const wait = new Histogram({
    name: 'parcel_risk_outcome_intake_decision_wait_seconds',
    help: 'How long an outcome batch waited for decisions that had not arrived yet.',
    buckets: [0.25, 0.5, 1, 2, 5, 10, 30, 60, 120], registers
  })
  const yieldTotal = new Counter({
    name: 'parcel_risk_rule_yield_total',
    help: 'The yield report\'s counts as they are counted, by ruleset (id@version), ' +
      'rule (* every decision, (random) the random slice) ' +
      'and metric: fired, held (decisions), controlled, positive (inspection outcomes). ' +
      'Hit rate = positive / controlled.',
    labelNames: ['ruleset', 'rule', 'metric'],
    registers
  })
  const offencesTotal = new Counter({
    name: 'parcel_risk_outcome_intake_offences_total',
    help: 'Offences of positive outcomes: recorded (listed on a seller or consignee profile for the first time) ' +
      'or unattributed (a positive outcome whose parties the processor had not kept).',
    labelNames: ['status'], registers
  })
  for (const status of ['counted', 'duplicate']) decisionsTotal.inc({ status }, 0)
  for (const status of ['recorded', 'unattributed']) offencesTotal.inc({ status }, 0)
  for (const status of ['counted', 'duplicate', 'dead-lettered']) outcomesTotal.inc({ status }, 0)
  return {
    render: async () => await registry.metrics(),
    contentType: registry.contentType,
    decisions: (counted, duplicates) => {
      decisionsTotal.inc({ status: 'counted' }, counted)
      decisionsTotal.inc({ status: 'duplicate' }, duplicates)
    },
    outcomes: (status, count) => { if (count > 0) outcomesTotal.inc({ status }, count) },
    deadLettered: (code) => { deadLettersTotal.inc({ code }) },
    waitedMs: (ms) => { wait.observe(ms / 1000) },
    offences: (recorded, unattributed) => {
      offencesTotal.inc({ status: 'recorded' }, recorded)
      offencesTotal.inc({ status: 'unattributed' }, unattributed)
    },
    counted: (record, metrics) => {
      const ruleset = `${record.rulesetId}@${record.rulesetVersion}`
      const rules = [ALL_DECISIONS_RULE, ...record.rules, ...(record.random ? [RANDOM_SLICE_RULE] : [])]
      for (const rule of rules) for (const metric of metrics) yieldTotal.inc({ ruleset, rule, metric })
    }
  }
}
