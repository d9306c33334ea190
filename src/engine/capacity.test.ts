import { describe, expect, it } from 'vitest'
import { compileFiles, LISTS, MANIFEST, ruleFile } from '../../test/fixtures/inline-ruleset.ts'
import { DEFAULT_PROTECT_TAGS, parseWindow } from './capacity.ts'
import type { CompileResult } from './ruleset.ts'

const RULES = ruleFile([{ id: 'R1', when: 'pieces == 1', weight: 10 }])
const withCapacity = (section: string): CompileResult =>
  compileFiles({ 'ruleset.yaml': `${MANIFEST}${section}`, 'rules/inline.yaml': RULES }, LISTS)
/** The line of the manifest where the capacity section starts. */
const firstLine = MANIFEST.split('\n').length

describe('engine > manifest capacity', () => {
  it('reads the lanes, the per-location lanes and the protected tags', () => {
    const result = withCapacity(`capacity:
  PHYSICAL_EXAM: { perWindow: 20, window: 1h, reserve: 5 }
  SCREEN_NII: { perWindow: 150, window: 30m }
  locations:
    LGG: { PHYSICAL_EXAM: { perWindow: 40, window: 1d, reserve: 40 } }
  protectTags: [watchlist, sanctions]
`)
    if (!result.ok) throw new Error(JSON.stringify(result.errors))
    expect(result.ruleset.capacity).toEqual({
      lanes: {
        PHYSICAL_EXAM: { perWindow: 20, windowMs: 3_600_000, reserve: 5 },
        SCREEN_NII: { perWindow: 150, windowMs: 1_800_000, reserve: 0 }
      },
      locations: { LGG: { PHYSICAL_EXAM: { perWindow: 40, windowMs: 86_400_000, reserve: 40 } } },
      protectTags: ['watchlist', 'sanctions']
    })
  })

  it('has no capacity without the section, and the default protected tags without protectTags', () => {
    const none = withCapacity('')
    expect(none.ok && none.ruleset.capacity).toBeNull()
    const lanes = withCapacity('capacity:\n  SCREEN_NII: { perWindow: 5, window: 15m }\n')
    expect(lanes.ok && lanes.ruleset.capacity?.protectTags).toEqual(DEFAULT_PROTECT_TAGS)
  })

  it.each([
    [
      'a lane that has no capacity', '  REQUEST_INFO: { perWindow: 5, window: 1h }\n',
      'unknown key `REQUEST_INFO` in `capacity`', 2
    ],
    [
      'a negative capacity', '  PHYSICAL_EXAM: { perWindow: -1, window: 1h }\n',
      '`perWindow` in the capacity of PHYSICAL_EXAM must be an integer', 2
    ],
    [
      'a window in seconds', '  PHYSICAL_EXAM: { perWindow: 20, window: 30s }\n',
      '`window` in the capacity of PHYSICAL_EXAM must be minutes, hours or days', 2
    ],
    [
      'a window over a week', '  PHYSICAL_EXAM: { perWindow: 20, window: 8d }\n',
      '`window` in the capacity of PHYSICAL_EXAM', 2
    ],
    [
      'a reserve over the capacity', '  PHYSICAL_EXAM: { perWindow: 20, window: 1h, reserve: 21 }\n',
      '`reserve` in the capacity of PHYSICAL_EXAM must be an integer from 0 to perWindow (20)', 2
    ],
    [
      'a negative reserve', '  locations:\n    LGG: { SCREEN_NII: { perWindow: 5, window: 1h, reserve: -1 } }\n',
      '`reserve` in the capacity of SCREEN_NII', 3
    ],
    [
      'a reserve that is not a number', '  PHYSICAL_EXAM: { perWindow: 20, window: 1h, reserve: all }\n',
      '`reserve` in the capacity of PHYSICAL_EXAM', 2
    ],
    ['a misspelt key', '  PHYSICAL_EXAM: { perWindow: 20, windw: 1h }\n', 'unknown key `windw`', 2],
    [
      'a location name with a brace', '  locations:\n    "L{1}": { PHYSICAL_EXAM: { perWindow: 1, window: 1h } }\n',
      'control location `L{1}` must match', 3
    ],
    [
      'protectTags that are not a list', '  protectTags: watchlist\n', '`capacity.protectTags` is a list of rule tags',
      2
    ]
  ])('refuses %s, at its line', (_what, section, message, line) => {
    const result = withCapacity(`capacity:\n${section}`)
    expect(result.ok).toBe(false)
    if (result.ok) return
    const found = result.errors.find((e) => e.message.includes(message))
    expect(found, JSON.stringify(result.errors)).toBeDefined()
    expect(found?.file).toBe('ruleset.yaml')
    expect(found?.line).toBe(firstLine + line - 1)
  })

  const windows = [
    ['1m', 60_000], ['15m', 900_000], ['2h', 7_200_000], ['7d', 604_800_000], ['0h', NaN], ['1.5h', NaN], ['h', NaN]
  ] as const
  it.each(windows)('reads the window %s', (text, ms) => {
    expect(parseWindow(text)).toBe(ms)
  })
})
