// The generated party-matching set: seeded watchlisted parties, spelling variants of them
// (which a screen must find) and near-misses (other people and other addresses that look
// alike, which it must not). Names come in groups of transliterations of one name; addresses
// are real-looking streets of eight countries, written the way that country abbreviates.
import type { Rng } from '../../src/generate/rng.ts'

/** Each group is one name in its usual spellings; the first is the listed one. */
const FIRST_NAMES: readonly string[][] = [
  ['Mohammed', 'Muhammad', 'Mohamed', 'Mohammad'], ['Ahmed', 'Ahmad'], ['Yusuf', 'Youssef', 'Yousef'],
  ['Hussein', 'Husein', 'Hussain'],
  ['Aleksandr', 'Alexander', 'Aleksander'], ['Sergei', 'Sergey', 'Sergej'], ['Dmitri', 'Dmitry', 'Dmitrij'],
  ['Yevgeny', 'Evgeny', 'Jewgeni'],
  ['Olga', 'Olha'], ['Natalia', 'Natalya', 'Nataliya'], ['Yuri', 'Yury', 'Juri'], ['Mikhail', 'Michail', 'Mikhael'],
  ['Hans'], ['Heinz'], ['Anna'], ['Anne'], ['Jan'], ['Jana'], ['Maria'], ['Mario'], ['Daniel'], ['Daniela'],
  ['Paul'], ['Paula'],
  ['Karl', 'Carl'], ['Karla', 'Carla'], ['Simon'], ['Simone'], ['Peter', 'Pieter'], ['Thomas', 'Tomas'],
  ['Francois', 'François'],
  ['José', 'Jose'], ['Zoë', 'Zoe'], ['Søren', 'Soren'], ['Łukasz', 'Lukasz'], ['Małgorzata', 'Malgorzata'],
  ['Wei'], ['Li'], ['Chen'],
  ['Fatima', 'Fatma'], ['Ibrahim', 'Ebrahim'], ['Omar', 'Umar'], ['Khalid', 'Chalid', 'Khaled'],
  ['Elena', 'Jelena', 'Yelena'],
  ['Giovanni'], ['Francesca'], ['Pierre'], ['Claire'], ['Lucia'], ['Luca'], ['Sofia', 'Sophia'], ['Katarzyna'],
  ['Piotr'], ['James'], ['Emily']
]

/** Surname groups, as FIRST_NAMES. */
const SURNAMES: readonly string[][] = [
  ['Müller', 'Mueller', 'Muller'], ['Schmidt'], ['Schmitt'], ['Meyer', 'Meier'], ['Mayer'], ['Schneider'],
  ['Fischer'], ['Weber'],
  ['Ivanov', 'Iwanow'], ['Kuznetsov', 'Kusnezow', 'Kuznecov'], ['Chernov', 'Tschernow'],
  ['Zhukov', 'Schukow', 'Joukov'],
  ['Shevchenko', 'Schewtschenko', 'Chevtchenko'], ['Petrov', 'Petrow'], ['Popov', 'Popow'], ['Sokolov', 'Sokolow'],
  ['Al Hassan', 'Al-Hasan', 'Alhassan'], ['Abdullah', 'Abdulla'], ['Khalil', 'Chalil'], ['Rahman', 'Rehman'],
  ['Haddad'],
  ['García', 'Garcia'], ['Fernández', 'Fernandez'], ['López', 'Lopez'], ['Martínez', 'Martinez'], ['Rossi'],
  ['Russo'], ['Bianchi'],
  ['Dubois'], ['Lefèvre', 'Lefevre'], ['Moreau'], ['Nowak'], ['Kowalski'], ['Wiśniewski', 'Wisniewski'],
  ['Dąbrowski', 'Dabrowski'],
  ['de Vries'], ['van Dijk'], ['Jansen'], ['Janssen'], ['Smith'], ['Smyth'], ['Johnson'], ['Brown'], ['Taylor'],
  ['Wilson'],
  ['Zhang'], ['Wang'], ['Liu'], ['Yilmaz', 'Yılmaz'], ['Öztürk', 'Ozturk'], ['Nguyen'], ['Andersen'],
  ['Andersson'], ['Nielsen']
]

interface CountryStreets {
  readonly country: string
  /** [listed spelling, abbreviated spelling]; a joined compound is split by its variant. */
  readonly streets: ReadonlyArray<readonly [string, string]>
  readonly cities: ReadonlyArray<readonly [string, string]>
  /** House number before the street (GB, US, FR). */
  readonly numberFirst: boolean
}

const COUNTRIES: readonly CountryStreets[] = [
  {
    country: 'DE', numberFirst: false,
    streets: [
      ['Lindenstraße', 'Lindenstr.'], ['Hauptstraße', 'Hauptstr.'], ['Bahnhofstraße', 'Bahnhofstr.'],
      ['Schillerstraße', 'Schiller Str.'], ['Goethestraße', 'Goethe Straße'], ['Marktplatz', 'Markt Pl.'],
      ['Gartenweg', 'Garten Weg'], ['Müllerstraße', 'Muellerstr.']
    ],
    cities: [
      ['Berlin', '10969'], ['München', '80331'], ['Köln', '50667'], ['Hamburg', '20095'], ['Düsseldorf', '40213']
    ]
  },
  {
    country: 'FR', numberFirst: true,
    streets: [['Rue de la Paix', 'R. de la Paix'], ['Avenue Victor Hugo', 'Av. Victor Hugo'],
      ['Boulevard Saint-Michel', 'Bd St Michel'],
      ['Place de la République', 'Pl. de la Republique'], ['Rue du Faubourg Saint-Honoré', 'R. du Fbg St Honore']],
    cities: [['Paris', '75002'], ['Lyon', '69002'], ['Marseille', '13001'], ['Lille', '59000']]
  },
  {
    country: 'GB', numberFirst: true,
    streets: [['Baker Street', 'Baker St'], ['Station Road', 'Station Rd'], ['Church Lane', 'Church Ln'],
      ['Victoria Avenue', 'Victoria Ave'],
      ['Park Crescent', 'Park Cres'], ['Mill Close', 'Mill Cl']],
    cities: [['London', 'NW1 6XE'], ['Manchester', 'M1 1AE'], ['Leeds', 'LS1 4DY'], ['Bristol', 'BS1 5TR']]
  },
  {
    country: 'US', numberFirst: true,
    streets: [['Main Street', 'Main St'], ['Oak Avenue', 'Oak Ave'], ['Elm Drive', 'Elm Dr'],
      ['Sunset Boulevard', 'Sunset Blvd'], ['Lake Shore Drive', 'Lake Shore Dr']],
    cities: [['Springfield', '62701'], ['Chicago', '60601'], ['Houston', '77002'], ['Newark', '07102']]
  },
  {
    country: 'ES', numberFirst: false,
    streets: [['Calle Mayor', 'C/ Mayor'], ['Avenida de América', 'Avda. de América'], ['Plaza Mayor', 'Pza. Mayor'],
      ['Calle de Alcalá', 'C/ de Alcala']],
    cities: [['Madrid', '28013'], ['Sevilla', '41001'], ['Valencia', '46002']]
  },
  {
    country: 'IT', numberFirst: false,
    streets: [['Via Roma', 'V. Roma'], ['Piazza Garibaldi', 'P.za Garibaldi'], ['Viale Europa', 'V.le Europa'],
      ['Corso Italia', 'C.so Italia']],
    cities: [['Roma', '00184'], ['Milano', '20121'], ['Napoli', '80133'], ['Torino', '10121']]
  },
  {
    country: 'NL', numberFirst: false,
    streets: [['Keizersgracht', 'Keizers gracht'], ['Kerkstraat', 'Kerkstr.'], ['Dorpsstraat', 'Dorpsstr.'],
      ['Prinsengracht', 'Prinsengr.']],
    cities: [['Amsterdam', '1017 AB'], ['Utrecht', '3511 AA'], ['Rotterdam', '3011 AD']]
  },
  {
    country: 'PL', numberFirst: false,
    streets: [['ulica Długa', 'ul. Dluga'], ['aleja Jana Pawła II', 'al. Jana Pawla II'],
      ['ulica Piękna', 'ul. Piekna'], ['plac Zamkowy', 'pl. Zamkowy']],
    cities: [['Warszawa', '00-950'], ['Kraków', '31-001'], ['Gdańsk', '80-001']]
  }
]

export interface GeneratedParty {
  readonly name: string
  readonly street: string
  readonly postcode: string
  readonly city: string
  readonly country: string
  /** Indices into the pools, to build variants and near-misses from. */
  readonly first: number
  readonly middle: number | null
  readonly surname: number
  readonly countryIndex: number
  readonly streetIndex: number
  readonly cityIndex: number
  readonly houseNumber: number
}

const streetLine = (c: CountryStreets, street: string, n: number | null): string =>
  n === null ? street : c.numberFirst ? `${n} ${street}` : `${street} ${n}`

export const partyOf = (
  first: number, middle: number | null, surname: number,
  countryIndex: number, streetIndex: number, cityIndex: number, houseNumber: number
): GeneratedParty => {
  const c = COUNTRIES[countryIndex] as CountryStreets
  const [city, postcode] = c.cities[cityIndex] as readonly [string, string]
  const f = (FIRST_NAMES[first] as string[])[0] as string
  const m = middle === null ? '' : ` ${(FIRST_NAMES[middle] as string[])[0] as string}`
  return {
    name: `${f}${m} ${(SURNAMES[surname] as string[])[0] as string}`,
    street: streetLine(c, (c.streets[streetIndex] as readonly [string, string])[0], houseNumber),
    postcode, city, country: c.country, first, middle, surname, countryIndex, streetIndex, cityIndex, houseNumber
  }
}

export const randomParty = (rng: Rng): GeneratedParty => {
  const ci = rng.int(0, COUNTRIES.length - 1)
  const c = COUNTRIES[ci] as CountryStreets
  const middle = rng.chance(0.25) ? rng.int(0, FIRST_NAMES.length - 1) : null
  return partyOf(rng.int(0, FIRST_NAMES.length - 1), middle, rng.int(0, SURNAMES.length - 1),
    ci, rng.int(0, c.streets.length - 1), rng.int(0, c.cities.length - 1), rng.int(1, 120))
}

const ACCENTS: Readonly<Record<string, string>> = { a: 'á', e: 'é', i: 'í', o: 'ö', u: 'ü', c: 'ç', n: 'ñ' }

/** One keyboard slip in the longest word: a letter swapped with its neighbour, dropped, doubled or replaced. */
export const typo = (rng: Rng, text: string): string => {
  const words = text.split(' ')
  let at = 0
  words.forEach((w, i) => {
    if (w.length > (words[at] as string).length) at = i
  })
  const w = words[at] as string
  if (w.length < 5) return text
  const i = rng.int(1, w.length - 2)
  const kind = rng.int(0, 3)
  const out = kind === 0
    ? w.slice(0, i) + (w[i + 1] as string) + (w[i] as string) + w.slice(i + 2)
    : kind === 1 ? w.slice(0, i) + w.slice(i + 1)
      : kind === 2 ? w.slice(0, i) + (w[i] as string) + w.slice(i)
        : w.slice(0, i) + String.fromCharCode(97 + rng.int(0, 25)) + w.slice(i + 1)
  words[at] = out
  return words.join(' ')
}

const otherSpelling = (rng: Rng, group: readonly string[]): string | undefined =>
  group.length < 2 ? undefined : rng.pick(group.slice(1))

export type Declared = Pick<GeneratedParty, 'name' | 'street' | 'postcode' | 'city' | 'country'>

/** Spelling variants of a listed name; undefined when the kind does not apply to it. */
export const nameVariants: Readonly<Record<string, (rng: Rng, p: GeneratedParty) => string | undefined>> = {
  transliteration: (rng, p) => {
    const f = otherSpelling(rng, FIRST_NAMES[p.first] as string[])
    const s = otherSpelling(rng, SURNAMES[p.surname] as string[])
    if (f === undefined && s === undefined) return undefined
    const m = p.middle === null ? '' : ` ${(FIRST_NAMES[p.middle] as string[])[0] as string}`
    const first = f ?? (FIRST_NAMES[p.first] as string[])[0] as string
    return `${first}${m} ${s ?? (SURNAMES[p.surname] as string[])[0] as string}`
  },
  diacritics: (_, p) => p.name.replace(/[aeioucn]/g, (ch) => ACCENTS[ch] ?? ch),
  'word order': (_, p) => {
    const t = p.name.split(' ')
    return `${t.slice(-1).join(' ')}, ${t.slice(0, -1).join(' ')}`
  },
  'honorific and case': (_, p) => `Mr. ${p.name.toUpperCase()}`,
  initial: (_, p) => p.middle === null ? `${p.name[0] as string}. ${p.name.split(' ').slice(1).join(' ')}` : undefined,
  'middle name missing': (_, p) => p.middle === null
    ? undefined
    : `${(FIRST_NAMES[p.first] as string[])[0] as string} ${(SURNAMES[p.surname] as string[])[0] as string}`,
  typo: (rng, p) => typo(rng, p.name)
}

/** Spelling variants of a listed address (street line; postcode, city and country as listed unless said). */
export const addressVariants: Readonly<Record<string, (rng: Rng, p: GeneratedParty) => Declared | undefined>> = {
  abbreviation: (_, p) => {
    const c = COUNTRIES[p.countryIndex] as CountryStreets
    return { ...p, street: streetLine(c, (c.streets[p.streetIndex] as readonly [string, string])[1], p.houseNumber) }
  },
  'house number missing': (_, p) => {
    const c = COUNTRIES[p.countryIndex] as CountryStreets
    return { ...p, street: streetLine(c, (c.streets[p.streetIndex] as readonly [string, string])[0], null) }
  },
  'number on the other side': (_, p) => {
    const c = COUNTRIES[p.countryIndex] as CountryStreets
    const street = (c.streets[p.streetIndex] as readonly [string, string])[0]
    return { ...p, street: streetLine({ ...c, numberFirst: !c.numberFirst }, street, p.houseNumber) }
  },
  'diacritics and case': (_, p) => ({ ...p, street: p.street.normalize('NFKD').replace(/\p{M}/gu, '').toLowerCase(), city: p.city.toUpperCase() }),
  typo: (rng, p) => ({ ...p, street: typo(rng, p.street) })
}

const differentGroup = (rng: Rng, size: number, not: number): number => {
  let i = not
  while (i === not) i = rng.int(0, size - 1)
  return i
}

/**
 * Other people and other addresses that look like a listed one (indices as they are, to check
 * they are not listed too).
 */
export const nearMisses: Readonly<Record<string, (rng: Rng, p: GeneratedParty) => GeneratedParty>> = {
  'other first name, same surname': (rng, p) => partyOf(differentGroup(rng, FIRST_NAMES.length, p.first), null,
    p.surname, p.countryIndex, p.streetIndex, p.cityIndex, p.houseNumber),
  'same first name, other surname': (rng, p) => partyOf(p.first, null, differentGroup(rng, SURNAMES.length, p.surname),
    p.countryIndex, p.streetIndex, p.cityIndex, p.houseNumber),
  'same street, other house number': (rng, p) => partyOf(p.first, p.middle, p.surname,
    p.countryIndex, p.streetIndex, p.cityIndex, p.houseNumber + rng.int(1, 9)),
  'same street and number, other city': (rng, p) =>
    partyOf(p.first, p.middle, p.surname, p.countryIndex, p.streetIndex,
      differentGroup(rng, (COUNTRIES[p.countryIndex] as CountryStreets).cities.length, p.cityIndex), p.houseNumber),
  'other street, same postcode and number': (rng, p) =>
    partyOf(p.first, p.middle, p.surname, p.countryIndex,
      differentGroup(rng, (COUNTRIES[p.countryIndex] as CountryStreets).streets.length, p.streetIndex),
      p.cityIndex, p.houseNumber)
}
