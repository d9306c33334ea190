// kafkajs 2.2.4 computes a negative delay in RequestQueue.scheduleCheckPendingRequests
// (throttledUntil starts at -1), which Node 24 reports as a TimeoutNegativeWarning on every
// connection (kafkajs#1751, unfixed upstream). Node clamps the delay to 1 ms, which is what
// kafkajs meant, so the warning is noise. Only that warning, and only from kafkajs's request
// queue, is dropped; every other warning still reaches stderr.
let installed = false

export const silenceKafkajsTimeoutWarning = (): void => {
  if (installed) return
  installed = true
  const defaults = process.listeners('warning')
  process.removeAllListeners('warning')
  process.on('warning', (warning) => {
    if (warning.name === 'TimeoutNegativeWarning' && (warning.stack ?? '').includes('requestQueue')) return
    if (warning.name === 'TimeoutNegativeWarning' && /^-1\d{12}\b/.test(warning.message)) return
    for (const listener of defaults) listener.call(process, warning)
  })
}
