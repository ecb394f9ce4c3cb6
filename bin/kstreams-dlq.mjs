#!/usr/bin/env node
// `npx kstreams-dlq replay --brokers ... --application-id ...` (see docs/error-handling.md).
// Plain JavaScript, so it starts on any Node. Installed (under node_modules), it runs the built
// command in dist/: Node never strips types there. In the repo it runs the TypeScript source, so it
// needs no build: directly where Node strips types (22.18 / 23.6 on), else (>= 22.12) in a child
// process with --experimental-strip-types.
import { spawn } from 'node:child_process'
import { existsSync, realpathSync } from 'node:fs'
import { sep } from 'node:path'
import { fileURLToPath } from 'node:url'

const here = realpathSync(fileURLToPath(import.meta.url))
const source = fileURLToPath(new URL('../src/runtime/dlq-replay-cli.ts', import.meta.url))
const built = fileURLToPath(new URL('../dist/runtime/dlq-replay-cli.js', import.meta.url))
const installed = here.split(sep).includes('node_modules') || !existsSync(source)
const entry = installed ? built : source

if (installed || process.features.typescript) {
  const { main } = await import(entry)
  process.exitCode = await main(process.argv.slice(2))
} else {
  const runner = `import(${JSON.stringify(entry)}).then(async ({ main }) => { process.exitCode = await main(process.argv.slice(1)) })`
  const child = spawn(process.execPath, ['--experimental-strip-types', '--no-warnings', '--input-type=module', '-e', runner, '--', ...process.argv.slice(2)], { stdio: 'inherit' })
  child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)))
}
