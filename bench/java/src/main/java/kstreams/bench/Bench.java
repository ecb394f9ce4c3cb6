package kstreams.bench;

import java.io.IOException;
import java.io.InputStream;
import java.util.HashMap;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.processor.StateRestoreListener;

/**
 * The Java contender of `npm run bench` (bench/side-by-side). One process runs one workload and
 * talks to the bench script over stdout/stdin, the same protocol as bench/side-by-side/node-contender.ts:
 * it prints {"event":"started"} right before start(), {"event":"running"} once RUNNING, a
 * figures line for restore/raw-read workloads, and stops when its stdin closes.
 *
 *   java -cp ... kstreams.bench.Bench --workload w1 --brokers b --app-id a --input t --output t
 *        [--table t] [--state-dir d] [--guarantee alos|eos] [--commit-ms 1000]
 */
public final class Bench {
  public static void main(String[] argv) throws Exception {
    Map<String, String> args = new HashMap<>();
    for (int i = 0; i + 1 < argv.length; i += 2) args.put(argv[i].replaceFirst("^--", ""), argv[i + 1]);
    String workload = args.get("workload");
    String brokers = args.get("brokers");
    switch (workload) {
      case "w0":
        RawClients.pipe(brokers, args.get("app-id"), args.get("input"), args.get("output"), Bench::event);
        return;
      case "w5-read":
        RawClients.read(brokers, args.get("input"), Bench::event);
        return;
      default:
        runStreams(workload, args);
    }
  }

  static synchronized void event(String json) {
    System.out.println(json);
    System.out.flush();
  }

  /** Blocks until the bench script closes our stdin (its way of saying stop). */
  static void awaitStdinClosed() {
    try {
      InputStream in = System.in;
      byte[] buf = new byte[64];
      while (in.read(buf) >= 0) { /* nothing to read; EOF is the signal */ }
    } catch (IOException ignored) {
      // A broken pipe means the bench script is gone: stop as well.
    }
  }

  private static void runStreams(String workload, Map<String, String> args) throws Exception {
    Properties props = new Properties();
    props.put(StreamsConfig.APPLICATION_ID_CONFIG, args.get("app-id"));
    props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, args.get("brokers"));
    props.put(StreamsConfig.STATE_DIR_CONFIG, args.get("state-dir"));
    props.put(StreamsConfig.NUM_STREAM_THREADS_CONFIG, 1);
    props.put(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, Integer.parseInt(args.getOrDefault("commit-ms", "1000")));
    // Record caches off, as in kstreams (whose DSL stores cache only when asked): every update is
    // forwarded, so the output count is exact and checkable.
    props.put(StreamsConfig.STATESTORE_CACHE_MAX_BYTES_CONFIG, 0);
    props.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG,
        "eos".equals(args.get("guarantee")) ? StreamsConfig.EXACTLY_ONCE_V2 : StreamsConfig.AT_LEAST_ONCE);

    KafkaStreams streams = new KafkaStreams(Topologies.build(workload, args), props);
    CountDownLatch running = new CountDownLatch(1);
    streams.setStateListener((now, before) -> {
      if (now == KafkaStreams.State.RUNNING) running.countDown();
    });
    AtomicLong restoreStart = new AtomicLong();
    AtomicLong restoreEnd = new AtomicLong();
    AtomicLong restored = new AtomicLong();
    streams.setGlobalStateRestoreListener(new StateRestoreListener() {
      @Override public void onRestoreStart(TopicPartition tp, String store, long start, long end) {
        restoreStart.compareAndSet(0, System.nanoTime());
      }
      @Override public void onBatchRestored(TopicPartition tp, String store, long end, long n) { }
      @Override public void onRestoreEnd(TopicPartition tp, String store, long total) {
        restored.addAndGet(total);
        restoreEnd.set(System.nanoTime());
      }
    });
    streams.setUncaughtExceptionHandler(e -> {
      event("{\"event\":\"error\",\"message\":" + quote(String.valueOf(e)) + "}");
      return org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse.SHUTDOWN_CLIENT;
    });
    event("{\"event\":\"started\"}");
    streams.start();
    running.await();
    event("{\"event\":\"running\"}");
    if (workload.equals("w5")) {
      double ms = (restoreEnd.get() - restoreStart.get()) / 1e6;
      event("{\"event\":\"restored\",\"ms\":" + ms + ",\"records\":" + restored.get() + "}");
    }
    awaitStdinClosed();
    streams.close();
  }

  static String quote(String s) {
    return "\"" + s.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", " ") + "\"";
  }
}
