package kstreams.bench;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.function.Consumer;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/** W0 (a raw consumer → producer pipe, SimpleBenchmark's consumeproduce) and W5's raw changelog read. */
final class RawClients {
  private static Properties consumerProps(String brokers) {
    Properties p = new Properties();
    p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, brokers);
    p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
    p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
    p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    // What Kafka Streams sets for its own consumer.
    p.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 1000);
    return p;
  }

  static void pipe(String brokers, String group, String input, String output, Consumer<String> event) {
    Properties c = consumerProps(brokers);
    c.put(ConsumerConfig.GROUP_ID_CONFIG, group);
    // Offsets committed once a second, like the streams contenders' commit interval.
    c.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, true);
    c.put(ConsumerConfig.AUTO_COMMIT_INTERVAL_MS_CONFIG, 1000);
    Properties p = new Properties();
    p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, brokers);
    p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
    p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
    // Kafka Streams' producer default.
    p.put(ProducerConfig.LINGER_MS_CONFIG, 100);
    Thread stopper = stopOnStdinClose();
    event.accept("{\"event\":\"started\"}");
    try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(c); KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(p)) {
      consumer.subscribe(List.of(input));
      boolean announced = false;
      while (stopper.isAlive()) {
        ConsumerRecords<byte[], byte[]> records = consumer.poll(Duration.ofMillis(100));
        if (!announced && !consumer.assignment().isEmpty()) {
          event.accept("{\"event\":\"running\"}");
          announced = true;
        }
        for (ConsumerRecord<byte[], byte[]> r : records) {
          producer.send(new ProducerRecord<>(output, r.partition(), r.timestamp(), r.key(), r.value()));
        }
      }
    }
  }

  static void read(String brokers, String topic, Consumer<String> event) {
    try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(consumerProps(brokers))) {
      List<TopicPartition> partitions = new ArrayList<>();
      for (PartitionInfo info : consumer.partitionsFor(topic)) partitions.add(new TopicPartition(topic, info.partition()));
      Map<TopicPartition, Long> ends = consumer.endOffsets(partitions);
      long start = System.nanoTime();
      consumer.assign(partitions);
      consumer.seekToBeginning(partitions);
      long records = 0;
      for (;;) {
        records += consumer.poll(Duration.ofMillis(100)).count();
        boolean done = true;
        for (TopicPartition tp : partitions) if (consumer.position(tp) < ends.get(tp)) done = false;
        if (done) break;
      }
      double ms = (System.nanoTime() - start) / 1e6;
      event.accept("{\"event\":\"read\",\"ms\":" + ms + ",\"records\":" + records + "}");
    }
    Bench.awaitStdinClosed();
  }

  private static Thread stopOnStdinClose() {
    Thread t = new Thread(Bench::awaitStdinClosed, "stdin-watch");
    t.setDaemon(true);
    t.start();
    return t;
  }

  private RawClients() { }
}
