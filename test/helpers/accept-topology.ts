import type { ProcessorContext } from '../../src/processors/processor.ts'
import type { Record } from '../../src/processors/record.ts'
import { Serdes } from '../../src/serdes/serdes.ts'
import { Topology } from '../../src/topology/topology.ts'

/** input → accept (throws on a value in `poison`) → output: the dead-letter tests' small app. */
export function acceptTopology(input: string, output: string, poison: ReadonlySet<string>): Topology {
  return new Topology()
    .addSource('orders-source', input, { keySerde: Serdes.string(), valueSerde: Serdes.string() })
    .addProcessor('accept', () => {
      let ctx: ProcessorContext<string, string>
      return {
        init: (c: ProcessorContext<string, string>) => void (ctx = c),
        process(r: Record<string, string>) {
          if (poison.has(r.value)) throw new Error(`cannot accept ${r.value}`)
          ctx.forward(r)
        },
      }
    }, 'orders-source')
    .addSink('accepted-sink', output, { keySerde: Serdes.string(), valueSerde: Serdes.string() }, 'accept')
}
