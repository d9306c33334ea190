// Building blocks of one synthetic declaration: line items with values and masses, and the
// consignee. Money is computed in integer cents and formatted once, so totals are exact.
import type { Item, Party } from '../declaration.ts'
import { callingCodes, capitals, firstNames, goods, lastNames, streetWords, type Goods } from './catalogue.ts'
import type { Rng } from './rng.ts'

/** The ceiling clean declarations stay under (the EU H7 limit is €150). */
export const CLEAN_CEILING_CENTS = 14_000

export const money = (cents: number): string => `${Math.floor(cents / 100)}.${String(cents % 100).padStart(2, '0')}`

const round3 = (x: number): number => Math.round(x * 1000) / 1000

const goodsWeights: ReadonlyArray<readonly [Goods, number]> = goods.map((item) => [item, item.weight])

export interface Line {
  readonly goods: Goods
  description: string
  hsCode: string
  readonly quantity: number
  unitCents: number
  readonly netMassKg: number
}

export const drawGoods = (rng: Rng): Goods => rng.weighted(goodsWeights)

/** A line at a believable price: log-normal around the median, never under the low price. */
export const line = (rng: Rng, item: Goods, quantity?: number): Line => {
  const qty = quantity ?? (item.unit === 'PR' ? 1 : rng.weighted([[1, 80], [2, 14], [3, 6]]))
  const unitEur = Math.max(rng.lognormal(item.medianEur, 0.35), item.lowEur * 1.2)
  return {
    goods: item,
    description: rng.pick(item.descriptions),
    hsCode: item.hs,
    quantity: qty,
    unitCents: Math.round(unitEur * 100),
    netMassKg: Math.max(0.005, round3(item.unitMassKg * qty * rng.lognormal(1, 0.15)))
  }
}

export const lineCents = (l: Line): number => l.unitCents * l.quantity

/** One to four lines whose total stays under the clean ceiling. */
export const cleanLines = (rng: Rng): Line[] => {
  const count = rng.weighted([[1, 70], [2, 20], [3, 7], [4, 3]])
  const lines: Line[] = []
  let total = 0
  for (let i = 0; i < count; i++) {
    const l = line(rng, drawGoods(rng))
    if (i === 0 && lineCents(l) > CLEAN_CEILING_CENTS) {
      lines.push({ ...l, quantity: 1, unitCents: Math.min(l.unitCents, CLEAN_CEILING_CENTS) })
      break
    }
    if (total + lineCents(l) > CLEAN_CEILING_CENTS) break
    lines.push(l)
    total += lineCents(l)
  }
  return lines
}

export const toItems = (lines: readonly Line[], originCountry: string): Item[] =>
  lines.map((l) => ({
    description: l.description,
    hsCode: l.hsCode,
    quantity: l.quantity,
    unit: l.goods.unit,
    netMassKg: l.netMassKg,
    intrinsicValue: money(lineCents(l)),
    originCountry,
    iossNumber: null,
    originRegion: null
  }))

const postcode = (rng: Rng, country: string): string => {
  switch (country) {
    case 'NL': return `${rng.int(1000, 9999)} ${String.fromCharCode(65 + rng.int(0, 25), 65 + rng.int(0, 25))}`
    case 'PL': return `${rng.digits(2)}-${rng.digits(3)}`
    case 'PT': return `${rng.int(1000, 9999)}-${rng.digits(3)}`
    case 'IE': return `D${rng.digits(2)} X${rng.digits(3)}`
    case 'AT': case 'BE': case 'DK': case 'HU': case 'LU': case 'SI': case 'BG': case 'CY':
      return String(rng.int(1000, 9999))
    default: return String(rng.int(10000, 99999))
  }
}

export const consignee = (rng: Rng, country: string): Party => {
  const first = rng.pick(firstNames)
  const last = rng.pick(lastNames)
  return {
    name: `${first} ${last}`,
    address: {
      street: `${rng.pick(streetWords)} Street ${rng.int(1, 180)}`,
      city: capitals[country] ?? 'Capital',
      postcode: postcode(rng, country),
      country
    },
    identifiers: {
      eori: country !== 'US' && rng.chance(0.05) ? `${country}${rng.digits(10)}` : null, tin: null, vat: null
    },
    phone: rng.chance(0.8) ? `+${callingCodes[country] ?? '1'} ${rng.digits(3)} ${rng.digits(7)}` : null,
    email: rng.chance(0.6) ? `${first}.${last}`.toLowerCase().replace(/[^a-z.]/g, '') + '@mail.example' : null
  }
}
