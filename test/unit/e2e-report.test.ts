import { describe, expect, it } from 'vitest'
import { backlogNote, medianPoints, runsTable, section, type PointResult } from '../../bench/e2e/report.ts'

const point = (over: Partial<PointResult>): PointResult => ({
  mode: 'pipeline', offered: 'max', seconds: 20, sent: 100, outcomes: 100, throughputPerS: 1_000,
  latencyMs: { p50: 10, p99: 50 }, processCpuPct: 90, cpuMicrosPerDeclaration: 100, loadAverage: 2,
  machineBusyPct: 80, benchCpuPct: 30, drained: true, ...over
})

describe('bench > e2e > report: medians of repeated runs', () => {
  it('one point per system and rate, in the order measured, each figure the median of its runs', () => {
    const points = [
      point({ mode: 'passthrough', throughputPerS: 40_000, repetition: 1 }),
      point({ throughputPerS: 6_000, latencyMs: { p50: 9, p99: 300 }, cpuMicrosPerDeclaration: 170, repetition: 1 }),
      point({ mode: 'passthrough', throughputPerS: 46_000, repetition: 2 }),
      point({ throughputPerS: 7_000, latencyMs: { p50: 11, p99: 100 }, cpuMicrosPerDeclaration: 150, repetition: 2 }),
      point({ throughputPerS: 6_500, latencyMs: { p50: 30, p99: 200 }, cpuMicrosPerDeclaration: 160, repetition: 3,
        drained: false })
    ]
    const medians = medianPoints(points)
    expect(medians.map((p) => [p.mode, p.throughputPerS])).toEqual([['passthrough', 43_000], ['pipeline', 6_500]])
    const pipeline = medians[1] as PointResult
    expect(pipeline.latencyMs).toMatchObject({ p50: 11, p99: 200 })
    expect(pipeline.cpuMicrosPerDeclaration).toBe(160)
    expect(pipeline.drained).toBe(false)
    expect(pipeline.runs?.map((r) => r.throughputPerS)).toEqual([6_000, 7_000, 6_500])
  })

  it('lists each run of a repeated point; nothing when no point was repeated', () => {
    const medians = medianPoints([point({ throughputPerS: 6_000 }), point({ throughputPerS: 7_000 })])
    expect(runsTable(medians)).toContain('| pipeline | max | 2 | 6,000 · 7,000 | 50 · 50 | 100 · 100 |')
    expect(runsTable(medianPoints([point({})]))).toBe('')
  })

  it('judges other work by the busy share before the run, not by a load average that remembers earlier runs', () => {
    const input = {
      points: [point({})],
      machine: {
        nproc: 2, cpu: 'x', memoryGiB: 1, node: 'v24', kafka: 'k', platform: 'linux-x64', loadAverage: 2.8
      },
      command: 'npm run bench -- e2e', seconds: 20, rates: [2_000], verification: null, loadAverageAtEnd: 4, repeat: 1
    }
    const quiet = section({ ...input, busyBeforePct: 4 })
    expect(quiet).toContain('Load average (1 min) at the start of the run 2.8, at its end 4.0, on 2 CPUs; ' +
      'all CPUs 4 % busy in the seconds before it.')
    expect(quiet).not.toContain('other work ran')
    expect(section({ ...input, busyBeforePct: 60 })).toContain('measured while other work ran on the machine')
    expect(section(input)).toContain('measured while other work ran on the machine')
  })

  it('notes a fixed-rate point whose window was still answering its settling period, not the maximum', () => {
    const settled = point({ offered: 5_000, sent: 100_000, outcomes: 101_000 })
    const behind = point({ offered: 5_000, sent: 100_000, outcomes: 104_203 })
    expect(backlogNote([settled, point({ sent: 100, outcomes: 150 })])).toBe('')
    expect(backlogNote([settled, behind])).toBe('- **Not settled**: pipeline at 5,000/s (4,203 more outcomes than ' +
      'the 100,000 sent). The window began with a queue left from the settling period, so its latency counts that ' +
      'queue too; a longer `--settle` measures the steady state.')
  })
})
