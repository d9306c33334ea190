// Bounded regular expressions for `matches(s, "…")`. V8's backtracking engine can take
// exponential time on patterns like `(a+)+$`; analysts' patterns run on every parcel, so we
// accept only patterns that cannot blow up that way:
//   - at most MAX_PATTERN characters;
//   - no back-references (\1, \k<name>) and no lookbehind;
//   - no quantified group that itself contains a quantifier or an alternation
//     (`(a+)+`, `(a*)*`, `(ab|a)*`, `(x+){2,9}` are refused; `(ab)+`, `a+b*` are fine);
// and the subject is cut to MAX_SUBJECT characters at run time (rules/README.md says so).

export const MAX_PATTERN = 200
export const MAX_SUBJECT = 4096

export type RegexCheck = { ok: true, regex: RegExp } | { ok: false, message: string, offset: number }

export const checkRegex = (pattern: string): RegexCheck => {
  if (pattern.length > MAX_PATTERN) return { ok: false, message: `pattern longer than ${MAX_PATTERN} characters`, offset: MAX_PATTERN }
  // Per open group: does it contain a quantifier or an alternation?
  const groups: Array<{ risky: boolean }> = [{ risky: false }]
  let lastClosedRisky = false
  let lastWasGroup = false
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i] as string
    const top = groups[groups.length - 1] as { risky: boolean }
    if (c === '\\') {
      const n = pattern[i + 1] ?? ''
      if (/[1-9]/.test(n) || n === 'k') return { ok: false, message: 'back-references are not allowed', offset: i }
      i++
      lastWasGroup = false
      continue
    }
    if (c === '[') {
      // Skip the character class; quantifier characters inside it are literals.
      i++
      while (i < pattern.length && pattern[i] !== ']') { if (pattern[i] === '\\') i++; i++ }
      lastWasGroup = false
      continue
    }
    if (c === '(') {
      if (pattern.startsWith('(?<=', i) || pattern.startsWith('(?<!', i)) return { ok: false, message: 'lookbehind is not allowed', offset: i }
      groups.push({ risky: false })
      lastWasGroup = false
      // Skip the group's prefix so its `?` is not taken for a quantifier: (?: (?= (?! (?<name>
      if (pattern[i + 1] === '?') i = pattern[i + 2] === '<' ? Math.max(pattern.indexOf('>', i), i + 2) : i + 2
      continue
    }
    if (c === ')') {
      const closed = groups.pop()
      if (closed === undefined || groups.length === 0) return { ok: false, message: 'unbalanced `)`', offset: i }
      lastClosedRisky = closed.risky
      lastWasGroup = true
      // A group's content makes its parent risky too: ((a+)b)+ is as bad as (a+)+.
      if (closed.risky) (groups[groups.length - 1] as { risky: boolean }).risky = true
      continue
    }
    if (c === '|') { top.risky = true; lastWasGroup = false; continue }
    if (c === '*' || c === '+' || c === '{' || c === '?') {
      const repeats = c !== '?'
      if (repeats && lastWasGroup && lastClosedRisky) {
        return { ok: false, message: 'nested quantifier: a repeated group may not contain a quantifier or `|`', offset: i }
      }
      if (c === '{') { while (i < pattern.length && pattern[i] !== '}') i++ }
      top.risky = true
      lastWasGroup = false
      continue
    }
    lastWasGroup = false
  }
  try {
    return { ok: true, regex: new RegExp(pattern, 'u') }
  } catch (err) {
    return { ok: false, message: (err as Error).message, offset: 0 }
  }
}
