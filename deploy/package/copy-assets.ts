// The second half of `npm run build`: tsc writes JavaScript to dist/ (src/x.ts → dist/src/x.js),
// and this copies what the compiled code reads at run time from beside itself, so that
// `new URL('../../schemas/…', import.meta.url)` finds the same files under dist/ as under the
// source tree: schemas/ and every non-TypeScript file of the compiled folders (e.g. the Maven
// pom the local stack resolves Kafka with).
import { cpSync, existsSync, readFileSync, readdirSync, statSync } from 'node:fs'
import { join, relative } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = fileURLToPath(new URL('../../', import.meta.url))
const out = join(root, 'dist')
// Caches and run directories of the local stack live beside its code; never ship them.
const skipped = new Set(['.cache', '.run', 'node_modules'])

const compiledFolders = (): string[] => {
  const config = JSON.parse(readFileSync(join(root, 'tsconfig.build.json'), 'utf8')) as { include?: string[] }
  return config.include ?? []
}

const copyAssets = (dir: string): number => {
  let copied = 0
  for (const name of readdirSync(dir)) {
    if (skipped.has(name)) continue
    const path = join(dir, name)
    if (statSync(path).isDirectory()) {
      copied += copyAssets(path)
    } else if (!name.endsWith('.ts')) {
      cpSync(path, join(out, relative(root, path)))
      copied += 1
    }
  }
  return copied
}

let copied = 0
for (const folder of compiledFolders()) {
  if (existsSync(join(root, folder))) copied += copyAssets(join(root, folder))
}
cpSync(join(root, 'schemas'), join(out, 'schemas'), { recursive: true })
process.stdout.write(`copied schemas/ and ${copied} other file(s) into dist/\n`)
