// The published package as a user gets it: `npm pack` (which builds), install the tarball into
// an empty folder, run the installed `parcel-risk` binary. Node refuses to strip types under
// node_modules, so this fails if `bin` or anything it imports points at TypeScript, or if
// `files` leaves out something a command reads at run time (schemas, rules, compiled code).
import { spawnSync, type SpawnSyncReturns } from 'node:child_process'
import { cpSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { delimiter, dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

const repo = fileURLToPath(new URL('../../', import.meta.url))
const work = mkdtempSync(join(tmpdir(), 'parcel-risk-pack-'))
const app = join(work, 'app')
const installed = join(app, 'node_modules', 'parcel-risk')
// The Node running this test (the project pins 24) first on the PATH, so the binary's
// `#!/usr/bin/env node` line picks it, as it would pick a user's Node ≥ 22.18.
const env = { ...process.env, PATH: `${dirname(process.execPath)}${delimiter}${process.env.PATH ?? ''}` }

const sh = (command: string, args: string[], cwd: string, input?: string): SpawnSyncReturns<string> =>
  spawnSync(command, args, { cwd, env, input, encoding: 'utf8', timeout: 240_000 })

const parcelRisk = (args: string[], input?: string): SpawnSyncReturns<string> =>
  sh(join(app, 'node_modules', '.bin', 'parcel-risk'), args, app, input)

const ok = (r: SpawnSyncReturns<string>): SpawnSyncReturns<string> => {
  if (r.status !== 0) throw new Error(`exit ${r.status} ${r.signal ?? ''}\n${r.stdout}\n${r.stderr}`)
  return r
}

beforeAll(() => {
  ok(sh('npm', ['pack', '--silent', '--pack-destination', work], repo))
  const tarball = readdirSync(work).find((name) => name.endsWith('.tgz'))
  if (tarball === undefined) throw new Error(`npm pack wrote no tarball into ${work}`)
  sh('mkdir', ['-p', app], work)
  writeFileSync(join(app, 'package.json'), '{ "private": true }\n')
  ok(sh('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', join(work, tarball)], app))
}, 300_000)

afterAll(() => {
  rmSync(work, { recursive: true, force: true })
})

describe('package > installed from the packed tarball', () => {
  it('ships compiled JavaScript only behind its binary', () => {
    const manifest = JSON.parse(readFileSync(join(installed, 'package.json'), 'utf8')) as {
      bin: Record<string, string>
    }
    expect(manifest.bin['parcel-risk']).toMatch(/\.js$/)
    expect(readdirSync(join(installed, 'dist', 'schemas'))).toContain('parcel-declaration.avsc')
  })

  it('prints its usage with --help', () => {
    const r = ok(parcelRisk(['--help']))
    expect(r.stdout).toMatch(/^usage: parcel-risk <command>/)
    expect(r.stdout).toContain('score')
  })

  it('checks the rulesets it ships', () => {
    const r = ok(parcelRisk(['rules', 'check', join(installed, 'rules')]))
    expect(r.stdout).toMatch(/^ok .*eu-lvc/m)
    expect(r.stdout).toMatch(/^ok .*us-lvc/m)
  })

  it('reports a misspelt field with its place and a findings exit code', () => {
    const broken = join(work, 'broken')
    cpSync(join(installed, 'rules', 'eu-lvc'), broken, { recursive: true })
    const ruleFile = join(broken, 'rules', 'classification.yaml')
    writeFileSync(ruleFile, readFileSync(ruleFile, 'utf8').replace('item.description', 'item.descriptoin'))
    const r = parcelRisk(['rules', 'check', broken])
    expect(r.status).toBe(1)
    expect(r.stdout + r.stderr).toMatch(/classification\.yaml:\d+:\d+.*descriptoin/)
  })

  it('scores a declaration into a decision', () => {
    const fixture = join(repo, 'test', 'fixtures', 'declarations', 'valid.json')
    const declaration = JSON.parse(readFileSync(fixture, 'utf8')) as { declarationId: string }
    const args = ['score', '--rules', join(installed, 'rules', 'eu-lvc'), '--now', '2026-11-29T12:00:00Z']
    const r = ok(parcelRisk(args, `${JSON.stringify(declaration)}\n`))
    const decisions = r.stdout.trim().split('\n')
      .map((line) => JSON.parse(line) as { declarationId: string, decision: string })
    expect(decisions).toHaveLength(1)
    expect(decisions[0]?.declarationId).toBe(declaration.declarationId)
    expect(['RELEASE', 'HOLD']).toContain(decisions[0]?.decision)
  })
})
