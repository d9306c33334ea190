import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { catalogue, ParcelRiskError, retired } from './errors.ts'

// The README's error table is the user's reference: every code in the catalogue must be
// there with the same disposition, and nothing else.
const readmeRows = (): Map<string, string> => {
  const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8')
  const rows = new Map<string, string>()
  for (const match of readme.matchAll(/^\|\s*`(E_[A-Z0-9_]+)`\s*\|\s*(reject|retry|crash)\s*\|/gm)) {
    rows.set(match[1] as string, match[2] as string)
  }
  return rows
}

describe('errors > catalogue', () => {
  it('lists every catalogue code in the README error table with its disposition', () => {
    const rows = readmeRows()
    for (const [code, entry] of Object.entries(catalogue)) {
      expect(rows.get(code), `README row for ${code}`).toBe(entry.disposition)
    }
  })

  it('documents no code in the README that the catalogue does not have', () => {
    const known = new Set(Object.keys(catalogue))
    expect([...readmeRows().keys()].filter((code) => !known.has(code))).toEqual([])
  })

  it('never reuses a retired code', () => {
    expect(Object.keys(catalogue).filter((code) => retired.includes(code))).toEqual([])
  })

  it('gives every error the disposition of its code', () => {
    const err = new ParcelRiskError('E_CONFIG_INVALID', 'bad', { path: 'kafka.brokers' })
    expect(err.disposition).toBe('crash')
    expect(err.path).toBe('kafka.brokers')
    expect(err).toBeInstanceOf(Error)
  })
})
