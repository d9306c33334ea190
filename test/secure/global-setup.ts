// The secured suite's services: the secured profile of the local stack (`stack up --secure`),
// started here when it is not running (and stopped again afterwards), reused when it is.
import type { TestProject } from 'vitest/node'
import { silenceKafkajsTimeoutWarning } from '../../src/kafka/node-warnings.ts'
import { downSecure, envSecure, statusSecure, upSecure } from '../../src/stack/secure-stack.ts'

export interface SecureEnvs {
  readonly processor: Record<string, string>
  readonly feeder: Record<string, string>
  readonly admin: Record<string, string>
}

declare module 'vitest' {
  export interface ProvidedContext {
    secure: SecureEnvs
  }
}

export default async function setup (project: TestProject): Promise<() => Promise<void>> {
  silenceKafkajsTimeoutWarning()
  const started = Date.now()
  const running = (await statusSecure()).every((s) => s.ready)
  const say = (line: string): void => {
    process.stderr.write(`[secure] ${line}\n`)
  }
  const result = running ? { started: [] } : await upSecure(say)
  const how = running ? 'already running' : 'started'
  process.stderr.write(`[secure] secured stack ${how} in ${Date.now() - started} ms\n`)
  project.provide('secure', {
    processor: envSecure('processor'), feeder: envSecure('feeder'), admin: envSecure('admin')
  })
  return async () => {
    if (result.started.length > 0) await downSecure(say, result.started)
  }
}
