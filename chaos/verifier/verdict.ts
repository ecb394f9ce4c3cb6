/** What a verifier returns: each invariant with its counts, and the verdict over all of them. */

export interface Invariant {
  readonly name: string
  readonly ok: boolean
  /** The counts behind the verdict, and a few examples when it fails. */
  readonly detail: string
}

export interface Verdict {
  readonly app: 'payments' | 'auction'
  readonly ok: boolean
  readonly invariants: ReadonlyArray<Invariant>
  /** Records read per topic (committed only). */
  readonly records: { readonly [topic: string]: number }
  /** Figures a scenario may assert on (inputs, outcomes, dead letters, ...). */
  readonly counts: { readonly [what: string]: number }
}

export function verdict(app: Verdict['app'], invariants: Invariant[], records: Verdict['records'], counts: Verdict['counts']): Verdict {
  return { app, ok: invariants.every((i) => i.ok), invariants, records, counts }
}

export const sample = (list: ReadonlyArray<string>, n = 3): string => (list.length === 0 ? '' : `; e.g. ${list.slice(0, n).join('; ')}`)
export const num = (n: number): string => n.toLocaleString('en-US')

export function formatVerdict(v: Verdict): string {
  const lines = [`verdict (${v.app}): ${v.ok ? 'PASS' : 'FAIL'}`]
  for (const i of v.invariants) lines.push(`  ${i.ok ? '✔' : '✘'} ${i.name}: ${i.detail}`)
  lines.push(`  records read (read_committed): ${Object.entries(v.records).map(([t, n]) => `${t} ${num(n)}`).join(' · ')}`)
  return lines.join('\n')
}
