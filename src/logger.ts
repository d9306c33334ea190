import { pino, type Logger, type LoggerOptions } from 'pino'

// Personal data (names, addresses, phones, e-mails) never reaches the logs. Paths are
// listed, not pattern-matched, so redaction costs one compiled accessor per path.
// Parties are redacted whole at any of the first two levels (`seller`, `record.seller`);
// contact fields at the top level and one level down (`email`, `party.email`).
export const redactPaths: readonly string[] = [
  'name', 'street', 'city', 'postcode', 'phone', 'email', 'address',
  '*.name', '*.street', '*.city', '*.postcode', '*.phone', '*.email', '*.address',
  'seller', 'consignee', '*.seller', '*.consignee',
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
