// Semantic validation cost per declaration, next to JSON.parse of the same declaration (the
// decode cost it sits beside on the hot path). Run: node bench/validate/validate.ts
import { readFileSync } from 'node:fs'
import type { ParcelDeclaration } from '../../src/declaration.ts'
import { validateDeclaration } from '../../src/validate/validate.ts'

const text = readFileSync(new URL('../../test/fixtures/declarations/valid.json', import.meta.url), 'utf8')
const compact = JSON.stringify(JSON.parse(text))
const declaration = JSON.parse(compact) as ParcelDeclaration
const faulty = {
  ...declaration, currency: 'XXX', items: declaration.items.map((item) => ({ ...item, hsCode: '770000' }))
}
const options = { now: declaration.declaredAt + 3_600_000 }

const measure = (name: string, iterations: number, fn: () => unknown): void => {
  for (let i = 0; i < iterations / 10; i++) fn() // warm up, let the JIT settle
  let sink = 0
  const start = process.hrtime.bigint()
  for (let i = 0; i < iterations; i++) sink += fn() === undefined ? 0 : 1
  const ns = Number(process.hrtime.bigint() - start) / iterations
  console.log(`${name.padEnd(34)} ${(ns / 1000).toFixed(3)} µs/op  (${iterations} ops, sink ${sink})`)
}

const iterations = Number(process.argv[2] ?? 1_000_000)
console.log(`declaration: ${compact.length} bytes of JSON, ${declaration.items.length} items`)
measure('validateDeclaration (valid)', iterations, () => validateDeclaration(declaration, options))
measure('validateDeclaration (3 faults)', iterations, () => validateDeclaration(faulty as ParcelDeclaration, options))
measure('JSON.parse (same declaration)', iterations, () => JSON.parse(compact))
