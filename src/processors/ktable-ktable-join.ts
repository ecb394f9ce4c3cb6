import type { ValueAndTimestamp } from '../state/store.ts'
import type { Change, SendOldValues } from './change.ts'
import { reportDroppedRecord } from './expired-window.ts'
import type { ValueJoiner } from './functions.ts'
import type { KTableValueGetter, KTableValueGetterSupplier } from './ktable-value-getter.ts'
import type { Processor, ProcessorContext } from './processor.ts'
import type { Record } from './record.ts'

/**
 * How one side of a table-table join treats a missing row (Kafka's `KTableKTableInnerJoin`,
 * `KTableKTableLeftJoin`, `KTableKTableRightJoin`, `KTableKTableOuterJoin`): `left` is the left
 * side of a left join (its rows always show), `right` the right side of one (joins only where
 * the left row exists, but its own deletes still update the result).
 */
export type TableJoinSide = 'inner' | 'left' | 'right' | 'outer'

/**
 * One side of `KTable.join/leftJoin/outerJoin(table)`: an update of this side's row looks up the
 * other side's current row and forwards the joined change, with the joined old value when old
 * values are sent (so a downstream aggregation can retract it). The result's timestamp is the
 * later of the two rows'. `joiner` takes this side's value first (the DSL reverses the user's
 * joiner for the right side).
 */
export class KTableKTableJoin<K, V, VO, VR> implements Processor<K, Change<V>, K, Change<VR>> {
  private readonly side: TableJoinSide
  private readonly other: KTableValueGetter<K, VO>
  private readonly joiner: ValueJoiner<V | null, VO | null, VR, K>
  private readonly flags: SendOldValues
  private sendOldValues = false
  private context!: ProcessorContext<K, Change<VR>>

  constructor(
    side: TableJoinSide,
    other: KTableValueGetterSupplier<K, VO>,
    joiner: ValueJoiner<V | null, VO | null, VR, K>,
    flags: SendOldValues,
  ) {
    this.side = side
    this.other = other.get()
    this.joiner = joiner
    this.flags = flags
  }

  init(context: ProcessorContext<K, Change<VR>>): void {
    this.context = context
    this.sendOldValues = this.flags.sendOldValues
    this.other.init(context)
  }

  process(record: Record<K, Change<V>>): void {
    const key = record.key
    if (key === null || key === undefined) {
      reportDroppedRecord(this.context, 'Skipping record due to null key', {})
      return
    }
    const { newValue: thisNew, oldValue: thisOld } = record.value
    const row = this.other.get(key)
    const other = row === undefined ? null : row.value
    let newValue: VR | null = null
    let oldValue: VR | null = null
    switch (this.side) {
      case 'inner':
        if (other === null) return
        if (thisNew !== null) newValue = this.joiner(thisNew, other, key)
        if (this.sendOldValues && thisOld !== null) oldValue = this.joiner(thisOld, other, key)
        break
      case 'left':
        if (other === null && thisNew === null && thisOld === null) return
        if (thisNew !== null) newValue = this.joiner(thisNew, other, key)
        if (this.sendOldValues && thisOld !== null) oldValue = this.joiner(thisOld, other, key)
        break
      case 'right':
        // The other side is the left table: without its row there is no result to change.
        if (other === null) return
        newValue = this.joiner(thisNew, other, key)
        if (this.sendOldValues) oldValue = this.joiner(thisOld, other, key)
        break
      case 'outer':
        if (other === null && thisNew === null && thisOld === null) return
        if (other !== null || thisNew !== null) newValue = this.joiner(thisNew, other, key)
        if (this.sendOldValues && (other !== null || thisOld !== null)) oldValue = this.joiner(thisOld, other, key)
        break
    }
    const timestamp = row === undefined ? record.timestamp : Math.max(record.timestamp, row.timestamp)
    this.context.forward(record.withValue({ newValue, oldValue }).withTimestamp(timestamp))
  }
}

/**
 * The joined table's rows computed from both sides' getters (Kafka's join `view()`), so a join
 * result can itself be joined without being stored. `side` is that of the left table.
 */
export function tableJoinValueGetterSupplier<K, V, VO, VR>(
  side: 'inner' | 'left' | 'outer',
  left: KTableValueGetterSupplier<K, V>,
  right: KTableValueGetterSupplier<K, VO>,
  joiner: ValueJoiner<V | null, VO | null, VR, K>,
): KTableValueGetterSupplier<K, VR> {
  return {
    storeNames: () => [...new Set([...left.storeNames(), ...right.storeNames()])],
    get: () => {
      const l = left.get()
      const r = right.get()
      return {
        init(context) {
          l.init(context)
          r.init(context)
        },
        get(key): ValueAndTimestamp<VR> | undefined {
          const a = l.get(key)
          if (a === undefined && side !== 'outer') return undefined
          const b = r.get(key)
          if (b === undefined && (side === 'inner' || a === undefined)) return undefined
          return {
            value: joiner(a === undefined ? null : a.value, b === undefined ? null : b.value, key),
            timestamp: Math.max(a?.timestamp ?? -1, b?.timestamp ?? -1),
          }
        },
      }
    },
  }
}
