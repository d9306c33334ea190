// `npm run generate:types`: regenerates src/declaration.ts from schemas/*.avsc.
import { writeFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { generateTypes } from './avro-to-ts.ts'
import { declarationTypesFile, readSchemaSources } from './schema-files.ts'

writeFileSync(declarationTypesFile, generateTypes(readSchemaSources()))
process.stdout.write(`wrote ${fileURLToPath(declarationTypesFile)}\n`)
