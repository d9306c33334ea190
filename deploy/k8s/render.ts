// Renders the kustomize base and the example overlay, as `kubectl kustomize` does for a user:
// the overlay in a copy of deploy/k8s with its two uncommitted inputs made there (the ruleset
// component from rules/eu-lvc, credentials.env from the example). Rendering is kustomize's
// own, built into kubectl (1.21 or later); nothing here imitates it.
import { execFileSync } from 'node:child_process'
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseAllDocuments } from 'yaml'
import { writeRulesetComponent } from './ruleset-component.ts'

export const k8sDir = fileURLToPath(new URL('.', import.meta.url))
export const referenceRuleset = fileURLToPath(new URL('../../rules/eu-lvc', import.meta.url))

export interface Manifest {
  readonly apiVersion: string
  readonly kind: string
  readonly metadata: { readonly name: string, readonly namespace?: string, readonly labels?: Record<string, string> }
  readonly [field: string]: unknown
}

export const kustomize = (dir: string): Manifest[] => {
  let out: string
  try {
    out = execFileSync('kubectl', ['kustomize', dir], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] })
  } catch (err) {
    const e = err as NodeJS.ErrnoException & { stderr?: string }
    if (e.code === 'ENOENT') {
      throw new Error('kubectl is needed to render the manifests (its built-in kustomize): ' +
        'install kubectl 1.21 or later')
    }
    throw new Error(`kubectl kustomize ${dir} failed: ${e.stderr ?? e.message}`)
  }
  return parseAllDocuments(out).map((d) => d.toJS() as Manifest).filter((m) => m !== null)
}

export interface Rendered {
  readonly base: Manifest[]
  readonly overlay: Manifest[]
  /** overlays/example-secured: TLS, SASL, secrets as files, KEDA's TriggerAuthentication. */
  readonly secured: Manifest[]
}

export const renderAll = async (): Promise<Rendered> => {
  const work = mkdtempSync(join(tmpdir(), 'parcel-risk-k8s-'))
  try {
    cpSync(k8sDir, work, { recursive: true, filter: (src) => !/\.test\.ts$|\/ruleset$|credentials\.env$|ca\.pem$/.test(src) })
    const overlay = join(work, 'overlays', 'example')
    await writeRulesetComponent(referenceRuleset, join(overlay, 'ruleset'))
    const example = readFileSync(join(overlay, 'credentials.env.example'), 'utf8')
    writeFileSync(join(overlay, 'credentials.env'), example.replace(/^redis-identity-key=$/m, 'redis-identity-key=placeholder-for-rendering'))
    // The secured overlay needs every credential and a CA; placeholders render as well as real ones.
    const secured = join(work, 'overlays', 'example-secured')
    writeFileSync(join(secured, 'credentials.env'), example.replace(/^([a-z-]+)=$/gm, '$1=placeholder-for-rendering'))
    writeFileSync(join(secured, 'ca.pem'),
      '-----BEGIN CERTIFICATE-----\nplaceholder-for-rendering\n-----END CERTIFICATE-----\n')
    return { base: kustomize(join(work, 'base')), overlay: kustomize(overlay), secured: kustomize(secured) }
  } finally {
    rmSync(work, { recursive: true, force: true })
  }
}
