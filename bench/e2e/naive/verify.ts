// Before the straightforward system is timed: does it decide as the product does? The first
// `count` declarations of the bench's pool (seed 42) go, in order and one at a time, through
//   the product's stages: its Avro decoder, validation, Redis profile store (enrichBatch) and
//     compiled ruleset with its decider (scoreAndDecide), as `parcel-risk run` chains them;
//   the straightforward system's: the registry library's decode, enrich.ts, translate.ts;
// each against its own freshly loaded copy of the profiles (`profiles load`, same seed), so
// the windowed counters start from nothing on both sides. Actions are compared per
// declarationId; declarations the product dead-letters (validation) are left out of the
// comparison and counted. Scores may differ only where the actions agree (none expected).
// The ruleset's own test cases (rules/eu-lvc/tests: the rare gates a generated stream seldom
// reaches) are compared too, declaration and enrichment as the case gives them, on actions
// and on the rules that fired.
import { randomBytes } from 'node:crypto'
import { SchemaRegistry } from '@kafkajs/confluent-schema-registry'
import { avroType, readSchema } from '../../../src/codec/avro-types.ts'
import { createDecoder } from '../../../src/codec/decoder.ts'
import type { Registry } from '../../../src/codec/registry.ts'
import { loadConfig } from '../../../src/config-load.ts'
import type { ParcelDeclaration } from '../../../src/declaration.ts'
import { scoreAndDecide } from '../../../src/decide/decide.ts'
import { connectRedis } from '../../../src/enrich/redis-client.ts'
import { createRedisProfileStore } from '../../../src/enrich/redis-store.ts'
import { loadRulesetOrThrow } from '../../../src/engine/load.ts'
import { createLogger } from '../../../src/logger.ts'
import { validateDeclaration } from '../../../src/validate/validate.ts'
import { expandFixtures } from '../../../src/cli/rule-fixtures.ts'
import { loadProfiles, runNames, servicesConfig, type Services } from '../../../src/cli/demo/run-setup.ts'
import type { Encoded } from '../load.ts'
import { buildPool, declarationSchema } from '../setup.ts'
import { createNaiveEnricher } from './enrich.ts'
import { loadNaiveRuleset } from './ruleset.ts'
import { createNaiveDecider } from './translate.ts'
import { deleteKeys } from '../../../src/cli/demo/run-setup.ts'

export interface Difference {
  readonly declarationId: string
  readonly product: string
  readonly naive: string
  readonly naiveRules: readonly string[]
}

export interface Verification {
  readonly compared: number
  readonly deadLettered: number
  readonly agreeing: number
  readonly scoreDifferences: number
  readonly differences: readonly Difference[]
  /** Actions the product gave, with counts, so a reader sees the comparison is not all RELEASE. */
  readonly actions: Readonly<Record<string, number>>
  /** The ruleset's test cases compared (those with complete enrichment). */
  readonly fixtures: number
}

/** The ruleset's test cases through both: differences in action or in the rules that fired. */
export const compareFixtures = async (rulesDir: string): Promise<{ compared: number, differences: Difference[] }> => {
  const compiled = await loadRulesetOrThrow(rulesDir)
  const product = scoreAndDecide(compiled)
  const naive = createNaiveDecider(await loadNaiveRuleset(rulesDir))
  const differences: Difference[] = []
  let compared = 0
  for (const file of compiled.tests) {
    for (const c of expandFixtures(file.data, Date.now()).cases) {
      if (c.enrichmentMissing.length > 0) continue
      compared++
      const p = product(c.declaration, c.enrichment, { nowMs: c.nowMs })
      const n = await naive.decide(c.declaration as Record<string, unknown>, c.enrichment, c.nowMs)
      const fired = p.reasons.map((r) => r.ruleId).sort().join(', ')
      if (p.action !== n.action || fired !== [...n.rules].sort().join(', ')) {
        const naive = `${n.action} (score ${n.score})`
        const product = `${p.action} (${fired})`
        differences.push({ declarationId: `${file.file}: ${c.name}`, product, naive, naiveRules: n.rules })
      }
    }
  }
  return { compared, differences }
}

const quiet = createLogger({ level: 'silent' })

export const verifyNaive = async (
  services: Services, registry: Registry, pool: readonly Encoded[], count: number, seed: number,
  rulesDir = 'rules/eu-lvc'
): Promise<Verification> => {
  const run = `verify-${Date.now().toString(36)}${randomBytes(2).toString('hex')}`
  const productPrefix = `${run}-product:`
  const naivePrefix = `${run}-naive:`
  const identityKey = randomBytes(24).toString('hex')
  await loadProfiles(services, productPrefix, seed)
  await loadProfiles(services, naivePrefix, seed)
  const env = {
    ...process.env, ...services,
    PARCEL_RISK_REDIS_IDENTITY_KEY: identityKey, PARCEL_RISK_REDIS_KEY_PREFIX: productPrefix
  }
  const config = loadConfig({ env })
  const redis = await connectRedis(servicesConfig(services).redis, quiet, 10_000)
  try {
    const compiled = await loadRulesetOrThrow(rulesDir)
    const product = scoreAndDecide(compiled)
    const storeConfig = { ...config.redis, identityKey, maxAgesMs: config.referenceData.maxAgeMs }
    const store = createRedisProfileStore(redis, storeConfig, { log: quiet })
    const readerType = avroType(readSchema('ParcelDeclaration'))
    const decoder = createDecoder<ParcelDeclaration>({ readerType, registry, maxRecordBytes: 1 << 20 })
    const naiveRuleset = await loadNaiveRuleset(rulesDir)
    const naive = createNaiveDecider(naiveRuleset)
    const naiveEnrich = createNaiveEnricher(redis, naivePrefix, identityKey, naiveRuleset.enrichmentFields)
    const naiveRegistry = new SchemaRegistry({ host: config.registry.url })
    let compared = 0
    let deadLettered = 0
    let scoreDifferences = 0
    const differences: Difference[] = []
    const actions: Record<string, number> = {}
    for (const record of pool.slice(0, count)) {
      const now = Date.now()
      const [decoded] = await decoder.decodeBatch([{ value: record.value, headers: undefined }])
      if (decoded === undefined || !decoded.ok) throw new Error(`product decoder refused ${record.key}`)
      const d = decoded.value
      const rejected = validateDeclaration(d, { now }).length > 0
      const fromNaive = await naiveRegistry.decode(record.value) as ParcelDeclaration
      const naiveRecord = await naiveEnrich(fromNaive, now)
      const naiveVerdict = await naive.decide(fromNaive as unknown as Record<string, unknown>, naiveRecord, now)
      if (rejected) {
        deadLettered++
        continue
      }
      const [enriched] = await store.enrichBatch([d], now, compiled.enrichmentFields)
      if (enriched === undefined) throw new Error('no enrichment result')
      const decision = product(d, enriched.record, { nowMs: now, enrichmentMissing: enriched.missing })
      compared++
      actions[decision.action] = (actions[decision.action] ?? 0) + 1
      if (decision.action !== naiveVerdict.action) {
        differences.push({
          declarationId: d.declarationId,
          product: `${decision.action} (score ${decision.score}; ${decision.reasons.map((r) => r.ruleId).join(', ')})`,
          naive: `${naiveVerdict.action} (score ${naiveVerdict.score})`,
          naiveRules: naiveVerdict.rules
        })
      } else if (decision.score !== naiveVerdict.score) scoreDifferences++
    }
    await store.close()
    const fixtures = await compareFixtures(rulesDir)
    differences.push(...fixtures.differences)
    const agreeing = compared - differences.length + fixtures.differences.length
    return { compared, deadLettered, agreeing, scoreDifferences, differences, actions, fixtures: fixtures.compared }
  } finally {
    for (const prefix of [productPrefix, naivePrefix]) await deleteKeys(redis, prefix)
    redis.disconnect()
  }
}

/**
 * The check bench/e2e.ts runs before timing the naive system: the pool's first `count`
 * declarations (seed `seed`) and the ruleset's test cases; exits 1 with the first differences.
 */
export const checkNaive = async (
  services: Services, registry: Registry, count: number, seed: number, say: (line: string) => void
): Promise<Verification> => {
  say(`\n== naive: deciding the pool's first ${count} declarations with the product's stages and the naive system`)
  const schemaId = await registry.register(`${runNames('bench-verify').topics.declarations}-value`, declarationSchema)
  const v = await verifyNaive(services, registry, buildPool(schemaId, seed, count), count, seed)
  say(`compared ${v.compared} (dead-lettered ${v.deadLettered}): ${v.agreeing} same action, ` +
    `${v.scoreDifferences} other score;` +
    ` product actions ${JSON.stringify(v.actions)}; ${v.fixtures} ruleset test cases compared`)
  if (v.differences.length > 0) {
    say(`the naive system decides differently on ${v.differences.length} declarations or test cases; the first:`)
    for (const d of v.differences.slice(0, 10)) {
      say(`  ${d.declarationId}: product ${d.product}; naive ${d.naive}: ${d.naiveRules.join(', ')}`)
    }
    process.exit(1)
  }
  return v
}
