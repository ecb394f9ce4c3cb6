package kstreams.bench;

import java.time.Duration;
import java.util.Arrays;
import java.util.Map;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.KStream;
import org.apache.kafka.streams.kstream.KTable;
import org.apache.kafka.streams.kstream.Produced;
import org.apache.kafka.streams.kstream.TimeWindows;
import org.apache.kafka.streams.kstream.WindowedSerdes;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.Stores;

/** The workloads' topologies; each mirrors the one in bench/side-by-side/topologies.ts. */
final class Topologies {
  private static final Serde<String> KEY = Serdes.String();
  private static final Serde<byte[]> VALUE = Serdes.ByteArray();

  static Topology build(String workload, Map<String, String> args) {
    String input = args.get("input");
    String output = args.get("output");
    StreamsBuilder b = new StreamsBuilder();
    KStream<String, byte[]> stream = b.stream(input, Consumed.with(KEY, VALUE));
    switch (workload) {
      case "w1":
      case "w6":
        // Keeps the records whose first value byte is even (half of random bytes), copies the value
        // with that byte flipped.
        stream.filter((k, v) -> (v[0] & 1) == 0).mapValues(Topologies::flipFirst).to(output, Produced.with(KEY, VALUE));
        break;
      case "w2":
      case "w5":
        b.addStateStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore("store"), KEY, Serdes.Long()));
        stream.process(GetPut::new, "store").to(output, Produced.with(KEY, Serdes.Long()));
        break;
      case "w3":
        stream.groupByKey().count().toStream().to(output, Produced.with(KEY, Serdes.Long()));
        break;
      case "w3w":
        stream.groupByKey().windowedBy(TimeWindows.ofSizeWithNoGrace(Duration.ofMillis(1000)).advanceBy(Duration.ofMillis(500)))
            .count().toStream().to(output, Produced.with(WindowedSerdes.timeWindowedSerdeFrom(String.class, 1000L), Serdes.Long()));
        break;
      case "w4":
        KTable<String, byte[]> table = b.table(args.get("table"), Consumed.with(KEY, VALUE));
        stream.leftJoin(table, Topologies::join).to(output, Produced.with(KEY, VALUE));
        break;
      default:
        throw new IllegalArgumentException("unknown workload " + workload);
    }
    return b.build();
  }

  static byte[] flipFirst(byte[] v) {
    byte[] copy = Arrays.copyOf(v, v.length);
    copy[0] ^= 1;
    return copy;
  }

  /** The first half of the stream value followed by the first half of the table value (or the stream value's second half). */
  static byte[] join(byte[] v, byte[] tv) {
    byte[] out = new byte[v.length];
    int half = v.length / 2;
    System.arraycopy(v, 0, out, 0, half);
    byte[] rest = tv != null ? tv : v;
    System.arraycopy(rest, tv != null ? 0 : half, out, half, Math.min(v.length - half, rest.length));
    return out;
  }

  /** W2: a get and a put on a persistent store per record (SimpleBenchmark's streamprocesswithstatestore). */
  static final class GetPut implements Processor<String, byte[], String, Long> {
    private ProcessorContext<String, Long> context;
    private KeyValueStore<String, Long> store;

    @Override public void init(ProcessorContext<String, Long> context) {
      this.context = context;
      this.store = context.getStateStore("store");
    }

    @Override public void process(Record<String, byte[]> record) {
      Long seen = store.get(record.key());
      long next = seen == null ? 1 : seen + 1;
      store.put(record.key(), next);
      context.forward(record.withValue(next));
    }
  }

  private Topologies() { }
}
