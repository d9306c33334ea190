// Every metric the Grafana dashboard and the PrometheusRule query is one the processor
// exports: the names are read from the exposition of the processor's real metrics registry
// (with the Node.js process metrics, as `run` builds it), so renaming a metric fails here.
import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { parse } from 'yaml'
import { createMetrics } from '../../src/observe/metrics.ts'

const dashboard = JSON.parse(readFileSync(new URL('base/parcel-risk-dashboard.json', import.meta.url), 'utf8')) as {
  panels: Array<{ title: string, targets: Array<{ expr: string }> }>
  templating: { list: Array<{ query?: string }> }
}
const rules = parse(readFileSync(new URL('base/prometheusrule.yaml', import.meta.url), 'utf8')) as {
  spec: { groups: Array<{ rules: Array<{ alert: string, expr: string }> }> }
}

// PromQL words that are not metric names: operators, modifiers, aggregation clauses.
const KEYWORDS = new Set([
  'and', 'or', 'unless', 'by', 'without', 'on', 'ignoring', 'group_left', 'group_right', 'bool', 'offset', 'inf', 'nan'
])

/**
 * Metric names in a PromQL expression: identifiers left after removing strings, label
 * matchers `{…}`, numbers, range and subquery brackets `[…]`, grouping lists `by (…)` and function
 * calls' names (an identifier followed by `(`).
 */
export const metricNames = (expr: string): string[] => {
  const stripped = expr
    .replace(/"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'/g, ' ')
    .replace(/\{[^}]*\}/g, ' ')
    .replace(/\[[^\]]*\]/g, ' ')
    .replace(/(?<![A-Za-z0-9_:])\d[\d.]*(?:e[+-]?\d+)?/gi, ' ')
    .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, ' ')
  const names: string[] = []
  for (const m of stripped.matchAll(/[A-Za-z_:][A-Za-z0-9_:]*/g)) {
    const word = m[0]
    const after = stripped.slice((m.index) + word.length).trimStart()
    if (after.startsWith('(') || KEYWORDS.has(word.toLowerCase())) continue
    names.push(word)
  }
  return names
}

/** The series names the exposition holds: each TYPE line's name, histograms with their suffixes. */
const exported = async (): Promise<Set<string>> => {
  const text = await createMetrics({ topics: ['declarations'], processMetrics: true }).render()
  const names = new Set<string>()
  for (const [, name, type] of text.matchAll(/^# TYPE (\S+) (\S+)$/gm)) {
    if (name === undefined) continue
    names.add(name)
    if (type === 'histogram') for (const suffix of ['_bucket', '_sum', '_count']) names.add(name + suffix)
    if (type === 'summary') for (const suffix of ['_sum', '_count']) names.add(name + suffix)
  }
  return names
}

const queries: Array<[string, string]> = [
  ...dashboard.panels.flatMap((p) => p.targets.map((t): [string, string] => [`panel "${p.title}"`, t.expr])),
  ...dashboard.templating.list.flatMap((v): Array<[string, string]> => v.query?.startsWith('label_values(') === true ? [['dashboard variable', v.query.replace(/^label_values\(([^,)]+).*$/, '$1')]] : []),
  ...rules.spec.groups.flatMap((g) => g.rules.map((r): [string, string] => [`alert ${r.alert}`, r.expr]))
]

describe('deploy > k8s > monitoring', () => {
  it.each([
    ['sum by (code) (rate(parcel_risk_dead_letters_total{job=~"$job"}[$__rate_interval])) > 0',
      ['parcel_risk_dead_letters_total']],
    ['histogram_quantile(0.99, sum by (le) (rate(a_bucket[5m]))) > 0.1', ['a_bucket']],
    ['x > 1 and deriv(sum(y)[10m:1m]) > 0', ['x', 'y']],
    ['max by (data_set) (a == 1 and b == 0) == 1', ['a', 'b']],
    ['sum(rate(a[5m])) / clamp_min(sum(rate(b[5m])), 1e-9) > 0.05', ['a', 'b']]
  ])('finds the metric names of %s', (expr, names) => {
    expect(metricNames(expr)).toEqual(names)
  })

  it('queries something in every panel and every alert', () => {
    expect(queries.length).toBeGreaterThan(20)
    for (const [where, expr] of queries) expect(metricNames(expr).length, where).toBeGreaterThan(0)
  })

  it('queries only metrics the processor exports', async () => {
    const names = await exported()
    const missing = queries.flatMap(([where, expr]) =>
      metricNames(expr).filter((n) => !names.has(n)).map((n) => `${where}: ${n}`))
    expect(missing).toEqual([])
  })

  it('covers what an operator watches: throughput, lag, decisions, latency, dead letters, DEGRADED, Redis, ' +
    'runtime, replicas', () => {
    const used = new Set(dashboard.panels.flatMap((p) => p.targets.flatMap((t) => metricNames(t.expr))))
    for (const name of [
      'parcel_risk_declarations_consumed_total', 'parcel_risk_decisions_total', 'parcel_risk_consumer_lag',
      'parcel_risk_consumer_lag_seconds',
      'parcel_risk_decision_latency_seconds_bucket', 'parcel_risk_dead_letters_total',
      'parcel_risk_degraded_decisions_total',
      'parcel_risk_redis_latency_seconds_bucket', 'parcel_risk_redis_breaker_state', 'nodejs_eventloop_lag_p99_seconds',
      'nodejs_heap_size_used_bytes',
      'parcel_risk_ruleset_info'
    ]) expect(used, name).toContain(name)
    const alerted = new Set(rules.spec.groups.flatMap((g) => g.rules.flatMap((r) => metricNames(r.expr))))
    for (const name of [
      'parcel_risk_consumer_lag', 'parcel_risk_dead_letters_total', 'parcel_risk_degraded_decisions_total',
      'parcel_risk_redis_breaker_state', 'parcel_risk_decision_latency_seconds_bucket',
      'parcel_risk_ruleset_reloads_total'
    ]) {
      expect(alerted, name).toContain(name)
    }
  })
})
