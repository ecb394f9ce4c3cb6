/**
 * `npm run bench`: every benchmark in this folder, one after another (never part of `npm test`).
 * Each prints its own table; see the header of each script for what it measures.
 */
import { spawnSync } from 'node:child_process'

const scripts = ['bench/engine.ts', 'bench/task.ts', 'bench/kafka-runtime.ts']
let failed = 0
for (const script of scripts) {
  console.log(`\n## ${script}`)
  const run = spawnSync(process.execPath, [script, ...process.argv.slice(2)], { stdio: 'inherit' })
  if (run.status !== 0) failed++
}
process.exitCode = failed > 0 ? 1 : 0
