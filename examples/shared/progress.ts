/**
 * The runners' progress line, once a second: time since the start, then what the app says about
 * the records processed and the rate since the previous line.
 */
export function startProgress(started: number, processed: () => number, describe: (processed: number, rate: number) => string): () => void {
  let last = { at: started, processed: 0 }
  const ticker = setInterval(() => {
    const now = performance.now()
    const count = processed()
    const rate = ((count - last.processed) * 1000) / (now - last.at)
    last = { at: now, processed: count }
    console.log(`${`${Math.round((now - started) / 1000)}s`.padStart(5)}  ${describe(count, rate)}`)
  }, 1000)
  return () => clearInterval(ticker)
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms))
}
