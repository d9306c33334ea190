// Decode cost per declaration on one core (Node runs this on one thread): the codec's Avro
// path (wire format + cached resolver + avsc read) and JSON path (UTF-8 check, JSON.parse,
// key/number walk, Avro type check and copy), each alone and followed by semantic validation,
// against JSON.parse of the same declarations as the baseline. Records are generated
// declarations (seed 7), decoded in batches of 500 as the pipeline does; the registry is an
// in-memory one that already knows the id, i.e. the steady state where no lookup happens.
// Median of 5 runs. Run: npm run bench -- decode   (or node bench/decode.ts [count])
import { mkdirSync, writeFileSync } from 'node:fs'
import { cpus } from 'node:os'
import { avroType, readSchema } from '../src/codec/avro-types.ts'
import { createDecoder, type IncomingRecord } from '../src/codec/decoder.ts'
import { createEncoder } from '../src/codec/encoder.ts'
import { ok } from '../src/codec/result.ts'
import type { ParcelDeclaration } from '../src/declaration.ts'
import { DEFAULT_START_MS, generateDeclarations } from '../src/generate/stream.ts'
import { createValidator } from '../src/validate/validate.ts'

const COUNT = Number(process.argv[2] ?? 20_000)
const RUNS = 5
const BATCH = 500

const schema = readSchema('ParcelDeclaration') as { fields: object[] }
const reader = avroType(schema)
// An older writer (one optional field fewer) exercises the resolver path of schema evolution.
const olderWriter = avroType({
  ...schema, fields: schema.fields.filter((f) => (f as { name: string }).name !== 'platformId')
})
const writers = { 1: reader, 2: olderWriter } as const
const registry = { writerType: async (id: number) => ok(writers[id as 1 | 2]) }

const declarations: ParcelDeclaration[] = []
for (const g of generateDeclarations({ seed: 7 })) {
  if (declarations.length === COUNT) break
  declarations.push(g.declaration)
}
const encode = (id: 1 | 2): Buffer[] => {
  const encoder = createEncoder(writers[id], id)
  return declarations.map((d) => {
    const r = encoder.encode(d)
    if (!r.ok) throw r.error
    return r.value
  })
}
const avro = encode(1)
const avroOlder = encode(2)
const jsonText = declarations.map((d) => JSON.stringify(d))
const jsonBytes = jsonText.map((t) => Buffer.from(t))
const asRecords = (values: Buffer[], headers?: IncomingRecord['headers']): IncomingRecord[][] => {
  const batches: IncomingRecord[][] = []
  for (let i = 0; i < values.length; i += BATCH) {
    batches.push(values.slice(i, i + BATCH).map((value) => ({ value, headers })))
  }
  return batches
}
const avroBatches = asRecords(avro)
const avroOlderBatches = asRecords(avroOlder)
const jsonBatches = asRecords(jsonBytes, { 'content-type': 'application/json' })

const validate = createValidator()
const now = DEFAULT_START_MS + 86_400_000
const decoder = createDecoder<ParcelDeclaration>({ readerType: reader, registry, maxRecordBytes: 1 << 20 })
let sink = 0

const decodeAll = async (batches: IncomingRecord[][], withValidation: boolean): Promise<void> => {
  for (const batch of batches) {
    const results = await decoder.decodeBatch(batch)
    for (const r of results) {
      if (!r.ok) throw r.error
      sink += withValidation ? validate(r.value, now).length : 1
    }
  }
}

const cases: Array<{ name: string, run: () => unknown }> = [
  {
    name: 'JSON.parse (baseline)',
    run: () => {
      for (const t of jsonText) sink += (JSON.parse(t) as { version: number }).version
    }
  },
  {
    name: 'avsc fromBuffer alone',
    run: () => {
      for (const b of avro) sink += (reader.fromBuffer(b.subarray(5)) as ParcelDeclaration).version
    }
  },
  { name: 'codec Avro decode', run: async () => { await decodeAll(avroBatches, false) } },
  { name: 'codec Avro decode, older writer', run: async () => { await decodeAll(avroOlderBatches, false) } },
  { name: 'codec Avro decode + validate', run: async () => { await decodeAll(avroBatches, true) } },
  { name: 'codec JSON decode', run: async () => { await decodeAll(jsonBatches, false) } },
  { name: 'codec JSON decode + validate', run: async () => { await decodeAll(jsonBatches, true) } }
]

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number

const results: Array<{ name: string, declarationsPerSecond: number, microsPerDeclaration: number, runs: number[] }> = []
for (const c of cases) {
  await c.run() // warm-up: JIT, resolver cache
  const rates: number[] = []
  for (let i = 0; i < RUNS; i++) {
    const start = process.hrtime.bigint()
    await c.run()
    const seconds = Number(process.hrtime.bigint() - start) / 1e9
    rates.push(COUNT / seconds)
  }
  const rate = median(rates)
  results.push({
    name: c.name,
    declarationsPerSecond: Math.round(rate),
    microsPerDeclaration: Number((1e6 / rate).toFixed(2)),
    runs: rates.map(Math.round)
  })
}

const baseline = results[0]?.declarationsPerSecond ?? 1
const meanAvroBytes = Math.round(avro.reduce((s, b) => s + b.length, 0) / COUNT)
const meanJsonBytes = Math.round(jsonBytes.reduce((s, b) => s + b.length, 0) / COUNT)
console.log(`decode bench: ${COUNT} generated declarations (Avro ${meanAvroBytes} B, JSON ${meanJsonBytes} B on ` +
  `average), median of ${RUNS} runs, node ${process.version}, ${cpus()[0]?.model ?? 'unknown cpu'}`)
console.log(`${'case'.padEnd(34)} ${'decl/s'.padStart(11)} ${'µs/decl'.padStart(9)} ${'vs JSON.parse'.padStart(14)}`)
for (const r of results) {
  const perSecond = r.declarationsPerSecond.toLocaleString('en-US').padStart(11)
  const vsJson = (r.declarationsPerSecond / baseline).toFixed(2).padStart(13)
  console.log(`${r.name.padEnd(34)} ${perSecond} ${r.microsPerDeclaration.toFixed(2).padStart(9)} ${vsJson}×`)
}
console.log(`(sink ${sink})`)

mkdirSync(new URL('./results/', import.meta.url), { recursive: true })
writeFileSync(new URL('./results/decode.json', import.meta.url), `${JSON.stringify({
  bench: 'decode', count: COUNT, runs: RUNS, batch: BATCH, node: process.version, cpu: cpus()[0]?.model ?? 'unknown',
  meanAvroBytes, meanJsonBytes, results
}, null, 2)}\n`)
