import { Registry } from 'prom-client'
import { describe, expect, it } from 'vitest'
import type { SeatRequest } from '../actions.ts'
import { fullReason, overbookedReason, uncheckedReason } from '../decide/capacity.ts'
import type { RiskDecision } from '../declaration.ts'
import type { ChunkReport } from '../pipeline.ts'
import { createCapacityMetrics } from './capacity-metrics.ts'

const HOUR = 3_600_000
const exam = { lane: 'PHYSICAL_EXAM' as const, perWindow: 20, reserve: 4, windowMs: HOUR, windowStartMs: 0 }
const nii = { lane: 'SCREEN_NII' as const, perWindow: 10, reserve: 0, windowMs: HOUR, windowStartMs: 0 }
const decision = (action: RiskDecision['action'], reasons: RiskDecision['reasons']): RiskDecision =>
  ({ action, reasons }) as unknown as RiskDecision
const report = (decisions: RiskDecision[]): ChunkReport =>
  ({ result: { decisions: decisions.map((decision) => ({ decision })) } }) as unknown as ChunkReport

const value = async (registry: Registry, name: string): Promise<string> =>
  (await registry.metrics()).split('\n').filter((l) => l.startsWith(name)).join('\n')

describe('observe > capacity metrics', () => {
  it('counts each published downgrade once, by location, lane asked for and action given; ' +
    'and each overbooked seat, by lane', async () => {
    const registry = new Registry()
    const m = createCapacityMetrics(registry)
    let seen = 0
    const chunks = m.observedChunks({
      received: () => {},
      published: () => {
        seen++
      }
    })
    chunks.published(report([
      decision('RELEASE_POST_AUDIT', [
        fullReason(exam, 'LGG', 'RELEASE_POST_AUDIT'), fullReason(nii, 'LGG', 'RELEASE_POST_AUDIT')
      ]),
      decision('SCREEN_NII', [fullReason(exam, 'LGG', 'SCREEN_NII')]),
      decision('PHYSICAL_EXAM', [uncheckedReason(exam, 'LGG')]),
      decision('PHYSICAL_EXAM', [overbookedReason(exam, 'LGG', 21)]),
      decision('RELEASE', [])
    ]))
    expect(seen).toBe(1)
    expect(await value(registry, 'parcel_risk_capacity_downgrades_total')).toBe([
      'parcel_risk_capacity_downgrades_total{location="LGG",from="PHYSICAL_EXAM",to="RELEASE_POST_AUDIT"} 1',
      'parcel_risk_capacity_downgrades_total{location="LGG",from="PHYSICAL_EXAM",to="SCREEN_NII"} 1'
    ].join('\n'))
    expect(await value(registry, 'parcel_risk_capacity_unchecked_total'))
      .toBe('parcel_risk_capacity_unchecked_total{location="LGG",lane="PHYSICAL_EXAM"} 1')
    expect(await value(registry, 'parcel_risk_capacity_overbooked_total'))
      .toBe('parcel_risk_capacity_overbooked_total{location="LGG",lane="PHYSICAL_EXAM"} 1')
  })

  it('sets the fill level and the reserve of each lane\'s newest window from the grant', async () => {
    const registry = new Registry()
    const m = createCapacityMetrics(registry)
    const counters = [exam, { ...exam, windowStartMs: HOUR }, nii]
    const request: SeatRequest = { location: 'LGG', counters, candidates: [] }
    await m.observedSeats(async () => ({ seats: [], places: [], taken: [20, 5, 12], forcedTaken: [3, 2, 0] }))(request)
    expect(await value(registry, 'parcel_risk_capacity_seats_taken')).toBe([
      'parcel_risk_capacity_seats_taken{location="LGG",lane="PHYSICAL_EXAM"} 5',
      'parcel_risk_capacity_seats_taken{location="LGG",lane="SCREEN_NII"} 12'
    ].join('\n'))
    expect(await value(registry, 'parcel_risk_capacity_fill_ratio')).toContain('lane="SCREEN_NII"} 1.2')
    expect(await value(registry, 'parcel_risk_capacity_reserve_seats')).toContain('lane="PHYSICAL_EXAM"} 4')
    expect(await value(registry, 'parcel_risk_capacity_forced_seats_taken')).toContain('lane="PHYSICAL_EXAM"} 2')
  })
})
