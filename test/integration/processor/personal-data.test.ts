// Personal data through the whole processor: declarations whose parties carry distinctive
// names, addresses, phones and e-mails are decided (one on a watchlist, so its reasons come
// from a match), dead-lettered by validation and refused by the codec, with the log at
// `trace`. No value may reach stdout, stderr or the log, in any spelling the processor makes
// of it (as declared, or normalised for matching); what the decision and the dead letter
// carry is checked against what the README says they carry.
import { readFileSync } from 'node:fs'
import { describe, expect, inject, it } from 'vitest'
import type { ParcelDeclaration, Party, ProfileUpdate, RiskDecision } from '../../../src/declaration.ts'
import {
  normaliseEmail, normaliseName, normalisePhone, normalisePostcode, normaliseText
} from '../../../src/enrich/normalise.ts'
import { generateDeclarations } from '../../../src/generate/stream.ts'
import {
  collect, loadReferenceData, produceDeclarations, produceRaw, scenario, startRun, waitUntil
} from './harness.ts'
import { stopAfterEach } from './teardown.ts'
import { NO_PAYLOAD } from '../../../src/enrich/profile-write.ts'

const services = inject('services')
const { running, collectors } = stopAfterEach()


const party = (
  name: string, street: string, city: string, postcode: string, country: string, phone: string, email: string
): Party =>
  ({
    name, address: { street, city, postcode, country }, identifiers: { eori: null, tin: null, vat: null }, phone, email
  })

// Made-up people and places, spelled so that no log field, id or code can contain them by chance.
const seller = party(
  'Quillon Vexbridge Trading', 'Zorvanford Road 77', 'Ulmquistby', 'QX98ZV', 'CN', '+86 21 5550 9137',
  'quillon.vexbridge@zorvanford.example'
)
const listedSeller = party(
  'Orsolya Kettlewhite Exports', 'Drummelgate Lane 5', 'Pyxtonholm', 'PX41DG', 'CN', '+86 10 5550 2291',
  'orsolya.kettlewhite@drummelgate.example'
)
const consignee = party(
  'Ysolde Pennyfeather', 'Brambleworth Gasse 41', 'Karvensdorf', 'D-80997', 'DE', '+49 89 5550 7723',
  'ysolde.pennyfeather@brambleworth.example'
)
const listedConsignee = party(
  'Thaddeus Grimsworth', 'Larkspurweg 12', 'Wendelbrucken', 'D-10993', 'DE', '+49 30 5550 4418',
  'thaddeus.grimsworth@larkspurweg.example'
)
const invalidConsignee = party(
  `Marisol Fenwickabernathy ${'x'.repeat(60)}`, 'Tamberlunde Strasse 3', 'Oxhavenau', 'D-50996', 'DE',
  '+49 221 5550 6610', 'marisol.fenwickabernathy@tamberlunde.example'
)
const undecodableConsignee = party(
  'Bartholomew Quenby', 'Sellwithy Strasse 8', 'Nuthamstede', 'D-20995', 'DE', '+49 40 5550 3307',
  'bartholomew.quenby@sellwithy.example'
)

const parties = [seller, listedSeller, consignee, listedConsignee, invalidConsignee, undecodableConsignee]

/** Every spelling of a party's data the processor makes: as declared, and normalised for keys and matching. */
const spellings = (p: Party): string[] => {
  const surname = p.name.split(' ')[1] as string
  const street = p.address.street.split(' ')[0] as string
  return [
    surname, surname.toUpperCase(), normaliseName(surname),
    street, street.toUpperCase(), normaliseText(street),
    p.address.city, p.address.city.toUpperCase(), normaliseText(p.address.city),
    p.address.postcode as string, normalisePostcode(p.address.postcode),
    p.phone as string, normalisePhone(p.phone as string),
    p.email as string, normaliseEmail(p.email as string), (p.email as string).split('@')[0] as string
  ]
}

const withParties = (base: ParcelDeclaration, id: string, s: Party, c: Party): ParcelDeclaration =>
  ({ ...base, declarationId: id, version: 1, seller: s, consignee: c, destinationCountry: c.address.country })

/** Generated EU-bound declarations that carry no risk pattern, to dress in the parties above. */
const cleanDeclarations = (count: number): ParcelDeclaration[] => {
  const out: ParcelDeclaration[] = []
  const stream = generateDeclarations({ seed: 41, startMs: Date.now() - 3_600_000 })
  while (out.length < count) {
    const next = stream.next().value as { declaration: ParcelDeclaration, patterns: readonly string[] }
    const { declaration, patterns } = next
    if (patterns.length === 0 && declaration.destinationCountry === 'DE') out.push(declaration)
  }
  return out
}

const watchlistEntry = (entityType: 'PARTY_NAME' | 'EMAIL', value: string): ProfileUpdate => ({
  kind: 'WATCHLIST', updatedAt: Date.now() - 60_000, sourceSystem: 'targeting-centre',
  ...NO_PAYLOAD,
  watchlist: {
    listId: 'dnl-parties', op: 'ADD', entityType, value, reason: 'intelligence reference 4711', expiresAt: null
  }
})

const reasonValues = (d: RiskDecision): string => JSON.stringify(d.reasons.map((r) => r.values))

describe('processor > personal data', () => {
  it('logs no name, address, phone or e-mail of a seller or consignee at trace, ' +
    'whether decided, matched, dead-lettered or undecodable', async () => {
    // The start-up cost check of the ruleset measures time; on a loaded machine it can refuse
    // the reference ruleset, and this suite is not about cost.
    const s = scenario(services, {
      PARCEL_RISK_LOG_LEVEL: 'trace', PARCEL_RISK_RULES_COST_BUDGET_MICROS_PER_KIB: '1000000'
    })
    await loadReferenceData(services, s, 41, [
      watchlistEntry('PARTY_NAME', listedConsignee.name), watchlistEntry('EMAIL', listedSeller.email as string)
    ])
    const [a, b, c, d] = cleanDeclarations(4) as [
      ParcelDeclaration, ParcelDeclaration, ParcelDeclaration, ParcelDeclaration
    ]
    const ids = {
      plain: `pd-${s.id}-plain`,
      listedConsignee: `pd-${s.id}-listed-consignee`,
      listedSeller: `pd-${s.id}-listed-seller`,
      invalid: `pd-${s.id}-invalid`,
      undecodable: `pd-${s.id}-json`,
      broken: `pd-${s.id}-broken`
    }
    const p = startRun(s, 'personal')
    running.push(p)
    await p.ready
    await produceDeclarations(services, s, [
      withParties(a, ids.plain, seller, consignee),
      withParties(b, ids.listedConsignee, seller, listedConsignee),
      withParties(c, ids.listedSeller, listedSeller, consignee),
      withParties(d, ids.invalid, seller, invalidConsignee)
    ])
    // JSON input the codec refuses: a schema mismatch inside the consignee, and broken JSON.
    const json = {
      ...withParties(a, ids.undecodable, seller, undecodableConsignee),
      consignee: { ...undecodableConsignee, email: [undecodableConsignee.email] }
    }
    // A name left unquoted: JSON.parse's own message quotes the text that follows the error.
    const broken = JSON.stringify(withParties(a, ids.broken, seller, undecodableConsignee))
      .replace(`"name":"${undecodableConsignee.name}"`, '"name":Quenby Bartholomew')
    await produceRaw(services, s.topics.declarations, [
      {
        key: ids.undecodable, value: Buffer.from(JSON.stringify(json)), headers: { 'content-type': 'application/json' }
      },
      { key: ids.broken, value: Buffer.from(broken), headers: { 'content-type': 'application/json' } }
    ])
    const collector = await collect(services, s)
    collectors.push(collector)
    await waitUntil('six answers', async () => collector.distinct() >= 6, 60_000)
    p.child.kill('SIGTERM')
    expect(await p.exited).toBe(0)

    const { decisions, deadLetters, deadLetterRecords } = collector.collected
    // The pipeline did what the test is about: decided, matched, dead-lettered, refused.
    expect(decisions.get(ids.plain)?.[0]?.decision).toBeDefined()
    expect(decisions.get(ids.listedConsignee)?.[0]?.gates).toContain('GATE-WATCHLIST-CONSIGNEE')
    expect(decisions.get(ids.listedSeller)?.[0]?.gates).toContain('GATE-WATCHLIST-SELLER')
    expect(deadLetters.get(ids.invalid)).toEqual(['E_VALIDATE_LENGTH'])
    expect(deadLetters.get(ids.undecodable)).toEqual(['E_DECODE_SCHEMA_MISMATCH'])
    expect(deadLetters.get(ids.broken)).toEqual(['E_DECODE_JSON_SYNTAX'])

    const log = readFileSync(p.logFile, 'utf8')
    // The log is at trace: every declaration has its line, so a leak would have been written.
    for (const id of [ids.plain, ids.listedConsignee, ids.listedSeller]) {
      expect(log).toMatch(new RegExp(`"level":10,.*"declarationId":"${id}".*"msg":"declaration decided"`))
    }
    for (const id of [ids.invalid, ids.undecodable, ids.broken]) {
      expect(log).toMatch(new RegExp(`"level":20,.*"key":"${id}".*"msg":"declaration dead-lettered"`))
    }
    const leaked = parties.flatMap(spellings).filter((value) => log.toLowerCase().includes(value.toLowerCase()))
    expect(leaked, `personal values in ${p.logFile}`).toEqual([])

    // A watchlist reason says which party matched and how well, not who: the score, no declared or listed value.
    const matched = decisions.get(ids.listedConsignee)?.[0] as RiskDecision
    expect(matched.reasons.find((r) => r.ruleId === 'GATE-WATCHLIST-CONSIGNEE')?.values)
      .toEqual([{ name: 'enrichment.watchlist.consigneeMatchScore', value: '1' }])
    for (const id of [ids.plain, ids.listedConsignee, ids.listedSeller]) {
      const text = reasonValues(decisions.get(id)?.[0] as RiskDecision)
      const found = parties.flatMap(spellings).filter((value) => text.toLowerCase().includes(value.toLowerCase()))
      expect(found, id).toEqual([])
    }
    // A dead letter keeps the original bytes (the whole declaration, parties included) for
    // replay; its reason headers name the field and the rule broken, not the value.
    for (const id of [ids.invalid, ids.undecodable, ids.broken]) {
      const record = deadLetterRecords.get(id)?.[0]
      expect(record?.value?.length, id).toBeGreaterThan(0)
      const headers = JSON.stringify(record?.headers)
      const found = parties.flatMap(spellings).filter((value) => headers.toLowerCase().includes(value.toLowerCase()))
      expect(found, `${id}: ${headers}`).toEqual([])
    }
  }, 120_000)
})
