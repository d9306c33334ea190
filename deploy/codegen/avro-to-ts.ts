// Turns the Avro schemas in schemas/ into TypeScript types, so src/declaration.ts cannot
// drift from the wire format. Pure: the caller reads the files and writes the result.
//
// Mapping (the subset of Avro 1.11 the schemas use; anything else is refused so a schema
// change that the types cannot express fails loudly instead of producing a wrong type):
//   record              → `export interface Name { field: T }` (doc → JSDoc)
//   enum                → `export type Name = 'A' | 'B'` and `export const nameSymbols`
//   string              → string
//   int, long, float, double → number (timestamp-millis longs stay epoch-millisecond numbers:
//                          the codec decodes without logical-type hooks)
//   boolean, null       → boolean, null
//   bytes, fixed        → Uint8Array
//   array<T>, map<T>    → T[], Record<string, T>
//   ["null", T]         → T | null; a union with more than one non-null branch is refused,
//                          because decoders wrap such unions and the shapes would differ
//   named reference     → the short name (full names must not clash on the short name)
// A named type defined in several files must be defined identically.

export interface SchemaSource {
  /** File name, used in error messages, e.g. parcel-declaration.avsc. */
  readonly file: string
  /** Parsed JSON of the .avsc file. */
  readonly schema: unknown
}

type Json = null | boolean | number | string | Json[] | { [key: string]: Json }
type JsonObject = { [key: string]: Json }

const primitives: Record<string, string> = {
  null: 'null',
  boolean: 'boolean',
  int: 'number',
  long: 'number',
  float: 'number',
  double: 'number',
  bytes: 'Uint8Array',
  string: 'string'
}

const isObject = (value: unknown): value is JsonObject =>
  typeof value === 'object' && value !== null && !Array.isArray(value)

/** The generated file keeps to the lint's line length, doc comments included. */
const MAX_LINE = 120

/** `words` in lines of at most `width` characters; a word longer than that gets a line of its own. */
const wrap = (words: readonly string[], width: number): string[] => {
  const lines: string[] = []
  let line = ''
  for (const word of words) {
    if (line !== '' && line.length + 1 + word.length > width) {
      lines.push(line)
      line = word
    } else {
      line = line === '' ? word : `${line} ${word}`
    }
  }
  if (line !== '') lines.push(line)
  return lines
}

/** A JSDoc comment: one line when it fits, otherwise wrapped at word boundaries. */
const jsDoc = (doc: Json | undefined, indent: string): string => {
  if (typeof doc !== 'string' || doc === '') return ''
  const text = doc.replaceAll('*/', '*\\/')
  const oneLine = `${indent}/** ${text} */`
  if (oneLine.length <= MAX_LINE) return `${oneLine}\n`
  const body = wrap(text.split(/\s+/).filter((word) => word !== ''), MAX_LINE - indent.length - 3)
  return `${indent}/**\n${body.map((line) => `${indent} * ${line}\n`).join('')}${indent} */\n`
}

const lowerFirst = (name: string): string => name.charAt(0).toLowerCase() + name.slice(1)

const shortName = (name: string): string => name.slice(name.lastIndexOf('.') + 1)

const fullName = (name: string, namespace: string): string =>
  name.includes('.') || namespace === '' ? name : `${namespace}.${name}`

interface Context {
  readonly file: string
  /** Full name → canonical JSON of the definition, across all files. */
  readonly defined: Map<string, string>
  /** Short name → full name, to refuse clashes. */
  readonly shortNames: Map<string, string>
  /** Emitted declarations, in order of first definition. */
  readonly out: string[]
}

const fail = (ctx: Context, message: string): never => {
  throw new Error(`${ctx.file}: ${message}`)
}

const typeOf = (ctx: Context, schema: Json | undefined, namespace: string, where: string): string => {
  if (typeof schema === 'string') {
    const primitive = primitives[schema]
    if (primitive !== undefined) return primitive
    const full = fullName(schema, namespace)
    const known = ctx.defined.has(full) ? full : ctx.defined.has(schema) ? schema : undefined
    if (known === undefined) return fail(ctx, `${where}: unknown type ${schema}`)
    return shortName(known)
  }
  if (Array.isArray(schema)) {
    const branches = schema.filter((branch) => branch !== 'null')
    if (branches.length > 1) return fail(ctx, `${where}: unions with more than one non-null branch are not supported`)
    // Non-null branch first: `string | null` reads better than the schema's order.
    const types = [...branches, ...schema.filter((branch) => branch === 'null')]
    return types.map((branch) => typeOf(ctx, branch, namespace, where)).join(' | ')
  }
  if (!isObject(schema)) return fail(ctx, `${where}: invalid schema ${JSON.stringify(schema)}`)
  const type = schema.type
  if (typeof type !== 'string') return typeOf(ctx, type, namespace, where)
  switch (type) {
    case 'record':
    case 'error':
      return defineRecord(ctx, schema, namespace)
    case 'enum':
      return defineEnum(ctx, schema, namespace)
    case 'fixed':
      return 'Uint8Array'
    case 'array': {
      const items = typeOf(ctx, schema.items, namespace, `${where}[]`)
      return /^[A-Za-z0-9]+$/.test(items) ? `${items}[]` : `Array<${items}>`
    }
    case 'map':
      return `Record<string, ${typeOf(ctx, schema.values, namespace, `${where}{}`)}>`
    default:
      if (schema.logicalType === 'decimal') {
        return fail(ctx, `${where}: decimal logical type is not used; money is a decimal string`)
      }
      return typeOf(ctx, type, namespace, where)
  }
}

const namespaceOf = (full: string): string => full.includes('.') ? full.slice(0, full.lastIndexOf('.')) : ''

/** Registers a named type; isNew is false when an identical definition was already emitted. */
const register = (
  ctx: Context, schema: JsonObject, namespace: string
): { name: string, namespace: string, isNew: boolean } => {
  const name = schema.name
  if (typeof name !== 'string') return fail(ctx, `named type without a name: ${JSON.stringify(schema).slice(0, 80)}`)
  const full = fullName(name, typeof schema.namespace === 'string' ? schema.namespace : namespace)
  const canonical = JSON.stringify(schema)
  const previous = ctx.defined.get(full)
  if (previous !== undefined) {
    if (previous !== canonical) fail(ctx, `${full} is defined differently in another schema`)
    return { name: shortName(full), namespace: namespaceOf(full), isNew: false }
  }
  const clash = ctx.shortNames.get(shortName(full))
  if (clash !== undefined) fail(ctx, `${full} and ${clash} would both become ${shortName(full)}`)
  ctx.defined.set(full, canonical)
  ctx.shortNames.set(shortName(full), full)
  return { name: shortName(full), namespace: namespaceOf(full), isNew: true }
}

const defineEnum = (ctx: Context, schema: JsonObject, namespace: string): string => {
  const { name, isNew } = register(ctx, schema, namespace)
  if (!isNew) return name
  const symbols = schema.symbols
  if (!Array.isArray(symbols) || !symbols.every((s) => typeof s === 'string')) {
    return fail(ctx, `${name}: enum without symbols`)
  }
  const literals = symbols.map((s) => `'${s}'`)
  ctx.out.push(
    `${jsDoc(schema.doc, '')}${unionType(name, literals)}` +
    `/** The symbols of ${name}, in schema order. */\n` +
    symbolList(`export const ${lowerFirst(name)}Symbols: readonly ${name}[] = `, literals)
  )
  return name
}

/** `export type Name = 'A' | 'B'`, one member a line when the one line would be too long. */
const unionType = (name: string, literals: readonly string[]): string => {
  const oneLine = `export type ${name} = ${literals.join(' | ')}`
  if (oneLine.length <= MAX_LINE) return `${oneLine}\n`
  return `export type ${name} =\n${literals.map((l) => `  | ${l}\n`).join('')}`
}

/** `head['A', 'B']`, the literals wrapped inside the brackets when the one line would be too long. */
const symbolList = (head: string, literals: readonly string[]): string => {
  const oneLine = `${head}[${literals.join(', ')}]`
  if (oneLine.length <= MAX_LINE) return `${oneLine}\n`
  const items = literals.map((l, i) => i < literals.length - 1 ? `${l},` : l)
  return `${head}[\n${wrap(items, MAX_LINE - 2).map((line) => `  ${line}\n`).join('')}]\n`
}

const defineRecord = (ctx: Context, schema: JsonObject, namespace: string): string => {
  const { name, namespace: ownNamespace, isNew } = register(ctx, schema, namespace)
  if (!isNew) return name
  const fields = schema.fields
  if (!Array.isArray(fields)) return fail(ctx, `${name}: record without fields`)
  // Reserve this record's slot before visiting fields so a parent is emitted before the
  // types nested in it: the file then reads top-down like the schema.
  const slot = ctx.out.length
  ctx.out.push('')
  const lines: string[] = []
  for (const field of fields) {
    if (!isObject(field) || typeof field.name !== 'string') return fail(ctx, `${name}: field without a name`)
    const type = typeOf(ctx, field.type, ownNamespace, `${name}.${field.name}`)
    lines.push(`${jsDoc(field.doc, '  ')}  ${field.name}: ${type}\n`)
  }
  ctx.out[slot] = `${jsDoc(schema.doc, '')}export interface ${name} {\n${lines.join('')}}\n`
  return name
}

const header =
  '// Generated from schemas/*.avsc by `npm run generate:types`. Do not edit by hand:\n' +
  '// change the schema and regenerate (deploy/codegen/avro-to-ts.test.ts fails on drift).\n' +
  '// Timestamps are epoch milliseconds; money amounts are decimal strings (see schemas/).\n'

/** Generates the TypeScript source for all schemas, in the order given. */
export const generateTypes = (sources: readonly SchemaSource[]): string => {
  const defined = new Map<string, string>()
  const shortNames = new Map<string, string>()
  const out: string[] = []
  for (const source of sources) {
    const ctx: Context = { file: source.file, defined, shortNames, out }
    if (!isObject(source.schema)) fail(ctx, 'top-level schema must be a record')
    typeOf(ctx, source.schema as Json, '', source.file)
  }
  return `${header}\n${out.join('\n')}`
}

/** Paths (Type.field…) of every named type and field that has no non-empty doc. */
export const missingDocs = (schema: unknown, where = ''): string[] => {
  if (Array.isArray(schema)) return schema.flatMap((branch) => missingDocs(branch, where))
  if (!isObject(schema)) return []
  const missing: string[] = []
  const hasDoc = typeof schema.doc === 'string' && schema.doc.trim() !== ''
  const type = schema.type
  if (type === 'record' || type === 'error' || type === 'enum' || type === 'fixed') {
    const name = String(schema.name)
    if (!hasDoc) missing.push(name)
    if (Array.isArray(schema.fields)) {
      for (const field of schema.fields) {
        if (!isObject(field)) continue
        const path = `${name}.${String(field.name)}`
        if (typeof field.doc !== 'string' || field.doc.trim() === '') missing.push(path)
        missing.push(...missingDocs(field.type, path))
      }
    }
    return missing
  }
  if (type === 'array') return missingDocs(schema.items, where)
  if (type === 'map') return missingDocs(schema.values, where)
  return missingDocs(type, where)
}
