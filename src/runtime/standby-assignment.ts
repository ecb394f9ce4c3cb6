/**
 * Places standby tasks (Kafka Streams' `StandbyTaskAssignor`): each stateful task gets up to
 * `replicas` standbys, never on its active owner nor twice on one member; a member already
 * holding the task's state is preferred (furthest along first), then the member with the fewest
 * tasks (active + standby), then member order. Fewer members than `replicas + 1` means fewer standbys.
 */
export function assignStandbys(input: {
  readonly members: ReadonlyArray<string>
  readonly tasks: ReadonlyArray<string>
  readonly owner: ReadonlyMap<string, string>
  readonly replicas: number
  readonly offset: (member: string, task: string) => number | undefined
  readonly load: ReadonlyMap<string, ReadonlyArray<string>>
}): Map<string, string[]> {
  const out = new Map<string, string[]>(input.members.map((m) => [m, []]))
  if (input.replicas <= 0) return out
  const count = (m: string): number => input.load.get(m)!.length + out.get(m)!.length
  for (const task of input.tasks) {
    for (let r = 0; r < input.replicas; r++) {
      const candidates = input.members.filter((m) => m !== input.owner.get(task) && !out.get(m)!.includes(task))
      if (candidates.length === 0) break
      const best = candidates.reduce((a, b) => (better(b, a, task) ? b : a))
      out.get(best)!.push(task)
    }
  }
  return out

  function better(a: string, b: string, task: string): boolean {
    const oa = input.offset(a, task)
    const ob = input.offset(b, task)
    if (oa !== undefined || ob !== undefined) {
      if (ob === undefined) return true
      if (oa === undefined) return false
      if (oa !== ob) return oa > ob
    }
    return count(a) < count(b)
  }
}

export function compareTaskIds(a: string, b: string): number {
  const [sa, pa] = a.split('_').map(Number) as [number, number]
  const [sb, pb] = b.split('_').map(Number) as [number, number]
  return sa - sb || pa - pb
}
