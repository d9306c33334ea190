// Keyword rules on the synthetic stream: how often each description-keyword rule fires on a
// declaration that does not carry the pattern it looks for (a false positive), and how often
// it catches the declarations that do. The clean stream holds homonyms on purpose ("leather
// phone case", "vitamin c chewable tablets", "nail polish top coat", "coral pink dress"), so a
// rule that matches a word out of context shows up here.
//
//   npm run bench -- keywords [--rules DIR] [--count N] [--seed S]
//
// Defaults: rules/eu-lvc, 100,000 declarations, seed 42. To compare two versions of the
// rules, run it once per directory (e.g. one checked out with `git worktree add`).
import { parseArgs } from 'node:util'
import { fileURLToPath } from 'node:url'
import { loadRuleset } from '../src/engine/load.ts'
import { scoreAndDecide } from '../src/decide/decide.ts'
import { generateDeclarations } from '../src/generate/stream.ts'
import type { Pattern } from '../src/generate/patterns.ts'

// The pattern each keyword rule exists to catch; every other declaration it fires on is a
// false positive. Rules of either ruleset version may be listed: absent ones are skipped.
const TARGET: Readonly<Record<string, Pattern>> = {
  'IND-HS-MISMATCH-ELECTRONICS': 'hs-mismatch',
  'IND-HS-MISMATCH-APPAREL': 'hs-mismatch',
  'IND-WILDLIFE': 'restricted-goods',
  'GATE-CITES-SPECIMEN': 'restricted-goods',
  'IND-WEAPON-PARTS-DESCRIBED': 'restricted-goods',
  'IND-MEDICINE-DESCRIBED-OUTSIDE-CH30': 'restricted-goods'
}

const { values } = parseArgs({
  options: {
    rules: { type: 'string', default: fileURLToPath(new URL('../rules/eu-lvc', import.meta.url)) },
    count: { type: 'string', default: '100000' },
    seed: { type: 'string', default: '42' }
  }
})
const count = Number(values.count)
const loaded = await loadRuleset(values.rules)
if (!loaded.ok) {
  console.error(loaded.errors)
  process.exit(2)
}
const ruleset = loaded.ruleset
const score = scoreAndDecide(ruleset)
const ids = ruleset.rules.map((r) => r.id).filter((id) => TARGET[id] !== undefined)

const stats = new Map(ids.map((id) => [id, { fired: 0, falsePositives: 0, caught: 0 }]))
const labelled = new Map<Pattern, number>()
let n = 0
for (const g of generateDeclarations({ seed: Number(values.seed) })) {
  if (n++ === count) break
  for (const p of g.patterns) labelled.set(p, (labelled.get(p) ?? 0) + 1)
  const decision = score(g.declaration, null, { nowMs: g.declaration.declaredAt + 60_000 })
  for (const reason of decision.reasons) {
    const s = stats.get(reason.ruleId)
    if (s === undefined) continue
    s.fired++
    if (g.patterns.includes(TARGET[reason.ruleId] as Pattern)) s.caught++
    else s.falsePositives++
  }
}

console.log(`${count.toLocaleString('en')} declarations (seed ${values.seed}), ` +
  `ruleset ${ruleset.id} ${ruleset.version}\n`)
console.log('| rule | fired | false positives | false-positive rate | target pattern | caught |')
console.log('|---|---:|---:|---:|---|---:|')
let totalFp = 0
for (const [id, s] of stats) {
  const target = TARGET[id] as Pattern
  const negatives = count - (labelled.get(target) ?? 0)
  totalFp += s.falsePositives
  const rate = (100 * s.falsePositives / negatives).toFixed(3)
  console.log(`| ${id} | ${s.fired} | ${s.falsePositives} | ${rate} % | ${target} | ` +
    `${s.caught} of ${labelled.get(target) ?? 0} |`)
}
console.log(`\nall keyword rules: ${totalFp} false positives in ${count.toLocaleString('en')} declarations ` +
  `(${(100 * totalFp / count).toFixed(3)} %)`)
