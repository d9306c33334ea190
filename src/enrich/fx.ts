// Conversion of declared values to EUR for the windowed value aggregates.
// The caller passes its own lookup (e.g. the ECB reference rates of the day); the default
// knows EUR and the small table below. Rates are EUR per unit of the currency, indicative
// ECB reference rates of 2026-11-02, rounded: good enough for a splitting indicator, not for
// duty calculation. A currency the lookup does not know counts the parcel with value 0.

/** EUR per one unit of the currency, or undefined when unknown. */
export type FxToEur = (currency: string) => number | undefined

export const DEFAULT_EUR_RATES: Readonly<Record<string, number>> = Object.freeze({
  EUR: 1,
  USD: 0.86,
  GBP: 1.14,
  CHF: 1.07,
  CNY: 0.12,
  HKD: 0.11,
  JPY: 0.0056,
  KRW: 0.0006,
  SGD: 0.66,
  TRY: 0.020,
  PLN: 0.235,
  CZK: 0.041,
  SEK: 0.091,
  DKK: 0.134,
  NOK: 0.085
})

export const defaultFxToEur: FxToEur = (currency) => DEFAULT_EUR_RATES[currency]

/** Declared decimal string in `currency` → EUR cents (rounded), 0 when it cannot convert. */
export const toEurCents = (amount: string, currency: string, fx: FxToEur): number => {
  const rate = fx(currency)
  const value = Number(amount)
  if (rate === undefined || !Number.isFinite(value)) return 0
  return Math.round(value * rate * 100)
}
