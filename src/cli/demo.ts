// `parcel-risk demo`, for now: start the local stack and print the environment to use.
// The live demo (processor, synthetic stream, terminal summary) builds on this.
import { silenceKafkajsTimeoutWarning } from '../ingest/node-warnings.ts'
import { up } from '../../deploy/local/stack.ts'

export const main = async (argv: readonly string[]): Promise<number> => {
  if (argv.includes('--help') || argv.includes('-h')) {
    console.log('usage: parcel-risk demo\n\nStarts the local stack (Kafka, schema registry, Redis) and prints the environment to use.')
    return 0
  }
  silenceKafkajsTimeoutWarning()
  const started = Date.now()
  const result = await up(undefined, (line) => console.error(line))
  console.log(`\nlocal stack ready in ${((Date.now() - started) / 1000).toFixed(1)} s${result.started.length > 0 ? ` (started: ${result.started.join(', ')})` : ' (already running)'}`)
  for (const [key, value] of Object.entries(result.env)) console.log(`export ${key}=${value}`)
  console.log('\nStop it with: npm run stack -- down')
  return 0
}
