// The pipeline's part in amendments: which declarations are scored, which are answered as
// superseded, what each decision is compared with, and what is handed over to be kept.
// The decide side is the real one (src/decide/amendments.ts); the stores are fakes.
import { describe, expect, it } from 'vitest'
import { advance, HOLD_RELEASED, standingOf, SUPERSEDED, UNCHECKED, type History } from './amendment.ts'
import { annotateAmendment, supersededAnswer } from './decide/amendments.ts'
import type { ParcelDeclaration, RiskDecision } from './declaration.ts'
import type { Evaluation } from './evaluation.ts'
import { handleChunk, type Stages } from './pipeline.ts'
import type { ConsumedRecord } from './record.ts'

// value text: "<declarationId>:<version>:<HOLD|RELEASE>"
const record = (offset: number, value: string): ConsumedRecord =>
  ({
    topic: 'declarations', partition: 0, offset: String(offset), timestampMs: 1_000, key: null,
    value: Buffer.from(value)
  })

const parse = (r: ConsumedRecord): ParcelDeclaration & { verdict: string } => {
  const [id, version, verdict] = (r.value?.toString() ?? '').split(':') as [string, string, string]
  return { declarationId: id, version: Number(version), verdict } as unknown as ParcelDeclaration & { verdict: string }
}

const decisionOf = (d: unknown): RiskDecision => {
  const p = d as { declarationId: string, version: number, verdict: string }
  const held = p.verdict === 'HOLD'
  return {
    declarationId: p.declarationId,
    version: p.version,
    decision: held ? 'HOLD' : 'RELEASE',
    action: held ? 'SCREEN_NII' : 'RELEASE',
    score: held ? 80 : 0,
    reasons: held ? [{ ruleId: 'IND-A', title: 'A', tier: 'INDICATOR', contribution: 80, values: [] }] : [],
    gates: [], errors: [], randomSelection: false, ruleset: { id: 'r', version: '1', digest: 'd' },
    enrichment: { status: 'OK', missing: [] },
    rejections: [],
    timings: { receivedAt: 0, decidedAt: 0, latencyMicros: 0 },
    inputDigest: ''
  }
}

/** Stages over a fake history store: `known` is what the store holds (undefined: unreadable). */
const stages = (known: Map<string, History> | undefined, scored: string[] = []): Stages => ({
  decode: async (records) => records.map((r) => ({ ok: true, value: parse(r) })),
  validate: () => [],
  enrich: async (ds) => ds.map((d) => known === undefined
    ? { record: null, missing: ['amendments'], history: undefined }
    : { record: null, missing: [], history: known.get(d.declarationId) ?? null }),
  ruleset: () => ({
    score: (d) => {
      scored.push(`${(d as ParcelDeclaration).declarationId}#${(d as ParcelDeclaration).version}`)
      return { dateMs: 0 } as unknown as Evaluation
    },
    decide: (_ev, d) => decisionOf(d)
  }),
  shadow: null,
  now: () => 5_000,
  amend: { superseded: supersededAnswer, annotate: annotateAmendment },
  remember: async (decisions) => {
    for (const d of decisions) {
      if (d.reasons[0]?.ruleId !== SUPERSEDED) {
        known?.set(d.declarationId, advance(known.get(d.declarationId) ?? null, standingOf(d)))
      }
    }
  }
})

const ids = (d: RiskDecision): string[] => d.reasons.map((r) => r.ruleId)

const run = async (s: Stages, values: string[]): Promise<RiskDecision[]> => {
  const decided: RiskDecision[] = []
  const handle = handleChunk(s, {
    encode: (d) => {
      decided.push(d)
      return { ok: true, value: Buffer.alloc(0) }
    },
    deadLetter: () => { throw new Error('nothing here is dead-lettered') },
    send: async () => {}
  }, { received: () => {}, published: () => {} })
  const chunk = { topic: 'declarations', partition: 0, lag: 0, nextOffset: '1', fence: async () => {} }
  await handle(values.map((v, i) => record(i, v)), chunk)
  return decided
}

describe('pipeline > amendments', () => {
  it('v1 HOLD, v2 RELEASE says the hold was released; v1 replayed after v2 is superseded and not scored', async () => {
    const known = new Map<string, History>()
    const scored: string[] = []
    const s = stages(known, scored)
    const [v1] = await run(s, ['D:1:HOLD'])
    expect(v1?.decision).toBe('HOLD')
    const [v2] = await run(s, ['D:2:RELEASE'])
    expect([v2?.version, v2?.decision, ids(v2 as RiskDecision)]).toEqual([2, 'RELEASE', [HOLD_RELEASED]])
    const [replayed] = await run(s, ['D:1:HOLD'])
    expect([replayed?.version, replayed?.decision, replayed?.action, ids(replayed as RiskDecision)])
      .toEqual([1, 'RELEASE', 'RELEASE', [SUPERSEDED]])
    expect(scored).toEqual(['D#1', 'D#2'])
    expect(known.get('D')?.current.version).toBe(2)
  })

  it('answers the same version redelivered as the first time, also once it is standing', async () => {
    const known = new Map<string, History>()
    const s = stages(known)
    await run(s, ['D:1:HOLD'])
    const [first] = await run(s, ['D:2:RELEASE'])
    const [again] = await run(s, ['D:2:RELEASE'])
    expect(again).toEqual(first)
    const [v1Again] = await run(stages(new Map()), ['D:1:HOLD'])
    expect(ids(v1Again as RiskDecision)).toEqual(['IND-A'])
  })

  it('within one batch, a later version sees the earlier one and an older one after it is superseded', async () => {
    const known = new Map<string, History>()
    const scored: string[] = []
    const out = await run(stages(known, scored), ['D:1:HOLD', 'D:2:RELEASE', 'D:1:HOLD'])
    expect(out.map((d) => [d.version, ids(d)])).toEqual([[1, ['IND-A']], [2, [HOLD_RELEASED]], [1, [SUPERSEDED]]])
    expect(scored).toEqual(['D#1', 'D#2'])
    // Redelivered once version 2 stands: version 2 is answered as before, version 1 as superseded both times.
    const again = await run(stages(known), ['D:1:HOLD', 'D:2:RELEASE', 'D:1:HOLD'])
    expect(again.slice(1)).toEqual(out.slice(1))
    expect(again[0]).toEqual(out[2])
  })

  it('with the history unreadable, decides every version as fresh, DEGRADED, and says an amendment ' +
    'was unchecked', async () => {
    const scored: string[] = []
    const out = await run(stages(undefined, scored), ['E:1:HOLD', 'F:3:RELEASE'])
    expect(out.map((d) => [d.declarationId, d.version, ids(d)])).toEqual([['E', 1, ['IND-A']], ['F', 3, [UNCHECKED]]])
    expect(scored).toEqual(['E#1', 'F#3'])
  })

  it('hands the decisions to be kept beside the send, superseded answers included for the store to skip', async () => {
    const handed: RiskDecision[][] = []
    const declared: string[][] = []
    const remember = async (
      ds: readonly RiskDecision[], declarations: ReadonlyArray<ParcelDeclaration | undefined>
    ): Promise<void> => {
      handed.push([...ds])
      declared.push(declarations.map((d) => `${d?.declarationId ?? '?'}:${d?.version ?? '?'}`))
    }
    const standing = standingOf(decisionOf({ declarationId: 'D', version: 2, verdict: 'HOLD' }))
    const s = { ...stages(new Map([['D', { current: standing, previous: null }]])), remember }
    const order: string[] = []
    const handle = handleChunk(s, {
      encode: () => ({ ok: true, value: Buffer.alloc(0) }),
      deadLetter: () => { throw new Error('none') },
      send: async () => { order.push('send') }
    }, { received: () => {}, published: () => { order.push('published') } })
    const fence = async (): Promise<void> => {
      order.push('fence')
    }
    await handle([record(0, 'D:1:RELEASE'), record(1, 'G:1:RELEASE')], {
      topic: 't', partition: 0, lag: 0, nextOffset: '2', fence
    })
    expect(handed.map((b) => b.map((d) => [d.declarationId, d.version, ids(d)])))
      .toEqual([[['D', 1, [SUPERSEDED]], ['G', 1, []]]])
    // With the declarations decided on, in the same order: the store keeps their parties (offences).
    expect(declared).toEqual([['D:1', 'G:1']])
    expect(order).toEqual(['fence', 'send', 'published'])
  })
})
