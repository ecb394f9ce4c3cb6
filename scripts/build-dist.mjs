// The two steps of `npm run build` around `tsc -p tsconfig.build.json`:
//   clean   remove dist/, so a module deleted from src/ never ships from an old build;
//   assets  copy what src/ reads at run time besides its modules (web-view.html, read beside
//           web-view.js) into the same place under dist/.
// Plain JavaScript: `npm pack` runs it through prepack on whatever Node the packer has.
import { cpSync, readdirSync, rmSync } from 'node:fs'
import { dirname, join, relative } from 'node:path'

const root = join(import.meta.dirname ?? dirname(new URL(import.meta.url).pathname), '..')
const src = join(root, 'src')
const dist = join(root, 'dist')

const step = process.argv[2]
if (step === 'clean') {
  rmSync(dist, { recursive: true, force: true })
} else if (step === 'assets') {
  const assets = readdirSync(src, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile() && !entry.name.endsWith('.ts'))
    .map((entry) => relative(src, join(entry.parentPath, entry.name)))
  for (const asset of assets) cpSync(join(src, asset), join(dist, asset))
  console.log(`[build] copied ${assets.length} asset(s) into dist/: ${assets.join(', ')}`)
} else {
  console.error('usage: node scripts/build-dist.mjs clean|assets')
  process.exit(2)
}
