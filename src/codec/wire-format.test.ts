import { describe, expect, it } from 'vitest'
import { frame, HEADER_BYTES, parseFrame } from './wire-format.ts'

describe('codec > wire format', () => {
  it('frames a body behind magic byte 0 and a big-endian schema id', () => {
    const framed = frame(0x01020304, Buffer.from([0xaa, 0xbb]))
    expect([...framed]).toEqual([0, 1, 2, 3, 4, 0xaa, 0xbb])
  })

  it.each([
    [1, [0xde, 0xad]],
    [2_147_483_647, []],
    [-1, [1]]
  ])('reads back schema id %i and its body', (schemaId, body) => {
    const parsed = parseFrame(frame(schemaId, Buffer.from(body)))
    expect(parsed.ok && parsed.value.schemaId).toBe(schemaId)
    expect(parsed.ok && [...parsed.value.body]).toEqual(body)
  })

  it('returns the body as a view, without copying', () => {
    const framed = frame(7, Buffer.from([1, 2, 3]))
    const parsed = parseFrame(framed)
    expect(parsed.ok && parsed.value.body.buffer).toBe(framed.buffer)
    expect(parsed.ok && parsed.value.body.byteOffset).toBe(framed.byteOffset + HEADER_BYTES)
  })

  it.each([
    ['empty', [], 'E_DECODE_TRUNCATED'],
    ['magic byte only', [0], 'E_DECODE_TRUNCATED'],
    ['four header bytes', [0, 0, 0, 1], 'E_DECODE_TRUNCATED'],
    ['magic byte 1', [1, 0, 0, 0, 1, 2], 'E_DECODE_MAGIC_BYTE'],
    ['JSON text', [...Buffer.from('{"a":1}')], 'E_DECODE_MAGIC_BYTE']
  ])('rejects %s with %s', (_name, bytes, code) => {
    const parsed = parseFrame(Buffer.from(bytes))
    expect(parsed.ok ? 'ok' : parsed.error.code).toBe(code)
  })

  it('names the byte it found when the magic byte is wrong', () => {
    const parsed = parseFrame(Buffer.from([0x7b, 0, 0, 0, 1]))
    expect(parsed.ok ? '' : parsed.error.message).toContain('0x7b')
  })
})
