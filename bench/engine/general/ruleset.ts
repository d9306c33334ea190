// A family of generated rulesets for the general engine bench (bench/engine-general.ts): N
// rules drawn, from a seed, from the constructs of the rule language (money in EUR and in the
// declared currency, list membership, contains / containsWord / startsWith, regexes, any /
// all / count / sum over items, route, arithmetic, enrichment fields, mitigations), and from
// the SAME draw the hand-written equivalent: one plain JavaScript function with one `if`
// block per rule, written the way a careful engineer writes rules by hand (per-declaration
// values computed once, lists as Sets, regexes compiled once, a loop per rule over the
// items it reads), so neither side was tuned on the other.
//
// Each template gives the rule's expression and the JavaScript of the same rule; the bench
// checks both agree on every declaration (action, score, rules fired) before it times them.

import type { RuleSourceFile } from '../../../src/engine/ruleset.ts'

export interface GeneratedRule {
  readonly id: string
  readonly title: string
  readonly tier: 'gate' | 'indicator' | 'mitigation'
  readonly weight: number
  readonly action: string | null
  readonly when: string
  /** Statements of the hand-written rule: `fire([values])` when it holds. */
  readonly js: string
}

export interface GeneratedRuleset {
  readonly files: readonly RuleSourceFile[]
  readonly rules: readonly GeneratedRule[]
  /** Constants the hand-written code names as S0, S1, …: Sets and RegExps. */
  readonly constants: readonly unknown[]
  /** Which templates were drawn, by name, with their counts. */
  readonly templates: Readonly<Record<string, number>>
}

/** mulberry32: small, seeded, good enough to draw rules. */
const prng = (seed: number): () => number => {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

const COUNTRIES = ['CN', 'HK', 'GB', 'TR', 'VN', 'IN', 'JP', 'KR', 'PA', 'AE', 'US', 'TH', 'MY', 'SG', 'TW']
const HUBS = ['NL', 'HK', 'DE', 'BE', 'HU', 'PL', 'UZ', 'GE', 'AM', 'TR', 'KG', 'KZ', 'AE']
const DESTINATIONS = ['DE', 'FR', 'NL', 'IT', 'ES', 'PL', 'BE', 'AT', 'SE', 'IE']
const CHAPTERS = ['61', '85', '62', '39', '42', '64', '95', '33', '71', '91', '90', '94', '48', '96', '84', '69']
const WORDS = [
  'cotton', 'women', 'shirt', 'plastic', 'textile', 'charging', 'knitted', 'dress', 'silicone', 'bluetooth', 'cable',
  'summer', 'earbuds', 'smartphone', 'watch', 'quartz', 'digital', 'lithium', 'kitchen', 'hoodie', 'socks', 'imitation',
  'jewellery', 'necklace', 'sweater', 'storage', 'headphones', 'steel', 'sunglasses', 'protective', 'earrings',
  'sneakers', 'yoga', 'led', 'battery', 'replica'
]
const SUBSTRINGS = ['usb', 'cable', 'cotton', 'steel', 'case', 'set', 'mah', 'ml', 'inch', 'pair', 'wired', 'lid']
const REGEXES = ['^0[0-9]{2}-', '[05]$', '^[0-9]{3}-[0-9]{3}9', '-9[0-9]+[13]$', '^1[0-9]{2}-[0-9]*7']
const CATEGORIES = ['GIFT', 'SALE_OF_GOODS', 'COMMERCIAL_SAMPLE', 'DOCUMENTS', 'RETURNED_GOODS', 'OTHER']
const GATE_ACTIONS = ['REQUEST_INFO', 'SCREEN_NII', 'PHYSICAL_EXAM']

/** What one template draws: the expression and its hand-written twin. */
interface Draw { readonly name: string, readonly when: string, readonly js: string, readonly mitigation?: boolean }

type Ctx = {
  readonly int: (lo: number, hi: number) => number
  readonly pick: <T>(xs: readonly T[]) => T
  readonly some: (xs: readonly string[], lo: number, hi: number) => string[]
  /** A constant for the hand-written code; returns its name. */
  readonly constant: (value: unknown) => string
  /** A set list file for the engine; returns its name. */
  readonly list: (entries: readonly string[]) => string
}

const q = (s: string): string => JSON.stringify(s)
const item = (field: string): string => `{ name: 'items[' + j + '].${field}', value: String(it.${field}) }`

// Each template: an expression and the same rule by hand. The hand-written code sees `d`, `e`,
// `items`, `rate` (EUR per unit of the declared currency, or undefined), `total` (totalValue as
// a number), `totalEur`, `seller`, `agg`, `wl`, `aeo`, and calls `fire(values)` when the rule holds.
const TEMPLATES: ReadonlyArray<(c: Ctx) => Draw> = [
  (c) => {
    const x = c.int(30, 200)
    return {
      name: 'money in EUR',
      when: `totalValue in EUR > ${x}`,
      js: `if (totalEur !== undefined && totalEur > ${x}) fire([{ name: 'totalValue', value: d.totalValue }])`
    }
  },
  (c) => {
    const k = c.int(2, 12)
    return {
      name: 'money in the declared currency',
      when: `totalValue > transportInsuranceCost * ${k}`,
      js: `if (d.transportInsuranceCost !== null && total > Number(d.transportInsuranceCost) * ${k}) ` +
        "fire([{ name: 'totalValue', value: d.totalValue }, " +
        "{ name: 'transportInsuranceCost', value: d.transportInsuranceCost }])"
    }
  },
  (c) => {
    const x = c.int(5, 60)
    return {
      name: 'any item: money in EUR',
      when: `any item in items: item.intrinsicValue in EUR / item.quantity > ${x}`,
      js: 'if (rate !== undefined) for (let j = 0; j < items.length; j++) { const it = items[j]; ' +
        `if (eur(Number(it.intrinsicValue), rate) / it.quantity > ${x}) ` +
        `{ fire([${item('intrinsicValue')}, ${item('quantity')}]); break } }`
    }
  },
  (c) => {
    const entries = c.some(COUNTRIES, 2, 6)
    const name = c.list(entries)
    const set = c.constant(new Set(entries))
    return {
      name: 'list membership',
      when: `originCountry in @${name}`,
      js: `if (${set}.has(d.originCountry)) fire([{ name: 'originCountry', value: d.originCountry }])`
    }
  },
  (c) => {
    const entries = c.some(DESTINATIONS, 2, 7)
    const set = c.constant(new Set(entries))
    return {
      name: 'literal list membership',
      when: `destinationCountry in [${entries.map(q).join(', ')}]`,
      js: `if (${set}.has(d.destinationCountry)) fire([{ name: 'destinationCountry', value: d.destinationCountry }])`
    }
  },
  (c) => {
    const entries = c.some(WORDS, 1, 4)
    const name = c.list(entries)
    const set = c.constant(new Set(entries))
    return {
      name: 'containsWord',
      when: `any item in items: containsWord(item.description, @${name})`,
      js: 'for (let j = 0; j < items.length; j++) { const it = items[j]; ' +
        `if (hasWord(${set}, it.description)) { fire([${item('description')}]); break } }`
    }
  },
  (c) => {
    const sub = c.pick(SUBSTRINGS)
    return {
      name: 'contains',
      when: `any item in items: contains(lower(item.description), ${q(sub)})`,
      js: 'for (let j = 0; j < items.length; j++) { const it = items[j]; ' +
        `if (it.description.toLowerCase().includes(${q(sub)})) { fire([${item('description')}]); break } }`
    }
  },
  (c) => {
    const chapter = c.pick(CHAPTERS)
    const origin = c.pick(COUNTRIES.slice(0, 4))
    return {
      name: 'startsWith',
      when: `any item in items: startsWith(item.hsCode, ${q(chapter)}) and item.originCountry == ${q(origin)}`,
      js: 'for (let j = 0; j < items.length; j++) { const it = items[j]; ' +
        `if (it.hsCode.startsWith(${q(chapter)}) && it.originCountry === ${q(origin)}) ` +
        `{ fire([${item('hsCode')}, ${item('originCountry')}]); break } }`
    }
  },
  (c) => {
    const pattern = c.pick(REGEXES)
    const re = c.constant(new RegExp(pattern))
    return {
      name: 'regex',
      when: `matches(houseTransportDocId, ${q(pattern)})`,
      js: `if (${re}.test(d.houseTransportDocId)) fire([{ name: 'houseTransportDocId', value: d.houseTransportDocId }])`
    }
  },
  (c) => {
    const x = c.int(1, 4)
    return {
      name: 'all items',
      when: `all item in items: item.originCountry == originCountry and item.quantity >= ${x}`,
      js: '{ let all = true; for (let j = 0; j < items.length; j++) { const it = items[j]; ' +
        `if (!(it.originCountry === d.originCountry && it.quantity >= ${x})) { all = false; break } } ` +
        "if (all) fire([{ name: 'originCountry', value: d.originCountry }]) }"
    }
  },
  (c) => {
    const x = c.int(2, 6)
    const k = c.int(1, 2)
    return {
      name: 'count items',
      when: `(count item in items: item.quantity >= ${x}) >= ${k}`,
      js: `{ let n = 0; for (let j = 0; j < items.length; j++) if (items[j].quantity >= ${x}) n++; ` +
        `if (n >= ${k}) fire([{ name: 'count(items)', value: String(n) }]) }`
    }
  },
  (c) => {
    const f = c.pick([0.5, 0.7, 0.9, 1])
    return {
      name: 'sum items',
      when: `(sum item in items: item.netMassKg) > grossMassKg * ${f}`,
      js: '{ let n = 0; for (let j = 0; j < items.length; j++) n += items[j].netMassKg; ' +
        `if (n > d.grossMassKg * ${f}) fire([{ name: 'sum(items)', value: String(n) }, ` +
        "{ name: 'grossMassKg', value: String(d.grossMassKg) }]) }"
    }
  },
  (c) => {
    const entries = c.some(HUBS, 1, 4)
    const name = c.list(entries)
    const set = c.constant(new Set(entries))
    return {
      name: 'route',
      when: `any c in route: c in @${name}`,
      js: `for (let j = 0; j < d.route.length; j++) { if (${set}.has(d.route[j])) ` +
        "{ fire([{ name: 'route[' + j + ']', value: d.route[j] }]); break } }"
    }
  },
  (c) => {
    const x = c.int(2, 40)
    return {
      name: 'arithmetic',
      when: `grossMassKg >= 0.5 and totalValue in EUR / grossMassKg < ${x}`,
      js: `if (d.grossMassKg >= 0.5 && totalEur !== undefined && totalEur / d.grossMassKg < ${x}) ` +
        "fire([{ name: 'grossMassKg', value: String(d.grossMassKg) }, { name: 'totalValue', value: d.totalValue }])"
    }
  },
  (c) => {
    const category = c.pick(CATEGORIES)
    const x = c.int(10, 100)
    return {
      name: 'category and money',
      when: `itemCategory == ${q(category)} and totalValue in EUR >= ${x}`,
      js: `if (d.itemCategory === ${q(category)} && totalEur !== undefined && totalEur >= ${x}) ` +
        "fire([{ name: 'itemCategory', value: d.itemCategory }, { name: 'totalValue', value: d.totalValue }])"
    }
  },
  (c) => {
    const x = c.int(10, 400)
    return {
      name: 'enrichment number',
      when: `enrichment.seller.ageDays < ${x}`,
      js: `{ const v = seller?.ageDays; if (v !== undefined && v < ${x}) ` +
        "fire([{ name: 'enrichment.seller.ageDays', value: String(v) }]) }"
    }
  },
  (c) => {
    const k = c.int(1, 4)
    return {
      name: 'aggregates',
      when: `enrichment.aggregates.consigneeCount24h >= ${k} and ` +
        'enrichment.aggregates.consigneeValueEur24h + totalValue in EUR > 100',
      js: '{ const n = agg?.consigneeCount24h; const v = agg?.consigneeValueEur24h; ' +
        `if (n !== undefined && n >= ${k} && v !== undefined && totalEur !== undefined && v + totalEur > 100) ` +
        "fire([{ name: 'enrichment.aggregates.consigneeCount24h', value: String(n) }, " +
        "{ name: 'enrichment.aggregates.consigneeValueEur24h', value: String(v) }, " +
        "{ name: 'totalValue', value: d.totalValue }]) }"
    }
  },
  (c) => {
    const tier = c.pick(['HIGH', 'MEDIUM'])
    return {
      name: 'enrichment enum',
      when: `enrichment.seller.riskTier == ${q(tier)}`,
      js: `if (seller?.riskTier === ${q(tier)}) fire([{ name: 'enrichment.seller.riskTier', value: ${q(tier)} }])`
    }
  },
  () => ({
    name: 'mitigation: known consignor',
    mitigation: true,
    when: 'enrichment.seller.knownConsignor == true',
    js: "if (seller?.knownConsignor === true) fire([{ name: 'enrichment.seller.knownConsignor', value: 'true' }])"
  }),
  () => ({
    name: 'mitigation: AEO',
    mitigation: true,
    when: 'enrichment.seller.aeo.status == "ACTIVE" and enrichment.seller.aeo.programme in ["AEOS", "AEOF"]',
    js: "if (aeo?.status === 'ACTIVE' && (aeo.programme === 'AEOS' || aeo.programme === 'AEOF')) " +
      "fire([{ name: 'enrichment.seller.aeo.status', value: 'ACTIVE' }, " +
      "{ name: 'enrichment.seller.aeo.programme', value: aeo.programme }])"
  })
]

const MANIFEST = `id: general
version: "1"
jurisdiction: EU
fx: fxToEur
bands:
  - { min: 0, action: RELEASE }
  - { min: 25, action: RELEASE_POST_AUDIT }
  - { min: 40, action: REQUEST_INFO }
  - { min: 70, action: SCREEN_NII }
  - { min: 90, action: PHYSICAL_EXAM }
fallbackAction: REQUEST_INFO
errorAction: SCREEN_NII
randomSelection: { rate: 0.01, seed: "general", action: SCREEN_NII }
`

/** `count` rules drawn from `seed`; `fxTable` is the text of a map list of EUR rates, named fxToEur. */
export const generateRuleset = (count: number, seed: number, fxTable: string): GeneratedRuleset => {
  const random = prng(seed)
  const constants: unknown[] = []
  const lists: RuleSourceFile[] = [{ path: 'lists/fxToEur.yaml', text: fxTable }]
  const ctx: Ctx = {
    int: (lo, hi) => lo + Math.floor(random() * (hi - lo + 1)),
    pick: (xs) => xs[Math.floor(random() * xs.length)] as (typeof xs)[number],
    some: (xs, lo, hi) => {
      const n = lo + Math.floor(random() * (hi - lo + 1))
      const pool = [...xs]
      const out: string[] = []
      while (out.length < n && pool.length > 0) {
        out.push(pool.splice(Math.floor(random() * pool.length), 1)[0] as string)
      }
      return out
    },
    constant: (value) => {
      constants.push(value)
      return `S${constants.length - 1}`
    },
    list: (entries) => {
      const name = `list${lists.length}`
      const text = `id: ${name}\nkind: set\nentries: [${entries.map(q).join(', ')}]\n`
      lists.push({ path: `lists/${name}.yaml`, text })
      return name
    }
  }
  const rules: GeneratedRule[] = []
  const templates: Record<string, number> = {}
  for (let i = 0; i < count; i++) {
    const draw = (TEMPLATES[Math.floor(random() * TEMPLATES.length)] as (c: Ctx) => Draw)(ctx)
    templates[draw.name] = (templates[draw.name] ?? 0) + 1
    const gate = draw.mitigation !== true && random() < 0.12
    const tier = draw.mitigation === true ? 'mitigation' : gate ? 'gate' : 'indicator'
    rules.push({
      id: `G${String(i).padStart(3, '0')}`,
      title: `Generated rule ${i} (${draw.name})`,
      tier,
      weight: gate ? 0 : ctx.int(3, 30),
      action: gate ? ctx.pick(GATE_ACTIONS) : null,
      when: draw.when,
      js: draw.js
    })
  }
  const ruleFile = 'rules:\n' + rules.map((r) => [
    `  - id: ${r.id}`,
    `    title: ${q(r.title)}`,
    `    tier: ${r.tier}`,
    r.tier === 'gate' ? `    action: ${r.action as string}` : `    weight: ${r.weight}`,
    `    when: ${q(r.when)}`
  ].join('\n')).join('\n') + '\n'
  return {
    files: [{ path: 'ruleset.yaml', text: MANIFEST }, { path: 'rules/generated.yaml', text: ruleFile }, ...lists],
    rules,
    constants,
    templates
  }
}
