// Labelled outcomes for `parcel-risk rules backtest --outcomes`: what the controls of the
// champion's holds found, as InspectionOutcome NDJSON (one JSON object per line, as
// `parcel-risk generate outcomes --output` writes). A declaration and version is labelled
// positive when any of its controls found something (SEIZED, REVENUE, CONTENT_MISMATCH),
// negative when its controls found nothing. A side is then measured on the parcels it holds
// for a control (a data rejection or a redirect is no control): those with a label, positives
// among them (hit rate), and positives caught of all labelled positives (recall). Holds without
// a label are counted apart: their yield is unknown, not nil.
import { CONTROL_ACTIONS } from '../actions.ts'
import type { InspectionResult, RiskDecision } from '../declaration.ts'
import { inspectionResultSymbols } from '../declaration.ts'
import { POSITIVE_RESULTS } from '../outcomes/tally.ts'

export type Labels = ReadonlyMap<string, boolean>

export interface Yield {
  /** Parcels held for a control (actions.ts CONTROL_ACTIONS) with a labelled outcome. */
  labelledHolds: number
  /** Of those, positive. */
  positives: number
  /** Parcels held for a control without a labelled outcome. */
  unlabelledHolds: number
}

export interface YieldFigures extends Yield {
  readonly hitRate: number | null
  /** Labelled positives this side holds ÷ every labelled positive of the input. */
  readonly recall: number | null
}

const RESULTS: ReadonlySet<string> = new Set(inspectionResultSymbols)

const key = (declarationId: string, version: number): string => `${declarationId}\u0000${version}`

/** Reads the labels, or returns the first problem with its line number. */
export const parseLabels = (text: string): Map<string, boolean> | string => {
  const labels = new Map<string, boolean>()
  const lines = text.split('\n')
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]?.trim() ?? ''
    if (line === '') continue
    let o: { declarationId?: unknown, version?: unknown, result?: unknown }
    try {
      o = JSON.parse(line) as typeof o
    } catch {
      return `--outcomes line ${i + 1}: not JSON`
    }
    if (typeof o.declarationId !== 'string' || o.declarationId === '') {
      return `--outcomes line ${i + 1}: declarationId missing`
    }
    if (!Number.isSafeInteger(o.version) || (o.version as number) < 1) {
      return `--outcomes line ${i + 1}: version is not a positive integer`
    }
    if (typeof o.result !== 'string' || !RESULTS.has(o.result)) {
      return `--outcomes line ${i + 1}: result is not an InspectionResult`
    }
    const k = key(o.declarationId, o.version as number)
    labels.set(k, (labels.get(k) ?? false) || POSITIVE_RESULTS.has(o.result as InspectionResult))
  }
  return labels
}

export const emptyYield = (): Yield => ({ labelledHolds: 0, positives: 0, unlabelledHolds: 0 })

export const countYield = (y: Yield, labels: Labels, d: RiskDecision): void => {
  if (!CONTROL_ACTIONS.has(d.action)) return
  const label = labels.get(key(d.declarationId, d.version))
  if (label === undefined) y.unlabelledHolds++
  else {
    y.labelledHolds++
    if (label) y.positives++
  }
}

export const yieldFigures = (y: Yield, labels: Labels): YieldFigures => {
  const known = [...labels.values()].filter(Boolean).length
  return {
    ...y,
    hitRate: y.labelledHolds === 0 ? null : y.positives / y.labelledHolds,
    recall: known === 0 ? null : y.positives / known
  }
}
