import { createHash } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import type { ParcelDeclaration, RiskDecision } from './declaration.ts'
import { ParcelRiskError } from './errors.ts'
import { processBatch, type InputRecord, type Result, type Scorer, type Stages } from './pipeline.ts'

// Fakes come in through the stage parameters: the pipeline's job is the bookkeeping
// (every record out exactly once, order kept, failures classified), not the stages.
const record = (offset: number, value: string): InputRecord => ({
  topic: 'declarations', partition: 0, offset: String(offset), timestampMs: 1_000 + offset, key: null, value: Buffer.from(value)
})

const declaration = (id: string): ParcelDeclaration => ({ declarationId: id, version: 1 }) as unknown as ParcelDeclaration

const decide = (d: unknown, action: 'RELEASE' | 'HOLD' = 'RELEASE'): RiskDecision =>
  ({ declarationId: (d as ParcelDeclaration).declarationId, decision: action }) as unknown as RiskDecision

const stages = (over: Partial<Stages> = {}): Stages => ({
  // value text: "ok:<id>", "bad:<code>", "invalid:<id>", "boom:<id>"
  decode: async (records) => records.map((r): Result<ParcelDeclaration> => {
    const [kind, arg] = (r.value?.toString() ?? '').split(':') as [string, string]
    if (kind === 'bad') return { ok: false, error: new ParcelRiskError(arg as 'E_DECODE_MAGIC_BYTE', 'bad bytes') }
    return { ok: true, value: declaration(`${kind}:${arg}`) }
  }),
  validate: (d) => d.declarationId.startsWith('invalid:')
    ? [{ code: 'E_VALIDATE_HS_CODE', path: 'items[0].hsCode', message: 'not 6-10 digits' }, { code: 'E_VALIDATE_COUNTRY', path: 'originCountry', message: 'XX' }]
    : [],
  enrich: async (ds) => ds.map(() => ({ record: {}, missing: [] })),
  ruleset: () => ({ score: (d) => { if ((d as ParcelDeclaration).declarationId.startsWith('boom:')) throw new Error('engine broke'); return decide(d) } }),
  shadow: null,
  now: () => 5_000,
  ...over
})

describe('pipeline > processBatch', () => {
  it('answers every record exactly once: decisions for good ones, dead letters for the rest', async () => {
    const records = [record(0, 'ok:a'), record(1, 'bad:E_DECODE_MAGIC_BYTE'), record(2, 'invalid:b'), record(3, 'ok:c'), record(4, 'boom:d')]
    const out = await processBatch(stages(), records)
    expect(out.decisions.map((d) => d.decision.declarationId)).toEqual(['ok:a', 'ok:c'])
    expect(out.deadLetters.map((d) => [d.source.offset, d.stage, d.code])).toEqual([
      ['1', 'decode', 'E_DECODE_MAGIC_BYTE'],
      ['2', 'validate', 'E_VALIDATE_HS_CODE'],
      ['4', 'score', 'E_PIPELINE_SCORE_FAILED']
    ])
    expect(out.decisions.length + out.deadLetters.length).toBe(records.length)
  })

  it('lists every validation problem in the dead letter message', async () => {
    const out = await processBatch(stages(), [record(0, 'invalid:x')])
    expect(out.deadLetters[0]?.message).toContain('items[0].hsCode')
    expect(out.deadLetters[0]?.message).toContain('E_VALIDATE_COUNTRY at originCountry')
  })

  it('fails the whole batch on a retry-class decode error so its offsets are not committed', async () => {
    const unavailable = stages({ decode: async (rs) => rs.map(() => ({ ok: false, error: new ParcelRiskError('E_DECODE_REGISTRY_UNAVAILABLE', 'down') })) })
    await expect(processBatch(unavailable, [record(0, 'ok:a')])).rejects.toMatchObject({ code: 'E_DECODE_REGISTRY_UNAVAILABLE', disposition: 'retry' })
  })

  it('passes the record timestamp, input digest and missing enrichment to the scorer', async () => {
    const seen: unknown[] = []
    const scorer: Scorer = { score: (d, _e, ctx) => { seen.push(ctx); return decide(d) } }
    const degraded = stages({ enrich: async (ds) => ds.map(() => ({ record: null, missing: ['seller', 'aggregates'] })), ruleset: () => scorer })
    await processBatch(degraded, [record(7, 'ok:a')])
    expect(seen).toEqual([{ nowMs: 5_000, receivedAtMs: 1_007, enrichmentMissing: ['seller', 'aggregates'],
      inputDigest: createHash('sha256').update('ok:a').digest('hex') }])
  })

  it('scores the shadow ruleset beside the champion and never lets it fail the batch', async () => {
    const failing = stages({ shadow: () => ({ score: (d) => { if ((d as ParcelDeclaration).declarationId === 'ok:b') throw new Error('challenger broke'); return decide(d, 'HOLD') } }) })
    const out = await processBatch(failing, [record(0, 'ok:a'), record(1, 'ok:b')])
    expect(out.decisions).toHaveLength(2)
    expect(out.shadowDecisions.map((d) => [d.decision.declarationId, d.decision.decision])).toEqual([['ok:a', 'HOLD']])
  })

  it('refuses a stage that loses records', async () => {
    const lossy = stages({ enrich: async () => [] })
    await expect(processBatch(lossy, [record(0, 'ok:a')])).rejects.toMatchObject({ code: 'E_PIPELINE_STAGE_CONTRACT', disposition: 'crash' })
  })
})
