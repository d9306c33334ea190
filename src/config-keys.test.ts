// Every key of the config schema is read by the product: a key declared (and documented in the
// README) but never read is a setting that silently does nothing. A key counts as read when
// some non-test source file under src/, other than the config loader itself, reads its last
// name as a property (`config.maxBatchRecords`, `tls.enabled`) or destructures it
// (`const { topics, topicPartitions: n } = settings`). Slices are passed whole under the
// config table's names (STYLE: no renaming in main.ts), so the leaf name is what a module reads.
import { readdirSync, readFileSync } from 'node:fs'
import { join, relative } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { schema } from './config-schema.ts'

const srcDir = fileURLToPath(new URL('.', import.meta.url))
const loaderFiles = new Set([
  'config.ts', 'config-load.ts', 'config-schema.ts', 'config-schema-kafka.ts', 'config-spec.ts'
])

const sourceFiles = (dir: string): string[] => readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
  const path = join(dir, entry.name)
  if (entry.isDirectory()) return sourceFiles(path)
  const isSource = entry.name.endsWith('.ts') && !entry.name.endsWith('.test.ts')
  return isSource && !loaderFiles.has(relative(srcDir, path)) ? [path] : []
})

const escape = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')

/** Whether `source` reads the property `leaf` (access or destructuring). */
export const readsLeaf = (source: string, leaf: string): boolean => {
  const name = escape(leaf)
  const access = new RegExp(`[.?]\\s*${name}\\b(?!\\s*\\()`)
  const destructure = new RegExp(`\\{[^{}]*\\b${name}\\b[^{}]*\\}\\s*=[^=>]`)
  return access.test(source) || destructure.test(source)
}

/** Keys whose last name no source reads. */
export const unreadKeys = (keys: readonly string[], sources: readonly string[]): string[] =>
  keys.filter((key) => {
    const leaf = key.split('.').at(-1) ?? key
    return !sources.some((source) => readsLeaf(source, leaf))
  })

describe('config > every declared key is read', () => {
  const sources = sourceFiles(srcDir).map((path) => readFileSync(path, 'utf8'))

  it('finds a reader in src/ for every key of the schema', () => {
    expect(sources.length).toBeGreaterThan(50)
    expect(unreadKeys(Object.keys(schema), sources)).toEqual([])
  })

  it.each([
    ['property access', 'const n = config.kafka.maxBatchRecords', true],
    ['optional access', 'if (tls?.enabled) connect()', true],
    ['destructuring with a rename', 'const { topics, topicPartitions: partitions } = settings', true],
    ['a method of the same name is not a read', 'batch.maxBatchRecords()', false],
    ['a type mentioning the key is not a read', "type T = Pick<KafkaConfig, 'maxBatchRecords'>", false],
    ['an object literal writing the key is not a read', 'const spec = { maxBatchRecords: 5 }', false]
  ])('counts %s correctly', (_name, source, expected) => {
    expect(readsLeaf(source, 'maxBatchRecords') || readsLeaf(source, 'enabled') || readsLeaf(source, 'topicPartitions'))
      .toBe(expected)
  })

  it('reports a key that nothing reads', () => {
    expect(unreadKeys(['kafka.topics.declarations', 'kafka.unusedKnob'], ['read(config.topics.declarations)']))
      .toEqual(['kafka.unusedKnob'])
  })
})
