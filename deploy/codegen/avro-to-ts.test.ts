import { readFileSync } from 'node:fs'
import avro from 'avsc'
import { describe, expect, it } from 'vitest'
import { generateTypes, missingDocs } from './avro-to-ts.ts'
import { declarationTypesFile, readSchemaSources } from './schema-files.ts'

const sources = readSchemaSources()
const cases = sources.map((s) => [s.file, s.schema] as const)

/** Paths of optional fields that would break BACKWARD evolution: null must be the first branch and the default. */
const badOptionals = (node: unknown): string[] => {
  if (Array.isArray(node)) return node.flatMap(badOptionals)
  if (typeof node !== 'object' || node === null) return []
  const record = node as { type?: unknown, fields?: unknown, items?: unknown, values?: unknown, name?: unknown }
  const found: string[] = []
  if (Array.isArray(record.fields)) {
    for (const field of record.fields as Array<{ name: string, type: unknown, default?: unknown }>) {
      const optional = Array.isArray(field.type) && field.type.includes('null')
      if (optional && (field.type as unknown[])[0] !== 'null') found.push(`${String(record.name)}.${field.name}`)
      if (optional && field.default !== null) found.push(`${String(record.name)}.${field.name}`)
      found.push(...badOptionals(field.type))
    }
  }
  return [...found, ...badOptionals(record.type), ...badOptionals(record.items), ...badOptionals(record.values)]
}

describe('codegen > schemas', () => {
  it('finds the four record schemas', () => {
    expect(sources.map((s) => s.file)).toEqual([
      'inspection-outcome.avsc', 'parcel-declaration.avsc', 'profile-update.avsc', 'risk-decision.avsc'
    ])
  })

  it.each(cases)('%s parses with avsc', (_file, schema) => {
    const type = avro.Type.forSchema(schema as avro.Schema)
    expect(type.typeName).toBe('record')
    expect(type.name).toMatch(/^org\.parcelrisk\.[A-Z][A-Za-z]+$/)
  })

  it.each(cases)('%s documents every record, enum and field', (_file, schema) => {
    expect(missingDocs(schema)).toEqual([])
  })

  it.each(cases)('%s makes every optional field null-first with default null (BACKWARD)', (_file, schema) => {
    expect(badOptionals(schema)).toEqual([])
  })

  it('accepts the valid fixture declaration and round-trips it through Avro binary', () => {
    const declaration = sources.find((s) => s.file === 'parcel-declaration.avsc')?.schema
    const type = avro.Type.forSchema(declaration as avro.Schema)
    const fixtureUrl = new URL('../../test/fixtures/declarations/valid.json', import.meta.url)
    const fixture = JSON.parse(readFileSync(fixtureUrl, 'utf8')) as unknown
    expect(type.isValid(fixture)).toBe(true)
    expect(type.fromBuffer(type.toBuffer(fixture))).toEqual(type.clone(fixture))
  })
})

describe('codegen > avro-to-ts', () => {
  it('src/declaration.ts is exactly what the schemas generate (else run npm run generate:types)', () => {
    expect(readFileSync(declarationTypesFile, 'utf8')).toBe(generateTypes(sources))
  })

  const gen = (schema: unknown): string => generateTypes([{ file: 't.avsc', schema }])
  const rec = (type: unknown): unknown => ({
    type: 'record', name: 'T', namespace: 'n', doc: 'd', fields: [{ name: 'f', doc: 'x', type }]
  })

  it.each([
    ['string', 'f: string'],
    ['long', 'f: number'],
    [{ type: 'long', logicalType: 'timestamp-millis' }, 'f: number'],
    ['boolean', 'f: boolean'],
    ['bytes', 'f: Uint8Array'],
    [['null', 'string'], 'f: string | null'],
    [{ type: 'array', items: 'string' }, 'f: string[]'],
    [{ type: 'array', items: ['null', 'int'] }, 'f: Array<number | null>'],
    [{ type: 'map', values: 'double' }, 'f: Record<string, number>'],
    [{ type: 'enum', name: 'E', doc: 'e', symbols: ['A', 'B'] }, 'f: E']
  ])('maps %j to `%s`', (type, expected) => {
    expect(gen(rec(type))).toContain(`  ${expected}\n`)
  })

  it('emits enum symbols as a runtime array', () => {
    expect(gen(rec({ type: 'enum', name: 'SomeKind', doc: 'e', symbols: ['A', 'B'] })))
      .toContain("export const someKindSymbols: readonly SomeKind[] = ['A', 'B']")
  })

  it('wraps what would run past 120 characters: docs at word boundaries, long enums one member a line', () => {
    const words = Array.from({ length: 40 }, (_, i) => `word${i}`)
    const symbols = Array.from({ length: 12 }, (_, i) => `SYMBOL_NUMBER_${i}`)
    const out = gen({
      type: 'record', name: 'T', namespace: 'n', doc: 'd',
      fields: [{ name: 'f', doc: words.join(' '), type: { type: 'enum', name: 'E', doc: 'e', symbols } }]
    })
    expect(out.split('\n').filter((line) => line.length > 120)).toEqual([])
    expect(out).toMatch(/ {2}\/\*\*\n {3}\* word0 word1 [^\n]*\n(?: {3}\* [^\n]*\n)* {3}\* [^\n]*word39\n {3}\*\/\n/)
    expect(out).toContain(`export type E =\n  | 'SYMBOL_NUMBER_0'\n  | 'SYMBOL_NUMBER_1'\n`)
    expect(out).toContain("export const eSymbols: readonly E[] = [\n  'SYMBOL_NUMBER_0', 'SYMBOL_NUMBER_1',")
  })

  it.each([
    ['a union of two non-null types', ['null', 'string', 'int']],
    ['an unknown named type', 'Missing'],
    ['a decimal logical type', { type: 'bytes', logicalType: 'decimal', precision: 10, scale: 2 }]
  ])('refuses %s', (_what, type) => {
    expect(() => gen(rec(type))).toThrow(/t\.avsc/)
  })

  it('refuses a named type defined differently in two files', () => {
    const withEnum = (name: string, symbol: string): unknown => ({
      type: 'record',
      name,
      namespace: 'n',
      doc: 'r',
      fields: [{ name: 'x', doc: 'x', type: { type: 'enum', name: 'E', doc: 'e', symbols: [symbol] } }]
    })
    expect(() => generateTypes([
      { file: 'a.avsc', schema: withEnum('A', 'A') },
      { file: 'b.avsc', schema: withEnum('B', 'B') }
    ]))
      .toThrow(/b\.avsc: n\.E is defined differently/)
  })

  it('reports missing docs by path', () => {
    expect(missingDocs({
      type: 'record',
      name: 'R',
      fields: [
        { name: 'f', type: 'string' },
        { name: 'g', doc: 'g', type: { type: 'enum', name: 'E', symbols: ['A'] } }
      ]
    }))
      .toEqual(['R', 'R.f', 'E'])
  })
})
