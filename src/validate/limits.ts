// Bounds the semantic validator applies. Field lengths follow the customs data-element
// formats (EU UCC Annex B / ICS2: names and streets an..70, city an..35, postcode an..17,
// EORI an..17, UCR an..35, description an..512, e-mail an..256); the rest are operational
// limits that a deployment may tune.

import { ParcelRiskError } from '../errors.ts'

export interface ValidationLimits {
  /** How far in the future declaredAt may lie (producer clock skew), ms. */
  readonly maxClockSkewMs: number
  /** How old declaredAt and estimatedArrival may be, ms. */
  readonly maxAgeMs: number
  /** How far ahead estimatedArrival may lie (sea freight takes weeks), ms. */
  readonly maxArrivalAheadMs: number
  /** Most line items per declaration (H7 allows 999 goods items). */
  readonly maxItems: number
  /** Most transit countries in route. */
  readonly maxRouteLength: number
  /** Most packages per consignment. */
  readonly maxPieces: number
  /** Largest gross mass in kg. */
  readonly maxGrossMassKg: number
  /**
   * The item intrinsic values must add up to totalValue within
   * max(perItem × number of items, ratio × totalValue), in the declaration's currency:
   * one rounding step per line, or a small share of the total, whichever is larger.
   */
  readonly valueSumTolerancePerItem: number
  readonly valueSumToleranceRatio: number
}

const day = 86_400_000

export const defaultLimits: ValidationLimits = Object.freeze({
  maxClockSkewMs: 7 * day,
  maxAgeMs: 365 * day,
  maxArrivalAheadMs: 120 * day,
  maxItems: 999,
  maxRouteLength: 20,
  maxPieces: 9_999,
  maxGrossMassKg: 5_000,
  valueSumTolerancePerItem: 0.01,
  valueSumToleranceRatio: 0.005
})

/** Longest accepted text per field, in UTF-16 code units. */
export const maxLength = Object.freeze({
  id: 70,
  orderRef: 35,
  sourceId: 64,
  sellerId: 128,
  name: 70,
  street: 70,
  city: 35,
  postcode: 17,
  eori: 17,
  tin: 35,
  vat: 35,
  phone: 50,
  email: 256,
  description: 512,
  unit: 8,
  aeoCertRef: 35,
  additionalProcedure: 3,
  zoneId: 35
})

/** Merges overrides into the defaults; every bad key is reported in one E_CONFIG_INVALID. */
export const resolveLimits = (overrides: Partial<Record<keyof ValidationLimits, unknown>> = {}): ValidationLimits => {
  const merged: Record<string, unknown> = { ...defaultLimits }
  const bad: string[] = []
  for (const [key, value] of Object.entries(overrides)) {
    if (!Object.hasOwn(defaultLimits, key)) {
      bad.push(`${key}: unknown key`)
    } else if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
      bad.push(`${key}: must be a finite number ≥ 0`)
    } else {
      merged[key] = value
    }
  }
  if (bad.length > 0) {
    throw new ParcelRiskError('E_CONFIG_INVALID',
      `invalid validation limits: ${bad.join('; ')}`, { path: 'validation' })
  }
  return Object.freeze(merged) as unknown as ValidationLimits
}
