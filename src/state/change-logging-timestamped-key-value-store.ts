import { ChangeLoggingKeyValueStore } from './change-logging-key-value-store.ts'
import { deriveContext } from './store-context.ts'
import type { ChangelogRecord, StateStoreContext } from './store.ts'
import { rawValue, readTimestamp, timestampedValue } from './value-and-timestamp.ts'

/** Kafka's `ConsumerRecord.NO_TIMESTAMP`, for a restored record whose timestamp the runtime did not pass. */
const NO_TIMESTAMP = -1

/**
 * Change logging for timestamped stores (Kafka's `ChangeLoggingTimestampedKeyValueBytesStore`).
 * The store holds `timestamp + value`; the changelog holds the plain value with the timestamp as
 * the changelog record's timestamp, and restore converts back (Kafka's
 * `RecordConverters.rawValueToTimestampedValue`).
 */
export class ChangeLoggingTimestampedKeyValueStore extends ChangeLoggingKeyValueStore {
  override init(context: StateStoreContext): void {
    super.init(
      deriveContext(context, {
        register: (store, restore) => context.register(store, (batch) => restore(batch.map(toTimestamped))),
      }),
    )
  }

  protected override log(key: Buffer, value: Buffer | null): void {
    const context = this.context()
    if (value === null) context.logChange(this.name, key, null, context.currentTimestamp())
    else context.logChange(this.name, key, rawValue(value), readTimestamp(value))
  }
}

function toTimestamped(record: ChangelogRecord): ChangelogRecord {
  if (record.value === null) return record
  const timestamp = record.timestamp ?? NO_TIMESTAMP
  return { key: record.key, value: timestampedValue(record.value, timestamp), timestamp }
}
