import { pino, type Logger, type LoggerOptions } from 'pino'

// Personal data (names, addresses, phones, e-mails) never reaches the logs. Paths are
// listed, not pattern-matched, so redaction costs one compiled accessor per path.
// Parties are redacted whole at any of the first two levels (`seller`, `record.seller`);
// contact fields and a party's registration numbers (a natural person's TIN or EORI is
// personal data too) at the top level and one level down (`email`, `party.email`); a
// consignee key (a normalised name and address) and a watchlist entry's listed value likewise.
// The processor logs no declared value in the first place (test/integration/processor/
// personal-data.test.ts): these paths catch the field a future log line forgets.
export const redactPaths: readonly string[] = [
  'name', 'street', 'city', 'postcode', 'phone', 'email', 'address', 'identifiers', 'eori', 'tin', 'vat',
  'consigneeKey',
  '*.name', '*.street', '*.city', '*.postcode', '*.phone', '*.email', '*.address', '*.identifiers', '*.eori', '*.tin',
  '*.vat', '*.consigneeKey',
  'seller', 'consignee', '*.seller', '*.consignee', 'watchlist.value', '*.watchlist.value',
  'password', '*.password', '*.*.password'
]

export interface LoggerConfig {
  readonly level: string
}

export const createLogger = (config: LoggerConfig, destination?: pino.DestinationStream): Logger => {
  const options: LoggerOptions = {
    level: config.level,
    base: { service: 'parcel-risk' },
    redact: { paths: [...redactPaths], censor: '[redacted]' },
    serializers: { err: pino.stdSerializers.err }
  }
  return destination === undefined ? pino(options) : pino(options, destination)
}

export type { Logger }
