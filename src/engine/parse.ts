// Recursive-descent parser for rule expressions. The grammar (EBNF), also in rules/README.md:
//
//   expr       = orExpr ;
//   orExpr     = andExpr { "or" andExpr } ;
//   andExpr    = notExpr { "and" notExpr } ;
//   notExpr    = "not" notExpr | compare ;
//   compare    = additive [ ( "==" | "!=" | "<" | "<=" | ">" | ">=" ) additive
//                         | [ "not" ] "in" ( listRef | listLit ) ] ;
//   additive   = term { ( "+" | "-" ) term } ;
//   term       = unary { ( "*" | "/" ) unary } ;
//   unary      = "-" unary | convert ;
//   convert    = primary [ "in" "EUR" ] ;
//   primary    = NUMBER | STRING | DATE | "true" | "false" | "now"
//              | "(" expr ")" | listLit | quantifier | call | listRef [ "[" expr "]" ] | path ;
//   quantifier = ( "any" | "all" | "count" | "sum" ) IDENT "in" path [ "where" expr ] ":" expr ;
//   call       = IDENT "(" [ expr { "," expr } ] ")" ;
//   listRef    = "@" IDENT ;
//   listLit    = "[" [ literal { "," literal } ] "]" ;   literal = STRING | NUMBER | "-" NUMBER
//   path       = IDENT { "." IDENT } ;
//
// A quantifier's body is a whole expr: it runs to the closing parenthesis or the end.
// Tokens are defined in lex.ts. The first syntax error ends the parse of one expression;
// the compiler still checks every other expression so all errors are reported together.

import type { ArithOp, CompareOp, Node, Quantifier } from './ast.ts'
import { lex } from './lex.ts'
import type { Pos, Token } from './lex.ts'

export interface ParseError { readonly pos: Pos, readonly message: string }

const KEYWORDS = new Set([
  'and', 'or', 'not', 'in', 'any', 'all', 'count', 'sum', 'where', 'true', 'false', 'now'
])
const COMPARE_OPS = new Set(['==', '!=', '<', '<=', '>', '>='])
const QUANTIFIERS = new Set(['any', 'all', 'count', 'sum'])
/** Currencies `in` converts to: the FX table gives EUR per unit of the declared currency. */
const TARGET_CURRENCIES = new Set(['EUR'])
export const MAX_DEPTH = 64
/** Long operator chains nest deeply too (left-associated); this bounds them. */
export const MAX_LENGTH = 10_000

class Fail extends Error {
  readonly pos: Pos
  constructor (pos: Pos, message: string) {
    super(message)
    this.pos = pos
  }
}

/** Parses a DATE token to epoch ms, or NaN if it names no real day/time. */
export const parseDate = (text: string): number => {
  const iso = text.length === 10 ? `${text}T00:00:00Z` : text
  const ms = Date.parse(iso)
  if (Number.isNaN(ms)) return NaN
  // Date.parse rolls 2026-02-30 over to March; a round trip catches that.
  return new Date(ms).toISOString().slice(0, 10) === text.slice(0, 10) ? ms : NaN
}

export const parseExpression = (src: string): { node: Node | null, error: ParseError | null } => {
  if (src.length > MAX_LENGTH) {
    const message = `expression longer than ${MAX_LENGTH} characters`
    return { node: null, error: { pos: { line: 1, column: 1 }, message } }
  }
  const lexed = lex(src)
  if (lexed.error !== null) return { node: null, error: lexed.error }
  const p: Parser = { toks: lexed.tokens, k: 0, depth: 0 }
  try {
    const node = expr(p)
    const rest = peek(p)
    if (rest.kind !== 'eof') throw new Fail(rest.pos, `unexpected ${describe(rest)} after a complete expression`)
    return { node, error: null }
  } catch (err) {
    if (err instanceof Fail) return { node: null, error: { pos: err.pos, message: err.message } }
    throw err
  }
}

/** The tokens of one expression and how far the parse has read them. */
interface Parser {
  readonly toks: readonly Token[]
  /** The next token to read. */
  k: number
  /** How many `nested` calls are open. */
  depth: number
}

// Token cursor: `eof` is the last token, and reading past it keeps answering it.
const peek = (p: Parser, ahead = 0): Token => p.toks[Math.min(p.k + ahead, p.toks.length - 1)] as Token
const next = (p: Parser): Token => p.toks[p.k < p.toks.length - 1 ? p.k++ : p.k] as Token
const isWord = (t: Token, w: string): boolean => t.kind === 'ident' && t.text === w
const isPunct = (t: Token, punct: string): boolean => t.kind === 'punct' && t.text === punct
const describe = (t: Token): string => t.kind === 'eof' ? 'end of expression' : `\`${t.text}\``

const expectPunct = (p: Parser, punct: string): Token => {
  const t = next(p)
  if (!isPunct(t, punct)) throw new Fail(t.pos, `expected \`${punct}\` but found ${describe(t)}`)
  return t
}

const expectIdent = (p: Parser, what: string): Token => {
  const t = next(p)
  if (t.kind !== 'ident' || KEYWORDS.has(t.text)) throw new Fail(t.pos, `expected ${what} but found ${describe(t)}`)
  return t
}

// Deep nesting would overflow the stack in this recursive parser (and in the checker and
// generator after it); no real rule comes close to this.
const nested = <T>(p: Parser, pos: Pos, f: (p: Parser) => T): T => {
  if (++p.depth > MAX_DEPTH) throw new Fail(pos, `expression nested more than ${MAX_DEPTH} levels deep`)
  try {
    return f(p)
  } finally {
    p.depth--
  }
}

// One function per grammar rule, in the order of the grammar above.

const expr = (p: Parser): Node => nested(p, peek(p).pos, orExpr)

const orExpr = (p: Parser): Node => {
  let left = andExpr(p)
  while (isWord(peek(p), 'or')) {
    const t = next(p)
    left = { kind: 'logic', pos: t.pos, op: 'or', left, right: andExpr(p) }
  }
  return left
}

const andExpr = (p: Parser): Node => {
  let left = notExpr(p)
  while (isWord(peek(p), 'and')) {
    const t = next(p)
    left = { kind: 'logic', pos: t.pos, op: 'and', left, right: notExpr(p) }
  }
  return left
}

const notExpr = (p: Parser): Node => {
  if (isWord(peek(p), 'not')) {
    const t = next(p)
    return { kind: 'not', pos: t.pos, operand: nested(p, t.pos, notExpr) }
  }
  return compare(p)
}

const compare = (p: Parser): Node => {
  const left = additive(p)
  const t = peek(p)
  if (t.kind === 'punct' && COMPARE_OPS.has(t.text)) {
    next(p)
    return { kind: 'compare', pos: t.pos, op: t.text as CompareOp, left, right: additive(p) }
  }
  const negated = isWord(t, 'not') && isWord(peek(p, 1), 'in')
  if (negated || isWord(t, 'in')) {
    if (negated) next(p)
    next(p)
    const s = peek(p)
    if (s.kind !== 'list' && !isPunct(s, '[')) {
      throw new Fail(s.pos, `expected a list (\`@name\` or \`[...]\`) after \`in\` but found ${describe(s)}`)
    }
    return { kind: 'in', pos: t.pos, negated, value: left, set: primary(p) }
  }
  return left
}

const additive = (p: Parser): Node => {
  let left = term(p)
  for (let t = peek(p); isPunct(t, '+') || isPunct(t, '-'); t = peek(p)) {
    next(p)
    left = { kind: 'arith', pos: t.pos, op: t.text as ArithOp, left, right: term(p) }
  }
  return left
}

const term = (p: Parser): Node => {
  let left = unary(p)
  for (let t = peek(p); isPunct(t, '*') || isPunct(t, '/'); t = peek(p)) {
    next(p)
    left = { kind: 'arith', pos: t.pos, op: t.text as ArithOp, left, right: unary(p) }
  }
  return left
}

const unary = (p: Parser): Node => {
  if (isPunct(peek(p), '-')) {
    const t = next(p)
    return { kind: 'neg', pos: t.pos, operand: nested(p, t.pos, unary) }
  }
  return convert(p)
}

const convert = (p: Parser): Node => {
  const operand = primary(p)
  const t = peek(p)
  const c = peek(p, 1)
  if (isWord(t, 'in') && c.kind === 'ident' && /^[A-Z]{3}$/.test(c.text)) {
    next(p)
    next(p)
    if (!TARGET_CURRENCIES.has(c.text)) {
      throw new Fail(c.pos, `cannot convert to ${c.text}: amounts convert to ${[...TARGET_CURRENCIES].join(', ')}`)
    }
    return { kind: 'convert', pos: t.pos, operand, currency: c.text }
  }
  return operand
}

const primary = (p: Parser): Node => {
  const t = peek(p)
  switch (t.kind) {
    case 'number':
      next(p)
      return { kind: 'number', pos: t.pos, value: Number(t.text) }
    case 'string':
      next(p)
      return { kind: 'string', pos: t.pos, value: t.text }
    case 'date': {
      next(p)
      const value = parseDate(t.text)
      if (Number.isNaN(value)) throw new Fail(t.pos, `${t.text} is not a valid date`)
      return { kind: 'date', pos: t.pos, value, text: t.text }
    }
    case 'list': return listRef(p, t)
    case 'punct':
      if (t.text === '(') return parenthesised(p)
      if (t.text === '[') return literalList(p)
      throw new Fail(t.pos, `unexpected ${describe(t)}`)
    case 'eof': throw new Fail(t.pos, 'unexpected end of expression')
    case 'ident': {
      next(p)
      if (t.text === 'true' || t.text === 'false') return { kind: 'bool', pos: t.pos, value: t.text === 'true' }
      if (t.text === 'now') return { kind: 'now', pos: t.pos }
      if (QUANTIFIERS.has(t.text) && peek(p).kind === 'ident') return quantifier(p, t)
      if (KEYWORDS.has(t.text)) throw new Fail(t.pos, `unexpected keyword \`${t.text}\``)
      if (isPunct(peek(p), '(')) return call(p, t)
      return path(p, t)
    }
  }
}

const parenthesised = (p: Parser): Node => {
  next(p)
  const e = expr(p)
  expectPunct(p, ')')
  return e
}

/** `@name`, or a look-up `@name[key]`; `t` is the list token, not yet read. */
const listRef = (p: Parser, t: Token): Node => {
  next(p)
  if (!isPunct(peek(p), '[')) return { kind: 'listRef', pos: t.pos, name: t.text }
  next(p)
  const key = expr(p)
  expectPunct(p, ']')
  return { kind: 'lookup', pos: t.pos, list: t.text, key }
}

/** `any|all|count|sum IDENT in path [where expr] : expr`; `t` (the quantifier) is read. */
const quantifier = (p: Parser, t: Token): Node => {
  const variable = expectIdent(p, 'a variable name (e.g. `item`)')
  if (!isWord(peek(p), 'in')) throw new Fail(peek(p).pos, `expected \`in\` after \`${t.text} ${variable.text}\``)
  next(p)
  const source = path(p, expectIdent(p, 'a list field (e.g. `items`)'))
  let where: Node | null = null
  if (isWord(peek(p), 'where')) {
    next(p)
    where = expr(p)
  }
  expectPunct(p, ':')
  const body = expr(p)
  return { kind: 'quant', pos: t.pos, quantifier: t.text as Quantifier, variable: variable.text, source, where, body }
}

/** `name(expr, …)`; `t` (the name) is read, `(` is next. */
const call = (p: Parser, t: Token): Node => {
  next(p)
  const args: Node[] = []
  if (!isPunct(peek(p), ')')) {
    for (;;) {
      args.push(expr(p))
      if (!isPunct(peek(p), ',')) break
      next(p)
    }
  }
  expectPunct(p, ')')
  return { kind: 'call', pos: t.pos, name: t.text, args }
}

const literalList = (p: Parser): Node => {
  const open = expectPunct(p, '[')
  const values: Array<string | number> = []
  if (!isPunct(peek(p), ']')) {
    for (;;) {
      const t = next(p)
      if (t.kind === 'string') values.push(t.text)
      else if (t.kind === 'number') values.push(Number(t.text))
      else if (isPunct(t, '-') && peek(p).kind === 'number') values.push(-Number(next(p).text))
      else throw new Fail(t.pos, `a list literal holds strings or numbers, found ${describe(t)}`)
      if (!isPunct(peek(p), ',')) break
      next(p)
    }
  }
  expectPunct(p, ']')
  return { kind: 'listLit', pos: open.pos, values }
}

/** `IDENT { "." IDENT }`; `first` is read. */
const path = (p: Parser, first: Token): Node => {
  const segments = [first.text]
  const segmentPos = [first.pos]
  while (isPunct(peek(p), '.')) {
    next(p)
    const t = next(p)
    if (t.kind !== 'ident') throw new Fail(t.pos, `expected a field name after \`.\` but found ${describe(t)}`)
    segments.push(t.text)
    segmentPos.push(t.pos)
  }
  return { kind: 'path', pos: first.pos, segments, segmentPos }
}
