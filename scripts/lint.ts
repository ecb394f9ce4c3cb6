/**
 * The project's own lint: the rules a generic linter cannot express and that keep the
 * architecture honest (DESIGN.md, "Layers"). Kept dependency-free on purpose: `tsc` already does
 * the type-level linting, so an ESLint tool chain would add weight for little.
 *
 *  1. imports point one way: runtime → topology → processors → state / serdes; only runtime/
 *     (and client/ itself) may import client/; instrumentation/ is a leaf everyone may use;
 *  2. no `export *` anywhere in src/ (the public API is curated in src/index.ts);
 *  3. relative imports name the `.ts` file, so Node can run the sources directly;
 *  4. files stay about one concept: over 300 lines warns, over 450 fails.
 */
import { readFileSync, readdirSync, statSync } from 'node:fs'
import { dirname, join, relative, resolve, sep } from 'node:path'

const root = resolve(import.meta.dirname, '..')

/** Which src/ areas each area may import. */
const allowed: { readonly [area: string]: ReadonlyArray<string> } = {
  serdes: ['serdes', 'instrumentation'],
  state: ['state', 'serdes', 'instrumentation'],
  processors: ['processors', 'state', 'serdes', 'instrumentation'],
  topology: ['topology', 'processors', 'state', 'serdes', 'instrumentation'],
  client: ['client', 'instrumentation'],
  runtime: ['runtime', 'client', 'topology', 'processors', 'state', 'serdes', 'instrumentation'],
  testing: ['testing', 'runtime', 'client', 'topology', 'processors', 'state', 'serdes', 'instrumentation'],
  instrumentation: ['instrumentation'],
  // The HTTP endpoint and web view (subpath export `kstreams/http`) sit on top of everything: they
  // read the runtime's public surface and the metrics; nothing imports them, src/index.ts included.
  http: ['http', 'runtime', 'topology', 'state', 'serdes', 'instrumentation'],
}

function walk(dir: string, out: string[] = []): string[] {
  for (const name of readdirSync(dir)) {
    if (name === 'node_modules' || name.startsWith('.')) continue
    const path = join(dir, name)
    if (statSync(path).isDirectory()) walk(path, out)
    else if (path.endsWith('.ts')) out.push(path)
  }
  return out
}

const importPattern = /(?:^|\n)\s*(?:import|export)\s[^'"]*?from\s+['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/g
const errors: string[] = []
const warnings: string[] = []

const dirs = ['src', 'test', 'examples', 'bench', 'scripts', 'chaos'].map((d) => join(root, d))
for (const dir of dirs) {
  let files: string[]
  try {
    files = walk(dir)
  } catch {
    continue
  }
  for (const file of files) {
    const rel = relative(root, file)
    const text = readFileSync(file, 'utf8')
    const lines = text.split('\n').length
    if (lines > 450) errors.push(`${rel}: ${lines} lines; split it (one concept per file)`)
    else if (lines > 300) warnings.push(`${rel}: ${lines} lines (aim for about 300)`)

    const inSrc = rel.startsWith(`src${sep}`)
    if (inSrc && /(^|\n)\s*export\s+\*/.test(text)) errors.push(`${rel}: \`export *\` of internals; export names explicitly`)

    const area = inSrc ? rel.split(sep)[1] : undefined
    for (const match of text.matchAll(importPattern)) {
      const spec = match[1] ?? match[2]
      if (!spec || !spec.startsWith('.')) continue
      if (!/\.(ts|json)$/.test(spec)) errors.push(`${rel}: relative import "${spec}" must name the .ts file`)
      if (area?.endsWith('.ts') && /(^|\/)http\//.test(spec)) errors.push(`${rel}: http/ is the \`kstreams/http\` subpath export; keep it out of ${area}`)
      if (!area || area.endsWith('.ts')) continue // src/index.ts may import anything else
      const target = relative(join(root, 'src'), resolve(dirname(file), spec))
      const targetArea = target.split(sep)[0]
      if (!targetArea || target.startsWith('..') || targetArea.endsWith('.ts')) {
        if (targetArea === 'index.ts') errors.push(`${rel}: internal code must not import the public entry point`)
        continue
      }
      const ok = allowed[area]
      if (ok && !ok.includes(targetArea)) errors.push(`${rel}: ${area}/ must not import ${targetArea}/ ("${spec}")`)
    }
  }
}

for (const w of warnings) console.warn(`warn  ${w}`)
for (const e of errors) console.error(`error ${e}`)
console.log(`lint: ${errors.length} error(s), ${warnings.length} warning(s)`)
process.exitCode = errors.length > 0 ? 1 : 0
