import { createHash } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import type { ParcelDeclaration, RiskDecision } from './declaration.ts'
import { ParcelRiskError } from './errors.ts'
import type { Evaluation } from './evaluation.ts'
import type { ConsumedRecord } from './record.ts'
import {
  handleChunk, processBatch, type ChunkOutput, type ChunkReport, type PublishStages, type Result, type RulesetStages,
  type Stages
} from './pipeline.ts'

// Fakes come in through the stage parameters: the pipeline's job is the bookkeeping
// (every record out exactly once, order kept, failures classified), not the stages.
const record = (offset: number, value: string): ConsumedRecord => ({
  topic: 'declarations',
  partition: 0,
  offset: String(offset),
  timestampMs: 1_000 + offset,
  key: null,
  value: Buffer.from(value)
})

const declaration = (id: string): ParcelDeclaration =>
  ({ declarationId: id, version: 1 }) as unknown as ParcelDeclaration
const idOf = (d: unknown): string => (d as ParcelDeclaration).declarationId

const decide = (d: unknown, action: 'RELEASE' | 'HOLD' = 'RELEASE'): RiskDecision =>
  ({ declarationId: (d as ParcelDeclaration).declarationId, decision: action }) as unknown as RiskDecision
const EVALUATION = { dateMs: 0 } as unknown as Evaluation
const TWO_PROBLEMS: ReturnType<Stages['validate']> = [
  { code: 'E_VALIDATE_HS_CODE', path: 'items[0].hsCode', message: 'not 6-10 digits' },
  { code: 'E_VALIDATE_COUNTRY', path: 'originCountry', message: 'XX' }
]

const stages = (over: Partial<Stages> = {}): Stages => ({
  // value text: "ok:<id>", "bad:<code>", "invalid:<id>", "boom:<id>"
  decode: async (records) => records.map((r): Result<ParcelDeclaration> => {
    const [kind, arg] = (r.value?.toString() ?? '').split(':') as [string, string]
    if (kind === 'bad') return { ok: false, error: new ParcelRiskError(arg as 'E_DECODE_MAGIC_BYTE', 'bad bytes') }
    return { ok: true, value: declaration(`${kind}:${arg}`) }
  }),
  validate: (d) => d.declarationId.startsWith('invalid:') ? TWO_PROBLEMS : [],
  enrich: async (ds) => ds.map(() => ({ record: {}, missing: [] })),
  ruleset: () => ({
    score: (d) => {
      if (idOf(d).startsWith('boom:')) throw new Error('engine broke')
      return EVALUATION
    },
    decide: (_ev, d) => decide(d)
  }),
  shadow: null,
  now: () => 5_000,
  ...over
})

describe('pipeline > processBatch', () => {
  it('answers every record exactly once: decisions for good ones, dead letters for the rest', async () => {
    const records = [
      record(0, 'ok:a'), record(1, 'bad:E_DECODE_MAGIC_BYTE'), record(2, 'invalid:b'), record(3, 'ok:c'),
      record(4, 'boom:d')
    ]
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

  it('keeps every reason with its path in the dead letter, one for a decode failure', async () => {
    const out = await processBatch(stages(), [record(0, 'invalid:x'), record(1, 'bad:E_DECODE_MAGIC_BYTE')])
    expect(out.deadLetters.map((d) => d.rejections)).toEqual([
      TWO_PROBLEMS,
      [{ code: 'E_DECODE_MAGIC_BYTE', path: '', message: 'bad bytes' }]
    ])
  })

  it('fails the whole batch on a retry-class decode error so its offsets are not committed', async () => {
    const down = new ParcelRiskError('E_DECODE_REGISTRY_UNAVAILABLE', 'down')
    const unavailable = stages({ decode: async (rs) => rs.map(() => ({ ok: false, error: down })) })
    await expect(processBatch(unavailable, [record(0, 'ok:a')]))
      .rejects.toMatchObject({ code: 'E_DECODE_REGISTRY_UNAVAILABLE', disposition: 'retry' })
  })

  it('passes the record timestamp, input digest and missing enrichment to score and decide', async () => {
    const seen: unknown[] = []
    const scorer: RulesetStages = {
      score: (_d, _e, ctx) => {
        seen.push(['score', ctx])
        return EVALUATION
      },
      decide: (_ev, d, ctx) => {
        seen.push(['decide', ctx])
        return decide(d)
      }
    }
    const degraded = stages({
      enrich: async (ds) => ds.map(() => ({ record: null, missing: ['seller', 'aggregates'] })),
      ruleset: () => scorer
    })
    await processBatch(degraded, [record(7, 'ok:a')])
    const ctx = {
      nowMs: 5_000,
      receivedAtMs: 1_007,
      enrichmentMissing: ['seller', 'aggregates'],
      inputDigest: createHash('sha256').update('ok:a').digest('hex')
    }
    expect(seen).toEqual([['score', ctx], ['decide', ctx]])
  })

  it('decides each declaration from its own evaluation, before the next one is scored', async () => {
    const order: string[] = []
    const scorer: RulesetStages = {
      score: (d) => {
        order.push(`score ${idOf(d)}`)
        return { ...EVALUATION, dateMs: order.length }
      },
      decide: (ev, d) => {
        order.push(`decide ${idOf(d)} from ${ev.dateMs}`)
        return decide(d)
      }
    }
    await processBatch(stages({ ruleset: () => scorer }), [record(0, 'ok:a'), record(1, 'ok:b')])
    expect(order).toEqual(['score ok:a', 'decide ok:a from 1', 'score ok:b', 'decide ok:b from 3'])
  })

  it('dead-letters a declaration whose decision fails, like one whose scoring fails', async () => {
    const broken = (): never => {
      throw new Error('decide broke')
    }
    const failing = stages({ ruleset: () => ({ score: () => EVALUATION, decide: broken }) })
    const out = await processBatch(failing, [record(0, 'ok:a')])
    expect(out.deadLetters.map((d) => [d.stage, d.code, d.message]))
      .toEqual([['score', 'E_PIPELINE_SCORE_FAILED', 'decide broke']])
  })

  describe('seat', () => {
    // A seating stage that wants a seat for every decision but "ok:a", and moves whoever got none.
    const seating: NonNullable<RulesetStages['seating']> = {
      request: (ds) => {
        const candidates = ds.flatMap((d, i) => d.declarationId === 'ok:a'
          ? []
          : [{ decision: i, holder: d.declarationId, forced: false, counters: [0], fallback: 'SCREEN_NII' as const }])
        const counter = { lane: 'PHYSICAL_EXAM' as const, perWindow: 1, reserve: 0, windowMs: 60_000, windowStartMs: 0 }
        return candidates.length === 0 ? null : { location: 'L', counters: [counter], candidates }
      },
      apply: (ds, request, grant) => ds.map((d, i) => {
        const k = request.candidates.findIndex((c) => c.decision === i)
        if (k < 0) return d
        if (grant === null) return { ...d, errors: ['unchecked'] }
        return grant.seats[k] === 0 ? d : { ...d, action: 'SCREEN_NII' as const }
      })
    }
    const examine: RulesetStages['decide'] = (_ev, d) => ({ ...decide(d, 'HOLD'), action: 'PHYSICAL_EXAM' })
    const seatedStages = (seats: Stages['seats'], asked: string[][] = []): Stages => stages({
      ruleset: () => ({ score: () => EVALUATION, decide: examine, seating }),
      shadow: () => ({ score: () => EVALUATION, decide: examine, seating }),
      seats: seats === null || seats === undefined
        ? seats
        : async (r) => {
          asked.push(r.candidates.map((c) => c.holder))
          return await seats(r)
        }
    })

    it('asks the counters once for the batch and applies the grant to the champion only', async () => {
      const asked: string[][] = []
      const firstOnly: Stages['seats'] = async (r) => ({
        seats: r.candidates.map((_c, k) => k === 0 ? 0 : -1),
        places: r.candidates.map((_c, k) => k === 0 ? 1 : 0),
        taken: [1],
        forcedTaken: [0]
      })
      const records = [record(0, 'ok:a'), record(1, 'ok:b'), record(2, 'ok:c')]
      const out = await processBatch(seatedStages(firstOnly, asked), records)
      expect(asked).toEqual([['ok:b', 'ok:c']])
      expect(out.decisions.map((d) => [d.source.offset, d.decision.action]))
        .toEqual([['0', 'PHYSICAL_EXAM'], ['1', 'PHYSICAL_EXAM'], ['2', 'SCREEN_NII']])
      expect(out.shadowDecisions.map((d) => d.decision.action))
        .toEqual(['PHYSICAL_EXAM', 'PHYSICAL_EXAM', 'PHYSICAL_EXAM'])
    })

    it('makes no round trip when no decision wants a seat', async () => {
      const asked: string[][] = []
      const notAsked = async (): Promise<never> => {
        throw new Error('not asked')
      }
      await processBatch(seatedStages(notAsked, asked), [record(0, 'ok:a')])
      expect(asked).toEqual([])
    })

    it('keeps the decisions (marked by the seating stage) when the counters are out of reach', async () => {
      const out = await processBatch(seatedStages(async () => null), [record(0, 'ok:a'), record(1, 'ok:b')])
      expect(out.decisions.map((d) => [d.decision.action, d.decision.errors]))
        .toEqual([['PHYSICAL_EXAM', undefined], ['PHYSICAL_EXAM', ['unchecked']]])
    })
  })

  it('scores the shadow ruleset beside the champion and never lets it fail the batch', async () => {
    const failing = stages({
      shadow: () => ({
        score: (d) => {
          if (idOf(d) === 'ok:b') throw new Error('challenger broke')
          return EVALUATION
        },
        decide: (_ev, d) => decide(d, 'HOLD')
      })
    })
    const out = await processBatch(failing, [record(0, 'ok:a'), record(1, 'ok:b')])
    expect(out.decisions).toHaveLength(2)
    expect(out.shadowDecisions.map((d) => [d.decision.declarationId, d.decision.decision])).toEqual([['ok:a', 'HOLD']])
  })

  it('refuses a stage that loses records', async () => {
    const lossy = stages({ enrich: async () => [] })
    await expect(processBatch(lossy, [record(0, 'ok:a')]))
      .rejects.toMatchObject({ code: 'E_PIPELINE_STAGE_CONTRACT', disposition: 'crash' })
  })
})

describe('pipeline > handleChunk', () => {
  const context = (fence: () => Promise<void> = async () => {}) =>
    ({ topic: 'declarations', partition: 0, lag: 3, nextOffset: '5', fence })
  const publishing = (over: Partial<PublishStages> = {}): PublishStages & { sent: ChunkOutput[], steps: string[] } => {
    const sent: ChunkOutput[] = []
    const steps: string[] = []
    return {
      sent, steps,
      encode: (d) => d.declarationId === 'ok:unencodable'
        ? { ok: false, error: new ParcelRiskError('E_PUBLISH_ENCODE', 'RiskDecision cannot be encoded at score') }
        : { ok: true, value: Buffer.from(`avro:${d.declarationId}`) },
      deadLetter: (source, failure) =>
        ({ key: source.key, value: source.value, headers: { code: failure.code, stage: failure.stage } }),
      send: async (output, position) => {
        steps.push(`send ${position.partition}@${position.nextOffset}`)
        sent.push(output)
      },
      ...over
    }
  }

  it('sends decisions (keyed by declarationId) and dead letters in one send, an unencodable decision among the ' +
    'dead letters', async () => {
    const publish = publishing()
    const seen = { received: [] as number[], reports: [] as ChunkReport[] }
    const handle = handleChunk(stages(), publish, {
      received: (records) => {
        seen.received.push(records.length)
      },
      published: (r) => {
        seen.reports.push(r)
      }
    })
    await handle([record(0, 'ok:a'), record(1, 'bad:E_DECODE_MAGIC_BYTE'), record(2, 'ok:unencodable')], context())
    expect(publish.sent).toHaveLength(1)
    const output = publish.sent[0] as ChunkOutput
    expect(output.decisions).toEqual([{ key: 'ok:a', value: Buffer.from('avro:ok:a') }])
    expect(output.shadow).toEqual([])
    expect(output.deadLetters.map((d) => [d.value?.toString(), d.headers])).toEqual([
      ['bad:E_DECODE_MAGIC_BYTE', { code: 'E_DECODE_MAGIC_BYTE', stage: 'decode' }],
      ['ok:unencodable', { code: 'E_PUBLISH_ENCODE', stage: 'publish' }]
    ])
    expect(seen.received).toEqual([3])
    expect(seen.reports).toHaveLength(1)
    expect(seen.reports[0]?.stageMs.fetchWait).toBe(5_000 - 1_000)
  })

  it('fences before the send and sends nothing when the partition was lost', async () => {
    const publish = publishing()
    const lost = new ParcelRiskError('E_INGEST_PARTITION_LOST', 'moved')
    const handle = handleChunk(stages(), publish, {
      received: () => {},
      published: () => {
        publish.steps.push('published')
      }
    })
    const fenceLost = async (): Promise<void> => {
      publish.steps.push('fence')
      throw lost
    }
    await expect(handle([record(0, 'ok:a')], context(fenceLost))).rejects.toBe(lost)
    expect(publish.steps).toEqual(['fence'])
    await handle([record(0, 'ok:a')], context(async () => {
      publish.steps.push('fence')
    }))
    expect(publish.steps).toEqual(['fence', 'fence', 'send 0@5', 'published'])
  })

  it('reports nothing as published when the send fails, so the caller does not commit', async () => {
    const failed = new ParcelRiskError('E_PUBLISH_BROKER_UNAVAILABLE', 'no leader')
    const publish = publishing({
      send: async () => {
        throw failed
      }
    })
    const reports: ChunkReport[] = []
    const handle = handleChunk(stages(), publish, {
      received: () => {},
      published: (r) => {
        reports.push(r)
      }
    })
    await expect(handle([record(0, 'ok:a')], context())).rejects.toBe(failed)
    expect(reports).toEqual([])
  })
})
