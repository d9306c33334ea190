// Identifier formats the stream produces, each with its check digit where the format has one.
//   UPU S10 item id:  AA 12345678 C CC  — service indicator, serial, check digit, ISO country.
//                     C = 11 − (Σ serial[i]·[8,6,4,2,3,5,9,7][i] mod 11); 10 → 0, 11 → 5.
//   Air waybill:      PPP-SSSSSSSC      — IATA airline prefix, 7-digit serial, C = serial mod 7.
//   IOSS number:      IM NNN SSSSSSS    — "IM", ISO numeric code of the member state of
//                                         identification, 7-digit serial (IM + 10 digits).

const S10_WEIGHTS = [8, 6, 4, 2, 3, 5, 9, 7] as const

export const s10CheckDigit = (serial: string): number => {
  let sum = 0
  for (let i = 0; i < 8; i++) sum += (serial.charCodeAt(i) - 48) * (S10_WEIGHTS[i] as number)
  const check = 11 - (sum % 11)
  return check === 10 ? 0 : check === 11 ? 5 : check
}

export const s10Id = (service: string, serial: string, country: string): string =>
  `${service}${serial}${s10CheckDigit(serial)}${country}`

export const airWaybill = (prefix: string, serial: string): string =>
  `${prefix}-${serial}${Number(serial) % 7}`

export const iossNumber = (memberCode: string, serial: string): string => `IM${memberCode}${serial}`
