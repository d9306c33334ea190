import { describe, expect, it } from 'vitest'
import type { ProfileUpdate } from '../declaration.ts'
import { makeDeclaration } from '../../test/fixtures/declarations/make.ts'
import { commodityLookups, keyLayout, routeOf } from './keys.ts'
import { createMemoryProfileStore } from './memory-store.ts'
import { parseCsv } from './profile-files.ts'
import { entityKeyOf, NO_PAYLOAD, writeFor, writeForTombstone } from './profile-write.ts'

// Custom attributes of commodity codes and routes: keys, CSV, and what the enrichment makes
// of them (the in-memory store builds the record as the Redis store does; the Redis path is
// test/integration/processor/attributes.test.ts).
const t0 = Date.UTC(2026, 10, 20, 12, 30)

const hs = (hsCode: string, attributes: Record<string, string>, updatedAt = t0): ProfileUpdate =>
  ({ kind: 'HS_CODE', updatedAt, sourceSystem: 'tariff-team', ...NO_PAYLOAD, hsCode: { hsCode, attributes } })
const route = (originCountry: string, destinationCountry: string, attributes: Record<string, string>): ProfileUpdate =>
  ({
    kind: 'ROUTE', updatedAt: t0, sourceSystem: 'targeting', ...NO_PAYLOAD,
    route: { originCountry, destinationCountry, attributes }
  })

const item = (hsCode: string) => ({
  description: 'cotton t-shirt', hsCode, quantity: 1, unit: 'PCE', netMassKg: 0.2, intrinsicValue: '5.00',
  originCountry: 'CN', iossNumber: null, originRegion: null
})

const FIELDS = ['hsCode.attributes.riskScore', 'hsCode.attributes.dualUse', 'route.attributes.riskScore']

describe('enrich > commodity code and route attributes', () => {
  it('looks a code up in itself and its 8-, 6-, 4- and 2-digit prefixes', () => {
    expect(commodityLookups('6109100010')).toEqual(['6109100010', '61091000', '610910', '6109', '61'])
    expect(commodityLookups('610910')).toEqual(['610910', '6109', '61'])
    expect(commodityLookups('61.09.10')).toEqual(['610910', '6109', '61'])
    expect(commodityLookups('6')).toEqual([])
  })

  it('keys routes and codes as profile-updates and tombstones name them', () => {
    const keys = keyLayout('pr:')
    expect(routeOf(' cn', 'de ')).toBe('CN-DE')
    expect(entityKeyOf(hs('6109.10', {}))).toBe('hsCode:610910')
    expect(entityKeyOf(route('cn', 'de', {}))).toBe('route:CN-DE')
    expect(writeFor(hs('6109.10', { riskScore: '80' }), keys)).toEqual({
      kind: 'put', key: 'pr:hs:610910', updatedAt: t0, fields: { updatedAt: String(t0), 'attr:riskScore': '80' }
    })
    expect(writeFor(hs('6', {}), keys)).toBeUndefined()
    expect(writeForTombstone('route:CN-DE', keys)).toEqual({ kind: 'delete', key: 'pr:route:CN-DE' })
    expect(writeForTombstone('hsCode:6109', keys)).toEqual({ kind: 'delete', key: 'pr:hs:6109' })
  })

  it('gives each item the most specific value of each attribute, and the route its profile', async () => {
    const s = createMemoryProfileStore({ identityKey: 'k' })
    s.applyUpdates([
      hs('61', { riskScore: '10', dualUse: 'false' }),
      hs('6109', { riskScore: '40' }),
      hs('61091000', { riskScore: '95' }),
      route('CN', 'DE', { riskScore: '70' })
    ])
    const d = makeDeclaration({
      originCountry: 'CN', destinationCountry: 'DE',
      items: [item('6109100010'), item('610990'), item('620520'), item('6109100010')]
    })
    const [r] = await s.enrichBatch([d], t0, FIELDS)
    expect(r?.status).toBe('OK')
    expect({ ...r?.record.hsCodes }).toEqual({
      6109100010: { riskScore: '95', dualUse: 'false' },
      610990: { riskScore: '40', dualUse: 'false' },
      620520: {}
    })
    expect({ ...r?.record.route?.attributes }).toEqual({ riskScore: '70' })
    const unlisted = makeDeclaration({ originCountry: 'TR', destinationCountry: 'DE' })
    const [other] = await s.enrichBatch([unlisted], t0, FIELDS)
    expect(other?.record.route).toEqual({ attributes: undefined })
  })

  it('a store that never loaded codes or routes reports them missing, not empty', async () => {
    const s = createMemoryProfileStore({ identityKey: 'k', loaded: new Set(['seller']) })
    const [r] = await s.enrichBatch([makeDeclaration()], t0, FIELDS)
    expect(r?.status).toBe('DEGRADED')
    expect(r?.missing).toEqual(expect.arrayContaining(['hsCode', 'route']))
    expect(r?.record.hsCodes).toBeUndefined()
  })

  it('reads commodity codes and routes from CSV, every other column an attribute', () => {
    const codes = parseCsv('hsCode,riskScore,dualUse\n610910,80,\n"8471.30",20,true\n', t0)
    expect(codes.errors).toEqual([])
    expect(codes.updates.map((u) => [u.kind, u.hsCode])).toEqual([
      ['HS_CODE', { hsCode: '610910', attributes: { riskScore: '80' } }],
      ['HS_CODE', { hsCode: '8471.30', attributes: { riskScore: '20', dualUse: 'true' } }]
    ])
    const routes = parseCsv('originCountry,destinationCountry,updatedAt,riskScore\nCN,DE,2026-11-01T00:00:00Z,70\n', t0)
    expect(routes.updates[0]?.route).toEqual({
      originCountry: 'CN', destinationCountry: 'DE', attributes: { riskScore: '70' }
    })
    expect(routes.updates[0]?.updatedAt).toBe(Date.UTC(2026, 10, 1))
    expect(parseCsv('code,riskScore\n1,2\n', t0).errors[0]?.code).toBe('E_ENRICH_PROFILE_INVALID')
  })
})
