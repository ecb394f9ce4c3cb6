import type { Serde } from '../serdes/serde.ts'
import { Serdes } from '../serdes/serdes.ts'

/**
 * How the HTTP server reads one store's keys: `parse` turns the URL text (percent-decoded) into
 * a key — throw for text that is no key, and the request is answered 400 with your message — and
 * `serde` is the serde the store's input was keyed with, whose bytes `queryMetadataForKey` hashes
 * to find the owning instance, as the producer's partitioner did.
 */
export interface StoreKeyFormat<K> {
  readonly parse: (text: string) => K
  readonly serde: Serde<K>
}

/** A store's key format; `K` is inferred from the serde: `storeKey(Serdes.long(), Number)`. */
export function storeKey<K>(serde: Serde<K>, parse: (text: string) => K): StoreKeyFormat<K> {
  return { serde, parse }
}

/** String keys, as written in the URL: the default for every store. */
export const stringKeys: StoreKeyFormat<string> = storeKey(Serdes.string(), (text) => text)

/** Integer keys in decimal (`Serdes.long()` / `Serdes.integer()` keyed stores). */
export function integerKeys(serde: Serde<number> = Serdes.long()): StoreKeyFormat<number> {
  return storeKey(serde, (text) => {
    if (!/^-?\d+$/.test(text)) throw new TypeError(`"${text}" is not an integer`)
    const n = Number(text)
    if (!Number.isSafeInteger(n)) throw new TypeError(`${text} is outside the safe integer range`)
    return n
  })
}
