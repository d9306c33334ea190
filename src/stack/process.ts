// Processes the local stack starts: spawned detached (their own process group, so `down`
// can signal the JVM and anything it forked), output to a log file, pid recorded in
// .run/<service>.pid together with the port it serves, so `down` never signals a pid that
// was reused by an unrelated process after a reboot.
import { spawn, spawnSync } from 'node:child_process'
import {
  existsSync, mkdirSync, openSync, readFileSync, readdirSync, readlinkSync, rmSync, writeFileSync, closeSync
} from 'node:fs'
import { createConnection, createServer } from 'node:net'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'

export interface PidRecord {
  readonly pid: number
  readonly port: number
  readonly startedAt: string
}

export const readPid = (runDir: string, service: string): PidRecord | undefined => {
  const file = join(runDir, `${service}.pid`)
  if (!existsSync(file)) return undefined
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as PidRecord
  } catch {
    return undefined
  }
}

export const removePid = (runDir: string, service: string): void => {
  rmSync(join(runDir, `${service}.pid`), { force: true })
}

export const isAlive = (pid: number): boolean => {
  try {
    process.kill(pid, 0)
    return true
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM'
  }
}

export interface StartSpec {
  readonly service: string
  readonly command: string
  readonly args: readonly string[]
  readonly env?: NodeJS.ProcessEnv
  readonly cwd?: string
  readonly port: number
  readonly logFile: string
}

export const startDetached = (runDir: string, spec: StartSpec): PidRecord => {
  mkdirSync(runDir, { recursive: true })
  const out = openSync(spec.logFile, 'a')
  const child = spawn(spec.command, spec.args, {
    cwd: spec.cwd,
    env: { ...process.env, ...spec.env },
    detached: true,
    stdio: ['ignore', out, out]
  })
  closeSync(out)
  if (child.pid === undefined) throw new Error(`could not start ${spec.service} (${spec.command})`)
  child.unref()
  const record: PidRecord = { pid: child.pid, port: spec.port, startedAt: new Date().toISOString() }
  writeFileSync(join(runDir, `${spec.service}.pid`), JSON.stringify(record))
  return record
}

/** SIGTERM the process group, wait up to `graceMs`, then SIGKILL. Resolves once it is gone. */
export const stopProcess = async (pid: number, graceMs: number): Promise<'stopped' | 'killed' | 'gone'> => {
  if (!isAlive(pid)) return 'gone'
  const signal = (sig: NodeJS.Signals): void => {
    try {
      process.kill(-pid, sig)
    } catch {
      try {
        process.kill(pid, sig)
      } catch { /* already gone */ }
    }
  }
  signal('SIGTERM')
  const deadline = Date.now() + graceMs
  while (Date.now() < deadline) {
    if (!isAlive(pid)) return 'stopped'
    await sleep(100)
  }
  signal('SIGKILL')
  while (isAlive(pid)) await sleep(50)
  return 'killed'
}

/** True when something accepts TCP connections on 127.0.0.1:port. */
export const portOpen = (port: number, timeoutMs = 500): Promise<boolean> =>
  new Promise((resolve) => {
    const socket = createConnection({ host: '127.0.0.1', port })
    const done = (open: boolean): void => {
      socket.destroy()
      resolve(open)
    }
    socket.setTimeout(timeoutMs, () => done(false))
    socket.once('connect', () => done(true))
    socket.once('error', () => done(false))
  })

/**
 * True when 127.0.0.1:port can be bound right now. Binding is the test the services
 * themselves face: it fails for a listener and also for an outgoing connection that was
 * given this port as its local (ephemeral) port, which a connect probe cannot see.
 */
export const portFree = (port: number): Promise<boolean> =>
  new Promise((resolve) => {
    const server = createServer()
    server.once('error', () => resolve(false))
    server.listen({ host: '127.0.0.1', port, exclusive: true }, () => server.close(() => resolve(true)))
  })

export interface PortHolder {
  readonly pid: number | undefined
  readonly command: string | undefined
  /** True when the socket listens; false for a connection that uses the port as its local end. */
  readonly listening: boolean
}

const socketInodes = (port: number): Array<{ inode: string, listening: boolean }> => {
  const found: Array<{ inode: string, listening: boolean }> = []
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    if (!existsSync(table)) continue
    for (const line of readFileSync(table, 'utf8').split('\n').slice(1)) {
      const cols = line.trim().split(/\s+/)
      const local = cols[1]
      if (local === undefined || parseInt(local.split(':')[1] ?? '', 16) !== port) continue
      found.push({ inode: cols[9] ?? '0', listening: cols[3] === '0A' })
    }
  }
  return found
}

const pidOfInode = (inode: string): number | undefined => {
  const target = `socket:[${inode}]`
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue
    let fds: string[]
    try {
      fds = readdirSync(`/proc/${entry}/fd`)
    } catch {
      continue
    }
    for (const fd of fds) {
      try {
        if (readlinkSync(`/proc/${entry}/fd/${fd}`) === target) return Number(entry)
      } catch { /* closed meanwhile */ }
    }
  }
  return undefined
}

/**
 * Who holds 127.0.0.1:port, from /proc (Linux). undefined where /proc has no socket tables
 * (macOS) or the socket is gone by the time we look.
 */
export const portHolder = (port: number): PortHolder | undefined => {
  const sockets = socketInodes(port)
  const socket = sockets.find((s) => s.listening) ?? sockets[0]
  if (socket === undefined) return undefined
  const pid = socket.inode === '0' ? undefined : pidOfInode(socket.inode)
  let command: string | undefined
  if (pid !== undefined) {
    try {
      const argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter((a) => a !== '')
      command = argv.join(' ').slice(0, 100)
    } catch { command = undefined }
  }
  return { pid, command, listening: socket.listening }
}

export const waitFor = async (
  what: string,
  check: () => Promise<boolean>,
  timeoutMs: number,
  isDead?: () => boolean
): Promise<number> => {
  const started = Date.now()
  while (Date.now() - started < timeoutMs) {
    if (await check().catch(() => false)) return Date.now() - started
    if (isDead?.() === true) throw new Error(`${what} exited during start-up`)
    await sleep(200)
  }
  throw new Error(`${what} did not become ready within ${Math.round(timeoutMs / 1000)} s`)
}

export const run = (command: string, args: readonly string[], cwd?: string): { ok: boolean, output: string } => {
  const result = spawnSync(command, args, { cwd, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 })
  return {
    ok: result.status === 0,
    output: `${result.stdout ?? ''}${result.stderr ?? ''}${result.error?.message ?? ''}`
  }
}

/** The last `lines` lines of a file, or '' when it does not exist. */
export const tail = (file: string, lines: number): string => {
  if (!existsSync(file)) return ''
  return readFileSync(file, 'utf8').split('\n').slice(-lines - 1).join('\n')
}
