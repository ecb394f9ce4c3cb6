/** How a chaos run is printed: what it did, the load, the instances, and the verdict. */
import type { RunReport } from './harness.ts'
import { formatVerdict, num } from './verifier/verdict.ts'

export function formatReport(scenario: string, r: RunReport): string {
  const lines = [`chaos ${scenario} (${r.app}, ${r.tag}): ${r.seconds.toFixed(0)} s`]
  lines.push(`  faults injected: ${r.faults.length}`)
  for (const f of r.faults) {
    lines.push(`    ${`${f.t.toFixed(1)}s`.padStart(7)}  ${f.what}; committed output ${num(f.outputBefore)} → ${f.outputAfter === undefined ? '?' : num(f.outputAfter)}${f.openTransactions ? ` (${f.openTransactions} partitions mid-transaction)` : ''}`)
  }
  const kinds = Object.entries(r.load.kinds).sort(([a], [b]) => (a < b ? -1 : 1)).map(([k, n]) => `${k} ${num(n)}`).join(' · ')
  lines.push(`  load: ${num(r.load.sent)} records in${r.load.failed ? ` (${num(r.load.failed)} more dropped with failed transactions)` : ''}: ${kinds}`)
  lines.push(`  records out (committed): ${num(r.verdict.counts.outputs ?? 0)}`)
  for (const i of r.instances) {
    lines.push(`  ${i.name.padEnd(4)} pid ${i.pid}: processed ${num(i.processed)}, restored ${num(i.restored)} records, ${i.wiped} task states wiped, ${i.fenced} fencing lines, exit ${i.exit}`)
  }
  for (const e of r.unexpectedExits) lines.push(`  UNEXPECTED EXIT: ${e}`)
  lines.push(formatVerdict(r.verdict))
  return lines.join('\n')
}
