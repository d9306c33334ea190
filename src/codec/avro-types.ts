// Avro types as the codec builds them: from the .avsc files in schemas/, with bounded block
// reads. avsc reads an array or map block by trusting its item count: a 6-byte body claiming
// 2^31 items makes it allocate and loop 2^31 times before noticing the buffer ran out, which
// is an out-of-memory crash from one garbage record. Every array item and map entry we read
// takes at least one byte (map keys are strings; array items here are strings or records with
// a required field), so a block that claims more items than bytes remain is rejected at once.
// Types whose array items can encode to zero bytes (null, empty records) keep avsc's reads.
import { readFileSync } from 'node:fs'
import avsc, { type Type } from 'avsc'

export const schemasDir = new URL('../../schemas/', import.meta.url)

export const SCHEMA_FILES = {
  ParcelDeclaration: 'parcel-declaration.avsc',
  RiskDecision: 'risk-decision.avsc',
  ProfileUpdate: 'profile-update.avsc',
  InspectionOutcome: 'inspection-outcome.avsc'
} as const

export type SchemaName = keyof typeof SCHEMA_FILES

export const readSchema = (name: SchemaName): object =>
  JSON.parse(readFileSync(new URL(SCHEMA_FILES[name], schemasDir), 'utf8')) as object

// The parts of avsc's internals the guard touches (stable across avsc 5.x).
interface Tap { buf: Buffer, pos: number, readLong: () => number, skipLong: () => void, readString: () => string }
interface Node {
  readonly typeName: string
  fields?: Array<{ type: Node }>
  itemsType?: Node
  valuesType?: Node
  types?: Node[]
  underlyingType?: Node
  size?: number
  _read: (tap: Tap) => unknown
  _skip: (tap: Tap) => void
}

const exhaust = (tap: Tap): void => {
  tap.pos = tap.buf.length + 1
}

const minBytes = (type: Node, seen: Set<Node>): number => {
  if (seen.has(type)) return 1
  switch (type.typeName) {
    case 'null': return 0
    case 'fixed': return type.size ?? 0
    case 'record': case 'error': {
      seen.add(type)
      let sum = 0
      for (const field of type.fields ?? []) sum += minBytes(field.type, seen)
      seen.delete(type)
      return sum
    }
    default: return type.underlyingType === undefined ? 1 : minBytes(type.underlyingType, seen)
  }
}

// Whether items of this type can encode to zero bytes (then a count cannot be checked against
// the bytes left). Computed once per items type.
const zeroSized = new WeakMap<Node, boolean>()
const canBeEmpty = (items: Node): boolean => {
  let empty = zeroSized.get(items)
  if (empty === undefined) {
    empty = minBytes(items, new Set()) === 0
    zeroSized.set(items, empty)
  }
  return empty
}

type AvroTypeClass = new (schema: object, opts: object) => object
const { ArrayType, MapType } = avsc.types as unknown as { ArrayType: AvroTypeClass, MapType: AvroTypeClass }

class BoundedArrayType extends ArrayType {
  declare readonly itemsType: Node

  _read (tap: Tap): unknown[] {
    const items = this.itemsType
    const bounded = !canBeEmpty(items)
    const out: unknown[] = []
    let n: number
    while ((n = tap.readLong()) !== 0) {
      if (n < 0) {
        n = -n
        tap.skipLong()
      }
      if (bounded && n > tap.buf.length - tap.pos) {
        exhaust(tap)
        return out
      }
      while (n-- > 0) out.push(items._read(tap))
    }
    return out
  }

  _skip (tap: Tap): void {
    const items = this.itemsType
    const bounded = !canBeEmpty(items)
    let n: number
    while ((n = tap.readLong()) !== 0) {
      if (n < 0) {
        tap.pos += tap.readLong()
        continue
      }
      if (bounded && n > tap.buf.length - tap.pos) {
        exhaust(tap)
        return
      }
      while (n-- > 0) items._skip(tap)
    }
  }
}

class BoundedMapType extends MapType {
  declare readonly valuesType: Node

  _read (tap: Tap): Record<string, unknown> {
    const values = this.valuesType
    const out: Record<string, unknown> = {}
    let n: number
    while ((n = tap.readLong()) !== 0) {
      if (n < 0) {
        n = -n
        tap.skipLong()
      }
      // Every entry has a key string of at least one byte.
      if (n > tap.buf.length - tap.pos) {
        exhaust(tap)
        return out
      }
      while (n-- > 0) {
        const key = tap.readString()
        // A map key must never become the map object's prototype.
        if (key === '__proto__') {
          exhaust(tap)
          return out
        }
        out[key] = values._read(tap)
      }
    }
    return out
  }
}

const typeHook = (schema: avsc.Schema, opts: avsc.ForSchemaOptions): Type | undefined => {
  if (typeof schema !== 'object' || schema === null || Array.isArray(schema)) return undefined
  const kind = (schema as { type?: unknown }).type
  if (kind === 'array') return new BoundedArrayType(schema, opts) as unknown as Type
  if (kind === 'map') return new BoundedMapType(schema, opts) as unknown as Type
  return undefined
}

/** An avsc type for `schema` (a parsed .avsc or another type's schema) with bounded reads. */
export const avroType = (schema: object): Type => avsc.Type.forSchema(schema as avsc.Schema, { typeHook })
