// Regular expressions for `matches(s, "…")` can never run away: V8 backtracks first, and a
// match attempt that backtracks more than BACKTRACKS_BEFORE_FALLBACK times is finished by its
// linear-time engine (`--enable-experimental-regexp-engine-on-excessive-backtracks`). That
// engine runs an automaton over the subject instead of backtracking, so its time grows with
// the subject's length times the pattern's size, never exponentially or polynomially in the
// subject: `(a+)+$`, `.*.*.*=x` and `(a|aa)*b` all finish in about a millisecond on 4,096
// characters, where the backtracking engine alone did not finish in 30 s on 500. Every rule
// regex is first compiled for the linear-time engine (the `l` flag), so a pattern it cannot run
// is refused at `rules check`, and the fallback is always there.
//
// Why not the linear-time engine from the start (as before): on the short strings rules test it
// took 0.5-2.2 µs per test against 20-80 ns backtracking (`npm run bench -- regex`),
// 10-11 % of scoring time on a 200-rule ruleset with regexes; adversarial patterns cost about the
// same either way (0.3-0.7 ms on 4,096 characters with a fallback after 1,000 backtracks).
//
// The flags are set here, when this module is first loaded, so every thread (CLI, processor,
// test workers) that can build a rule regex has them before the first one is built; the set-up
// check below fails loudly if a Node release ever stops honouring the first.
//
// The pattern language is exactly what the linear-time engine accepts, in strict (`u`-mode)
// syntax so a typo is an error and not silently a literal:
//   - no back-references (\1, \k<name>), no lookahead ((?= (?!), no modifiers ((?i:…));
//   - counts {n}, {n,}, {n,m} up to 16, and nested counts multiplying to at most 16;
//   - no flags: case-insensitive matching is `matches(lower(s), "…")`;
//   - no `\p{…}` or `\u{…}`: without the `u` flag the engine would read them as literals;
// plus at most MAX_PATTERN characters; the subject is cut to MAX_SUBJECT characters at run
// time (rules/README.md says so).

import { setFlagsFromString } from 'node:v8'

export const MAX_PATTERN = 200
export const MAX_SUBJECT = 4096
/** V8's bound on a linear-time pattern's repetition counts (their product when nested). */
export const MAX_COUNT = 16

/** Backtracks one match attempt may make before V8's linear-time engine finishes it. */
export const BACKTRACKS_BEFORE_FALLBACK = 1_000

setFlagsFromString('--enable-experimental-regexp-engine')
setFlagsFromString('--enable-experimental-regexp-engine-on-excessive-backtracks')
setFlagsFromString(`--regexp-backtracks-before-fallback=${BACKTRACKS_BEFORE_FALLBACK}`)

/** The flag that asks for the linear-time engine; every rule regex must compile with it. */
export const LINEAR_FLAGS = 'l'
/** The flags every rule regex runs with: backtracking, with the linear-time fallback. */
export const RULE_FLAGS = ''

const linearEngineAvailable = (): boolean => {
  try {
    return new RegExp('a', LINEAR_FLAGS).flags === LINEAR_FLAGS
  } catch {
    return false
  }
}

if (!linearEngineAvailable()) {
  throw new Error('this Node.js does not offer V8\'s linear-time regular expression engine (flag `l`); ' +
    'rule regexes cannot be made safe')
}

export type RegexCheck = { ok: true, regex: RegExp } | { ok: false, message: string, offset: number }

const refused = (message: string, offset: number): RegexCheck => ({ ok: false, message, offset })

/** Why the linear-time engine refused a pattern, with the construct's offset where we can find it. */
const whyNotLinear = (pattern: string): RegexCheck => {
  const backReference = /\\(?:[1-9]|k<)/.exec(pattern)
  if (backReference !== null) return refused('back-references cannot run in linear time', backReference.index)
  const lookahead = /\(\?[=!]/.exec(pattern)
  if (lookahead !== null) return refused('lookahead cannot run in linear time', lookahead.index)
  const modifier = /\(\?[a-z-]+:/.exec(pattern)
  if (modifier !== null) {
    return refused('modifiers such as (?i:…) cannot run in linear time; match on lower(s) instead', modifier.index)
  }
  const counts = /\{(\d+)(?:,(\d*))?\}/g
  for (let m = counts.exec(pattern); m !== null; m = counts.exec(pattern)) {
    if (Number(m[2] === undefined || m[2] === '' ? m[1] : m[2]) > MAX_COUNT) {
      return refused(`repetition count above ${MAX_COUNT} cannot run in linear time`, m.index)
    }
  }
  return refused('cannot run in linear time ' +
    `(nested repetition counts multiply: keep their product at most ${MAX_COUNT})`, 0)
}

export const checkRegex = (pattern: string): RegexCheck => {
  if (pattern.length > MAX_PATTERN) return refused(`pattern longer than ${MAX_PATTERN} characters`, MAX_PATTERN)
  const unicodeOnly = /\\[pPu]\{/.exec(pattern)
  if (unicodeOnly !== null) {
    return refused('`\\p{…}` and `\\u{…}` need the `u` flag, which the linear-time engine does not offer',
      unicodeOnly.index)
  }
  try {
    // Syntax first, strictly: `a{`, `\-` or a lone `]` are mistakes, not literals.
    void new RegExp(pattern, 'u')
  } catch (err) {
    return refused((err as Error).message.replace(/^Invalid regular expression: \/.*\/\w*: /s, ''), 0)
  }
  try {
    // Refused here when the linear-time engine cannot run it, so the fallback always can.
    void new RegExp(pattern, LINEAR_FLAGS)
  } catch {
    return whyNotLinear(pattern)
  }
  return { ok: true, regex: new RegExp(pattern, RULE_FLAGS) }
}
