// Runs named benchmarks, each in its own Node process (fresh heap and JIT, one thread):
//   npm run bench                 every bench below, in order
//   npm run bench -- decode       only the named ones
// Add a bench by adding its entry file here.
import { spawnSync } from 'node:child_process'

const benches: Readonly<Record<string, string>> = {
  decode: 'decode.ts',
  enrich: 'enrich.ts',
  engine: 'engine.ts',
  validate: 'validate/validate.ts'
}

const names = process.argv.slice(2)
const unknown = names.filter((name) => !(name in benches))
if (unknown.length > 0) {
  console.error(`unknown bench: ${unknown.join(', ')}; known: ${Object.keys(benches).join(', ')}`)
  process.exit(2)
}
let failed = 0
for (const name of names.length > 0 ? names : Object.keys(benches)) {
  console.log(`\n== bench ${name}`)
  const file = new URL(benches[name] as string, import.meta.url)
  const { status } = spawnSync(process.execPath, [file.pathname], { stdio: 'inherit' })
  if (status !== 0) failed++
}
process.exitCode = failed === 0 ? 0 : 1
