import { describe, expect, it } from 'vitest'
import { breakdownOf, renderBreakdown } from './breakdown.ts'

const metrics = [
  '# TYPE parcel_risk_stage_seconds histogram',
  'parcel_risk_stage_seconds_bucket{le="0.001",stage="decode"} 3',
  'parcel_risk_stage_seconds_sum{stage="fetchWait"} 0.4',
  'parcel_risk_stage_seconds_count{stage="fetchWait"} 100',
  'parcel_risk_stage_seconds_sum{stage="decode"} 0.02',
  'parcel_risk_stage_seconds_count{stage="decode"} 100',
  'parcel_risk_stage_seconds_sum{stage="publish"} 0',
  'parcel_risk_stage_seconds_count{stage="publish"} 0',
  'parcel_risk_warm_up_seconds 1.25'
].join('\n')
const log = [
  '{"level":30,"msg":"processor running"}',
  '{"level":30,"records":1,' +
    '"stageMs":{"fetchWait":12,"decode":0.5,"enrich":2,"score":0.25,"publish":4},"msg":"first chunk decided"}'
].join('\n')

describe('cli > demo > breakdown', () => {
  it('reads mean stage times per chunk from /metrics, the first chunk from the log and the warm-up', () => {
    const b = breakdownOf(metrics, log)
    expect(b.chunks).toBe(100)
    expect(b.meanMs.fetchWait).toBeCloseTo(4)
    expect(b.meanMs.decode).toBeCloseTo(0.2)
    expect(b.meanMs.publish).toBeUndefined()
    expect(b.firstChunkMs).toEqual({ fetchWait: 12, decode: 0.5, enrich: 2, score: 0.25, publish: 4 })
    expect(b.warmUpS).toBe(1.25)
  })

  it('renders what it found, and says so when the log has no first-chunk line', () => {
    const text = renderBreakdown(breakdownOf(metrics, '')).join('\n')
    expect(text).toContain('mean of 100 chunks')
    expect(text).toContain('fetchWait 4.0 ms   decode 0.2 ms   enrich –   score –   publish –')
    expect(text).toContain('not found in the processor log')
    expect(text).toContain('warm-up before joining the group: 1.25 s')
  })
})
