import { readdirSync, readFileSync } from 'node:fs'
import type { SchemaSource } from './avro-to-ts.ts'

/** The schemas/ folder of this package. */
export const schemasDir = new URL('../../schemas/', import.meta.url)

/** The generated types file. */
export const declarationTypesFile = new URL('../../src/declaration.ts', import.meta.url)

/** Every .avsc file in schemas/, parsed, in file-name order (so generation is deterministic). */
export const readSchemaSources = (dir: URL = schemasDir): SchemaSource[] =>
  readdirSync(dir)
    .filter((file) => file.endsWith('.avsc'))
    .sort()
    .map((file) => ({ file, schema: JSON.parse(readFileSync(new URL(file, dir), 'utf8')) as unknown }))
