// Poison records for the demo: what a broken producer sends, so the dead-letter panel shows
// real failures. Each kind fails at a different place in the pipeline:
//
//   garbage        random bytes, no wire-format magic byte      → E_DECODE_MAGIC_BYTE
//   truncated      magic byte and half a schema id              → E_DECODE_TRUNCATED
//   bad-hs-code    valid Avro, hsCode "12AB"                      → E_VALIDATE_HS_CODE
//   bad-country    valid Avro, destinationCountry "EU"            → E_VALIDATE_COUNTRY
//   value-sum      valid Avro, items do not add up to totalValue → E_VALIDATE_VALUE_SUM_MISMATCH
import type { ParcelDeclaration } from '../../declaration.ts'
import type { Rng } from '../../generate/rng.ts'

export const POISON_KINDS = ['garbage', 'truncated', 'bad-hs-code', 'bad-country', 'value-sum'] as const
export type PoisonKind = typeof POISON_KINDS[number]

export type Poison =
  | { readonly kind: 'garbage' | 'truncated', readonly bytes: Buffer }
  | { readonly kind: 'bad-hs-code' | 'bad-country' | 'value-sum', readonly declaration: ParcelDeclaration }

/** Turns a good declaration into a poison record of a kind picked by `rng`. */
export const poison = (rng: Rng, good: ParcelDeclaration): Poison =>
  poisonOf(POISON_KINDS[rng.int(0, POISON_KINDS.length - 1)] as PoisonKind, rng, good)

export const poisonOf = (kind: PoisonKind, rng: Rng, good: ParcelDeclaration): Poison => {
  switch (kind) {
    case 'garbage': {
      const bytes = Buffer.from(Array.from({ length: rng.int(8, 200) }, () => rng.int(0, 255)))
      bytes[0] = rng.int(1, 255)
      return { kind, bytes }
    }
    case 'truncated':
      return { kind, bytes: Buffer.from([0, 0, 0]) }
    case 'bad-hs-code': {
      const declaration = structuredClone(good)
      const first = declaration.items[0]
      if (first !== undefined) first.hsCode = '12AB'
      return { kind, declaration }
    }
    case 'bad-country':
      return { kind, declaration: { ...good, destinationCountry: 'EU' } }
    case 'value-sum': {
      const cents = Math.round(Number(good.totalValue) * 100) + 10_000
      return { kind, declaration: { ...good, totalValue: (cents / 100).toFixed(2) } }
    }
  }
}
