// `parcel-risk rules report`: per rule and per lane, what its holds found (hits, holds,
// controls, positives, hit rate with its 95 % Wilson interval, lift over the random slice,
// revenue), read from the statistics `parcel-risk outcomes` keeps in Redis.
import { loadConfig } from '../config-load.ts'
import { connectRedisClient } from '../enrich/redis-client.ts'
import { createLogger } from '../logger.ts'
import { createYieldStore } from '../outcomes/store.ts'
import { writeFileSync } from 'node:fs'
import { trendChart } from '../outcomes/chart.ts'
import { buildReport } from '../outcomes/report.ts'
import { formatCsv, formatJson, formatTable, formatTrend } from '../outcomes/report-format.ts'
import type { RulesetCounts } from '../outcomes/store.ts'
import { EXIT_OK, parseCommand, processIo, usageError, type Io } from './args.ts'

const USAGE = `usage: parcel-risk rules report [--format table|json|csv] [--ruleset ID[@VERSION]]
                           [--trend] [--chart FILE]

Per ruleset version, per rule and per lane (the decision's action): hits (decisions the rule
fired on), holds, controls (inspection outcomes received), positives (SEIZED, REVENUE,
CONTENT_MISMATCH), hit rate = positives / controls with its 95 % Wilson interval, lift = hit
rate / hit rate of the random-selection slice, revenue per currency, and what non-intrusive
scans showed (scanned, clear, anomaly, inconclusive, anomalies a physical exam confirmed,
positives the scan missed). Reads the statistics
'parcel-risk outcomes' keeps in Redis (REDIS_URL, PARCEL_RISK_REDIS_KEY_PREFIX).

  --format F        table (default), json or csv
  --ruleset R       only ruleset id R, or only version R = id@version
  --trend           per rule, one row per ISO week of the decisions instead (table only;
                    json always carries the trend)
  --chart FILE      also write the weekly hit rate as an SVG chart (every decision and the
                    seven rules with most controls; the first ruleset version reported)

Exit codes: 0 report printed, 2 usage or configuration error.
`

const spec = {
  name: 'rules report',
  usage: USAGE,
  options: {
    format: { type: 'string' }, ruleset: { type: 'string' }, trend: { type: 'boolean' }, chart: { type: 'string' }
  },
  maxPositionals: 0
} as const

/** Where the counters come from; the CLI reads Redis, tests may hand them in. */
export type CountsSource = () => Promise<RulesetCounts[]>

const redisCounts: CountsSource = async () => {
  const config = loadConfig()
  const redis = await connectRedisClient(
    config.redis, createLogger({ level: 'error' }), Math.max(5_000, config.redis.commandTimeoutMs)
  )
  try {
    const store = createYieldStore(redis, {
      keyPrefix: config.redis.keyPrefix,
      decisionTtlMs: config.outcomes.decisionTtlMs,
      outcomeTtlMs: config.outcomes.outcomeTtlMs
    })
    return await store.readCounts()
  } finally {
    redis.disconnect()
  }
}

const formats = { table: formatTable, json: formatJson, csv: formatCsv } as const

export const run = async (
  argv: readonly string[], io: Io = processIo, source: CountsSource = redisCounts
): Promise<number> => {
  const parsed = parseCommand(argv, spec, io)
  if (!parsed.ok) return parsed.exitCode
  const format = parsed.values.format ?? 'table'
  if (!(format in formats)) {
    return usageError(spec, io, `--format must be table, json or csv (got '${format}')`).exitCode
  }
  const wanted = parsed.values.ruleset
  const matches = (c: RulesetCounts): boolean =>
    wanted === undefined || c.id === wanted || `${c.id}@${c.version}` === wanted
  if (parsed.values.trend === true && format !== 'table') {
    return usageError(spec, io, '--trend prints a table; use --format json for the trend as data').exitCode
  }
  const reports = (await source()).filter(matches).map(buildReport)
  const text = parsed.values.trend === true ? formatTrend(reports) : formats[format as keyof typeof formats](reports)
  io.stdout.write(text)
  const chart = parsed.values.chart
  if (chart !== undefined) {
    const first = reports[0]
    if (first === undefined) io.stderr.write('no ruleset version counted yet: no chart written\n')
    else writeFileSync(chart, trendChart(first))
  }
  return EXIT_OK
}
