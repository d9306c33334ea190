// The rendered manifests (kustomize, through kubectl) against the Kubernetes schemas and the
// CRD schemas of KEDA and the Prometheus Operator (the kubernetes-models packages: validators
// generated from the Kubernetes OpenAPI document and from the CRDs' openAPIV3Schema), then
// against the processor's own settings: the env names it reads, the shutdown bound, the
// partitions, the ruleset it would load from the ConfigMap.
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import * as kedaV1alpha1 from '@kubernetes-models/keda/keda.sh/v1alpha1'
import * as monitoringV1 from '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1'
import * as appsV1 from 'kubernetes-models/apps/v1'
import * as networkingV1 from 'kubernetes-models/networking.k8s.io/v1'
import * as policyV1 from 'kubernetes-models/policy/v1'
import * as coreV1 from 'kubernetes-models/v1'
import { beforeAll, describe, expect, it } from 'vitest'
import { schema } from '../../src/config-schema.ts'
import { loadRuleset, readRulesetFiles } from '../../src/engine/load.ts'
import { referenceRuleset, renderAll, type Manifest, type Rendered } from './render.ts'

interface Model { validate: () => void }
type ModelClass = new (data: never) => Model
const models: Record<string, ModelClass> = {}
/** A generated model class carries its apiVersion and kind as static fields. */
const isModel = (value: unknown): value is ModelClass & { apiVersion: string, kind: string } =>
  typeof value === 'function' && typeof (value as { apiVersion?: unknown }).apiVersion === 'string' &&
  typeof (value as { kind?: unknown }).kind === 'string'
const modelGroups = [
  coreV1, appsV1, policyV1, networkingV1, kedaV1alpha1, monitoringV1
] as Array<Record<string, unknown>>
for (const group of modelGroups) {
  for (const value of Object.values(group)) if (isModel(value)) models[`${value.apiVersion} ${value.kind}`] = value
}

const find = (objects: readonly Manifest[], kind: string, name?: string): Manifest => {
  const found = objects.find((o) => o.kind === kind &&
    (name === undefined || o.metadata.name === name || o.metadata.name.startsWith(`${name}-`)))
  if (found === undefined) throw new Error(`no ${kind}${name === undefined ? '' : ` ${name}`} rendered`)
  return found
}

interface Container {
  name: string
  envFrom?: Array<{ configMapRef?: { name: string } }>
  env?: Array<{
    name: string
    value?: string
    valueFrom?: { secretKeyRef?: { name: string, key: string, optional?: boolean } }
  }>
  ports?: Array<{ name?: string, containerPort: number }>
  livenessProbe?: { httpGet?: { path: string, port: string | number } }
  readinessProbe?: { httpGet?: { path: string, port: string | number } }
  lifecycle?: { preStop?: { sleep?: { seconds: number } } }
  securityContext?: { readOnlyRootFilesystem?: boolean, allowPrivilegeEscalation?: boolean }
  resources?: { requests?: Record<string, string>, limits?: Record<string, string> }
  volumeMounts?: Array<{ name: string, mountPath: string }>
}
interface PodSpec {
  terminationGracePeriodSeconds?: number
  securityContext?: { runAsNonRoot?: boolean, runAsUser?: number }
  containers: Container[]
  volumes?: Array<{
    name: string
    configMap?: { name: string, items?: Array<{ key: string, path: string }> }
    secret?: { secretName: string }
  }>
}
const podSpec = (objects: readonly Manifest[]): PodSpec => {
  const deployment = find(objects, 'Deployment', 'parcel-risk') as unknown as { spec: { template: { spec: PodSpec } } }
  return deployment.spec.template.spec
}
const processor = (objects: readonly Manifest[]): Container => podSpec(objects).containers[0] as Container

/** The environment the processor starts with: the ConfigMap's data under envFrom, then env values. */
const environment = (objects: readonly Manifest[]): Record<string, string> => {
  const env: Record<string, string> = {}
  for (const from of processor(objects).envFrom ?? []) {
    if (from.configMapRef !== undefined) {
      const configMap = find(objects, 'ConfigMap', from.configMapRef.name) as unknown as {
        data: Record<string, string>
      }
      Object.assign(env, configMap.data)
    }
  }
  for (const e of processor(objects).env ?? []) if (e.value !== undefined) env[e.name] = e.value
  return env
}

const specOf = (env: string) => Object.values(schema).find((s) => s.env === env)
const setting = (objects: readonly Manifest[], env: string): string => {
  const value = environment(objects)[env] ?? specOf(env)?.default
  if (value === undefined) throw new Error(`${env} is neither set nor defaulted`)
  return String(value)
}

let rendered: Rendered
beforeAll(async () => {
  rendered = await renderAll()
}, 60_000)

/**
 * kustomize writes a long Secret value as base64 wrapped at 76 characters; the API server's
 * base64 decoding skips the line breaks, the schema's "byte" format does not.
 */
const asApiServerReads = (o: Manifest): Manifest => {
  const data = (o as { data?: Record<string, unknown> }).data
  if (o.kind !== 'Secret' || data === undefined) return o
  const readable = Object.entries(data).map(([k, v]) => [k, typeof v === 'string' ? v.replaceAll('\n', '') : v])
  return { ...o, data: Object.fromEntries(readable) }
}

/** A `<ENV>_FILE` variable of a secret setting: the setting's variable, else undefined. */
const secretFileOf = (name: string): string | undefined => {
  const base = name.endsWith('_FILE') ? name.slice(0, -'_FILE'.length) : undefined
  return base !== undefined && specOf(base)?.secret === true ? base : undefined
}

/** The Secret and key a mounted file comes from: the volume mounted at its directory. */
const secretFile = (objects: readonly Manifest[], path: string): { secret: Manifest, key: string } | undefined => {
  const dir = dirname(path)
  const mount = processor(objects).volumeMounts?.find((m) => m.mountPath === dir)
  const volume = podSpec(objects).volumes?.find((v) => v.name === mount?.name)
  if (volume?.secret === undefined) return undefined
  return { secret: find(objects, 'Secret', volume.secret.secretName), key: path.slice(dir.length + 1) }
}

describe.each(['base', 'overlay', 'secured'] as const)('deploy > k8s > %s', (which) => {
  const objects = (): Manifest[] => rendered[which]

  it('validates every object against its Kubernetes or CRD schema', () => {
    expect(objects().length).toBeGreaterThan(5)
    const problems: string[] = []
    for (const o of objects()) {
      const Model = models[`${o.apiVersion} ${o.kind}`]
      if (Model === undefined) {
        problems.push(`${o.kind} ${o.metadata.name}: no schema for ${o.apiVersion}`)
        continue
      }
      try {
        new Model(asApiServerReads(o) as never).validate()
      } catch (err) {
        problems.push(`${o.kind} ${o.metadata.name}: ${(err as Error).message}`)
      }
    }
    expect(problems).toEqual([])
  })

  it('renders one of each object the deployment needs', () => {
    const kinds = objects().map((o) => o.kind)
    const needed = [
      'Deployment', 'Service', 'ServiceMonitor', 'PodDisruptionBudget', 'ScaledObject', 'NetworkPolicy',
      'PrometheusRule'
    ]
    for (const kind of needed) {
      expect(kinds.filter((k) => k === kind), kind).toHaveLength(1)
    }
  })

  it('runs the processor non-root on a read-only root file system, with resources', () => {
    const pod = podSpec(objects())
    const c = processor(objects())
    expect(pod.securityContext?.runAsNonRoot).toBe(true)
    expect(pod.securityContext?.runAsUser).toBe(1000)
    expect(c.securityContext?.readOnlyRootFilesystem).toBe(true)
    expect(c.securityContext?.allowPrivilegeEscalation).toBe(false)
    expect(c.resources?.requests?.cpu).toBeDefined()
    expect(c.resources?.requests?.memory).toBeDefined()
    expect(c.resources?.limits?.memory).toBeDefined()
  })

  it('probes /healthz for liveness and /readyz for readiness on the processor\'s HTTP port', () => {
    const c = processor(objects())
    const port = Number(setting(objects(), 'PARCEL_RISK_HTTP_PORT'))
    const named = (p: string | number | undefined): number | undefined =>
      typeof p === 'number' ? p : c.ports?.find((cp) => cp.name === p)?.containerPort
    expect(c.livenessProbe?.httpGet?.path).toBe('/healthz')
    expect(c.readinessProbe?.httpGet?.path).toBe('/readyz')
    expect(named(c.livenessProbe?.httpGet?.port)).toBe(port)
    expect(named(c.readinessProbe?.httpGet?.port)).toBe(port)
  })

  it('gives the drain its whole shutdownTimeoutMs: grace period = preStop + bound + a margin of 1 to 10 s', () => {
    const pod = podSpec(objects())
    const preStopS = processor(objects()).lifecycle?.preStop?.sleep?.seconds ?? 0
    const boundS = Number(setting(objects(), 'PARCEL_RISK_SHUTDOWN_TIMEOUT_MS')) / 1_000
    const margin = (pod.terminationGracePeriodSeconds ?? 30) - preStopS - boundS
    expect(margin).toBeGreaterThanOrEqual(1)
    expect(margin).toBeLessThanOrEqual(10)
  })

  it('sets only environment variables the processor reads, secrets only from Secrets', () => {
    const names = [...Object.keys(environment(objects())), ...(processor(objects()).env ?? []).map((e) => e.name)]
    expect(names.filter((n) => specOf(n) === undefined && secretFileOf(n) === undefined)).toEqual([])
    // A secret comes either as a variable from a Secret or as a file of a mounted Secret, never both.
    expect(names.filter((n) => secretFileOf(n) !== undefined && names.includes(secretFileOf(n) as string))).toEqual([])
    for (const e of processor(objects()).env ?? []) {
      if (secretFileOf(e.name) !== undefined) {
        expect(secretFile(objects(), e.value ?? ''), `${e.name}=${e.value}`).toBeDefined()
        continue
      }
      expect(specOf(e.name)?.secret === true, e.name).toBe(e.valueFrom?.secretKeyRef !== undefined)
    }
  })

  it('scales on the lag of the processor\'s group and topic, to at most one replica per partition', () => {
    const scaled = find(objects(), 'ScaledObject') as unknown as {
      spec: {
        minReplicaCount: number
        maxReplicaCount: number
        scaleTargetRef: { name: string }
        triggers: Array<{ type: string, metadata: Record<string, string> }>
      }
    }
    const partitions = Number(setting(objects(), 'PARCEL_RISK_KAFKA_TOPIC_PARTITIONS'))
    expect(scaled.spec.maxReplicaCount).toBeLessThanOrEqual(partitions)
    expect(scaled.spec.minReplicaCount).toBeGreaterThanOrEqual(2)
    expect(scaled.spec.scaleTargetRef.name).toBe(find(objects(), 'Deployment', 'parcel-risk').metadata.name)
    const trigger = scaled.spec.triggers[0]
    expect(trigger?.type).toBe('kafka')
    expect(trigger?.metadata.consumerGroup).toBe(setting(objects(), 'PARCEL_RISK_KAFKA_GROUP_ID'))
    expect(trigger?.metadata.topic).toBe(setting(objects(), 'PARCEL_RISK_TOPIC_DECLARATIONS'))
  })

  it('selects the processor\'s pods from the Service, the PodDisruptionBudget and the NetworkPolicy; ' +
    'the ServiceMonitor selects the Service', () => {
    const deployment = find(objects(), 'Deployment', 'parcel-risk') as unknown as {
      spec: { template: { metadata: { labels: Record<string, string> } } }
    }
    const podLabels = deployment.spec.template.metadata.labels
    const matches = (selector: Record<string, string>, labels: Record<string, string>): boolean =>
      Object.entries(selector).every(([k, v]) => labels[k] === v)
    const service = find(objects(), 'Service') as unknown as {
      metadata: { labels: Record<string, string> }
      spec: { selector: Record<string, string>, ports: Array<{ name: string }> }
    }
    expect(matches(service.spec.selector, podLabels)).toBe(true)
    const pdb = find(objects(), 'PodDisruptionBudget') as unknown as {
      spec: { selector: { matchLabels: Record<string, string> } }
    }
    expect(matches(pdb.spec.selector.matchLabels, podLabels)).toBe(true)
    const policy = find(objects(), 'NetworkPolicy') as unknown as {
      spec: { podSelector: { matchLabels: Record<string, string> } }
    }
    expect(matches(policy.spec.podSelector.matchLabels, podLabels)).toBe(true)
    const monitor = find(objects(), 'ServiceMonitor') as unknown as {
      spec: { selector: { matchLabels: Record<string, string> }, endpoints: Array<{ port: string }> }
    }
    expect(matches(monitor.spec.selector.matchLabels, service.metadata.labels)).toBe(true)
    expect(service.spec.ports.map((p) => p.name)).toContain(monitor.spec.endpoints[0]?.port)
  })
})

describe('deploy > k8s > overlay > ruleset and secrets', () => {
  it('mounts the ruleset ConfigMap where the processor reads its rules, ' +
    'every file the processor reads mapped to its path', async () => {
    const objects = rendered.overlay
    const c = processor(objects)
    const rulesDir = setting(objects, 'PARCEL_RISK_RULES_DIR')
    const mount = c.volumeMounts?.find((m) => m.mountPath === rulesDir)
    const volume = podSpec(objects).volumes?.find((v) => v.name === mount?.name)
    const configMap = find(objects, 'ConfigMap', volume?.configMap?.name) as unknown as {
      metadata: { name: string }
      data: Record<string, string>
    }
    // A fixed name: an update changes the mounted files (hot reload), not the pods.
    expect(configMap.metadata.name).toBe('parcel-risk-ruleset')
    const items = volume?.configMap?.items ?? []
    expect(items.map((i) => i.path)).toEqual((await readRulesetFiles(referenceRuleset)).map((f) => f.path))
    expect(items.filter((i) => configMap.data[i.key] === undefined)).toEqual([])

    // Laid out as the kubelet does (files in a timestamped directory, links through ..data),
    // the ConfigMap compiles to the reference ruleset.
    const dir = mkdtempSync(join(tmpdir(), 'parcel-risk-k8s-volume-'))
    try {
      const stamp = '..2026_11_30_00_00_00.000000001'
      for (const item of items) {
        mkdirSync(dirname(join(dir, stamp, item.path)), { recursive: true })
        writeFileSync(join(dir, stamp, item.path), configMap.data[item.key] as string)
      }
      symlinkSync(stamp, join(dir, '..data'))
      for (const top of new Set(items.map((i) => i.path.split('/')[0] as string))) {
        symlinkSync(join('..data', top), join(dir, top))
      }
      const fromVolume = await loadRuleset(dir)
      const fromRepository = await loadRuleset(referenceRuleset)
      expect(fromVolume.ok && fromRepository.ok && fromVolume.ruleset.digest === fromRepository.ruleset.digest)
        .toBe(true)
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  }, 30_000)

  it('finds every required secret key in the rendered Secret', () => {
    const objects = rendered.overlay
    for (const e of processor(objects).env ?? []) {
      const ref = e.valueFrom?.secretKeyRef
      if (ref === undefined) continue
      const secret = find(objects, 'Secret', ref.name) as unknown as { data?: Record<string, string> }
      if (ref.optional !== true) expect(secret.data?.[ref.key], `${ref.name}/${ref.key}`).toBeDefined()
    }
  })
})

describe('deploy > k8s > secured overlay', () => {
  it('reads every secret from a file of a mounted Secret that has its key, ' +
    'and trusts the mounted CA everywhere', () => {
    const objects = rendered.secured
    const files = (processor(objects).env ?? []).filter((e) => secretFileOf(e.name) !== undefined)
    expect(files.map((e) => secretFileOf(e.name)).sort())
      .toEqual(Object.values(schema).filter((s) => s.secret === true).map((s) => s.env).sort())
    for (const e of files) {
      const from = secretFile(objects, e.value ?? '') as { secret: Manifest, key: string }
      const data = (from.secret as unknown as { data?: Record<string, string> }).data
      expect(data?.[from.key], `${e.name} → ${from.secret.metadata.name}/${from.key}`).toBeDefined()
    }
    const caFiles = ['PARCEL_RISK_KAFKA_TLS_CA_FILE', 'PARCEL_RISK_REGISTRY_CA_FILE', 'PARCEL_RISK_REDIS_TLS_CA_FILE']
    for (const env of caFiles) {
      const from = secretFile(objects, setting(objects, env))
      expect(from, env).toBeDefined()
      expect((from?.secret as unknown as { data?: Record<string, string> }).data?.[from?.key ?? ''], env).toBeDefined()
    }
    expect(setting(objects, 'PARCEL_RISK_KAFKA_TLS_ENABLED')).toBe('true')
    expect(setting(objects, 'PARCEL_RISK_KAFKA_SASL_MECHANISM')).toBe('scram-sha-512')
    expect(setting(objects, 'SCHEMA_REGISTRY_URL')).toMatch(/^https:/)
    expect(setting(objects, 'REDIS_URL')).toMatch(/^rediss:/)
  })

  it('lets KEDA read the lag with the same Kafka credentials, CA and SASL mechanism', () => {
    const objects = rendered.secured
    const scaled = find(objects, 'ScaledObject') as unknown as {
      spec: { triggers: Array<{ metadata: Record<string, string>, authenticationRef?: { name: string } }> }
    }
    const trigger = scaled.spec.triggers[0]
    expect(trigger?.metadata.bootstrapServers).toBe(setting(objects, 'KAFKA_BROKERS'))
    const auth = find(objects, 'TriggerAuthentication', trigger?.authenticationRef?.name) as unknown as {
      spec: { secretTargetRef: Array<{ parameter: string, name: string, key: string }> }
    }
    const value = (parameter: string): string => {
      const ref = auth.spec.secretTargetRef.find((r) => r.parameter === parameter)
      const data = (find(objects, 'Secret', ref?.name) as unknown as { data?: Record<string, string> }).data ?? {}
      return Buffer.from(data[ref?.key ?? ''] ?? '', 'base64').toString()
    }
    // KEDA's names of the processor's SASL mechanisms.
    const kedaSasl: Record<string, string> = {
      plain: 'plaintext', 'scram-sha-256': 'scram_sha256', 'scram-sha-512': 'scram_sha512'
    }
    expect(value('sasl')).toBe(kedaSasl[setting(objects, 'PARCEL_RISK_KAFKA_SASL_MECHANISM')])
    expect(value('tls')).toBe('enable')
    const passwordFile = (processor(objects).env ?? []).find((e) => e.name === 'PARCEL_RISK_KAFKA_SASL_PASSWORD_FILE')
    const credentials = secretFile(objects, passwordFile?.value ?? '')
    expect(auth.spec.secretTargetRef.find((r) => r.parameter === 'password'))
      .toEqual({ parameter: 'password', name: credentials?.secret.metadata.name, key: credentials?.key })
    expect(value('username')).not.toBe('')
    expect(value('ca')).toContain('BEGIN CERTIFICATE')
  })
})
