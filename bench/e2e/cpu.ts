// CPU time from /proc (Linux): a process's utime + stime (fields 14 and 15 of
// /proc/<pid>/stat, in clock ticks) and the machine's busy share from /proc/stat. Shared by
// bench/e2e.ts and bench/scale.ts.
import { execFileSync } from 'node:child_process'
import { readFileSync } from 'node:fs'

const ticksPerSecond = ((): number => {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100
  } catch {
    return 100
  }
})()

/** CPU seconds a process has used so far (user + system). */
export const processCpuSeconds = (pid: number): number => {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
  // The command name (field 2) may hold spaces; fields are counted after its closing ')'.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
  return (Number(fields[11]) + Number(fields[12])) / ticksPerSecond
}

/** As processCpuSeconds, but 0 for a process that has exited (or never started). */
export const processCpuSecondsOrZero = (pid: number | undefined): number => {
  if (pid === undefined) return 0
  try {
    return processCpuSeconds(pid)
  } catch {
    return 0
  }
}

export interface MachineTicks { readonly busy: number, readonly total: number }

export const machineTicks = (): MachineTicks => {
  const line = readFileSync('/proc/stat', 'utf8').split('\n')[0] ?? ''
  const values = line.trim().split(/\s+/).slice(1).map(Number)
  const total = values.reduce((a, b) => a + b, 0)
  const idle = (values[3] ?? 0) + (values[4] ?? 0)
  return { busy: total - idle, total }
}

/** Share of all cores busy between two readings, 0..1. */
export const busyShare = (a: MachineTicks, b: MachineTicks): number =>
  b.total === a.total ? 0 : (b.busy - a.busy) / (b.total - a.total)
