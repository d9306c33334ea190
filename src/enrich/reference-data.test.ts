import { describe, expect, it } from 'vitest'
import type { ProfileUpdate } from '../declaration.ts'
import {
  dataSetsRead, dataSetStatus, defaultMaxAgesMs, markersOf, markersOfLoad, parseMarker, unknownDataSets,
  type DataSet, type SyncMarker
} from './reference-data.ts'
import { planFor } from './keys.ts'

const HOUR = 3_600_000
const NOW = 1_780_000_000_000
const marker = (ageMs: number, entries = 10): SyncMarker => ({ loadedAt: NOW - ageMs, source: 'ioss.ndjson', entries })
/** The commodity code and route tables, loaded an hour ago. */
const TABLES: Array<[DataSet, SyncMarker]> = [['hsCode', marker(HOUR)], ['route', marker(HOUR)]]
/** The markers of the registries and lists as given, and of the tables. */
const loaded = (
  ioss: SyncMarker, watchlist: SyncMarker, aeo: SyncMarker, seller: SyncMarker, consignee: SyncMarker
): Map<DataSet, SyncMarker> => new Map<DataSet, SyncMarker>([
  ['ioss', ioss], ['watchlist', watchlist], ['aeo', aeo], ['seller', seller], ['consignee', consignee], ...TABLES
])

describe('enrich > reference data', () => {
  it.each([
    ['a marker', '{"loadedAt":5,"source":"a.csv","entries":3}', { loadedAt: 5, source: 'a.csv', entries: 3 }],
    ['no marker', null, undefined],
    ['an empty value', '', undefined],
    ['text that is not JSON', 'yesterday', undefined],
    ['a marker without its load time', '{"source":"a.csv","entries":3}', undefined],
    ['a marker without source and entries', '{"loadedAt":7}', { loadedAt: 7, source: '', entries: 0 }]
  ])('reads %s', (_, raw, expected) => {
    expect(parseMarker(raw)).toEqual(expected)
  })

  it('reads the markers of an HMGET in data set order', () => {
    const markers = markersOf(['{"loadedAt":1}', null, null, '{"loadedAt":4}', 'broken'])
    expect([...markers.keys()]).toEqual(['ioss', 'seller'])
  })

  it.each<[string, ReadonlyMap<DataSet, SyncMarker>, DataSet[]]>([
    [
      'nothing loaded: every data set is unknown', new Map(),
      ['ioss', 'watchlist', 'aeo', 'seller', 'consignee', 'hsCode', 'route']
    ],
    [
      'loaded within the limits: nothing is unknown',
      loaded(marker(HOUR), marker(HOUR), marker(HOUR), marker(HOUR), marker(HOUR)), []
    ],
    [
      'an IOSS registry older than 48 h is unknown',
      loaded(marker(49 * HOUR), marker(HOUR), marker(HOUR), marker(49 * HOUR), marker(HOUR)), ['ioss']
    ],
    [
      'exactly at the limit is still fresh',
      loaded(marker(48 * HOUR), marker(HOUR), marker(HOUR), marker(HOUR), marker(HOUR)), []
    ],
    [
      'a loaded but empty data set is known (its entries are absent, not unknown)',
      loaded(marker(HOUR, 0), marker(HOUR, 0), marker(HOUR), marker(HOUR), marker(HOUR)), []
    ]
  ])('%s', (_, markers, unknown) => {
    expect([...unknownDataSets(markers, NOW, defaultMaxAgesMs)]).toEqual(unknown)
  })

  it('reports each data set as fresh, stale or missing with its age and limit', () => {
    const markers = new Map<DataSet, SyncMarker>([['ioss', marker(2 * HOUR)], ['watchlist', marker(50 * HOUR)]])
    const status = dataSetStatus(markers, NOW, defaultMaxAgesMs)
    expect(status.map((s) => [s.dataSet, s.state, s.ageMs])).toEqual([
      ['ioss', 'fresh', 2 * HOUR], ['watchlist', 'stale', 50 * HOUR], ['aeo', 'missing', undefined],
      ['seller', 'missing', undefined], ['consignee', 'missing', undefined],
      ['hsCode', 'missing', undefined], ['route', 'missing', undefined]
    ])
    expect(status[0]?.maxAgeMs).toBe(48 * HOUR)
  })

  it('names the data sets a ruleset reads from its enrichment paths (aggregates are not reference data)', () => {
    const plan = planFor([
      'enrichment.ioss.registered', 'enrichment.seller.aeo.status', 'enrichment.aggregates.consigneeCount24h'
    ])
    expect(dataSetsRead(plan.families)).toEqual(['ioss', 'aeo'])
    expect(dataSetsRead(planFor(['consignee.identityHash']).families)).toEqual([])
  })

  it('marks each data set a load carried, counting its entries', () => {
    const u = (kind: ProfileUpdate['kind']): ProfileUpdate => ({ kind } as ProfileUpdate)
    const markers = markersOfLoad([u('IOSS'), u('IOSS'), u('WATCHLIST')], 'files', NOW)
    expect(Object.fromEntries(markers)).toEqual({
      ioss: { loadedAt: NOW, source: 'files', entries: 2 }, watchlist: { loadedAt: NOW, source: 'files', entries: 1 }
    })
  })
})
