// The manifest's `capacity:` section (rules/README.md §7, "Inspection capacity"):
//
//   capacity:
//     PHYSICAL_EXAM: { perWindow: 20, window: 1h, reserve: 5 }   every control location
//     SCREEN_NII: { perWindow: 200, window: 30m }
//     locations:                                       optional, lane by lane over the above
//       LGG: { PHYSICAL_EXAM: { perWindow: 40, window: 1h } }
//     protectTags: [watchlist, prohibition, restriction]  optional; this is the default
//
// A window is a whole number of minutes, hours or days (`15m`, `1h`, `1d`), from one minute to
// seven days; windows are fixed and aligned on the Unix epoch (UTC). `reserve` (optional, 0 to
// perWindow, default 0) is the part of the seats that only holds which are never moved may take.
// Every problem is reported with its position, like the rest of the manifest.

import type { Node as YamlNode } from 'yaml'
import { CAPACITY_LANES } from '../actions.ts'
import type { CapacityLane, CapacityPolicy, LaneCapacities, LaneCapacity } from '../actions.ts'
import { suggest } from './fields.ts'
import { entries, items, posOf, scalar, unknownKeys } from './yaml-source.ts'
import type { Problems, YamlFile } from './yaml-source.ts'

export const DEFAULT_PROTECT_TAGS: readonly string[] = Object.freeze(['watchlist', 'prohibition', 'restriction'])

/** Names a control location may have: they become part of Redis keys (no braces, no spaces). */
export const LOCATION_NAME = /^[A-Za-z0-9._-]{1,64}$/

const MINUTE = 60_000
const UNIT_MS: Readonly<Record<string, number>> = { m: MINUTE, h: 60 * MINUTE, d: 24 * 60 * MINUTE }
const MAX_WINDOW_MS = 7 * 24 * 60 * MINUTE
const MAX_SEATS = 10_000_000
const LANES_SHAPE = `a map of lane (${CAPACITY_LANES.join(', ')}) to { perWindow, window, reserve }`

/** `15m`, `1h`, `1d` → milliseconds; NaN when it is not a window. */
export const parseWindow = (text: string): number => {
  const m = /^([1-9][0-9]{0,4})([mhd])$/.exec(text)
  if (m === null) return NaN
  const ms = Number(m[1]) * (UNIT_MS[m[2] as string] as number)
  return ms > MAX_WINDOW_MS ? NaN : ms
}

type Fields = Map<string, { key: YamlNode, value: YamlNode | null }>

/** Reports a structure problem at a node (or the first of the fallbacks that exists). */
const reporter = (file: YamlFile, problems: Problems) =>
  (message: string, ...at: Array<YamlNode | null | undefined>): void => {
    problems.add(file.path, posOf(file, at.find((n) => n !== undefined && n !== null)), 'structure', message)
  }

const readLane = (file: YamlFile, lane: string, node: YamlNode | null, problems: Problems): LaneCapacity | null => {
  const bad = reporter(file, problems)
  const fields = entries(node)
  const where = `the capacity of ${lane}`
  if (fields === null) {
    bad(`${where} is { perWindow, window, reserve }`, node)
    return null
  }
  unknownKeys(file, fields, ['perWindow', 'window', 'reserve'], where, problems, suggest)
  const seatsAt = fields.get('perWindow')
  const windowAt = fields.get('window')
  const reserveAt = fields.get('reserve')
  const perWindow = scalar(seatsAt?.value)
  const window = scalar(windowAt?.value)
  const reserve = reserveAt === undefined ? 0 : scalar(reserveAt.value)
  let ok = true
  if (typeof perWindow !== 'number' || !Number.isInteger(perWindow) || perWindow < 0 || perWindow > MAX_SEATS) {
    bad(`\`perWindow\` in ${where} must be an integer from 0 to ${MAX_SEATS}`, seatsAt?.value, seatsAt?.key, node)
    ok = false
  } else if (typeof reserve !== 'number' || !Number.isInteger(reserve) || reserve < 0 || reserve > perWindow) {
    const message = `\`reserve\` in ${where} must be an integer from 0 to perWindow (${perWindow})`
    bad(message, reserveAt?.value, reserveAt?.key, node)
    ok = false
  }
  const windowMs = typeof window === 'string' ? parseWindow(window) : NaN
  if (Number.isNaN(windowMs)) {
    const message = `\`window\` in ${where} must be minutes, hours or days up to 7d, e.g. 15m, 1h, 1d`
    bad(message, windowAt?.value, windowAt?.key, node)
    ok = false
  }
  return ok ? Object.freeze({ perWindow: perWindow as number, windowMs, reserve: reserve as number }) : null
}

/** The lanes of one map (the section itself, or one location's), other keys left to the caller. */
const readLanes = (file: YamlFile, fields: Fields, problems: Problems): LaneCapacities => {
  const out: Partial<Record<CapacityLane, LaneCapacity>> = {}
  for (const lane of CAPACITY_LANES) {
    const entry = fields.get(lane)
    if (entry === undefined) continue
    const capacity = readLane(file, lane, entry.value, problems)
    if (capacity !== null) out[lane] = capacity
  }
  return Object.freeze(out)
}

const readLocations = (file: YamlFile, node: YamlNode | null, problems: Problems): Record<string, LaneCapacities> => {
  const bad = reporter(file, problems)
  const byName = entries(node)
  const out: Record<string, LaneCapacities> = Object.create(null) as Record<string, LaneCapacities>
  if (byName === null) {
    bad('`capacity.locations` is a map of control location to its lanes', node)
    return out
  }
  for (const [name, { key, value }] of byName) {
    if (!LOCATION_NAME.test(name)) {
      bad(`control location \`${name}\` must match ${String(LOCATION_NAME)}`, key)
      continue
    }
    const lanes = entries(value)
    if (lanes === null) {
      bad(`\`capacity.locations.${name}\` is ${LANES_SHAPE}`, value, key)
      continue
    }
    unknownKeys(file, lanes, CAPACITY_LANES, `capacity.locations.${name}`, problems, suggest)
    out[name] = readLanes(file, lanes, problems)
  }
  return out
}

const readTags = (file: YamlFile, node: YamlNode | null, problems: Problems): readonly string[] => {
  const tags = items(node)?.map((n) => scalar(n))
  if (tags === undefined || !tags.every((t): t is string => typeof t === 'string')) {
    reporter(file, problems)('`capacity.protectTags` is a list of rule tags', node)
    return DEFAULT_PROTECT_TAGS
  }
  return Object.freeze(tags)
}

/** The section as a policy; null when the manifest has none (no lane is limited). */
export const readCapacity = (
  file: YamlFile, node: YamlNode | null | undefined, problems: Problems
): CapacityPolicy | null => {
  if (node === undefined || node === null) return null
  const fields = entries(node)
  if (fields === null) {
    reporter(file, problems)(`\`capacity\` is ${LANES_SHAPE}, with optional \`locations\` and \`protectTags\``, node)
    return null
  }
  unknownKeys(file, fields, [...CAPACITY_LANES, 'locations', 'protectTags'], '`capacity`', problems, suggest)
  const locations = fields.get('locations')
  const tags = fields.get('protectTags')
  return Object.freeze({
    lanes: readLanes(file, fields, problems),
    locations: Object.freeze(locations === undefined ? {} : readLocations(file, locations.value, problems)),
    protectTags: tags === undefined ? DEFAULT_PROTECT_TAGS : readTags(file, tags.value, problems)
  })
}
