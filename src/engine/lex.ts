// Lexer for rule expressions. Tokens (see the grammar in parse.ts):
//   NUMBER  = digit { digit } [ "." digit { digit } ]
//   DATE    = digit{4} "-" digit{2} "-" digit{2} [ "T" digit{2} ":" digit{2} [ ":" digit{2} ] "Z" ]
//   STRING  = '"' { any char but '"' and '\' | '\"' | '\\' | '\n' | '\t' } '"'
//   IDENT   = letter { letter | digit | "_" }         (keywords are IDENTs the parser knows)
//   LIST    = "@" IDENT
//   PUNCT   = "(" ")" "[" "]" "," ":" "." "==" "!=" "<=" ">=" "<" ">" "+" "-" "*" "/"
// Whitespace (spaces, tabs, newlines) and `# comments` to the end of a line are skipped.
// Positions are 1-based line and column within the expression text.

export type TokenKind = 'number' | 'string' | 'date' | 'ident' | 'list' | 'punct' | 'eof'

export interface Pos { readonly line: number, readonly column: number }

export interface Token {
  readonly kind: TokenKind
  /** Identifier / list name / punctuation / the decoded string / the number's text. */
  readonly text: string
  readonly pos: Pos
}

export interface LexError { readonly pos: Pos, readonly message: string }

const PUNCT2 = new Set(['==', '!=', '<=', '>='])
const PUNCT1 = new Set(['(', ')', '[', ']', ',', ':', '.', '<', '>', '+', '-', '*', '/'])
const DATE_RE = /^\d{4}-\d{2}-\d{2}(?:T\d{2}:\d{2}(?::\d{2})?Z)?/
const IDENT_START = /[A-Za-z_]/
const IDENT_PART = /[A-Za-z0-9_]/
const DIGIT = /[0-9]/
const ESCAPES: Record<string, string> = { '"': '"', '\\': '\\', n: '\n', t: '\t' }

export const lex = (src: string): { tokens: Token[], error: LexError | null } => {
  const tokens: Token[] = []
  let i = 0
  let line = 1
  let lineStart = 0
  const here = (at: number): Pos => ({ line, column: at - lineStart + 1 })
  // End of the last token: where "unexpected end of expression" is reported.
  let end: Pos = { line: 1, column: 1 }
  let counted = 0
  while (i < src.length) {
    if (tokens.length !== counted) {
      end = here(i)
      counted = tokens.length
    }
    const c = src[i] as string
    if (c === '\n') {
      i++
      line++
      lineStart = i
      continue
    }
    if (c === ' ' || c === '\t' || c === '\r') {
      i++
      continue
    }
    if (c === '#') {
      while (i < src.length && src[i] !== '\n') i++
      continue
    }
    const start = here(i)
    if (DIGIT.test(c)) {
      const date = DATE_RE.exec(src.slice(i, i + 20))
      if (date !== null) {
        tokens.push({ kind: 'date', text: date[0], pos: start })
        i += date[0].length
        continue
      }
      let j = i
      while (j < src.length && DIGIT.test(src[j] as string)) j++
      if (src[j] === '.' && DIGIT.test(src[j + 1] ?? '')) {
        j++
        while (j < src.length && DIGIT.test(src[j] as string)) j++
      }
      tokens.push({ kind: 'number', text: src.slice(i, j), pos: start })
      i = j
      continue
    }
    if (c === '"') {
      let j = i + 1
      let text = ''
      for (;;) {
        const d = src[j]
        if (d === undefined || d === '\n') return { tokens, error: { pos: start, message: 'unterminated string' } }
        if (d === '"') break
        if (d === '\\') {
          const e = ESCAPES[src[j + 1] ?? '']
          if (e === undefined) {
            return { tokens, error: { pos: here(j), message: `unknown escape \\${src[j + 1] ?? ''} in string` } }
          }
          text += e
          j += 2
          continue
        }
        text += d
        j++
      }
      tokens.push({ kind: 'string', text, pos: start })
      i = j + 1
      continue
    }
    if (IDENT_START.test(c) || c === '@') {
      let j = c === '@' ? i + 1 : i
      if (!IDENT_START.test(src[j] ?? '')) {
        return { tokens, error: { pos: start, message: 'expected a list name after @' } }
      }
      while (j < src.length && IDENT_PART.test(src[j] as string)) j++
      tokens.push(c === '@'
        ? { kind: 'list', text: src.slice(i + 1, j), pos: start }
        : { kind: 'ident', text: src.slice(i, j), pos: start })
      i = j
      continue
    }
    const two = src.slice(i, i + 2)
    if (PUNCT2.has(two)) {
      tokens.push({ kind: 'punct', text: two, pos: start })
      i += 2
      continue
    }
    if (PUNCT1.has(c)) {
      tokens.push({ kind: 'punct', text: c, pos: start })
      i++
      continue
    }
    if (c === '=') return { tokens, error: { pos: start, message: 'unexpected `=`', } }
    return { tokens, error: { pos: start, message: `unexpected character ${JSON.stringify(c)}` } }
  }
  if (tokens.length !== counted) end = here(i)
  tokens.push({ kind: 'eof', text: '', pos: end })
  return { tokens, error: null }
}
