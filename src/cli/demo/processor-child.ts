// The processor as a child process (`node src/cli/parcel-risk.ts run`), the way it runs in
// production: configured by environment only, its log in a file. Used by the demo and by
// bench/e2e.ts. stop() sends SIGTERM and resolves with the exit code.
import { spawn, type ChildProcess } from 'node:child_process'
import { closeSync, openSync, readFileSync } from 'node:fs'
import { createServer } from 'node:net'
import { extname } from 'node:path'
import { fileURLToPath } from 'node:url'

// Beside this file: parcel-risk.ts in the source tree, parcel-risk.js in the built package.
const cli = fileURLToPath(new URL(`../parcel-risk${extname(import.meta.url)}`, import.meta.url))

export interface ProcessorChild {
  readonly pid: number
  readonly logFile: string
  readonly httpUrl: string
  /** Resolves once /readyz answers 200 (group joined, ruleset loaded, Redis reachable). */
  readonly ready: (timeoutMs: number) => Promise<void>
  /** SIGTERM, then the exit code (null when killed by a signal). SIGKILL after `timeoutMs`. */
  readonly stop: (timeoutMs: number) => Promise<number | null>
  /** Settles when the process exits, whoever stopped it. */
  readonly exited: Promise<number | null>
}

/** A TCP port free right now on 127.0.0.1. */
export const freePort = async (): Promise<number> => await new Promise((resolve, reject) => {
  const server = createServer()
  server.once('error', reject)
  server.listen(0, '127.0.0.1', () => {
    const address = server.address()
    server.close(() => {
      resolve(typeof address === 'object' && address !== null ? address.port : 0)
    })
  })
})

/** The last `lines` lines of a file, or '' when it cannot be read. */
export const tailOf = (file: string, lines: number): string => {
  try {
    return readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n')
  } catch {
    return ''
  }
}

export interface SpawnOptions {
  /** Added to the parent's environment. */
  readonly env: Readonly<Record<string, string>>
  readonly logFile: string
  /** Extra node flags, e.g. --cpu-prof. */
  readonly nodeArgs?: readonly string[]
  /** Script and arguments to run instead of `parcel-risk run` (bench/e2e's passthrough). */
  readonly script?: readonly string[]
}

export const spawnProcessor = async (options: SpawnOptions): Promise<ProcessorChild> => {
  const port = options.env.PARCEL_RISK_HTTP_PORT ?? String(await freePort())
  const log = openSync(options.logFile, 'a')
  const args = [...(options.nodeArgs ?? []), ...(options.script ?? [cli, 'run'])]
  const child: ChildProcess = spawn(process.execPath, args, {
    env: { ...process.env, ...options.env, PARCEL_RISK_HTTP_PORT: port },
    stdio: ['ignore', log, log],
    // Its own process group: a Ctrl-C at the terminal reaches the parent, which decides when
    // the processor stops (after draining), instead of both stopping at once.
    detached: true
  })
  closeSync(log)
  if (child.pid === undefined) throw new Error(`could not start the processor: ${tailOf(options.logFile, 5)}`)
  const exited = new Promise<number | null>((resolve) => {
    child.once('exit', (code) => {
      resolve(code)
    })
  })
  let exitCode: number | null | undefined
  void exited.then((code) => {
    exitCode = code
  })
  const httpUrl = `http://127.0.0.1:${port}`

  const ready = async (timeoutMs: number): Promise<void> => {
    const deadline = Date.now() + timeoutMs
    while (Date.now() < deadline) {
      if (exitCode !== undefined) {
        throw new Error(`the processor exited with code ${exitCode} during start-up; ` +
          `its log (${options.logFile}) ends:\n${tailOf(options.logFile, 15)}`)
      }
      const ok = await fetch(`${httpUrl}/readyz`, { signal: AbortSignal.timeout(1_000) }).then((r) => r.ok, () => false)
      if (ok) return
      await new Promise((resolve) => setTimeout(resolve, 250))
    }
    throw new Error(`the processor was not ready after ${timeoutMs} ms; ` +
      `its log (${options.logFile}) ends:\n${tailOf(options.logFile, 15)}`)
  }

  const stop = async (timeoutMs: number): Promise<number | null> => {
    if (exitCode !== undefined) return exitCode
    child.kill('SIGTERM')
    const timer = setTimeout(() => {
      child.kill('SIGKILL')
    }, timeoutMs)
    const code = await exited
    clearTimeout(timer)
    return code
  }
  return { pid: child.pid, logFile: options.logFile, httpUrl, ready, stop, exited }
}
