import { createHash } from 'node:crypto'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import avsc from 'avsc'
import { afterAll, describe, expect, it } from 'vitest'
import { batchSizeFor, main } from './generate.ts'

const dir = mkdtempSync(join(tmpdir(), 'parcel-risk-generate-'))
const file = (name: string): string => join(dir, name)
const sha = (name: string): string => createHash('sha256').update(readFileSync(file(name))).digest('hex')
const lines = (name: string): string[] => readFileSync(file(name), 'utf8').trimEnd().split('\n')

afterAll(() => {
  rmSync(dir, { recursive: true, force: true })
})

describe('cli > generate', () => {
  it('writes byte-identical declarations, labels and profiles for the same seed', async () => {
    for (const run of ['a', 'b']) {
      expect(await main([
        '--count', '3000', '--seed', '7', '--out', file(`${run}.ndjson`), '--labels', file(`${run}.labels`),
        '--profiles', file(`${run}.profiles`)
      ])).toBe(0)
    }
    expect(sha('a.ndjson')).toBe(sha('b.ndjson'))
    expect(sha('a.labels')).toBe(sha('b.labels'))
    expect(sha('a.profiles')).toBe(sha('b.profiles'))
    expect(lines('a.ndjson')).toHaveLength(3000)
    const labels = lines('a.labels').map((l) => JSON.parse(l) as { declarationId: string, patterns: string[] })
    expect(labels.map((l) => l.declarationId))
      .toEqual(lines('a.ndjson').map((l) => (JSON.parse(l) as { declarationId: string }).declarationId))
  })

  it('writes different bytes for another seed', async () => {
    expect(await main(['--count', '3000', '--seed', '8', '--out', file('c.ndjson')])).toBe(0)
    expect(sha('c.ndjson')).not.toBe(sha('a.ndjson'))
  })

  it('writes a reproducible Avro container file holding the same declarations as the NDJSON', async () => {
    expect(await main(['--count', '3000', '--seed', '7', '--format', 'avro', '--out', file('a.avro')])).toBe(0)
    expect(await main(['--count', '3000', '--seed', '7', '--format', 'avro', '--out', file('b.avro')])).toBe(0)
    expect(sha('a.avro')).toBe(sha('b.avro'))
    const decoded: unknown[] = []
    await new Promise<void>((resolve, reject) => {
      avsc.createFileDecoder(file('a.avro'))
        .on('data', (d: unknown) => decoded.push(d))
        .on('end', resolve)
        .on('error', reject)
    })
    expect(decoded.map((d) => JSON.stringify(d))).toEqual(lines('a.ndjson'))
  })

  it('paces output with --rate', async () => {
    const started = performance.now()
    expect(await main(['--count', '11', '--seed', '1', '--rate', '50', '--out', file('paced.ndjson')])).toBe(0)
    expect(performance.now() - started).toBeGreaterThanOrEqual(190)
  })

  it.each([
    [[]],
    [['--count', '-1']],
    [['--count', '5', '--seed', 'x']],
    [['--count', '5', '--format', 'xml']],
    [['--count', '5', '--rate', '0']],
    [['--count', '5', '--start', 'yesterday']],
    [['--count', '5', '--bogus']]
  ])('exits 2 on bad usage %j', async (argv) => {
    const write = process.stderr.write
    process.stderr.write = () => true
    try {
      expect(await main(argv)).toBe(2)
    } finally {
      process.stderr.write = write
    }
  })
})

describe('cli > generate > batches to a topic', () => {
  it('sends 10 ms of a paced stream at a time (at least one record, at most 500), and 500 unpaced', () => {
    expect(batchSizeFor(undefined)).toBe(500)
    expect(batchSizeFor(1_000)).toBe(10)
    expect(batchSizeFor(2_000)).toBe(20)
    expect(batchSizeFor(50)).toBe(1)
    expect(batchSizeFor(1_000_000)).toBe(500)
  })
})
