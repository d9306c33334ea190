// `parcel-risk run`: the stream processor. Configuration comes from the environment (see the
// README's configuration table); the process runs until SIGTERM or SIGINT.
export const main = async (argv: readonly string[]): Promise<number> => {
  if (argv.includes('--help') || argv.includes('-h')) {
    console.log([
      'usage: parcel-risk run',
      '',
      'Consumes declarations, decides, publishes decisions and dead letters until SIGTERM/SIGINT.',
      'Configured through environment variables (and PARCEL_RISK_CONFIG_FILE); see the README.',
      'Exit codes: 0 clean shutdown, 1 fatal error or shutdown overran its bound, 2 invalid configuration,',
      '3 refused by a secured service at start-up (authentication, ACL or TLS; the log line names the code).'
    ].join('\n'))
    return 0
  }
  if (argv.length > 0) {
    console.error(`parcel-risk run: unexpected argument '${argv[0]}' (configuration comes from the environment)`)
    return 2
  }
  const { run } = await import('../main.ts')
  const code = await run()
  // After a shutdown, or a start-up that failed half-way (HTTP server listening, clients
  // connected), kafkajs and ioredis may hold timers and sockets open; the process is done.
  process.exit(code)
}
