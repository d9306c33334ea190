// TLS for the clients (Kafka, Redis): node:tls options from a kafka.tls / redis.tls slice,
// the PEM files read once, when the client is built. config-load.ts has already checked that the
// files exist and that certificate and key come together.
import { readFileSync } from 'node:fs'
import type { ConnectionOptions } from 'node:tls'
import type { TlsConfig } from './config.ts'

/** Node TLS options from a TLS slice (files read once, here), or false when TLS is off. */
export const tlsConnectionOptions = (
  tls: TlsConfig,
  readFile: (path: string) => Buffer = readFileSync
): ConnectionOptions | false =>
  tls.enabled
    ? {
        rejectUnauthorized: tls.rejectUnauthorized,
        ...(tls.caFile === undefined ? {} : { ca: [readFile(tls.caFile)] }),
        ...(tls.certFile === undefined || tls.keyFile === undefined
          ? {}
          : { cert: readFile(tls.certFile), key: readFile(tls.keyFile) })
      }
    : false

