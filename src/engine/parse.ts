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

const KEYWORDS = new Set(['and', 'or', 'not', 'in', 'any', 'all', 'count', 'sum', 'where', 'true', 'false', 'now'])
const COMPARE_OPS = new Set(['==', '!=', '<', '<=', '>', '>='])
const QUANTIFIERS = new Set(['any', 'all', 'count', 'sum'])
/** Currencies `in` converts to: the FX table gives EUR per unit of the declared currency. */
const TARGET_CURRENCIES = new Set(['EUR'])
export const MAX_DEPTH = 64
/** Long operator chains nest deeply too (left-associated); this bounds them. */
export const MAX_LENGTH = 10_000

class Fail extends Error {
  readonly pos: Pos
  constructor (pos: Pos, message: string) { super(message); this.pos = pos }
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
  if (src.length > MAX_LENGTH) return { node: null, error: { pos: { line: 1, column: 1 }, message: `expression longer than ${MAX_LENGTH} characters` } }
  const lexed = lex(src)
  if (lexed.error !== null) return { node: null, error: lexed.error }
  const toks = lexed.tokens
  let k = 0
  const peek = (ahead = 0): Token => toks[Math.min(k + ahead, toks.length - 1)] as Token
  const next = (): Token => toks[k < toks.length - 1 ? k++ : k] as Token
  const isWord = (t: Token, w: string): boolean => t.kind === 'ident' && t.text === w
  const isPunct = (t: Token, p: string): boolean => t.kind === 'punct' && t.text === p
  const describe = (t: Token): string => t.kind === 'eof' ? 'end of expression' : `\`${t.text}\``
  const expectPunct = (p: string): Token => {
    const t = next()
    if (!isPunct(t, p)) throw new Fail(t.pos, `expected \`${p}\` but found ${describe(t)}`)
    return t
  }
  const expectIdent = (what: string): Token => {
    const t = next()
    if (t.kind !== 'ident' || KEYWORDS.has(t.text)) throw new Fail(t.pos, `expected ${what} but found ${describe(t)}`)
    return t
  }

  // Deep nesting would overflow the stack in this recursive parser (and in the checker and
  // generator after it); no real rule comes close to this.
  let depth = 0
  const nested = <T>(pos: Pos, f: () => T): T => {
    if (++depth > MAX_DEPTH) throw new Fail(pos, `expression nested more than ${MAX_DEPTH} levels deep`)
    try { return f() } finally { depth-- }
  }
  const expr = (): Node => nested(peek().pos, orExpr)
  const orExpr = (): Node => {
    let left = andExpr()
    while (isWord(peek(), 'or')) { const t = next(); left = { kind: 'logic', pos: t.pos, op: 'or', left, right: andExpr() } }
    return left
  }
  const andExpr = (): Node => {
    let left = notExpr()
    while (isWord(peek(), 'and')) { const t = next(); left = { kind: 'logic', pos: t.pos, op: 'and', left, right: notExpr() } }
    return left
  }
  const notExpr = (): Node => {
    if (isWord(peek(), 'not')) { const t = next(); return { kind: 'not', pos: t.pos, operand: nested(t.pos, notExpr) } }
    return compare()
  }
  const compare = (): Node => {
    const left = additive()
    const t = peek()
    if (t.kind === 'punct' && COMPARE_OPS.has(t.text)) {
      next()
      return { kind: 'compare', pos: t.pos, op: t.text as CompareOp, left, right: additive() }
    }
    const negated = isWord(t, 'not') && isWord(peek(1), 'in')
    if (negated || isWord(t, 'in')) {
      if (negated) next()
      next()
      const s = peek()
      if (s.kind !== 'list' && !isPunct(s, '[')) throw new Fail(s.pos, `expected a list (\`@name\` or \`[...]\`) after \`in\` but found ${describe(s)}`)
      return { kind: 'in', pos: t.pos, negated, value: left, set: primary() }
    }
    return left
  }
  const additive = (): Node => {
    let left = term()
    for (let t = peek(); isPunct(t, '+') || isPunct(t, '-'); t = peek()) {
      next()
      left = { kind: 'arith', pos: t.pos, op: t.text as ArithOp, left, right: term() }
    }
    return left
  }
  const term = (): Node => {
    let left = unary()
    for (let t = peek(); isPunct(t, '*') || isPunct(t, '/'); t = peek()) {
      next()
      left = { kind: 'arith', pos: t.pos, op: t.text as ArithOp, left, right: unary() }
    }
    return left
  }
  const unary = (): Node => {
    if (isPunct(peek(), '-')) { const t = next(); return { kind: 'neg', pos: t.pos, operand: nested(t.pos, unary) } }
    return convert()
  }
  const convert = (): Node => {
    const operand = primary()
    const t = peek()
    const c = peek(1)
    if (isWord(t, 'in') && c.kind === 'ident' && /^[A-Z]{3}$/.test(c.text)) {
      next(); next()
      if (!TARGET_CURRENCIES.has(c.text)) throw new Fail(c.pos, `cannot convert to ${c.text}: amounts convert to ${[...TARGET_CURRENCIES].join(', ')}`)
      return { kind: 'convert', pos: t.pos, operand, currency: c.text }
    }
    return operand
  }
  const literalList = (): Node => {
    const open = expectPunct('[')
    const values: Array<string | number> = []
    if (!isPunct(peek(), ']')) {
      for (;;) {
        const t = next()
        if (t.kind === 'string') values.push(t.text)
        else if (t.kind === 'number') values.push(Number(t.text))
        else if (isPunct(t, '-') && peek().kind === 'number') values.push(-Number(next().text))
        else throw new Fail(t.pos, `a list literal holds strings or numbers, found ${describe(t)}`)
        if (!isPunct(peek(), ',')) break
        next()
      }
    }
    expectPunct(']')
    return { kind: 'listLit', pos: open.pos, values }
  }
  const path = (first: Token): Node => {
    const segments = [first.text]
    const segmentPos = [first.pos]
    while (isPunct(peek(), '.')) {
      next()
      const t = next()
      if (t.kind !== 'ident') throw new Fail(t.pos, `expected a field name after \`.\` but found ${describe(t)}`)
      segments.push(t.text)
      segmentPos.push(t.pos)
    }
    return { kind: 'path', pos: first.pos, segments, segmentPos }
  }
  const quantifier = (t: Token): Node => {
    const variable = expectIdent('a variable name (e.g. `item`)')
    if (!isWord(peek(), 'in')) throw new Fail(peek().pos, `expected \`in\` after \`${t.text} ${variable.text}\``)
    next()
    const source = path(expectIdent('a list field (e.g. `items`)'))
    let where: Node | null = null
    if (isWord(peek(), 'where')) { next(); where = expr() }
    expectPunct(':')
    return { kind: 'quant', pos: t.pos, quantifier: t.text as Quantifier, variable: variable.text, source, where, body: expr() }
  }
  const primary = (): Node => {
    const t = peek()
    switch (t.kind) {
      case 'number': next(); return { kind: 'number', pos: t.pos, value: Number(t.text) }
      case 'string': next(); return { kind: 'string', pos: t.pos, value: t.text }
      case 'date': {
        next()
        const value = parseDate(t.text)
        if (Number.isNaN(value)) throw new Fail(t.pos, `${t.text} is not a valid date`)
        return { kind: 'date', pos: t.pos, value, text: t.text }
      }
      case 'list': {
        next()
        if (!isPunct(peek(), '[')) return { kind: 'listRef', pos: t.pos, name: t.text }
        next()
        const key = expr()
        expectPunct(']')
        return { kind: 'lookup', pos: t.pos, list: t.text, key }
      }
      case 'punct':
        if (t.text === '(') { next(); const e = expr(); expectPunct(')'); return e }
        if (t.text === '[') return literalList()
        throw new Fail(t.pos, `unexpected ${describe(t)}`)
      case 'eof': throw new Fail(t.pos, 'unexpected end of expression')
      case 'ident': {
        next()
        if (t.text === 'true' || t.text === 'false') return { kind: 'bool', pos: t.pos, value: t.text === 'true' }
        if (t.text === 'now') return { kind: 'now', pos: t.pos }
        if (QUANTIFIERS.has(t.text) && peek().kind === 'ident') return quantifier(t)
        if (KEYWORDS.has(t.text)) throw new Fail(t.pos, `unexpected keyword \`${t.text}\``)
        if (isPunct(peek(), '(')) {
          next()
          const args: Node[] = []
          if (!isPunct(peek(), ')')) {
            for (;;) { args.push(expr()); if (!isPunct(peek(), ',')) break; next() }
          }
          expectPunct(')')
          return { kind: 'call', pos: t.pos, name: t.text, args }
        }
        return path(t)
      }
    }
  }

  try {
    const node = expr()
    const rest = peek()
    if (rest.kind !== 'eof') throw new Fail(rest.pos, `unexpected ${describe(rest)} after a complete expression`)
    return { node, error: null }
  } catch (err) {
    if (err instanceof Fail) return { node: null, error: { pos: err.pos, message: err.message } }
    throw err
  }
}
