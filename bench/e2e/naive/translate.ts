// The reference ruleset translated to json-rules-engine, from the rules' checked syntax trees
// (not by hand): `and`/`or`/`not` become all/any/not; a comparison, `in`, test function or
// boolean field whose subject is a plain field becomes a condition on the `declaration` or
// `enrichment` fact with a JSONPath and an operator; anything else (quantifiers, sums,
// `in EUR`, lookups, `left()`, `lower()`) becomes a computed fact that interpret.ts evaluates,
// compared with an operator like any other fact. The operators are custom (eq, lt, inList,
// containsWord, …) because json-rules-engine's own treat a missing value differently from the
// rule language (`notIn` and `notEqual` are true on undefined; the language says false).
// A rule's effective dates are two more conditions on the declaration date.
// The decision: indicator weights summed and clamped, mitigations subtracted, bands, gates and
// random selection by the product's own policy function (src/decide/outcome.ts), so the
// action depends on which rules fire and not on a second copy of the policy.
import { Engine, type NestedCondition, type TopLevelCondition } from 'json-rules-engine'
import type { Node, NodeOf } from '../../../src/engine/ast.ts'
import { containsWord } from '../../../src/engine/words.ts'
import { startsWithAny } from '../../../src/engine/runtime.ts'
import { makeFinisher } from '../../../src/decide/outcome.ts'
import type { Action } from '../../../src/declaration.ts'
import type { Evaluation } from '../../../src/evaluation.ts'
import { createInterpreter, type Interpreter, type Scope } from './interpret.ts'
import type { NaiveRuleset } from './ruleset.ts'

type Condition = NestedCondition

const OPS: Readonly<Record<NodeOf<'compare'>['op'], string>> = {
  '==': 'eq', '!=': 'ne', '<': 'lt', '<=': 'le', '>': 'gt', '>=': 'ge'
}
const TEXT_TESTS = ['contains', 'startsWith', 'matches', 'startsWithAny', 'containsWord']
const present = (v: unknown): boolean => v !== undefined && v !== null

/** A field read json-rules-engine can do itself: the declaration or enrichment fact at a JSONPath. */
const plainField = (n: Node): { fact: string, path: string } | null => {
  if (n.kind !== 'path' || n.root === 'variable' || n.type?.kind === 'money' || n.field === undefined) return null
  if (n.root === 'enrichment' && n.field.includes('attributes')) return null
  return { fact: n.root === 'enrichment' ? 'enrichment' : 'declaration', path: `$.${n.field.join('.')}` }
}

export interface Translation {
  readonly engine: Engine
  /** Conditions per rule id, for reading (`--print` of the verification). */
  readonly conditions: ReadonlyMap<string, TopLevelCondition>
}

export const translate = (rs: NaiveRuleset, it: Interpreter): Translation => {
  const engine = new Engine([], { allowUndefinedFacts: true })
  let computed = 0
  /** A computed fact evaluating `n` (value or test) in the declaration's scope. */
  const factOf = (n: Node, asTest: boolean): string => {
    const id = `x${computed++}`
    engine.addFact(id, async (_params, almanac) => {
      const s = await almanac.factValue<Scope>('scope')
      try {
        return asTest ? it.test(n, s) : it.value(n, s)
      } catch {
        s.errors++
        return undefined
      }
    })
    return id
  }
  const subject = (n: Node): { fact: string, path?: string } => plainField(n) ?? { fact: factOf(n, false) }
  const isLiteral = (n: Node): n is NodeOf<'number' | 'string' | 'bool' | 'date'> =>
    n.kind === 'number' || n.kind === 'string' || n.kind === 'bool' || n.kind === 'date'

  const condition = (n: Node): Condition => {
    switch (n.kind) {
      case 'logic': {
        const key = n.op === 'and' ? 'all' : 'any'
        // a and b and c: one list, not nested pairs
        const flat = (x: Node): Condition[] => x.kind === 'logic' && x.op === n.op
          ? (condition(x) as unknown as Record<string, Condition[]>)[key] ?? []
          : [condition(x)]
        const parts = [...flat(n.left), ...flat(n.right)]
        return (key === 'all' ? { all: parts } : { any: parts }) as Condition
      }
      case 'not': return { not: condition(n.operand) } as Condition
      case 'compare': {
        const value = isLiteral(n.right) ? n.right.value : subject(n.right)
        return { ...subject(n.left), operator: OPS[n.op], value } as Condition
      }
      case 'in': {
        const set = n.set.kind === 'listRef' ? `@${n.set.name}` : n.set.kind === 'listLit' ? n.set.values : []
        return { ...subject(n.value), operator: n.negated ? 'notInList' : 'inList', value: set } as Condition
      }
      case 'call': {
        const [a0, a1] = n.args as [Node, Node | undefined]
        if (n.name === 'exists') return { ...subject(a0), operator: 'exists', value: true } as Condition
        const arg = a1?.kind === 'listRef'
          ? `@${a1.name}`
          : a1?.kind === 'listLit' ? a1.values.map(String) : a1?.kind === 'string' ? a1.value : null
        if (arg === null || !TEXT_TESTS.includes(n.name)) break
        return { ...subject(a0), operator: n.name, value: arg } as Condition
      }
      case 'path':
        if (plainField(n) !== null) return { ...subject(n), operator: 'eq', value: true } as Condition
        break
      default: break
    }
    return { fact: factOf(n, true), operator: 'eq', value: true } as Condition
  }

  const op = (name: string, f: (a: unknown, b: unknown) => boolean): void => {
    engine.addOperator(name, f)
  }
  op('eq', (a, b) => present(a) && present(b) && a === b)
  op('ne', (a, b) => present(a) && present(b) && a !== b)
  op('lt', (a, b) => present(a) && present(b) && (a as number) < (b as number))
  op('le', (a, b) => present(a) && present(b) && (a as number) <= (b as number))
  op('gt', (a, b) => present(a) && present(b) && (a as number) > (b as number))
  op('ge', (a, b) => present(a) && present(b) && (a as number) >= (b as number))
  op('exists', (a) => present(a))
  // The declaration date reaches a dated list through the value: [listName, date] is not
  // expressible, so `inList` tests undated membership; dated lists go through a computed fact.
  const member = (a: unknown, set: unknown): boolean =>
    typeof set === 'string' ? it.inList(set.slice(1), a, Date.now()) : (set as unknown[]).includes(a)
  op('inList', (a, set) => present(a) && member(a, set))
  op('notInList', (a, set) => present(a) && !member(a, set))
  op('contains', (a, s) => present(a) && (a as string).includes(s as string))
  op('startsWith', (a, s) => present(a) && (a as string).startsWith(s as string))
  op('matches', (a, s) => present(a) && new RegExp(s as string).test(a as string))
  op('startsWithAny', (a, s) =>
    present(a) && startsWithAny(it.prefixes(typeof s === 'string' ? s.slice(1) : s as string[]), a as string))
  op('containsWord', (a, s) => present(a) && containsWord(it.words(s as string), a as string))

  const conditions = new Map<string, TopLevelCondition>()
  for (const r of rs.rules) {
    const window: Condition[] = [
      ...(r.fromMs === null ? [] : [{ fact: 'scope', path: '$.t', operator: 'ge', value: r.fromMs }]),
      ...(r.toMs === null ? [] : [{ fact: 'scope', path: '$.t', operator: 'lt', value: r.toMs }])
    ] as Condition[]
    const whole = usesDatedList(r.node, rs)
      ? { fact: factOf(r.node, true), operator: 'eq', value: true } as Condition
      : condition(r.node)
    const top: TopLevelCondition = { all: [...window, whole] }
    conditions.set(r.id, top)
    const params = { tier: r.tier, weight: r.weight, severity: r.severity }
    engine.addRule({ name: r.id, conditions: top, event: { type: r.id, params } })
  }
  return { engine, conditions }
}

/** A rule that tests membership of a list with dated entries: evaluated whole, on the declaration date. */
const usesDatedList = (n: Node, rs: NaiveRuleset): boolean => {
  const dated = (name: string): boolean => {
    const l = rs.lists.get(name)
    return l?.kind === 'set' && l.dated !== null
  }
  const walk = (x: Node): boolean => {
    switch (x.kind) {
      case 'in': return (x.set.kind === 'listRef' && dated(x.set.name)) || walk(x.value)
      case 'not': case 'neg': case 'convert': return walk(x.operand)
      case 'logic': case 'compare': case 'arith': return walk(x.left) || walk(x.right)
      case 'call': return x.args.some(walk)
      case 'lookup': return walk(x.key)
      case 'quant': return walk(x.source) || walk(x.body) || (x.where !== null && walk(x.where))
      default: return false
    }
  }
  return walk(n)
}

export interface NaiveDecision { readonly action: Action, readonly score: number, readonly rules: readonly string[] }

export interface NaiveDecider {
  readonly decide: (declaration: Record<string, unknown>, enrichment: unknown, nowMs: number) => Promise<NaiveDecision>
  readonly conditions: ReadonlyMap<string, TopLevelCondition>
}

export const createNaiveDecider = (rs: NaiveRuleset): NaiveDecider => {
  const it = createInterpreter(rs)
  const { engine, conditions } = translate(rs, it)
  const finish = makeFinisher({ ...rs.policy, effectiveFromMs: rs.effectiveFromMs, effectiveToMs: rs.effectiveToMs })
  const decide = async (d: Record<string, unknown>, e: unknown, nowMs: number): Promise<NaiveDecision> => {
    const scope = it.scope(d, e, nowMs)
    const { events } = await engine.run({ declaration: d, enrichment: e ?? {}, scope })
    let ind = 0
    let mit = 0
    let gateSeverity = -1
    for (const ev of events) {
      const p = ev.params as { tier: string, weight: number, severity: number }
      if (p.tier === 'gate') gateSeverity = Math.max(gateSeverity, p.severity)
      else if (p.tier === 'indicator') ind += p.weight
      else mit += p.weight
    }
    // What the policy function reads of an evaluation; nothing else of it is needed here.
    const evaluation = {
      indicatorPoints: ind, mitigationPoints: mit, gateSeverity,
      errors: scope.errors, needsFallback: false, dateMs: scope.t
    } as unknown as Evaluation
    const v = finish(evaluation, d.declarationId, false)
    return { action: v.action, score: v.score, rules: events.map((ev) => ev.type) }
  }
  return { decide, conditions }
}
