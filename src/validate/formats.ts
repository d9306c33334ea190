// Shapes of the coded fields of a declaration. Grammar:
//   money       = ( "0" / %x31-39 0*11DIGIT ) [ "." 1*4DIGIT ]      e.g. 18.90, 0.5, 1200
//   hs-code     = 6*10DIGIT, chapter = first two digits, 01–97 except 77 (reserved by the HS)
//   ioss-number = "IM" member-state 7DIGIT                            e.g. IM2760000001
//     member-state: the ISO 3166-1 numeric code of the EU Member State of identification
//   s10-item-id = 2ALPHA 8DIGIT check-digit 2ALPHA                    e.g. RR287043775IN
//     check-digit: weights 8,6,4,2,3,5,9,7 over the 8 digits, r = sum mod 11,
//     c = 11 − r, then 10 → 0 and 11 → 5 (UPU S10)
// Every pattern is compiled once here, and callers check the length first so a huge string
// never reaches a regular expression.

/** Longest money text the pattern admits: 12 integer digits, a dot, 4 decimals. */
export const moneyMaxLength = 17

const moneyPattern = /^(?:0|[1-9][0-9]{0,11})(?:\.[0-9]{1,4})?$/
const hsPattern = /^[0-9]{6,10}$/
const iossPattern = /^IM[0-9]{10}$/
const s10Pattern = /^[A-Z]{2}[0-9]{9}[A-Z]{2}$/

export const isMoney = (text: string): boolean => text.length <= moneyMaxLength && moneyPattern.test(text)

/**
 * The value of a well-formed money text. Parsed by hand rather than with Number(): the
 * builtin hands back a boxed double on every call, this stays in a register once inlined.
 * Exact for the integer part; the fraction (at most 4 digits) is one division.
 */
export const moneyValue = (text: string): number => {
  let whole = 0
  let i = 0
  for (; i < text.length; i++) {
    const c = text.charCodeAt(i)
    if (c === 46) break
    whole = whole * 10 + (c - 48)
  }
  let fraction = 0
  let scale = 1
  for (i++; i < text.length; i++) {
    fraction = fraction * 10 + (text.charCodeAt(i) - 48)
    scale *= 10
  }
  return whole + fraction / scale
}

export const isHsCodeShape = (code: string): boolean => code.length <= 10 && hsPattern.test(code)

/** Chapter number of a well-shaped HS code. */
export const hsChapter = (code: string): number => (code.charCodeAt(0) - 48) * 10 + (code.charCodeAt(1) - 48)

/** HS chapters run from 01 to 97; 77 is reserved for future use and holds no goods. */
export const isHsChapter = (chapter: number): boolean => chapter >= 1 && chapter <= 97 && chapter !== 77

export const isIossNumber = (text: string): boolean => text.length === 12 && iossPattern.test(text)

/**
 * ISO 3166-1 numeric codes of the 27 EU Member States: the three digits after `IM` of an IOSS
 * number name the Member State of identification (Council Directive 2017/2455, Art. 369q
 * VAT Directive), so any other three digits make the number invalid.
 */
export const iossMemberStateCodes: ReadonlyMap<string, string> = new Map([
  ['040', 'AT'], ['056', 'BE'], ['100', 'BG'], ['191', 'HR'], ['196', 'CY'], ['203', 'CZ'], ['208', 'DK'],
  ['233', 'EE'], ['246', 'FI'], ['250', 'FR'], ['276', 'DE'], ['300', 'GR'], ['348', 'HU'], ['372', 'IE'],
  ['380', 'IT'], ['428', 'LV'], ['440', 'LT'], ['442', 'LU'], ['470', 'MT'], ['528', 'NL'], ['616', 'PL'],
  ['620', 'PT'], ['642', 'RO'], ['703', 'SK'], ['705', 'SI'], ['724', 'ES'], ['752', 'SE']
])

/** The Member State of identification of a well-formed IOSS number, or undefined. */
export const iossMemberState = (ioss: string): string | undefined => iossMemberStateCodes.get(ioss.slice(2, 5))

export const isS10Shape = (text: string): boolean => text.length === 13 && s10Pattern.test(text)

const s10Weights = [8, 6, 4, 2, 3, 5, 9, 7] as const

/** The S10 check digit of the 8-digit serial number starting at index 2 of a well-shaped id. */
export const s10CheckDigit = (id: string): number => {
  let sum = 0
  for (let i = 0; i < 8; i++) sum += (id.charCodeAt(2 + i) - 48) * (s10Weights[i] as number)
  const check = 11 - (sum % 11)
  return check === 10 ? 0 : check === 11 ? 5 : check
}

/** True when the 11th character of a well-shaped S10 id is its check digit. */
export const isS10CheckDigitValid = (id: string): boolean => id.charCodeAt(10) - 48 === s10CheckDigit(id)
