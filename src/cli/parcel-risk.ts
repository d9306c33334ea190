#!/usr/bin/env node
// parcel-risk: one binary, one sub-command per file in this folder.
// Exit codes: 0 ok, 1 findings (e.g. failing rule tests), 2 usage or config error,
// 3 refused by a secured service (authentication, ACL, TLS: src/refusals.ts),
// 4 a dependency stayed unavailable through the command's retries (E_KAFKA_UNAVAILABLE).
import { isParcelRiskError } from '../errors.ts'
import { classifyRefusal, EXIT_REFUSED } from '../refusals.ts'
import { commands, usage } from './commands.ts'

/** Errors that mean a service the command needs stayed down through its retries: exit 4. */
const DEPENDENCY_UNAVAILABLE: ReadonlySet<string> = new Set(['E_KAFKA_UNAVAILABLE'])

const main = async (argv: readonly string[]): Promise<number> => {
  const [name, ...rest] = argv
  if (name === undefined || name === '-h' || name === '--help' || name === 'help') {
    process.stdout.write(usage())
    return name === undefined ? 2 : 0
  }
  const command = commands.find((c) => c.name === name)
  if (command === undefined) {
    process.stderr.write(`parcel-risk: unknown command '${name}'\n\n${usage()}`)
    return 2
  }
  const load = await command.load()
  return await load(rest)
}

main(process.argv.slice(2)).then(
  (code) => { process.exitCode = code },
  (thrown: unknown) => {
    const refusal = classifyRefusal(thrown)
    const err = refusal ?? thrown
    const code = isParcelRiskError(err) ? `${err.code}: ` : ''
    process.stderr.write(`parcel-risk: ${code}${err instanceof Error ? err.message : String(err)}\n`)
    const unavailable = isParcelRiskError(err) && DEPENDENCY_UNAVAILABLE.has(err.code)
    process.exitCode = refusal !== undefined ? EXIT_REFUSED : unavailable ? 4 : 2
  }
)
