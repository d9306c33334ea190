// Semantic validation of a ParcelDeclaration (schemas/parcel-declaration.avsc): what the
// Avro schema cannot say. Pure and synchronous; it collects every problem instead of stopping
// at the first, and never throws, whatever it is given. An empty result means valid.

import type { ParcelDeclaration } from '../declaration.ts'
import { declarationTypeSymbols, itemCategorySymbols, sourceKindSymbols, transportModeSymbols } from '../declaration.ts'
import {
  add, codeTextMax, country, currency, flag, isBag, money, positive, region, show, symbol, text, timestamp
} from './fields.ts'
import type { Rejection } from './fields.ts'
import {
  hsChapter, isHsChapter, isHsCodeShape, iossMemberState, isIossNumber, isS10CheckDigitValid, isS10Shape, moneyValue
} from './formats.ts'
import { defaultLimits, maxLength } from './limits.ts'
import type { ValidationLimits } from './limits.ts'

export type { Rejection } from './fields.ts'
export type { ValidationLimits } from './limits.ts'

export interface ValidateOptions {
  /** The time to judge dates against, epoch ms; defaults to Date.now(). */
  readonly now?: number
  /** Bounds; defaults to defaultLimits. Build once with resolveLimits(). */
  readonly limits?: ValidationLimits
}

const declarationTypes: ReadonlySet<string> = new Set(declarationTypeSymbols)
const sourceKinds: ReadonlySet<string> = new Set(sourceKindSymbols)
const transportModes: ReadonlySet<string> = new Set(transportModeSymbols)
const itemCategories: ReadonlySet<string> = new Set(itemCategorySymbols)

// Floating-point slack for sums of decimal amounts and masses (not a business tolerance).
const epsilon = 1e-9

const party = (out: Rejection[], value: unknown, base: string): void => {
  if (!isBag(value)) {
    add(out, 'E_VALIDATE_PARTY_MISSING', base, -1, '', `the ${base} party is missing`)
    return
  }
  text(out, value.name, maxLength.name, true, base, -1, 'name')
  const address = value.address
  if (isBag(address)) {
    text(out, address.street, maxLength.street, true, base, -1, 'address.street')
    text(out, address.city, maxLength.city, true, base, -1, 'address.city')
    text(out, address.postcode, maxLength.postcode, false, base, -1, 'address.postcode')
    country(out, address.country, true, base, -1, 'address.country')
  } else {
    add(out, 'E_VALIDATE_REQUIRED', base, -1, 'address', 'the address is required')
  }
  const ids = value.identifiers
  if (isBag(ids)) {
    text(out, ids.eori, maxLength.eori, false, base, -1, 'identifiers.eori')
    text(out, ids.tin, maxLength.tin, false, base, -1, 'identifiers.tin')
    text(out, ids.vat, maxLength.vat, false, base, -1, 'identifiers.vat')
  } else if (ids !== null && ids !== undefined) {
    add(out, 'E_VALIDATE_TYPE', base, -1, 'identifiers', `expected a record, got ${show(ids)}`)
  }
  text(out, value.phone, maxLength.phone, false, base, -1, 'phone')
  text(out, value.email, maxLength.email, false, base, -1, 'email')
}

const postalItemId = (out: Rejection[], value: unknown): void => {
  const id = text(out, value, codeTextMax, false, '', -1, 'postalItemId')
  if (id === null) return
  if (!isS10Shape(id)) {
    add(out, 'E_VALIDATE_S10_FORMAT', '', -1, 'postalItemId',
      `${show(id)} is not a UPU S10 id (2 letters, 9 digits, 2 letters)`)
  } else if (!isS10CheckDigitValid(id)) {
    add(out, 'E_VALIDATE_S10_CHECK_DIGIT', '', -1, 'postalItemId', `${show(id)} fails the S10 check digit`)
  }
}

/** The consignment's IOSS number (index -1) or an item's; returns it when well-formed. */
const iossNumber = (out: Rejection[], value: unknown, index: number): string | null => {
  const base = index >= 0 ? 'items' : ''
  const ioss = text(out, value, codeTextMax, false, base, index, 'iossNumber')
  if (ioss !== null && !isIossNumber(ioss)) {
    add(out, 'E_VALIDATE_IOSS_FORMAT', base, index, 'iossNumber',
      `${show(ioss)} is not an IOSS number (IM followed by 10 digits)`)
    return null
  }
  if (ioss !== null && iossMemberState(ioss) === undefined) {
    add(out, 'E_VALIDATE_IOSS_MEMBER_STATE', base, index, 'iossNumber',
      `${show(ioss)}: ${ioss.slice(2, 5)} is not the ISO 3166 numeric code of an EU Member State`)
    return null
  }
  return ioss
}

const hsCode = (out: Rejection[], value: unknown, index: number): void => {
  const code = text(out, value, codeTextMax, true, 'items', index, 'hsCode')
  if (code === null) return
  if (!isHsCodeShape(code)) {
    add(out, 'E_VALIDATE_HS_CODE', 'items', index, 'hsCode', `${show(code)} is not an HS code of 6 to 10 digits`)
  } else if (!isHsChapter(hsChapter(code))) {
    add(out, 'E_VALIDATE_HS_CHAPTER', 'items', index, 'hsCode',
      `${show(code)} is in chapter ${code.slice(0, 2)}, which holds no goods (valid: 01–97 except 77)`)
  }
}

// Scratch for doubles that cross function boundaries: the items' sums (written by items())
// and the date window. Returned tuples and boxed double arguments were most of what
// validating a valid declaration allocated: 5 M calls on valid.json took 728 scavenges
// (--trace-gc) before, 270 after, against 153 for a function that only returns `[]`.
// Safe to share: validation is synchronous.
const sums = new Float64Array(2)
const dateWindow = new Float64Array(2)

const zeroValueRefused = 'must be greater than zero (only DOCUMENTS may be declared at 0)'

/** Checks the items; leaves [sum of net masses, sum of intrinsic values] in `sums`, NaN where unusable. */
const items = (
  out: Rejection[],
  list: readonly unknown[],
  headerIoss: string | null,
  zeroValueAllowed: boolean,
  limits: ValidationLimits
): void => {
  let netMass = 0
  let value = 0
  let ioss = headerIoss
  for (let i = 0; i < list.length; i++) {
    const item = list[i]
    if (!isBag(item)) {
      add(out, 'E_VALIDATE_TYPE', 'items', i, '', `expected an item record, got ${show(item)}`)
      netMass = value = Number.NaN
      continue
    }
    text(out, item.description, maxLength.description, true, 'items', i, 'description')
    hsCode(out, item.hsCode, i)
    positive(out, item.quantity, Number.MAX_VALUE, false, 'items', i, 'quantity')
    text(out, item.unit, maxLength.unit, true, 'items', i, 'unit')
    netMass = positive(out, item.netMassKg, limits.maxGrossMassKg, false, 'items', i, 'netMassKg')
      ? netMass + (item.netMassKg as number)
      : Number.NaN
    if (money(out, item.intrinsicValue, true, 'items', i, 'intrinsicValue')) {
      const amount = moneyValue(item.intrinsicValue as string)
      if (amount === 0 && !zeroValueAllowed) {
        add(out, 'E_VALIDATE_NOT_POSITIVE', 'items', i, 'intrinsicValue', zeroValueRefused)
      }
      value += amount
    } else {
      value = Number.NaN
    }
    country(out, item.originCountry, true, 'items', i, 'originCountry')
    region(out, item.originRegion, 'items', i, 'originRegion')
    const itemIoss = iossNumber(out, item.iossNumber, i)
    if (itemIoss !== null) {
      if (ioss === null) ioss = itemIoss
      else if (itemIoss !== ioss) {
        add(out, 'E_VALIDATE_IOSS_MULTIPLE', 'items', i, 'iossNumber',
          `${show(itemIoss)} differs from ${show(ioss)}: one consignment carries one IOSS number`)
      }
    }
  }
  sums[0] = netMass
  sums[1] = value
}

/** Every semantic problem in `declaration`; an empty array when it is valid. */
export const validateDeclaration = (declaration: ParcelDeclaration, options: ValidateOptions = {}): Rejection[] =>
  check(declaration, options.now ?? Date.now(), options.limits ?? defaultLimits)

/**
 * The pipeline's validate stage: limits fixed once (build them with resolveLimits), the
 * clock passed per call, no options object per declaration.
 */
export const createValidator = (
  limits: ValidationLimits = defaultLimits
): (declaration: ParcelDeclaration, nowMs: number) => Rejection[] =>
  (declaration, nowMs) => check(declaration, nowMs, limits)

const check = (declaration: ParcelDeclaration, now: number, limits: ValidationLimits): Rejection[] => {
  const out: Rejection[] = []
  const d: unknown = declaration
  if (!isBag(d)) {
    add(out, 'E_VALIDATE_TYPE', '', -1, '', `expected a declaration record, got ${show(d)}`)
    return out
  }

  text(out, d.declarationId, maxLength.id, true, '', -1, 'declarationId')
  positive(out, d.version, 2_147_483_647, true, '', -1, 'version')
  text(out, d.houseTransportDocId, maxLength.id, true, '', -1, 'houseTransportDocId')
  text(out, d.masterTransportDocId, maxLength.id, false, '', -1, 'masterTransportDocId')
  postalItemId(out, d.postalItemId)
  text(out, d.orderRef, maxLength.orderRef, false, '', -1, 'orderRef')
  const source = d.source
  if (isBag(source)) {
    symbol(out, source.kind, sourceKinds, 'source', -1, 'kind')
    text(out, source.sourceId, maxLength.sourceId, true, 'source', -1, 'sourceId')
  } else {
    add(out, 'E_VALIDATE_REQUIRED', 'source', -1, '', 'the source is required')
  }
  symbol(out, d.declarationType, declarationTypes, '', -1, 'declarationType')
  dateWindow[0] = now - limits.maxAgeMs
  dateWindow[1] = now + limits.maxClockSkewMs
  timestamp(out, d.declaredAt, true, dateWindow, 'declaredAt')
  dateWindow[1] = now + limits.maxArrivalAheadMs
  timestamp(out, d.estimatedArrival, false, dateWindow, 'estimatedArrival')
  party(out, d.seller, 'seller')
  party(out, d.consignee, 'consignee')
  country(out, d.destinationCountry, true, '', -1, 'destinationCountry')
  country(out, d.originCountry, true, '', -1, 'originCountry')
  const route = d.route
  if (Array.isArray(route)) {
    if (route.length > limits.maxRouteLength) {
      add(out, 'E_VALIDATE_LENGTH', 'route', -1, '',
        `more than ${limits.maxRouteLength} transit countries (${route.length})`)
    } else {
      for (let i = 0; i < route.length; i++) country(out, route[i], true, 'route', i, '')
    }
  } else if (route !== null && route !== undefined) {
    add(out, 'E_VALIDATE_TYPE', 'route', -1, '', `expected a list of country codes, got ${show(route)}`)
  }
  const dispatch = d.dispatchLocation
  if (isBag(dispatch)) {
    country(out, dispatch.country, true, 'dispatchLocation', -1, 'country')
    flag(out, dispatch.freeZone, 'dispatchLocation', 'freeZone')
    text(out, dispatch.zoneId, maxLength.zoneId, false, 'dispatchLocation', -1, 'zoneId')
    region(out, dispatch.region, 'dispatchLocation', -1, 'region')
  } else {
    add(out, 'E_VALIDATE_REQUIRED', 'dispatchLocation', -1, '', 'the dispatch location is required')
  }
  symbol(out, d.transportMode, transportModes, '', -1, 'transportMode')
  positive(out, d.pieces, limits.maxPieces, true, '', -1, 'pieces')
  const grossMass = positive(out, d.grossMassKg, limits.maxGrossMassKg, false, '', -1, 'grossMassKg')
    ? d.grossMassKg as number
    : -1
  symbol(out, d.itemCategory, itemCategories, '', -1, 'itemCategory')
  const zeroValueAllowed = d.itemCategory === 'DOCUMENTS'
  const total = money(out, d.totalValue, true, '', -1, 'totalValue') ? moneyValue(d.totalValue as string) : -1
  if (total === 0 && !zeroValueAllowed) add(out, 'E_VALIDATE_NOT_POSITIVE', '', -1, 'totalValue', zeroValueRefused)
  currency(out, d.currency, '', 'currency')
  money(out, d.transportInsuranceCost, false, '', -1, 'transportInsuranceCost')
  const headerIoss = iossNumber(out, d.iossNumber, -1)
  text(out, d.aeoCertRef, maxLength.aeoCertRef, false, '', -1, 'aeoCertRef')
  text(out, d.additionalProcedure, maxLength.additionalProcedure, false, '', -1, 'additionalProcedure')
  text(out, d.sellerId, maxLength.sellerId, true, '', -1, 'sellerId')
  text(out, d.platformId, maxLength.sellerId, false, '', -1, 'platformId')

  const list = d.items
  if (!Array.isArray(list)) {
    add(out, list === null || list === undefined ? 'E_VALIDATE_ITEMS_COUNT' : 'E_VALIDATE_TYPE', 'items', -1, '',
      `expected a list of items, got ${show(list)}`)
  } else if (list.length === 0 || list.length > limits.maxItems) {
    add(out, 'E_VALIDATE_ITEMS_COUNT', 'items', -1, '',
      `${list.length} items; a declaration carries 1 to ${limits.maxItems}`)
  } else {
    items(out, list, headerIoss, zeroValueAllowed, limits)
    const netMass = sums[0] as number
    const value = sums[1] as number
    if (grossMass > 0 && netMass > grossMass * (1 + epsilon)) {
      add(out, 'E_VALIDATE_NET_MASS_EXCEEDS_GROSS', '', -1, 'grossMassKg',
        `items weigh ${netMass} kg net, more than the gross mass of ${grossMass} kg`)
    }
    const tolerance = Math.max(limits.valueSumTolerancePerItem * list.length, limits.valueSumToleranceRatio * total)
    if (total >= 0 && Math.abs(value - total) > tolerance + epsilon) {
      add(out, 'E_VALIDATE_VALUE_SUM_MISMATCH', '', -1, 'totalValue',
        `items add up to ${value.toFixed(4)}, totalValue is ${total} (tolerance ${tolerance.toFixed(4)})`)
    }
  }
  return out
}
