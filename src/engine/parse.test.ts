import { describe, expect, it } from 'vitest'
import type { Node } from './ast.ts'
import { parseDate, parseExpression } from './parse.ts'

/** The tree as compact text: shows precedence and grouping. */
const show = (n: Node): string => {
  switch (n.kind) {
    case 'number': case 'bool': return String(n.value)
    case 'string': return JSON.stringify(n.value)
    case 'date': return n.text
    case 'now': return 'now'
    case 'path': return n.segments.join('.')
    case 'listRef': return `@${n.name}`
    case 'listLit': return JSON.stringify(n.values)
    case 'lookup': return `@${n.list}[${show(n.key)}]`
    case 'not': return `(not ${show(n.operand)})`
    case 'neg': return `(- ${show(n.operand)})`
    case 'logic': case 'compare': case 'arith': return `(${show(n.left)} ${n.op} ${show(n.right)})`
    case 'in': return `(${show(n.value)} ${n.negated ? 'not in' : 'in'} ${show(n.set)})`
    case 'convert': return `(${show(n.operand)} in ${n.currency})`
    case 'call': return `${n.name}(${n.args.map(show).join(', ')})`
    case 'quant': {
      const where = n.where === null ? '' : ` where ${show(n.where)}`
      return `(${n.quantifier} ${n.variable} in ${show(n.source)}${where}: ${show(n.body)})`
    }
  }
}

const tree = (src: string): string => {
  const r = parseExpression(src)
  if (r.node === null) throw new Error(r.error?.message)
  return show(r.node)
}

describe('engine > parse > grammar', () => {
  it.each([
    ['a or b and c', '(a or (b and c))'],
    ['not a and b', '((not a) and b)'],
    ['not not a', '(not (not a))'],
    ['a + b * c > d - e / f', '((a + (b * c)) > (d - (e / f)))'],
    ['-a * b', '((- a) * b)'],
    ['(a or b) and c', '((a or b) and c)'],
    ['totalValue in EUR > 150', '((totalValue in EUR) > 150)'],
    ['x in @highRisk', '(x in @highRisk)'],
    ['x not in @highRisk', '(x not in @highRisk)'],
    ['x in ["A", "B"]', '(x in ["A","B"])'],
    ['x in [1, -2.5]', '(x in [1,-2.5])'],
    ['@ref[left(item.hsCode, 6)] * 0.3', '(@ref[left(item.hsCode, 6)] * 0.3)'],
    ['seller.address.country == "CN"', '(seller.address.country == "CN")'],
    ['declaredAt >= 2026-07-01', '(declaredAt >= 2026-07-01)'],
    [
      'declaredAt < 2026-07-01T10:30Z and now > 2026-07-01T10:30:05Z',
      '((declaredAt < 2026-07-01T10:30Z) and (now > 2026-07-01T10:30:05Z))'
    ],
    ['any i in items: i.x > 1 and i.y', '(any i in items: ((i.x > 1) and i.y))'],
    ['(count i in items: i.q > 1) >= 3', '((count i in items: (i.q > 1)) >= 3)'],
    ['(sum i in items where i.q > 1: i.v) in EUR', '((sum i in items where (i.q > 1): i.v) in EUR)'],
    ['f()', 'f()'],
    ['a == "say \\"hi\\"\\n"', '(a == "say \\"hi\\"\\n")'],
    ['a # a comment\n  == 1', '(a == 1)']
  ])('%s', (src, expected) => {
    expect(tree(src)).toBe(expected)
  })
})

describe('engine > parse > errors', () => {
  it.each([
    ['a ==', 1, 5, 'unexpected end of expression'],
    ['a == == b', 1, 6, 'unexpected `==`'],
    ['a = 1', 1, 3, 'unexpected `=`'],
    ['a in b', 1, 6, 'expected a list'],
    ['(a or b', 1, 8, 'expected `)`'],
    ['a b', 1, 3, 'unexpected `b` after a complete expression'],
    ['x == "open', 1, 6, 'unterminated string'],
    ['x == "\\q"', 1, 7, 'unknown escape'],
    ['x == 2026-02-30', 1, 6, 'not a valid date'],
    ['x in USD', 1, 6, 'cannot convert to USD'],
    ['any in items: x', 1, 5, 'expected a variable name'],
    ['a ==\n  $b', 2, 3, 'unexpected character'],
    ['@ == 1', 1, 1, 'expected a list name'],
    ['a.', 1, 3, 'expected a field name'],
    ['[a]', 1, 2, 'a list literal holds strings or numbers']
  ])('%j fails at %i:%i', (src, line, column, message) => {
    const r = parseExpression(src)
    expect(r.node).toBeNull()
    expect(r.error?.pos).toEqual({ line, column })
    expect(r.error?.message).toContain(message)
  })

  it.each([
    ['parentheses', `${'('.repeat(1000)}a${')'.repeat(1000)}`],
    ['not', `${'not '.repeat(1000)}a`],
    ['minus', `${'-'.repeat(1000)}a > 1`],
    ['quantifiers', `${'any i in items: '.repeat(200)}a`]
  ])('refuses deep nesting of %s instead of overflowing the stack', (_, src) => {
    const r = parseExpression(src)
    expect(r.error?.message).toContain('nested more than 64 levels')
  })

  it('refuses an expression longer than 10,000 characters', () => {
    expect(parseExpression(`a == 1${' or a == 1'.repeat(1200)}`).error?.message).toContain('longer than 10000')
  })

  it.each([
    ['2026-07-01', Date.UTC(2026, 6, 1)], ['2026-07-01T10:30Z', Date.UTC(2026, 6, 1, 10, 30)], ['2026-13-01', NaN]
  ])('parseDate(%s)', (text, ms) => {
    expect(parseDate(text)).toBe(ms)
  })
})
