import { describe, expect, it } from 'vitest'
import { avroType } from './avro-types.ts'
import { createEncoder } from './encoder.ts'
import { parseFrame } from './wire-format.ts'

const type = avroType({
  type: 'record', name: 'Decision', fields: [
    { name: 'id', type: 'string' },
    { name: 'score', type: 'int' },
    { name: 'reasons', type: { type: 'array', items: 'string' } }
  ]
})

describe('codec > encoder', () => {
  it('writes the wire format with the registered id and a body that decodes back', () => {
    const encoder = createEncoder(type, 42)
    const value = { id: 'D-1', score: 77, reasons: ['a', 'b'] }
    const encoded = encoder.encode(value)
    expect(encoded.ok).toBe(true)
    if (!encoded.ok) return
    const parsed = parseFrame(encoded.value)
    expect(parsed.ok && parsed.value.schemaId).toBe(42)
    expect(parsed.ok && { ...type.fromBuffer(parsed.value.body) }).toEqual(value)
  })

  it('grows its scratch buffer for records larger than it, and returns independent buffers', () => {
    const encoder = createEncoder(type, 1, 16)
    const big = { id: 'x'.repeat(5000), score: 1, reasons: Array.from({ length: 100 }, (_, i) => `r${i}`) }
    const first = encoder.encode(big)
    const second = encoder.encode({ id: 'small', score: 2, reasons: [] })
    expect(first.ok && first.value.length).toBeGreaterThan(5000)
    const parsed = first.ok ? parseFrame(first.value) : undefined
    expect(parsed?.ok && type.fromBuffer(parsed.value.body).id).toBe(big.id)
    expect(second.ok && second.value.length).toBeLessThan(20)
  })

  it('returns E_PUBLISH_ENCODE with the path of the bad field instead of throwing', () => {
    const encoded = createEncoder(type, 1).encode({ id: 'D-1', score: 'high', reasons: [] } as never)
    expect(encoded.ok ? 'ok' : [encoded.error.code, encoded.error.path]).toEqual(['E_PUBLISH_ENCODE', 'score'])
  })
})
