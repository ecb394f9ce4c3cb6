import type { Predicate } from '../../processors/functions.ts'
import { KStreamBranch } from '../../processors/kstream-branch.ts'
import { PassThrough } from '../../processors/pass-through.ts'
import type { StreamInternals } from './internals.ts'
import { KStream } from './kstream.ts'
import type { BranchOptions } from './options.ts'

/**
 * A branch's key in the result: `<split name><branch name>`, or `<split name><number>` unnamed;
 * just `string` when the split name is generated (then unknown to the compiler).
 */
export type BranchKey<P extends string, N extends string, Unnamed extends string = `${P}${number}`> = string extends P
  ? string
  : [N] extends [never] ? Unnamed : `${P}${N}`

/** The branches of a split by name; with literal names the keys are known to the compiler. */
export type Branches<K, V, Names extends string> = { readonly [B in Names]: KStream<K, V> }

/**
 * The branches of `KStream.split()` being declared (Kafka Streams' `BranchedKStream`). Branch
 * nodes are named `<split name><branch name>` (unnamed branches `<split name><n>` from 1, the
 * default branch `<split name>0`), and the result object uses the same names as keys.
 */
export class BranchedKStream<in out K, in out V, P extends string, Names extends string> {
  readonly #parent: StreamInternals
  readonly #splitterName: string
  /** Shared with the branch processor, which reads them when a task creates it. */
  readonly #predicates: Predicate<K, V>[] = []
  readonly #childNames: string[] = []
  readonly #branches: { [name: string]: KStream<K, V> } = {}
  #ended = false

  /** @internal Made by `KStream.split()`. */
  constructor(parent: StreamInternals, name: string | undefined) {
    this.#parent = parent
    this.#splitterName = parent.builder.nameOr(name, 'KSTREAM-BRANCH-')
    const predicates = this.#predicates
    const childNames = this.#childNames
    parent.builder.topology.addProcessor(this.#splitterName, () => new KStreamBranch(predicates, childNames), parent.name)
  }

  /** Records the predicate accepts (and no earlier branch took) go to this branch. */
  branch<const N extends string = never>(
    predicate: Predicate<K, V>,
    options?: BranchOptions<N>,
  ): BranchedKStream<K, V, P, Names | BranchKey<P, N>> {
    if (this.#ended) throw new TypeError('This split already ended with defaultBranch() or noDefaultBranch()')
    this.#predicates.push(predicate)
    this.#create(options?.name, this.#predicates.length)
    return this as unknown as BranchedKStream<K, V, P, Names | BranchKey<P, N>>
  }

  /** Records no predicate accepted go to this branch; returns all branches. */
  defaultBranch<const N extends string = never>(
    options?: BranchOptions<N>,
  ): Branches<K, V, Names | BranchKey<P, N, `${P}0`>> {
    if (this.#ended) throw new TypeError('This split already ended with defaultBranch() or noDefaultBranch()')
    this.#create(options?.name, 0)
    this.#ended = true
    return this.#branches as unknown as Branches<K, V, Names | BranchKey<P, N, `${P}0`>>
  }

  /** Records no predicate accepted are dropped; returns all branches. */
  noDefaultBranch(): Branches<K, V, Names> {
    this.#ended = true
    return this.#branches as Branches<K, V, Names>
  }

  #create(name: string | undefined, index: number): void {
    const parent = this.#parent
    const childName = this.#splitterName + (name ?? String(index))
    this.#childNames.push(childName)
    // Kafka burns a counter value per branch; doing the same keeps later generated names equal.
    parent.builder.newProcessorName(childName)
    parent.builder.topology.addProcessor(childName, () => new PassThrough(), this.#splitterName)
    this.#branches[childName] = new KStream<K, V>({
      builder: parent.builder,
      name: childName,
      keySerde: parent.keySerde,
      valueSerde: parent.valueSerde,
      repartitionRequired: parent.repartitionRequired,
    })
  }
}

