import type { Serde } from '../../serdes/serde.ts'
import type { Change } from '../change.ts'
import { reportDroppedRecord } from '../expired-window.ts'
import type { ValueMapper } from '../functions.ts'
import type { Processor, ProcessorContext } from '../processor.ts'
import type { Record } from '../record.ts'
import { Instruction, valueHash, type SubscriptionWrapper } from './wrappers.ts'

export interface SubscriptionSendOptions<K, V, KO> {
  readonly foreignKeyExtractor: ValueMapper<V, KO, K>
  readonly foreignKeySerde: Serde<KO>
  /** Serializes left values for their hash; `hashTopic` is the topic name handed to it. */
  readonly valueSerde: Serde<V>
  readonly hashTopic: string
  readonly leftJoin: boolean
}

/**
 * The left table's side of a foreign-key join (Kafka's `SubscriptionSendProcessorSupplier`): each
 * change of a left row becomes subscription records keyed by the foreign key, for the subscription
 * topic. A row whose foreign key changed unsubscribes from the old key and subscribes to the new
 * one; a deleted row unsubscribes. Needs the left table's old values.
 */
export class SubscriptionSend<K, V, KO> implements Processor<K, Change<V>, KO | null, SubscriptionWrapper<K>> {
  private readonly o: SubscriptionSendOptions<K, V, KO>
  private context!: ProcessorContext<KO | null, SubscriptionWrapper<K>>
  private hash: Buffer | null | undefined
  private partition = -1

  constructor(options: SubscriptionSendOptions<K, V, KO>) {
    this.o = options
  }

  init(context: ProcessorContext<KO | null, SubscriptionWrapper<K>>): void {
    this.context = context
    // The task's partition (task id `<subtopology>_<partition>`) is where the left row lives, also
    // when a cache flush forwards the change outside of any input record.
    const partition = Number(context.taskId.slice(context.taskId.lastIndexOf('_') + 1))
    this.partition = Number.isInteger(partition) ? partition : -1
  }

  process(record: Record<K, Change<V>>): void {
    this.hash = undefined
    if (this.o.leftJoin) this.leftJoinInstructions(record)
    else this.innerJoinInstructions(record)
  }

  private leftJoinInstructions(record: Record<K, Change<V>>): void {
    const { newValue, oldValue } = record.value
    if (oldValue === null && newValue === null) return
    const oldForeignKey = this.foreignKey(record.key, oldValue)
    const newForeignKey = this.foreignKey(record.key, newValue)
    if (oldForeignKey !== null && this.changed(newForeignKey, oldForeignKey)) {
      this.send(record, oldForeignKey, Instruction.DELETE_KEY_NO_PROPAGATE)
    }
    // Always ask for an answer, even for a delete or a null foreign key (sent with a null key,
    // subscribing to nothing): a left join must produce a result in every case.
    this.send(record, newForeignKey, Instruction.PROPAGATE_NULL_IF_NO_FK_VAL_AVAILABLE)
  }

  private innerJoinInstructions(record: Record<K, Change<V>>): void {
    const { newValue, oldValue } = record.value
    const oldForeignKey = this.foreignKey(record.key, oldValue)
    if (newValue === null) {
      if (oldForeignKey !== null) this.send(record, oldForeignKey, Instruction.DELETE_KEY_AND_PROPAGATE)
      return
    }
    const newForeignKey = this.foreignKey(record.key, newValue)
    if (newForeignKey === null) {
      reportDroppedRecord(this.context, 'Skipping record due to null foreign key', {})
      if (oldForeignKey !== null) this.send(record, oldForeignKey, Instruction.DELETE_KEY_AND_PROPAGATE)
      return
    }
    if (oldForeignKey === null) {
      // A new row: no earlier result to overwrite, so an answer is needed only if it joins.
      this.send(record, newForeignKey, Instruction.PROPAGATE_ONLY_IF_FK_VAL_AVAILABLE)
    } else if (this.changed(newForeignKey, oldForeignKey)) {
      this.send(record, oldForeignKey, Instruction.DELETE_KEY_NO_PROPAGATE)
      this.send(record, newForeignKey, Instruction.PROPAGATE_NULL_IF_NO_FK_VAL_AVAILABLE)
    } else {
      // Same foreign key: if it does not join now, the old row did not either.
      this.send(record, newForeignKey, Instruction.PROPAGATE_ONLY_IF_FK_VAL_AVAILABLE)
    }
  }

  private foreignKey(key: K, value: V | null): KO | null {
    if (value === null) return null
    const fk = this.o.foreignKeyExtractor(value, key)
    return fk === undefined ? null : fk
  }

  private changed(newForeignKey: KO | null, oldForeignKey: KO): boolean {
    if (newForeignKey === null) return true
    const topic = this.o.hashTopic
    return !this.o.foreignKeySerde.serialize(topic, newForeignKey).equals(this.o.foreignKeySerde.serialize(topic, oldForeignKey))
  }

  private send(record: Record<K, Change<V>>, foreignKey: KO | null, instruction: Instruction): void {
    if (this.hash === undefined) {
      const value = record.value.newValue
      this.hash = value === null ? null : valueHash(this.o.valueSerde.serialize(this.o.hashTopic, value))
    }
    const wrapper = { hash: this.hash, instruction, primaryKey: record.key, primaryPartition: this.partition }
    this.context.forward(record.withKey(foreignKey).withValue(wrapper))
  }
}
