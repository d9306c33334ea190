// Syntax tree of a rule expression, as the parser builds it. The checker annotates nodes
// in place (`type`, resolved paths) and code generation reads only checked trees.

import type { Pos } from './lex.ts'

export type CompareOp = '==' | '!=' | '<' | '<=' | '>' | '>='
export type ArithOp = '+' | '-' | '*' | '/'
export type Quantifier = 'any' | 'all' | 'count' | 'sum'

/**
 * Types the checker assigns. `strings` and `records` are array fields (quantifiers only);
 * `set` is a named list or a list literal (right of `in`, or a list argument).
 */
export type Type =
  | { readonly kind: 'string', readonly symbols?: readonly string[] }
  | { readonly kind: 'number' }
  | { readonly kind: 'money' }
  | { readonly kind: 'boolean' }
  | { readonly kind: 'timestamp' }
  | { readonly kind: 'strings' }
  | { readonly kind: 'set', readonly element: 'string' | 'number' }
  | { readonly kind: 'records', readonly element: string }
  | { readonly kind: 'error' }

/** Where a checked path reads from: the declaration, the enrichment record, or a bound variable. */
export type Root = 'declaration' | 'enrichment' | 'variable'

export type Node =
  | { kind: 'number', pos: Pos, value: number, type?: Type }
  | { kind: 'string', pos: Pos, value: string, type?: Type }
  | { kind: 'bool', pos: Pos, value: boolean, type?: Type }
  | { kind: 'date', pos: Pos, value: number, text: string, type?: Type }
  | { kind: 'now', pos: Pos, type?: Type }
  | {
    kind: 'path', pos: Pos, segments: string[], segmentPos: Pos[], type?: Type, root?: Root, field?: string[],
    /** `item.attributes.{name}`: read from the enrichment by the item's commodity code. */
    commodity?: string
  }
  | { kind: 'listRef', pos: Pos, name: string, type?: Type }
  | { kind: 'listLit', pos: Pos, values: Array<string | number>, type?: Type }
  | { kind: 'lookup', pos: Pos, list: string, key: Node, type?: Type }
  | { kind: 'not', pos: Pos, operand: Node, type?: Type }
  | { kind: 'logic', pos: Pos, op: 'and' | 'or', left: Node, right: Node, type?: Type }
  | { kind: 'compare', pos: Pos, op: CompareOp, left: Node, right: Node, type?: Type }
  | { kind: 'in', pos: Pos, negated: boolean, value: Node, set: Node, type?: Type }
  | { kind: 'arith', pos: Pos, op: ArithOp, left: Node, right: Node, type?: Type }
  | { kind: 'neg', pos: Pos, operand: Node, type?: Type }
  | { kind: 'convert', pos: Pos, operand: Node, currency: string, type?: Type }
  | { kind: 'call', pos: Pos, name: string, args: Node[], type?: Type }
  | {
    kind: 'quant', pos: Pos, quantifier: Quantifier, variable: string, source: Node, where: Node | null, body: Node,
    type?: Type
  }

export type NodeOf<K extends Node['kind']> = Extract<Node, { kind: K }>
