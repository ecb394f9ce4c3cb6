#!/usr/bin/env node
// `npx kstreams-dlq replay --brokers ... --application-id ...` (see docs/error-handling.md).
// Plain JavaScript: the command itself is TypeScript, which Node runs directly from 22.18 / 23.6
// on; an older Node (>= 22.12) gets --experimental-strip-types in a child process.
import { spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'

const entry = fileURLToPath(new URL('../src/runtime/dlq-replay-cli.ts', import.meta.url))

if (process.features.typescript) {
  const { main } = await import(entry)
  process.exitCode = await main(process.argv.slice(2))
} else {
  const runner = `import(${JSON.stringify(entry)}).then(async ({ main }) => { process.exitCode = await main(process.argv.slice(1)) })`
  const child = spawn(process.execPath, ['--experimental-strip-types', '--no-warnings', '--input-type=module', '-e', runner, '--', ...process.argv.slice(2)], { stdio: 'inherit' })
  child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)))
}
