/** Stopping a runner: on Ctrl-C or SIGTERM, or when it is done, close the app and the server, then exit. */
export interface Shutdown {
  /** True once stopping began: waits give up. */
  readonly stopping: boolean
  stop(code: number): Promise<never>
}

export function onShutdown(close: () => Promise<void>): Shutdown {
  const shutdown = {
    stopping: false,
    async stop(code: number): Promise<never> {
      shutdown.stopping = true
      await close()
      process.exit(code)
    },
  }
  process.once('SIGINT', () => void shutdown.stop(130))
  process.once('SIGTERM', () => void shutdown.stop(143))
  return shutdown
}

/** Keeps the process running (serving) until a signal stops it. */
export function forever(): Promise<never> {
  return new Promise(() => {})
}
