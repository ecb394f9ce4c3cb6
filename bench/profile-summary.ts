/**
 * Summarises a V8 .cpuprofile (from `node --cpu-prof`): self time per function and, with
 * `--inclusive`, total time (the function anywhere on the stack, counted once per sample).
 *
 *   node bench/profile-summary.ts <file.cpuprofile> [--top 30] [--inclusive]
 */
import { readFileSync } from 'node:fs'
import { parseArgs } from 'node:util'

interface CallFrame { functionName: string; url: string; lineNumber: number }
interface ProfileNode { id: number; callFrame: CallFrame; children?: number[] }
interface Profile { nodes: ProfileNode[]; samples: number[]; timeDeltas: number[] }

const { values: args, positionals } = parseArgs({
  allowPositionals: true,
  options: { top: { type: 'string', default: '30' }, inclusive: { type: 'boolean', default: false } },
})
const file = positionals[0]
if (file === undefined) throw new Error('usage: profile-summary.ts <file.cpuprofile> [--top N] [--inclusive]')
const top = Number(args.top)
const profile = JSON.parse(readFileSync(file, 'utf8')) as Profile

const byId = new Map(profile.nodes.map((n) => [n.id, n]))
const parent = new Map<number, number>()
for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id)

function label(node: ProfileNode): string {
  const f = node.callFrame
  const where = f.url ? ` ${f.url.replace(/^file:\/\//, '').replace(/^.*\/(src|bench|node_modules)\//, '$1/')}:${f.lineNumber + 1}` : ''
  return `${f.functionName || '(anonymous)'}${where}`
}

const self = new Map<string, number>()
const inclusive = new Map<string, number>()
let total = 0
for (let i = 0; i < profile.samples.length; i++) {
  const dt = profile.timeDeltas[i] ?? 0
  total += dt
  let id: number | undefined = profile.samples[i]!
  const leaf = label(byId.get(id)!)
  self.set(leaf, (self.get(leaf) ?? 0) + dt)
  if (!args.inclusive) continue
  const seen = new Set<string>()
  for (; id !== undefined; id = parent.get(id)) {
    const l = label(byId.get(id)!)
    if (seen.has(l)) continue
    seen.add(l)
    inclusive.set(l, (inclusive.get(l) ?? 0) + dt)
  }
}

function print(title: string, table: Map<string, number>): void {
  console.log(`\n${title} (total ${(total / 1e3).toFixed(0)} ms sampled)`)
  for (const [name, us] of [...table].sort((a, b) => b[1] - a[1]).slice(0, top)) {
    console.log(`${(us / 1e3).toFixed(0).padStart(7)} ms ${((us / total) * 100).toFixed(1).padStart(5)}%  ${name}`)
  }
}
print('self time', self)
if (args.inclusive) print('inclusive time', inclusive)
