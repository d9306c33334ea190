// The layout's dependency rules (DESIGN.md, "Layout"), checked on the imports of every module
// under src/ (tests excluded: they may reach anything they fake). Imports are read with the
// TypeScript parser: static imports and re-exports, `import type` included (a type import
// still ties two modules together), and dynamic `import()` calls.
//
// A module is named by its area: a stage folder ('engine/'), a top-level file ('main.ts') or
// a package ('kafkajs'). The rules, in the order a reader meets them:
//   1. nothing imports main.ts (the composition root), except the CLI's `run`, which loads it
//   2. stage folders import neither the composition (main, pipeline, warm-up) nor the tools
//      (cli, stack, generate) nor observe/, which watches them from above
//   3. validate/, engine/ and decide/ are pure: no I/O folder, no client library
//   4. only the I/O folders (and stack/, which runs those services) import the Kafka, Redis
//      and registry clients
//   5. stages point one way, in the order a declaration travels: an earlier stage never
//      imports a later one (the engine returns an evaluation, decide/ turns it into a decision)
//   6. engine/ and decide/ do not import each other at all, either way: what they share (the
//      evaluation, the actions and bands) is shared vocabulary, src/evaluation.ts and
//      src/actions.ts; the pipeline runs one after the other
//   7. the shared vocabulary (declaration, enrichment, evaluation, actions, errors, record,
//      logger, config) imports no stage, and the pipeline imports only that vocabulary: its
//      stages are parameters
//   8. no import cycle between modules
//   9. the product imports nothing outside src/: deploy/ (with the build-time codegen/), test/ and bench/ are tools
//      that may use the product, never the other way round
//  10. every module under src/ is product code: reachable from an entry point (the binary,
//      the cost-check worker it starts). A module only tests or build scripts import belongs
//      under test/ or deploy/codegen/, out of the package
// ALLOWED lists the known exceptions, each with its reason; an exception no longer needed
// fails the test too, so the list only shrinks.
import { readdirSync, readFileSync } from 'node:fs'
import { join, posix } from 'node:path'
import { fileURLToPath } from 'node:url'
import ts from 'typescript'
import { describe, expect, it } from 'vitest'

interface Import { readonly from: string, readonly to: string }

/** Module paths relative to the repository root ('src/engine/load.ts'), or 'pkg:<name>'. */
const importsOf = (file: string, text: string): Import[] => {
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, false, ts.ScriptKind.TS)
  const specifiers: string[] = []
  const visit = (node: ts.Node): void => {
    const isImportOrExport = ts.isImportDeclaration(node) || ts.isExportDeclaration(node)
    if (isImportOrExport && node.moduleSpecifier !== undefined && ts.isStringLiteral(node.moduleSpecifier)) {
      specifiers.push(node.moduleSpecifier.text)
    } else if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword) {
      const arg = node.arguments[0]
      if (arg !== undefined && ts.isStringLiteral(arg)) specifiers.push(arg.text)
    }
    ts.forEachChild(node, visit)
  }
  visit(source)
  return specifiers.flatMap((spec): Import[] => {
    if (spec.startsWith('node:')) return []
    if (spec.startsWith('.')) return [{ from: file, to: posix.normalize(posix.join(posix.dirname(file), spec)) }]
    const parts = spec.split('/')
    return [{ from: file, to: `pkg:${(spec.startsWith('@') ? parts.slice(0, 2) : parts.slice(0, 1)).join('/')}` }]
  })
}

/** 'src/engine/load.ts' → 'engine/', 'src/main.ts' → 'main.ts', 'pkg:kafkajs' → 'kafkajs'. */
const areaOf = (module: string): string => {
  if (module.startsWith('pkg:')) return module.slice(4)
  const parts = module.replace(/^src\//, '').split('/')
  return parts.length > 1 ? `${parts[0] as string}/` : parts[0] as string
}

const STAGES = [
  'ingest/', 'codec/', 'validate/', 'enrich/', 'engine/', 'decide/', 'publish/', 'kafka/', 'outcomes/', 'console/'
]
const PURE = ['validate/', 'engine/', 'decide/']
const IO = ['ingest/', 'codec/', 'enrich/', 'publish/', 'kafka/', 'outcomes/', 'console/']
const CLIENTS = ['kafkajs', 'ioredis', '@kafkajs/confluent-schema-registry']
/** The order a declaration travels in. */
const FLOW = ['ingest/', 'codec/', 'validate/', 'enrich/', 'engine/', 'decide/', 'publish/']
const SHARED = [
  'declaration.ts', 'amendment.ts', 'enrichment.ts', 'evaluation.ts', 'actions.ts', 'errors.ts', 'record.ts',
  'logger.ts', 'config.ts', 'config-load.ts', 'config-schema.ts', 'config-schema-kafka.ts', 'config-spec.ts', 'tls.ts'
]

interface Rule {
  readonly name: string
  /** True when an import from area `from` to area `to` breaks the rule. */
  readonly breaks: (from: string, to: string, fromModule: string) => boolean
}

const isPackage = (area: string): boolean => !area.endsWith('/') && !area.endsWith('.ts')

const RULES: readonly Rule[] = [
  { name: 'nothing imports main.ts', breaks: (_from, to, module) => to === 'main.ts' && module !== 'src/cli/run.ts' },
  {
    name: 'stages import neither the composition, the tools nor observe/',
    breaks: (from, to) => STAGES.includes(from) && from !== to &&
      ['main.ts', 'pipeline.ts', 'warm-up.ts', 'cli/', 'stack/', 'generate/', 'observe/'].includes(to)
  },
  {
    name: 'validate/, engine/ and decide/ do no I/O',
    breaks: (from, to) => PURE.includes(from) && (IO.includes(to) || CLIENTS.includes(to))
  },
  // stack/ runs the very services these clients talk to (users, ACLs), so it may use them too.
  {
    name: 'only the I/O folders import the clients',
    breaks: (from, to) => CLIENTS.includes(to) && !IO.includes(from) && from !== 'stack/'
  },
  {
    name: 'an earlier stage never imports a later one',
    breaks: (from, to) => FLOW.includes(from) && FLOW.includes(to) && FLOW.indexOf(from) < FLOW.indexOf(to)
  },
  {
    name: 'engine/ and decide/ share only the vocabulary',
    breaks: (from, to) => (from === 'engine/' && to === 'decide/') || (from === 'decide/' && to === 'engine/')
  },
  {
    name: 'the shared vocabulary imports no stage',
    breaks: (from, to) => SHARED.includes(from) && !SHARED.includes(to) && !isPackage(to)
  },
  {
    name: 'the pipeline imports only the shared vocabulary',
    breaks: (from, to) => from === 'pipeline.ts' && !SHARED.includes(to)
  }
]

/** Rule 9, on module paths rather than areas: '../test/x.ts' from src/ leaves src/. */
const leavesSrc = (i: Import): boolean =>
  i.from.startsWith('src/') && !i.to.startsWith('pkg:') && !i.to.startsWith('src/')

/**
 * Rule 10's entry points: the binary (every command is loaded from its table) and the worker
 * the cost check starts by URL (src/engine/cost-check.ts), which no import names.
 */
const ENTRY_POINTS = ['src/cli/parcel-risk.ts', 'src/engine/cost-worker.ts']

/** Modules no entry point reaches through imports, static or dynamic. */
const unreachable = (modules: readonly string[], imports: readonly Import[]): string[] => {
  const edges = new Map<string, string[]>()
  for (const i of imports) edges.set(i.from, [...(edges.get(i.from) ?? []), i.to])
  const seen = new Set<string>()
  const pending = [...ENTRY_POINTS]
  for (let m = pending.pop(); m !== undefined; m = pending.pop()) {
    if (seen.has(m)) continue
    seen.add(m)
    pending.push(...(edges.get(m) ?? []))
  }
  return modules.filter((m) => !seen.has(m))
}

interface Finding { readonly rule: string, readonly from: string, readonly to: string }

/** Every import that breaks a rule, and every cycle (rule 'no import cycle', from → to along it). */
const check = (imports: readonly Import[]): Finding[] => {
  const findings: Finding[] = []
  for (const i of imports) {
    for (const rule of RULES) {
      if (rule.breaks(areaOf(i.from), areaOf(i.to), i.from)) findings.push({ rule: rule.name, from: i.from, to: i.to })
    }
  }
  for (const i of imports) {
    if (leavesSrc(i)) findings.push({ rule: 'the product imports nothing outside src/', from: i.from, to: i.to })
  }
  for (const cycle of cycles(imports)) {
    findings.push({ rule: 'no import cycle', from: cycle[0] as string, to: cycle.slice(1).join(' -> ') })
  }
  return findings
}

/** Strongly connected groups of more than one module (Tarjan), each as a sorted list. */
const cycles = (imports: readonly Import[]): string[][] => {
  const edges = new Map<string, string[]>()
  for (const i of imports) {
    if (i.to.startsWith('pkg:')) continue
    edges.set(i.from, [...(edges.get(i.from) ?? []), i.to])
  }
  const index = new Map<string, number>()
  const low = new Map<string, number>()
  const stack: string[] = []
  const onStack = new Set<string>()
  const groups: string[][] = []
  const connect = (v: string): void => {
    index.set(v, index.size)
    low.set(v, index.get(v) as number)
    stack.push(v)
    onStack.add(v)
    for (const w of edges.get(v) ?? []) {
      if (!index.has(w)) {
        connect(w)
        low.set(v, Math.min(low.get(v) as number, low.get(w) as number))
      } else if (onStack.has(w)) {
        low.set(v, Math.min(low.get(v) as number, index.get(w) as number))
      }
    }
    if (low.get(v) !== index.get(v)) return
    const group: string[] = []
    for (let w = stack.pop(); w !== undefined; w = stack.pop()) {
      onStack.delete(w)
      group.push(w)
      if (w === v) break
    }
    if (group.length > 1) groups.push(group.sort())
  }
  for (const v of edges.keys()) if (!index.has(v)) connect(v)
  return groups
}

/**
 * Known exceptions: a finding matches when its rule, from and to start with these. Each says
 * why it is there and what removes it.
 */
const ALLOWED: ReadonlyArray<Finding & { readonly why: string }> = [
  {
    rule: 'only the I/O folders import the clients', from: 'src/cli/demo/', to: 'pkg:',
    why: 'the demo watches topics and seeds Redis with the clients\' types; ' +
      'a demo-side port to kafka/ and enrich/ removes it'
  },
  {
    rule: 'the shared vocabulary imports no stage', from: 'src/config-spec.ts', to: 'src/enrich/reference-data.ts',
    why: 'the config table takes the reference data sets and their default ages from enrich/'
  }
]

const allowed = (f: Finding): boolean =>
  ALLOWED.some((a) => a.rule === f.rule && f.from.startsWith(a.from) && f.to.startsWith(a.to))

const root = fileURLToPath(new URL('..', import.meta.url))
const sourceFiles = (): string[] =>
  (readdirSync(join(root, 'src'), { recursive: true }) as string[])
    .filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts'))
    .map((f) => posix.join('src', f.split(/[\\/]/).join('/')))

const treeImports = (): Import[] => sourceFiles().flatMap((f) => importsOf(f, readFileSync(join(root, f), 'utf8')))

describe('architecture > src/', () => {
  const findings = check(treeImports())

  it('keeps every dependency rule, apart from the listed exceptions', () => {
    expect(findings.filter((f) => !allowed(f))).toEqual([])
  })

  it('holds only product code: every module is reached from the binary or the cost-check worker', () => {
    expect(unreachable(sourceFiles(), treeImports())).toEqual([])
  })

  it('lists no exception that is no longer needed', () => {
    const unused = ALLOWED.filter((a) =>
      !findings.some((f) => allowed(f) && f.rule === a.rule && f.from.startsWith(a.from) && f.to.startsWith(a.to)))
    expect(unused.map((a) => a.why)).toEqual([])
  })

  it('reads the imports it judges (the rules would pass on an empty graph)', () => {
    const imports = treeImports()
    expect(sourceFiles()).toContain('src/main.ts')
    expect(imports).toContainEqual({ from: 'src/main.ts', to: 'src/pipeline.ts' })
    expect(imports).toContainEqual({ from: 'src/cli/run.ts', to: 'src/main.ts' })
    expect(imports).toContainEqual({ from: 'src/ingest/consumer.ts', to: 'pkg:kafkajs' })
    expect(imports).toContainEqual({ from: 'src/engine/compile.ts', to: 'src/evaluation.ts' })
    expect(imports).toContainEqual({ from: 'src/decide/record.ts', to: 'src/evaluation.ts' })
  })

  it('keeps main.ts a composition root a reader takes in at once: at most 200 lines', () => {
    const lines = readFileSync(join(root, 'src', 'main.ts'), 'utf8').split('\n').length - 1
    expect(lines).toBeLessThanOrEqual(200)
  })
})

describe('architecture > rules on fixtures', () => {
  // Each fixture is a small tree of sources; `check` must find what is wrong in it.
  const judge = (tree: Record<string, string>): Array<[string, string, string]> =>
    check(Object.entries(tree).flatMap(([file, text]) => importsOf(file, text))).map((f) => [f.rule, f.from, f.to])

  it.each([
    ['the engine reaching Kafka', { 'src/engine/score.ts': "import { createKafka } from '../kafka/client.ts'" },
      ['validate/, engine/ and decide/ do no I/O', 'src/engine/score.ts', 'src/kafka/client.ts']],
    ['a stage importing the composition root', { 'src/codec/decoder.ts': "import { run } from '../main.ts'" },
      ['nothing imports main.ts', 'src/codec/decoder.ts', 'src/main.ts']],
    ['a stage loading the composition root lazily', { 'src/enrich/store.ts': "const m = await import('../main.ts')" },
      ['nothing imports main.ts', 'src/enrich/store.ts', 'src/main.ts']],
    ['a stage reaching into observe/ with a type import',
      { 'src/publish/producer.ts': "import type { Metrics } from '../observe/metrics.ts'" },
      ['stages import neither the composition, the tools nor observe/', 'src/publish/producer.ts',
        'src/observe/metrics.ts']],
    ['a stage re-exporting the CLI', { 'src/validate/rules.ts': "export { main } from '../cli/run.ts'" },
      ['stages import neither the composition, the tools nor observe/', 'src/validate/rules.ts', 'src/cli/run.ts']],
    ['the pipeline importing a Redis client', { 'src/pipeline.ts': "import { Redis } from 'ioredis'" },
      ['only the I/O folders import the clients', 'src/pipeline.ts', 'pkg:ioredis']],
    ['an earlier stage importing a later one',
      { 'src/codec/decoder.ts': "import { buildDeadLetter } from '../publish/dead-letter.ts'" },
      ['an earlier stage never imports a later one', 'src/codec/decoder.ts', 'src/publish/dead-letter.ts']],
    ['the shared vocabulary importing a stage',
      { 'src/errors.ts': "import type { Rejection } from './validate/validate.ts'" },
      ['the shared vocabulary imports no stage', 'src/errors.ts', 'src/validate/validate.ts']],
    ['the engine building a decision',
      { 'src/engine/compile.ts': "import { createDecider } from '../decide/decide.ts'" },
      ['engine/ and decide/ share only the vocabulary', 'src/engine/compile.ts', 'src/decide/decide.ts']],
    ['decide/ reaching into the engine, even for a type',
      { 'src/decide/record.ts': "import type { CompiledRuleset } from '../engine/ruleset.ts'" },
      ['engine/ and decide/ share only the vocabulary', 'src/decide/record.ts', 'src/engine/ruleset.ts']],
    ['the evaluation contract importing the engine',
      { 'src/evaluation.ts': "import type { Tier } from './engine/ruleset.ts'" },
      ['the shared vocabulary imports no stage', 'src/evaluation.ts', 'src/engine/ruleset.ts']]
  ] as Array<[string, Record<string, string>, [string, string, string]]>)('finds %s', (_name, tree, expected) => {
    expect(judge(tree)).toContainEqual(expected)
  })

  it('finds the product importing a tool', () => {
    expect(judge({ 'src/cli/score.ts': "import { compileRules } from '../../test/fixtures/inline-ruleset.ts'" }))
      .toContainEqual([
        'the product imports nothing outside src/', 'src/cli/score.ts', 'test/fixtures/inline-ruleset.ts'
      ])
  })

  it('finds a module that only tests reach, and follows dynamic imports to the commands', () => {
    const tree = {
      'src/cli/parcel-risk.ts': "const c = await import('./score.ts')",
      'src/cli/score.ts': "import { decide } from '../decide/decide.ts'",
      'src/decide/decide.ts': '',
      'src/engine/cost-worker.ts': '',
      'src/engine/inline-ruleset.ts': "import { compile } from './compile.ts'"
    }
    const imports = Object.entries(tree).flatMap(([file, text]) => importsOf(file, text))
    expect(unreachable(Object.keys(tree), imports)).toEqual(['src/engine/inline-ruleset.ts'])
  })

  it('finds a cycle, however long, and names every module in it', () => {
    expect(judge({
      'src/enrich/a.ts': "import { b } from './b.ts'",
      'src/enrich/b.ts': "import type { C } from './c.ts'",
      'src/enrich/c.ts': "import { a } from './a.ts'"
    })).toEqual([['no import cycle', 'src/enrich/a.ts', 'src/enrich/b.ts -> src/enrich/c.ts']])
  })

  it('lets a later stage use an earlier one, engine/ and decide/ the shared vocabulary, the CLI load main.ts, ' +
    'and I/O folders use the clients', () => {
    expect(judge({
      'src/publish/dead-letter.ts': "import type { DecodeFailure } from '../codec/result.ts'",
      'src/decide/record.ts':
        "import type { Evaluation } from '../evaluation.ts'\nimport { decisionOf } from '../actions.ts'",
      'src/engine/compile.ts':
        "import { severity } from '../actions.ts'\nimport type { Evaluation } from '../evaluation.ts'",
      'src/enrich/profile-consumer.ts':
        "import { createDecoder } from '../codec/decoder.ts'\nimport type { Kafka } from 'kafkajs'",
      'src/cli/run.ts': "const { run } = await import('../main.ts')",
      'src/main.ts': "import { handleChunk } from './pipeline.ts'",
      'src/pipeline.ts': "import type { ConsumedRecord } from './record.ts'\n" +
        "import type { Evaluation } from './evaluation.ts'\nimport { createHash } from 'node:crypto'"
    })).toEqual([])
  })

  it('resolves relative paths from the importing file', () => {
    const source = "import { x } from '../../codec/encoder.ts'\n" +
      "import y from '@kafkajs/confluent-schema-registry/dist/x'"
    expect(importsOf('src/cli/demo/feed.ts', source)).toEqual([
      { from: 'src/cli/demo/feed.ts', to: 'src/codec/encoder.ts' },
      { from: 'src/cli/demo/feed.ts', to: 'pkg:@kafkajs/confluent-schema-registry' }
    ])
  })
})
