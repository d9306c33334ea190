// Reference data of the synthetic stream: goods, countries, parties, routes. Shaped after
// public descriptions of EU low-value e-commerce flows (91 % of parcels from China, typical
// item under €30, apparel, electronics accessories, cosmetics, toys and jewellery dominating)
// but every name, number and address here is invented.

export type GoodsGroup = 'apparel' | 'electronics' | 'other'

export interface Goods {
  readonly hs: string
  readonly descriptions: readonly string[]
  /** Typical retail unit price in EUR (median of the log-normal the stream draws from). */
  readonly medianEur: number
  /** Lowest believable unit price in EUR; undervalued items are declared below it. */
  readonly lowEur: number
  readonly unitMassKg: number
  readonly unit: 'PCE' | 'PR'
  readonly group: GoodsGroup
  /** Relative frequency in the stream. */
  readonly weight: number
}

const g = (
  hs: string,
  descriptions: string[],
  medianEur: number,
  lowEur: number,
  unitMassKg: number,
  group: GoodsGroup,
  weight: number,
  unit: 'PCE' | 'PR' = 'PCE'
): Goods =>
  ({ hs, descriptions, medianEur, lowEur, unitMassKg, unit, group, weight })

// A few clean lines use an electronics, clothing or wildlife word in another sense ("leather
// phone case", "vitamin c chewable tablets", "nail polish top coat", "coral pink dress"):
// the homonyms a keyword rule must not fire on, so the stream measures its false positives.
// Perfume is not among the clean goods: it is excluded from the EUR 150 duty relief and so
// from H7.
export const goods: readonly Goods[] = [
  g('610910', ["men's cotton t-shirt", "women's cotton t-shirt, printed", 'cotton t-shirt, short sleeves'],
    8, 2, 0.18, 'apparel', 10),
  g('611020', ['cotton hoodie', "women's knitted cotton sweater"], 16, 4, 0.38, 'apparel', 5),
  g('620342', ["men's cotton trousers", 'cotton jeans, slim fit'], 18, 5, 0.45, 'apparel', 4),
  g('620442', ["women's summer dress, cotton", "women's coral pink summer dress, cotton"], 15, 4, 0.25, 'apparel', 4),
  g('620630', ["women's ivory white blouse, cotton"], 14, 4, 0.2, 'apparel', 1),
  g('611595', ['knitted cotton socks, 5 pairs'], 6, 1, 0.15, 'apparel', 3),
  g('640411', ['running sneakers, textile upper', "children's sports shoes, textile"], 24, 6, 0.8, 'apparel', 4, 'PR'),
  g('640299', ['plastic beach slippers', 'rubber garden clogs'], 6, 1.5, 0.3, 'apparel', 3, 'PR'),
  g('420222', ['textile tote bag', 'polyester backpack, 20 l'], 10, 3, 0.3, 'other', 4),
  g('711719', ['imitation jewellery necklace, base metal', 'stainless steel earrings, pair'], 4, 0.5, 0.03, 'other', 6),
  g('900410', ['sunglasses, plastic frame'], 7, 1.5, 0.05, 'other', 3),
  g('910211', ['quartz wrist-watch, digital display'], 12, 5, 0.08, 'other', 3),
  g('851830', ['bluetooth earbuds with charging case', 'wired headphones, 3.5 mm jack'], 15, 3, 0.1, 'electronics', 6),
  g('850760', ['power bank 10000 mAh, lithium-ion'], 14, 2, 0.25, 'electronics', 3),
  g('854442', ['usb-c charging cable, 1 m', 'usb charger cable, braided'], 3, 0.3, 0.04, 'electronics', 5),
  g('851713', ['smartphone, 6.5 inch, 128 gb'], 130, 40, 0.22, 'electronics', 1),
  g('847160', ['wireless bluetooth mouse'], 9, 2, 0.08, 'electronics', 2),
  g('392690', ['silicone protective cover for mobile devices', 'plastic storage box with lid'],
    4, 0.2, 0.06, 'other', 6),
  g('950300', ['plastic toy car, friction powered', 'building blocks set, 300 pieces', 'doll dress set, 5 outfits'],
    9, 1, 0.3, 'other', 5),
  g('950691', ['yoga mat, 6 mm, tpe'], 12, 3, 0.9, 'other', 2),
  g('330499', ['lipstick, matte finish', 'eyeshadow palette, 12 colours'], 7, 1.5, 0.06, 'other', 4),
  g('330720', ['roll-on deodorant, 50 ml'], 6, 1.5, 0.08, 'other', 2),
  g('330430', ['nail polish top coat, 10 ml'], 5, 1, 0.04, 'other', 1),
  g('420231', ['leather phone case for smartphone'], 9, 2, 0.06, 'other', 2),
  g('420292', ['tablet sleeve, felt, 11 inch'], 10, 2, 0.15, 'other', 1),
  g('210690', ['vitamin c chewable tablets, 60 pcs'], 8, 2, 0.12, 'other', 1),
  g('940540', ['led desk lamp, dimmable'], 14, 4, 0.6, 'other', 2),
  g('482010', ['paper notebook, a5, lined'], 4, 0.5, 0.2, 'other', 2),
  g('691200', ['ceramic coffee mug, 350 ml'], 6, 1, 0.35, 'other', 2),
  g('392410', ['silicone kitchen spatula set'], 5, 1, 0.15, 'other', 3),
  g('960321', ['toothbrush heads, pack of 4'], 5, 1, 0.05, 'other', 2)
]

/**
 * Goods of the `restricted-goods` pattern, one family each: an essential firearm component,
 * medicaments to a private person, an excise good on H7, a CITES specimen, a scheduled drug
 * precursor, and a branded watch far below any genuine price (the counterfeit profile).
 */
export const restrictedGoods: readonly Goods[] = [
  g('930599', ['pistol slide, steel, 9 mm'], 60, 20, 0.3, 'other', 1),
  g('300490', ['ibuprofen 400 mg tablets, 2 x 20'], 10, 3, 0.08, 'other', 1),
  g('220830', ['single malt scotch whisky, 70 cl'], 40, 15, 1.2, 'other', 1),
  g('960110', ['carved ivory pendant on silk cord'], 30, 10, 0.05, 'other', 1),
  g('293942', ['pseudoephedrine hydrochloride, 100 g'], 40, 10, 0.1, 'other', 1),
  g('910211', ['rolex submariner style wrist-watch'], 14, 8, 0.1, 'other', 1)
]

/** Goods worth undervaluing: a high typical price with a known lowest believable price. */
export const valuableGoods: readonly Goods[] = goods.filter((item) => item.medianEur >= 12)

// ICS2 stop words (whole-description matches, rejected outright) and vague wordings (a vague
// term inside a longer text). Both lists are subsets of rules/eu-lvc/lists.
export const stopWordDescriptions = [
  'gift', 'gifts', 'accessories', 'parts', 'goods', 'clothes', 'sample', 'as per invoice', 'consolidated',
  'electronics', 'toys', 'household goods', 'merchandise', 'spare parts'
] as const
export const vagueDescriptions = [
  'assorted items for home', 'various small accessories', 'mixed goods, see invoice', 'misc household products',
  'set of items, plastic'
] as const

export interface Country { readonly code: string, readonly weight: number }

// Origins of EU-bound LVC parcels: China dominates (≈ 91 % by EU estimates, with Hong Kong).
export const origins: ReadonlyArray<readonly [string, number]> = [
  ['CN', 84], ['HK', 5], ['TR', 3], ['GB', 2], ['VN', 2], ['IN', 1.5], ['KR', 1], ['JP', 1], ['US', 0.5]
]

// Destinations: the EU member states that receive most online imports, plus the US.
export const destinations: ReadonlyArray<readonly [string, number]> = [
  ['DE', 17], ['FR', 14], ['IT', 11], ['ES', 11], ['NL', 7], ['PL', 7], ['BE', 5], ['AT', 3], ['SE', 3],
  ['IE', 2], ['DK', 2], ['CZ', 2], ['PT', 2], ['FI', 1], ['HU', 1], ['RO', 1], ['GR', 1], ['SK', 0.5],
  ['HR', 0.5], ['LT', 0.5], ['SI', 0.3], ['LV', 0.3], ['EE', 0.3], ['LU', 0.2], ['BG', 0.5], ['CY', 0.2],
  ['MT', 0.2], ['US', 10]
]

export const euMembers: ReadonlySet<string> =
  new Set(destinations.map(([code]) => code).filter((code) => code !== 'US'))

// Ordinary transit: none, or one of the big hubs. High-risk transit: the diversion hubs of the
// reference rules (rules/eu-lvc/lists/diversionRiskCountries.yaml).
export const ordinaryRoutes: ReadonlyArray<readonly [readonly string[], number]> = [
  [[], 60], [['HK'], 8], [['NL'], 8], [['DE'], 8], [['BE'], 7], [['HU'], 5], [['PL'], 4]
]
export const highRiskTransit = ['AE', 'TR', 'KZ', 'GE', 'AM', 'UZ', 'KG'] as const

export interface FreeZone { readonly id: string, readonly country: string }
export const freeZones: readonly FreeZone[] = [
  { id: 'AE-JAFZ-01', country: 'AE' }, { id: 'CN-QHFTZ-01', country: 'CN' }, { id: 'CN-SHFTZ-02', country: 'CN' },
  { id: 'PA-CFZ-01', country: 'PA' }, { id: 'TR-ISTFZ-01', country: 'TR' }
]

export const sellerCities: Readonly<Record<string, readonly string[]>> = {
  CN: ['Shenzhen', 'Guangzhou', 'Yiwu', 'Dongguan', 'Hangzhou', 'Ningbo', 'Xiamen', 'Shantou'],
  HK: ['Kowloon', 'Kwun Tong', 'Tsuen Wan'],
  TR: ['Istanbul', 'Izmir', 'Bursa'],
  GB: ['London', 'Manchester', 'Leeds'],
  VN: ['Ho Chi Minh City', 'Hanoi'],
  IN: ['Mumbai', 'Tiruppur', 'Jaipur'],
  KR: ['Seoul', 'Busan'],
  JP: ['Osaka', 'Tokyo'],
  US: ['Los Angeles', 'Newark'],
  AE: ['Dubai'],
  PA: ['Colon']
}

export const capitals: Readonly<Record<string, string>> = {
  DE: 'Berlin', FR: 'Lyon', IT: 'Milano', ES: 'Madrid', NL: 'Utrecht', PL: 'Warszawa', BE: 'Gent', AT: 'Graz',
  SE: 'Malmo', IE: 'Cork', DK: 'Aarhus', CZ: 'Brno', PT: 'Porto', FI: 'Tampere', HU: 'Debrecen', RO: 'Cluj-Napoca',
  GR: 'Patra', SK: 'Kosice', HR: 'Split', LT: 'Kaunas', SI: 'Maribor', LV: 'Riga', EE: 'Tartu', LU: 'Esch-sur-Alzette',
  BG: 'Plovdiv', CY: 'Limassol', MT: 'Sliema', US: 'Columbus'
}

export const callingCodes: Readonly<Record<string, string>> = {
  DE: '49', FR: '33', IT: '39', ES: '34', NL: '31', PL: '48', BE: '32', AT: '43', SE: '46', IE: '353', DK: '45',
  CZ: '420', PT: '351', FI: '358', HU: '36', RO: '40', GR: '30', SK: '421', HR: '385', LT: '370', SI: '386',
  LV: '371', EE: '372', LU: '352', BG: '359', CY: '357', MT: '356', US: '1', CN: '86', HK: '852', TR: '90',
  GB: '44', VN: '84', IN: '91', KR: '82', JP: '81', AE: '971', PA: '507'
}

export const firstNames = [
  'Anna', 'Lukas', 'Marie', 'Jonas', 'Sofia', 'Mateo', 'Julia', 'Noah', 'Emma', 'Leon', 'Chiara', 'Pablo',
  'Zofia', 'Jan', 'Eva', 'Lars', 'Ines', 'Tomas', 'Laura', 'Milan', 'Clara', 'David', 'Hanna', 'Marco'
]
export const lastNames = [
  'Muller', 'Rossi', 'Garcia', 'Dubois', 'Nowak', 'de Vries', 'Peeters', 'Gruber', 'Lindqvist', 'Murphy',
  'Jensen', 'Novak', 'Silva', 'Virtanen', 'Nagy', 'Popescu', 'Papadopoulos', 'Horvat', 'Kazlauskas', 'Smith',
  'Martin', 'Weber', 'Costa', 'Fischer'
]
export const streetWords = ['Main', 'Station', 'Park', 'Church', 'Mill', 'Garden', 'Lake', 'Market', 'School', 'Forest']
export const sellerWords = [
  'Huaxin', 'Jiayuan', 'Mingda', 'Ruixiang', 'Tianhe', 'Xinyu', 'Bolong', 'Kaida', 'Yuntai', 'Haoyang', 'Lianfa',
  'Shengtai'
]
export const sellerTrades = [
  'Trading', 'E-commerce', 'Technology', 'Import & Export', 'Garments', 'Electronics', 'Crafts'
]

export const platforms = ['PLAT-A', 'PLAT-B', 'PLAT-C', 'PLAT-D'] as const
export const expressCarriers = ['XPR-01', 'XPR-02', 'XPR-03'] as const
// IATA airline prefixes used for air waybill numbers.
export const airlinePrefixes = ['176', '784', '999', '160', '020', '172', '618'] as const
// UPU S10 service indicators for registered, tracked and EMS items.
export const s10Services = ['RR', 'RB', 'LX', 'LP', 'UA', 'EE', 'CP'] as const
// ISO 3166 numeric codes of member states where IOSS intermediaries register most.
export const iossMemberCodes = ['372', '528', '442', '056', '276', '250'] as const
