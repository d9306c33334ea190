// The command table. Each command lives in its own file and is loaded only when called, so
// `parcel-risk rules check` does not pay for loading kafkajs.

export type CommandMain = (argv: readonly string[]) => Promise<number>

export interface Command {
  readonly name: string
  readonly summary: string
  readonly load: () => Promise<CommandMain>
}

export const commands: readonly Command[] = [
  {
    name: 'run',
    summary: 'the stream processor: declarations in, decisions and dead letters out',
    load: async () => (await import('./run.ts')).main
  },
  {
    name: 'stack',
    summary: 'manage the local Kafka, schema registry and Redis (up|down|status|logs)',
    load: async () => (await import('./stack.ts')).main
  },
  {
    name: 'demo',
    summary: 'live demo: local stack, processor, synthetic stream with poison records, summary every second',
    load: async () => (await import('./demo.ts')).main
  },
  {
    name: 'generate',
    summary: 'seeded synthetic declarations (NDJSON, Avro or to a topic) with labelled risk patterns',
    load: async () => (await import('./generate.ts')).main
  },
  {
    name: 'outcomes',
    summary: 'outcome intake: joins inspection outcomes to their decisions, keeps per-rule yield in Redis',
    load: async () => (await import('./outcomes.ts')).main
  },
  {
    name: 'console',
    summary: 'web console for targeting officers and analysts: queue, parcel detail, outcomes, ' +
      'rule performance (user add|list)',
    load: async () => (await import('./console.ts')).main
  },
  {
    name: 'rules',
    summary: 'check, test and backtest rule files; per-rule yield report (check|test|backtest|report)',
    load: async () => (await import('./rules.ts')).main
  },
  {
    name: 'score',
    summary: 'score NDJSON declarations offline with a ruleset; NDJSON decisions out',
    load: async () => (await import('./score.ts')).main
  },
  {
    name: 'dlq',
    summary: 'dead letters: re-drive them into the declarations topic once the cause is fixed, idempotently (replay)',
    load: async () => (await import('./dlq.ts')).main
  },
  {
    name: 'profiles',
    summary: 'load profile files (NDJSON, CSV watchlists and AEO lists) into Redis (load); ' +
      'reference data freshness (status)',
    load: async () => (await import('./profiles.ts')).main
  }
]

export const usage = (): string => {
  const width = Math.max(...commands.map((c) => c.name.length))
  const lines = commands.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`)
  return [
    'usage: parcel-risk <command> [options]',
    '',
    'commands:',
    ...lines,
    '',
    "Run 'parcel-risk <command> --help' for a command's options.",
    'Exit codes: 0 ok, 1 findings, 2 usage or configuration error.',
    ''
  ].join('\n')
}
