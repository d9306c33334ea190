import { describe, expect, it } from 'vitest'
import { avroType, readSchema } from './codec/avro-types.ts'
import { createDeclarationDecoder } from './codec/records.ts'
import type { RiskDecision } from './declaration.ts'
import { createDecider } from './decide/decide.ts'
import { loadRulesetOrThrow } from './engine/load.ts'
import type { Stages } from './pipeline.ts'
import { createValidator } from './validate/validate.ts'
import { smallChunkSizes, warmUp } from './warm-up.ts'

const SCHEMA_ID = 41
const ruleset = await loadRulesetOrThrow(new URL('../rules/eu-lvc', import.meta.url).pathname)
const stagesOfRuleset = { score: ruleset.evaluate, decide: createDecider(ruleset) }

const setup = (): { stages: Stages, asked: number[], enrichedByRedis: number } => {
  const declarationType = avroType(readSchema('ParcelDeclaration'))
  const asked: number[] = []
  const registry = {
    writerType: async (id: number) => {
      asked.push(id)
      return { ok: true as const, value: declarationType }
    }
  }
  const state = { stages: undefined as unknown as Stages, asked, enrichedByRedis: 0 }
  state.stages = {
    decode: createDeclarationDecoder(registry, 1_000_000).decodeBatch,
    validate: createValidator(),
    // The processor's Redis enrichment must not be used: it would count generated parcels.
    enrich: async (ds) => {
      state.enrichedByRedis += ds.length
      return ds.map(() => ({ record: null, missing: [] }))
    },
    ruleset: () => stagesOfRuleset,
    shadow: null,
    now: Date.now
  }
  return state
}

describe('warm-up', () => {
  it('decodes, validates, scores and encodes the generated declarations in chunks, ' +
    'never touching the real enrichment', async () => {
    const { stages, asked, ...state } = setup()
    const encoded: RiskDecision[] = []
    const report = await warmUp({
      stages, declarationSchemaId: SCHEMA_ID, enrichmentFields: ruleset.enrichmentFields,
      encodeDecision: (d) => { encoded.push(d) }, declarations: 1_000, chunkRecords: 300, timeoutMs: 60_000
    })
    // Four full chunks (300, 300, 300, 100), then one small chunk per 25 declarations: 40 of
    // 1 to 8 records in turn, 180 declarations.
    const small = smallChunkSizes(1_000)
    expect(small).toHaveLength(40)
    expect(new Set(small)).toEqual(new Set([1, 2, 3, 4, 5, 6, 7, 8]))
    expect(report).toMatchObject({ declarations: 1_180, chunks: 44, timedOut: false })
    // Every generated declaration is decided, except the few the generator makes invalid on
    // purpose (its invalid-IOSS pattern), which take the dead-letter path.
    expect(encoded.length + report.deadLetters).toBe(1_180)
    expect(report.deadLetters).toBeLessThan(20)
    expect(report.deadLetterCodes.every((code) => code.startsWith('E_VALIDATE_'))).toBe(true)
    expect(new Set(encoded.map((d) => d.declarationId)).size).toBe(encoded.length)
    // Enrichment came from the generated profiles: some decisions read a seller profile.
    expect(encoded.some((d) => d.enrichment.status === 'OK')).toBe(true)
    expect(state.enrichedByRedis).toBe(0)
    // The decoder resolved the schema id the processor registered, once (then cached).
    expect(asked).toEqual([SCHEMA_ID])
    expect(report.firstChunkUsPerDeclaration).toBeGreaterThan(0)
  }, 60_000)

  it('stops at its time bound', async () => {
    const { stages } = setup()
    const report = await warmUp({
      stages, declarationSchemaId: SCHEMA_ID, enrichmentFields: ruleset.enrichmentFields,
      encodeDecision: () => {}, declarations: 1_000, chunkRecords: 100, timeoutMs: 0
    })
    expect(report).toMatchObject({ declarations: 0, chunks: 0, timedOut: true })
  })
})
