import { readdirSync, readFileSync } from 'node:fs'
import avro from 'avsc'
import { describe, expect, it } from 'vitest'
import type { ParcelDeclaration } from '../declaration.ts'
import { validateDeclaration } from './validate.ts'

// test/fixtures/declarations: valid.json plus one invalid-*.json per semantic problem, with
// the expected rejections in expected.json. Other suites (codec, pipeline) feed the same files.
const dir = new URL('../../test/fixtures/declarations/', import.meta.url)
const read = (file: string): unknown => JSON.parse(readFileSync(new URL(file, dir), 'utf8'))

interface Manifest {
  readonly now: number
  readonly cases: Record<string, {
    readonly schemaValid: boolean
    readonly rejections: ReadonlyArray<{ code: string, path: string }>
  }>
}
const manifest = read('expected.json') as Manifest
const files = readdirSync(dir).filter((file) => file.startsWith('invalid-') && file.endsWith('.json')).sort()
const schema = avro.Type.forSchema(read('../../../schemas/parcel-declaration.avsc') as avro.Schema)

describe('validate > fixtures', () => {
  it('lists every invalid fixture in expected.json, and nothing else', () => {
    expect(Object.keys(manifest.cases).sort()).toEqual(files)
    expect(files.length).toBeGreaterThanOrEqual(30)
  })

  it('accepts valid.json', () => {
    expect(validateDeclaration(read('valid.json') as ParcelDeclaration, { now: manifest.now })).toEqual([])
  })

  it.each(files)('%s yields exactly its expected codes and paths', (file) => {
    const rejections = validateDeclaration(read(file) as ParcelDeclaration, { now: manifest.now })
    expect(rejections.map(({ code, path }) => ({ code, path }))).toEqual(manifest.cases[file]?.rejections)
  })

  it.each(files)('%s says truly whether it matches the Avro schema', (file) => {
    expect(schema.isValid(read(file))).toBe(manifest.cases[file]?.schemaValid)
  })
})
