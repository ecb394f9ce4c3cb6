import type { KeyValue, KeyValueBytesStore, KeyValueIterator, StateStoreContext } from './store.ts'

/**
 * Base of the bytes-level decorators (change logging, caching): forwards everything to the
 * wrapped store; subclasses override the writes they intercept.
 */
export abstract class WrappedKeyValueBytesStore implements KeyValueBytesStore {
  readonly wrapped: KeyValueBytesStore

  constructor(wrapped: KeyValueBytesStore) {
    this.wrapped = wrapped
  }

  get name(): string {
    return this.wrapped.name
  }

  get persistent(): boolean {
    return this.wrapped.persistent
  }

  async open(context: StateStoreContext): Promise<void> {
    await this.wrapped.open?.(context)
  }

  init(context: StateStoreContext): void {
    this.wrapped.init(context)
  }

  flush(): void {
    this.wrapped.flush()
  }

  close(): void {
    this.wrapped.close()
  }

  isOpen(): boolean {
    return this.wrapped.isOpen()
  }

  get(key: Buffer): Buffer | undefined {
    return this.wrapped.get(key)
  }

  put(key: Buffer, value: Buffer | null): void {
    this.wrapped.put(key, value)
  }

  putIfAbsent(key: Buffer, value: Buffer): Buffer | undefined {
    return this.wrapped.putIfAbsent(key, value)
  }

  putAll(entries: ReadonlyArray<KeyValue<Buffer, Buffer | null>>): void {
    this.wrapped.putAll(entries)
  }

  delete(key: Buffer): Buffer | undefined {
    return this.wrapped.delete(key)
  }

  range(from: Buffer | undefined, to: Buffer | undefined): KeyValueIterator<Buffer, Buffer> {
    return this.wrapped.range(from, to)
  }

  reverseRange(from: Buffer | undefined, to: Buffer | undefined): KeyValueIterator<Buffer, Buffer> {
    return this.wrapped.reverseRange(from, to)
  }

  all(): KeyValueIterator<Buffer, Buffer> {
    return this.wrapped.all()
  }

  reverseAll(): KeyValueIterator<Buffer, Buffer> {
    return this.wrapped.reverseAll()
  }

  prefixScan<P>(prefix: P, prefixSerializer: { serialize(topic: string, value: P): Buffer }): KeyValueIterator<Buffer, Buffer> {
    return this.wrapped.prefixScan(prefix, prefixSerializer)
  }

  approximateNumEntries(): number {
    return this.wrapped.approximateNumEntries()
  }
}
