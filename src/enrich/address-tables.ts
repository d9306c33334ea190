// Per-country street abbreviation tables for approximate party matching (match.ts).
//
// They apply to tokens of an address that normaliseText (normalise.ts) already folded, upper
// cased and passed through its country-blind table, so each table maps both the raw
// abbreviation and what the blind table made of it: German "Pl." arrives as PLACE and means
// PLATZ, French "St" arrives as STREET and means SAINT, Dutch "str." arrives as STRASSE and
// means STRAAT, a British "Cl." arrives as CALLE and means CLOSE.
//
// Street-type words (the values of the tables, and the blind table's STREET, ROAD…) are kept
// for scoring but left out of the lookup keys: "Lindenstr. 12" and "Linden Straße" must find
// the same entry, and so must "Linden Weg" and "Lindenweg" (COMPOUND_SUFFIXES split them).

export const GENERIC: Readonly<Record<string, string>> = Object.freeze({})

const GERMAN = { STR: 'STRASSE', PLACE: 'PLATZ', PL: 'PLATZ', G: 'GASSE', ALL: 'ALLEE', CH: 'CHAUSSEE', HNR: 'NUMBER' }
const DUTCH = {
  STRASSE: 'STRAAT', STR: 'STRAAT', LANE: 'LAAN', LN: 'LAAN', PLN: 'PLEIN', GR: 'GRACHT', SNGL: 'SINGEL',
  BOULEVARD: 'BOULEVARD'
}
const FRENCH = {
  STREET: 'SAINT', STE: 'SAINTE', R: 'RUE', AVENUE: 'AVENUE', BOULEVARD: 'BOULEVARD', PLACE: 'PLACE',
  CHE: 'CHEMIN', CHEM: 'CHEMIN', IMP: 'IMPASSE', ALL: 'ALLEE', FG: 'FAUBOURG', FBG: 'FAUBOURG', RTE: 'ROUTE',
  QU: 'QUAI', SQUARE: 'SQUARE', BIS: 'BIS'
}
const SPANISH = {
  C: 'CALLE', CALLE: 'CALLE', AVENUE: 'AVENIDA', AVENIDA: 'AVENIDA', PLACE: 'PLAZA', PZA: 'PLAZA', PL: 'PLAZA',
  CTRA: 'CARRETERA', PO: 'PASEO', PSO: 'PASEO', CMNO: 'CAMINO', NUM: 'NUMBER'
}
// Italian abbreviations keep their ending after a dot (V.le, P.za, C.so); the tokens arrive
// sorted, so the ending cannot be joined back: the first letter is taken for the type, the
// ending is dropped ('').
const ITALIAN = {
  V: 'VIA', VLE: 'VIALE', PZA: 'PIAZZA', PZZA: 'PIAZZA', P: 'PIAZZA', C: 'CORSO', CSO: 'CORSO', LGO: 'LARGO',
  VC: 'VICOLO', LE: '', ZA: '', ZZA: '', SO: '', GO: ''
}
const POLISH = { UL: 'ULICA', AL: 'ALEJA', PLACE: 'PLAC', PL: 'PLAC', OS: 'OSIEDLE', M: 'MIESZKANIE' }
const ENGLISH = {
  CALLE: 'CLOSE', CL: 'CLOSE', CRES: 'CRESCENT', CR: 'CRESCENT', GDNS: 'GARDENS', GDN: 'GARDEN', TER: 'TERRACE',
  TCE: 'TERRACE', MT: 'MOUNT', GRN: 'GREEN', GRV: 'GROVE', PDE: 'PARADE', ESP: 'ESPLANADE', CIR: 'CIRCLE',
  TRL: 'TRAIL', TPKE: 'TURNPIKE', XING: 'CROSSING'
}

/** Country (ISO 3166-1 alpha-2) → its table. Countries not listed use GENERIC. */
export const COUNTRY_TABLES: Readonly<Record<string, Readonly<Record<string, string>>>> = Object.freeze({
  DE: GERMAN, AT: GERMAN, CH: GERMAN, LI: GERMAN,
  NL: DUTCH, BE: FRENCH, LU: FRENCH, FR: FRENCH, MC: FRENCH,
  ES: SPANISH, MX: SPANISH, AR: SPANISH,
  IT: ITALIAN, SM: ITALIAN, PL: POLISH,
  GB: ENGLISH, IE: ENGLISH, US: ENGLISH, CA: ENGLISH, AU: ENGLISH, NZ: ENGLISH
})

/** Two-letter words of addresses that are also country codes; never taken for the country. */
export const PARTICLES: ReadonlySet<string> = new Set([
  'DE', 'LA', 'LE', 'EL', 'DA', 'DO', 'DI', 'DU', 'AL', 'CO', 'CL', 'AT'
])

/** Words naming the kind of street or building part: scored, but not part of a lookup key. */
export const STREET_TYPES: ReadonlySet<string> = new Set([
  'STREET', 'ROAD', 'AVENUE', 'BOULEVARD', 'LANE', 'DRIVE', 'COURT', 'PLACE', 'SQUARE', 'HIGHWAY', 'PARKWAY',
  'APARTMENT', 'SUITE', 'FLOOR', 'BUILDING', 'NUMBER',
  'CLOSE', 'CRESCENT', 'GARDENS', 'GARDEN', 'TERRACE', 'WAY', 'GROVE', 'PARADE', 'CIRCLE', 'TRAIL',
  'STRASSE', 'WEG', 'PLATZ', 'GASSE', 'ALLEE', 'RING', 'DAMM', 'UFER', 'CHAUSSEE',
  'STRAAT', 'LAAN', 'PLEIN', 'GRACHT', 'KADE', 'SINGEL',
  'RUE', 'CHEMIN', 'IMPASSE', 'ROUTE', 'QUAI', 'FAUBOURG',
  'CALLE', 'AVENIDA', 'PLAZA', 'CARRETERA', 'PASEO', 'CAMINO',
  'VIA', 'VIALE', 'PIAZZA', 'CORSO', 'LARGO', 'VICOLO',
  'ULICA', 'ALEJA', 'PLAC', 'OSIEDLE', 'MIESZKANIE'
])

/**
 * Street-type endings written joined to the street's name (Lindenstraße, Keizersgracht), by
 * country; split off so the joined and the separate spelling agree. Elsewhere only STRASSE
 * and STRAAT are split: an English SPRINGWEG is unlikely, a SPRING ROAD is not a compound.
 * A split ending goes through the country's table too (Dutch KERKSTR., which normaliseText
 * made KERKSTRASSE, is KERK STRAAT).
 */
const GERMAN_SUFFIXES = ['STRASSE', 'PLATZ', 'GASSE', 'ALLEE', 'DAMM', 'UFER', 'RING', 'WEG']
const DUTCH_SUFFIXES = ['STRAAT', 'STRASSE', 'GRACHT', 'SINGEL', 'PLEIN', 'LAAN', 'KADE', 'WEG']
export const GENERIC_SUFFIXES: readonly string[] = ['STRASSE', 'STRAAT']
export const COMPOUND_SUFFIXES: Readonly<Record<string, readonly string[]>> = Object.freeze({
  DE: GERMAN_SUFFIXES, AT: GERMAN_SUFFIXES, CH: GERMAN_SUFFIXES, LI: GERMAN_SUFFIXES,
  NL: DUTCH_SUFFIXES, BE: DUTCH_SUFFIXES
})
