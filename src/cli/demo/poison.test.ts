import { describe, expect, it } from 'vitest'
import { avroType, readSchema } from '../../codec/avro-types.ts'
import { createDecoder } from '../../codec/decoder.ts'
import { createEncoder } from '../../codec/encoder.ts'
import { ok } from '../../codec/result.ts'
import type { ParcelDeclaration } from '../../declaration.ts'
import { createRng } from '../../generate/rng.ts'
import { generateDeclarations } from '../../generate/stream.ts'
import { createValidator } from '../../validate/validate.ts'
import { poison, poisonOf, POISON_KINDS, type PoisonKind } from './poison.ts'

const type = avroType(readSchema('ParcelDeclaration'))
const encoder = createEncoder<ParcelDeclaration>(type, 1)
const decoder = createDecoder<ParcelDeclaration>({
  readerType: type, registry: { writerType: async () => ok(type) }, maxRecordBytes: 1 << 20
})
const validate = createValidator()

const cleanDeclaration = (): ParcelDeclaration => {
  for (const { declaration, patterns } of generateDeclarations({ seed: 3 })) {
    if (patterns.length === 0 && validate(declaration, declaration.declaredAt).length === 0) return declaration
  }
  throw new Error('unreachable: the stream is endless')
}

/** The code the pipeline's first two stages give the record, or 'accepted'. */
const codeOf = async (bytes: Buffer, nowMs: number): Promise<string> => {
  const [result] = await decoder.decodeBatch([{ value: bytes }])
  if (result === undefined) throw new Error('no result')
  if (!result.ok) return result.error.code
  return validate(result.value, nowMs)[0]?.code ?? 'accepted'
}

describe('cli > demo > poison', () => {
  const good = cleanDeclaration()
  const encode = (d: ParcelDeclaration): Buffer => {
    const r = encoder.encode(d)
    if (!r.ok) throw r.error
    return r.value
  }

  it('starts from a declaration the pipeline accepts', async () => {
    expect(await codeOf(encode(good), good.declaredAt)).toBe('accepted')
  })

  it.each<[PoisonKind, string]>([
    ['garbage', 'E_DECODE_MAGIC_BYTE'],
    ['truncated', 'E_DECODE_TRUNCATED'],
    ['bad-hs-code', 'E_VALIDATE_HS_CODE'],
    ['bad-country', 'E_VALIDATE_COUNTRY'],
    ['value-sum', 'E_VALIDATE_VALUE_SUM_MISMATCH']
  ])('%s is dead-lettered as %s', async (kind, code) => {
    for (let seed = 0; seed < 20; seed++) {
      const p = poisonOf(kind, createRng(seed), good)
      expect(p.kind).toBe(kind)
      expect(await codeOf('bytes' in p ? p.bytes : encode(p.declaration), good.declaredAt)).toBe(code)
    }
  })

  it('leaves the good declaration as it was', () => {
    const before = structuredClone(good)
    for (const kind of POISON_KINDS) poisonOf(kind, createRng(1), good)
    expect(good).toEqual(before)
  })

  it('picks every kind, each about as often', () => {
    const rng = createRng(11)
    const counts = new Map<string, number>()
    for (let i = 0; i < 5_000; i++) {
      const k = poison(rng, good).kind
      counts.set(k, (counts.get(k) ?? 0) + 1)
    }
    expect([...counts.keys()].sort()).toEqual([...POISON_KINDS].sort())
    for (const n of counts.values()) expect(n).toBeGreaterThan(850)
  })
})
