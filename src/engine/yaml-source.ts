// Reading rule files as YAML with positions: every value can say where it is (line:column),
// and an expression scalar can map a position inside the expression back to the file.

import { isMap, isScalar, isSeq, LineCounter, parseDocument } from 'yaml'
import type { Node as YamlNode, Scalar, YAMLMap } from 'yaml'
import type { Pos } from './lex.ts'
import type { Diagnostic, DiagnosticCode } from './ruleset.ts'

export interface YamlFile {
  readonly path: string
  readonly text: string
  readonly root: YamlNode | null
  readonly lines: LineCounter
}

export class Problems {
  readonly list: Diagnostic[] = []
  add (file: string, pos: Pos, code: DiagnosticCode, message: string, hint?: string): void {
    this.list.push(hint === undefined ? { file, ...pos, code, message } : { file, ...pos, code, message, hint })
  }
}

export const readYaml = (path: string, text: string, problems: Problems): YamlFile => {
  const lines = new LineCounter()
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true })
  for (const err of doc.errors) {
    const p = lines.linePos(err.pos[0])
    problems.add(path, { line: p.line, column: p.col }, 'yaml', err.message.split('\n')[0] ?? 'invalid YAML')
  }
  return { path, text, root: doc.errors.length > 0 ? null : (doc.contents as YamlNode | null), lines }
}

export const posOf = (file: YamlFile, node: YamlNode | null | undefined): Pos => {
  const offset = node?.range?.[0] ?? 0
  const p = file.lines.linePos(offset)
  return { line: p.line, column: p.col }
}

/** Map entries by key, remembering each key's node for positions. */
type Entries = Map<string, { key: YamlNode, value: YamlNode | null }>

export const entries = (node: YamlNode | null | undefined): Entries | null => {
  if (!isMap(node)) return null
  const out: Entries = new Map()
  for (const pair of (node as YAMLMap).items) {
    if (isScalar(pair.key)) {
      out.set(String(pair.key.value), { key: pair.key, value: (pair.value ?? null) as YamlNode | null })
    }
  }
  return out
}

export const items = (node: YamlNode | null | undefined): YamlNode[] | null =>
  isSeq(node) ? node.items as YamlNode[] : null

export const scalar = (node: YamlNode | null | undefined): unknown => isScalar(node) ? node.value : undefined

/**
 * For an expression held in a YAML scalar: maps positions inside the expression (1-based
 * line/column of the scalar's value) to the file. Each expression line is found in the file
 * text after the scalar's start; that is exact for plain, quoted and block (`|`) scalars
 * whose lines appear verbatim, and falls back to the scalar's start otherwise.
 */
export const expressionMapper = (file: YamlFile, node: YamlNode): (pos: Pos) => Pos => {
  const value = String((node as Scalar).value)
  const start = node.range?.[0] ?? 0
  const end = node.range?.[1] ?? file.text.length
  const lineOffsets: Array<number | null> = []
  let cursor = start
  for (const line of value.split('\n')) {
    const at = line.length === 0 ? -1 : file.text.indexOf(line, cursor)
    if (at >= 0 && at <= end) {
      lineOffsets.push(at)
      cursor = at + line.length
    } else {
      lineOffsets.push(null)
    }
  }
  return (pos) => {
    const offset = lineOffsets[pos.line - 1]
    if (offset === undefined || offset === null) return posOf(file, node)
    const p = file.lines.linePos(offset + pos.column - 1)
    return { line: p.line, column: p.col }
  }
}

/** Reports keys a section does not know, with a hint to the closest known one. */
export const unknownKeys = (
  file: YamlFile, map: Map<string, { key: YamlNode }>, known: readonly string[], where: string,
  problems: Problems, suggest: (name: string, candidates: Iterable<string>) => string | undefined
): void => {
  for (const [name, { key }] of map) {
    if (known.includes(name)) continue
    const s = suggest(name, known)
    problems.add(file.path, posOf(file, key), 'structure', `unknown key \`${name}\` in ${where}`,
      s === undefined ? `known keys: ${known.join(', ')}` : `did you mean \`${s}\`?`)
  }
}
