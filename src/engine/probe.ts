// What the cost check (cost.ts) needs to know about one checked rule expression, read off its
// syntax tree: the text it looks for (string literals, regex patterns, the lists it matches
// words or prefixes against), from which adversarial strings are made, and every chain of
// nested quantifiers with the arrays it walks, whose lengths multiply.

import type { Node } from './ast.ts'
import type { Pos } from './lex.ts'

export interface LoopChain {
  /** Dotted array paths, outermost first: `items`, then `route` for `any i in items: any r in route: …`. */
  readonly arrays: readonly string[]
  /** The innermost quantifier, in expression coordinates. */
  readonly pos: Pos
}

export interface ExpressionShape {
  /** String literals and regex patterns the expression contains. */
  readonly literals: readonly string[]
  /** Lists whose entries it compares text with (`in`, containsWord, startsWithAny). */
  readonly lists: readonly string[]
  readonly loops: readonly LoopChain[]
}

export const expressionShape = (root: Node): ExpressionShape => {
  const literals = new Set<string>()
  const lists = new Set<string>()
  const loops: LoopChain[] = []
  const arrayOf = new Map<string, string>()

  const pathOf = (n: Extract<Node, { kind: 'path' }>): string => {
    const field = n.field ?? []
    const head = n.root === 'variable'
      ? [arrayOf.get(n.segments[0] as string) ?? '']
      : n.root === 'enrichment' ? ['enrichment'] : []
    return [...head, ...field].filter((s) => s !== '').join('.')
  }

  const walk = (n: Node, chain: readonly string[]): void => {
    switch (n.kind) {
      case 'string':
        literals.add(n.value)
        return
      case 'listLit':
        for (const v of n.values) if (typeof v === 'string') literals.add(v)
        return
      case 'listRef':
        lists.add(n.name)
        return
      case 'lookup':
        lists.add(n.list)
        walk(n.key, chain)
        return
      case 'not': case 'neg': case 'convert':
        walk(n.operand, chain)
        return
      case 'logic': case 'compare': case 'arith':
        walk(n.left, chain)
        walk(n.right, chain)
        return
      case 'in':
        walk(n.value, chain)
        walk(n.set, chain)
        return
      case 'call':
        for (const a of n.args) walk(a, chain)
        return
      case 'quant': {
        walk(n.source, chain)
        const array = n.source.kind === 'path' ? pathOf(n.source) : ''
        const inner = [...chain, array]
        loops.push({ arrays: inner, pos: n.pos })
        const shadowed = arrayOf.get(n.variable)
        arrayOf.set(n.variable, array)
        if (n.where !== null) walk(n.where, inner)
        walk(n.body, inner)
        if (shadowed === undefined) arrayOf.delete(n.variable)
        else arrayOf.set(n.variable, shadowed)
        return
      }
      default:
    }
  }
  walk(root, [])
  return { literals: [...literals], lists: [...lists], loops }
}
