// The rule engine's public API. Everything outside src/engine/ and src/decide/ uses only
// what this file and these entry points export (the CLI, the pipeline, bench/engine):
//
//   compileRuleset(files, { declarationSchema }) -> CompileResult     src/engine/compile.ts (pure)
//   loadRuleset(dir, schemaPath?)        -> Promise<CompileResult>     src/engine/load.ts
//   loadRulesetOrThrow(dir)              -> Promise<CompiledRuleset>   throws E_RULES_INVALID
//   formatDiagnostic(d)                  -> "file:line:column: message (hint)"
//   watchRuleset(dir, onSwap, onError, { debounceMs, gate })           src/engine/watch.ts
//                                        -> Promise<RulesetWatch>      current() between batches
//   checkCost(files, ruleset, options)   -> Promise<CostReport>        src/engine/cost-check.ts
//                                          worst case on adversarial declarations (a worker)
//
//   ruleset.score(declaration, enrichment, context)    -> RiskDecision (every Avro field)
//   ruleset.evaluate(declaration, enrichment, context) -> Evaluation  (hot path, no reasons;
//                                                         the object is REUSED per call)
//   ruleset.enrichmentFields  -> dotted enrichment paths the rules read; fetch nothing else
//   ruleset.id / version / digest / jurisdiction / rules / lists / tests / source
//
// Files are given relative to the ruleset directory with '/' separators:
//   ruleset.yaml, rules/*.yaml, lists/*.yaml, tests/*.yaml (see rules/README.md).
// A failed compile returns EVERY diagnostic found, each with file:line:column.

import type { Action, Decision, RiskDecision } from '../decide/decision.ts'
import type { EnrichmentRecord } from '../enrichment.ts'

export type Tier = 'gate' | 'indicator' | 'mitigation'

export interface RuleSourceFile {
  /** Path relative to the ruleset directory, '/' separated, e.g. `rules/valuation.yaml`. */
  readonly path: string
  readonly text: string
}

export type DiagnosticCode =
  | 'yaml' | 'structure' | 'syntax' | 'unknown-field' | 'type' | 'unknown-list'
  | 'unknown-function' | 'arity' | 'regex' | 'duplicate' | 'forbidden' | 'prohibition' | 'cost'

export interface Diagnostic {
  readonly file: string
  /** 1-based. */
  readonly line: number
  /** 1-based. */
  readonly column: number
  readonly code: DiagnosticCode
  readonly message: string
  /** e.g. "did you mean `totalValue`?" */
  readonly hint?: string
}

export type CompileResult =
  | { readonly ok: true, readonly ruleset: CompiledRuleset, readonly errors: readonly [] }
  | { readonly ok: false, readonly errors: readonly Diagnostic[] }

export interface ScoreContext {
  /** Decision time, epoch ms. Rules and list entries in force on the declaration date apply. */
  readonly nowMs: number
  /** When the record was consumed, epoch ms; latencyMicros = (nowMs - receivedAtMs) * 1000. */
  readonly receivedAtMs?: number
  /** SHA-256 hex of the declaration bytes, copied into the decision for audit. */
  readonly inputDigest?: string
  /** Enrichment groups that could not be fetched; non-empty means DEGRADED. */
  readonly enrichmentMissing?: readonly string[]
}

export interface RuleInfo {
  readonly id: string
  readonly title: string
  readonly description: string
  readonly tier: Tier
  /** Points added (indicator) or removed (mitigation); 0 for gates. */
  readonly weight: number
  /** Gate action; null for indicators and mitigations. */
  readonly action: Action | null
  readonly tags: readonly string[]
  readonly owner: string
  readonly effectiveFromMs: number | null
  readonly effectiveToMs: number | null
  readonly file: string
  readonly line: number
}

/** Outcome of one rule for one declaration, in `evaluate()`'s `outcomes` array. */
export const OUTCOME_NOT_HIT = 0
export const OUTCOME_HIT = 1
export const OUTCOME_ERROR = 2
export const OUTCOME_NOT_IN_FORCE = 3

/** Hot-path result. Reused between calls: copy what you keep. */
export interface Evaluation {
  score: number
  action: Action
  decision: Decision
  /** Per rule (same order as `ruleset.rules`): OUTCOME_* constants. */
  readonly outcomes: Uint8Array
  /** Per rule: 1 when it compared or read a missing value. */
  readonly sawMissing: Uint8Array
  /** Sum of the weights of the indicators that fired (before clamping). */
  indicatorPoints: number
  /** Sum of the weights of the mitigations that fired. */
  mitigationPoints: number
  /** Highest severity among the gate actions that fired, -1 when none did. */
  gateSeverity: number
  gateHits: number
  errors: number
  /** A rule that did not fire read a missing enrichment value. */
  needsFallback: boolean
  /** The enrichment stage reported missing data for this declaration. */
  degraded: boolean
  /** Degraded enrichment made the fallback action apply. */
  fellBack: boolean
  randomlySelected: boolean
  /** The declaration date the effective dates were tested against (epoch ms). */
  dateMs: number
  /** The declaration date lies inside the ruleset's own effective window. */
  inForce: boolean
}

/**
 * A test file (`tests/*.yaml`) as parsed YAML. Its format (defaults, tests, expect) is
 * described in rules/README.md §6 and run by `parcel-risk rules test`.
 */
export interface RuleTestFile {
  readonly file: string
  readonly data: unknown
}

/** One rule, runnable on its own: what the cost check (src/engine/cost.ts) measures. */
export interface RuleProbe {
  readonly id: string
  readonly file: string
  /** Where the rule's condition starts, 1-based. */
  readonly line: number
  readonly column: number
  /** Text the rule looks for: its literals, regex patterns and entries of the lists it matches against. */
  readonly samples: readonly string[]
  /** Chains of nested quantifiers: the arrays walked, outermost first, and where the innermost starts. */
  readonly loops: ReadonlyArray<{ readonly arrays: readonly string[], readonly line: number, readonly column: number }>
  /** Evaluates this rule alone (its outcome is discarded). */
  run (declaration: unknown, enrichment: unknown, nowMs: number): void
}

export interface CompiledRuleset {
  readonly id: string
  readonly version: string
  readonly jurisdiction: string
  readonly description: string
  /** SHA-256 hex over the ruleset files (sorted by path; each `path\0bytes\0`). */
  readonly digest: string
  readonly effectiveFromMs: number | null
  readonly effectiveToMs: number | null
  readonly rules: readonly RuleInfo[]
  readonly lists: readonly string[]
  /** Dotted paths under `enrichment.` that some rule reads, sorted. */
  readonly enrichmentFields: readonly string[]
  /** Dotted declaration paths that some rule reads, sorted. */
  readonly declarationFields: readonly string[]
  readonly tests: readonly RuleTestFile[]
  /** The generated JavaScript, for review (`rules check --emit`). */
  readonly source: string
  evaluate (declaration: unknown, enrichment: EnrichmentRecord | null, context: ScoreContext): Evaluation
  /** Every rule on its own, generated on demand, for the cost check. */
  probe (): readonly RuleProbe[]
  score (declaration: unknown, enrichment: EnrichmentRecord | null, context: ScoreContext): RiskDecision
}

export interface RulesetWatch {
  /** The ruleset in force; read it between batches. */
  current (): CompiledRuleset
  /**
   * Returns to the ruleset in force before the last hot reload and keeps the reloaded files
   * from being swapped in again; null (nothing changed) when there was no reload to undo.
   */
  revert (): CompiledRuleset | null
  close (): void
}
