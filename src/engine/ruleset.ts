// The rule engine's public API. Everything outside src/engine/ uses only what this file and
// these entry points export (the CLI, the pipeline, bench/engine):
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
//   ruleset.evaluate(declaration, enrichment, context) -> Evaluation (src/evaluation.ts): the
//                              rules that fired, the score parts, the values each fired rule
//                              read; the object is REUSED per call. decide/ makes the
//                              RiskDecision from it (src/decide/decide.ts createDecider)
//   ruleset.policy            -> bands, fallback, error action, random selection (src/actions.ts)
//   ruleset.capacity          -> seats per window of the inspection lanes, or null (src/actions.ts)
//   ruleset.enrichmentFields  -> dotted enrichment paths the rules read; fetch nothing else
//   ruleset.id / version / digest / jurisdiction / rules / lists / tests / source
//
// Files are given relative to the ruleset directory with '/' separators:
//   ruleset.yaml, rules/*.yaml, lists/*.yaml, tests/*.yaml (see rules/README.md).
// A failed compile returns EVERY diagnostic found, each with file:line:column.

import type { CapacityPolicy, DecisionPolicy } from '../actions.ts'
import type { EnrichmentRecord } from '../enrichment.ts'
import type { Evaluation, RuleInfo, ScoreContext } from '../evaluation.ts'
import type { AttributeField } from './fields.ts'

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
  /**
   * The custom profile attributes ruleset.yaml declares (`attributes:`), read as
   * `enrichment.{entity}.attributes.{name}`.
   */
  readonly attributes: readonly AttributeField[]
  /** Dotted declaration paths that some rule reads, sorted. */
  readonly declarationFields: readonly string[]
  readonly tests: readonly RuleTestFile[]
  /** The generated JavaScript, for review (`rules check --emit`). */
  readonly source: string
  /** How the evaluation becomes an action (ruleset.yaml): decide/ applies it. */
  readonly policy: DecisionPolicy
  /** Seats per window of the inspection lanes (ruleset.yaml `capacity:`); null when no lane is limited. */
  readonly capacity: CapacityPolicy | null
  /** Scores one declaration: only `context.nowMs` is read here. */
  evaluate (declaration: unknown, enrichment: EnrichmentRecord | null, context: Pick<ScoreContext, 'nowMs'>): Evaluation
  /** Every rule on its own, generated on demand, for the cost check. */
  probe (): readonly RuleProbe[]
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
