// Runs named benchmarks, each in its own Node process (fresh heap and JIT, one thread):
//   npm run bench                 every bench below, in order, except soak (30 minutes),
//                                 secured (needs the plain and the secured stack up) and scale
//                                 (several backlogs drained); name them
//   npm run bench -- decode       only the named ones
//   npm run bench -- e2e --duration 10    options (from the first --flag on) go to each bench
// Add a bench by adding its entry file here.
import { spawnSync } from 'node:child_process'

const benches: Readonly<Record<string, string>> = {
  console: 'console.ts',
  commodity: 'commodity.ts',
  decode: 'decode.ts',
  e2e: 'e2e.ts',
  enrich: 'enrich.ts',
  engine: 'engine.ts',
  'engine-general': 'engine-general.ts',
  history: 'history.ts',
  regex: 'regex.ts',
  retry: 'retry.ts',
  keywords: 'keywords.ts',
  matching: 'matching.ts',
  scale: 'scale.ts',
  secured: 'secured.ts',
  soak: 'soak.ts',
  validate: 'validate/validate.ts'
}

const args = process.argv.slice(2)
const firstOption = args.findIndex((a) => a.startsWith('-'))
const names = firstOption === -1 ? args : args.slice(0, firstOption)
const options = firstOption === -1 ? [] : args.slice(firstOption)
const unknown = names.filter((name) => !(name in benches))
if (unknown.length > 0) {
  console.error(`unknown bench: ${unknown.join(', ')}; known: ${Object.keys(benches).join(', ')}`)
  process.exit(2)
}
let failed = 0
const defaults = Object.keys(benches).filter((n) => n !== 'soak' && n !== 'secured' && n !== 'scale')
for (const name of names.length > 0 ? names : defaults) {
  console.log(`\n== bench ${name}`)
  const file = new URL(benches[name] as string, import.meta.url)
  const { status } = spawnSync(process.execPath, [file.pathname, ...options], { stdio: 'inherit' })
  if (status !== 0) failed++
}
process.exitCode = failed === 0 ? 0 : 1
