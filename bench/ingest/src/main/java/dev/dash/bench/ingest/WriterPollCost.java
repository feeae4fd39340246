package dev.dash.bench.ingest;

import dev.dash.model.envelope.RawEnvelope;
import dev.dash.model.envelope.RawRecordCodec;
import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * What the Silver writer's fetch settings cost and save at a steady rate of single events (issue 19, item 3;
 * issue-consumers): a producer as the ingest API's ({@code linger.ms=1}, acks=all, idempotent) sends {@code rate}
 * records a second, one at a time, to a topic of its own; a consumer with the writer's settings ({@code
 * max.poll.records} 2000, read_committed, 50 ms poll timeout) and the {@code fetch.min.bytes}/{@code
 * fetch.max.wait.ms} pair under test polls them for {@code seconds} (after 5 s of warm-up). Per pair: the consumer
 * thread's CPU and allocation per event and per poll (ThreadMXBean, exact), records per poll, and the delay from a
 * record's timestamp (the producer's send) to the poll that returned it, p50/p99/max: what the setting adds on every
 * event's way to live dashboards. The pairs alternate, twice each.
 *
 * <pre>
 * java -cp "$(cat bench/ingest/target/classpath.txt):bench/ingest/target/classes" dev.dash.bench.ingest.WriterPollCost \
 *   127.0.0.1:19092 3000 20 1/50 16384/10 65536/20
 * </pre>
 */
public final class WriterPollCost {
    private static final com.sun.management.ThreadMXBean THREADS =
            (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();

    private WriterPollCost() {}

    public static void main(String[] args) throws Exception {
        String kafka = args[0];
        int rate = Integer.parseInt(args[1]);
        int seconds = Integer.parseInt(args[2]);
        String[] pairs = Arrays.copyOfRange(args, 3, args.length);
        String topic = "writer-poll-cost-" + UUID.randomUUID() + ".raw";
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", kafka))) {
            admin.createTopics(List.of(new NewTopic(topic, 1, (short) 1))).all().get();
        }
        List<RawEnvelope> envelopes = RawFormats.envelopes("sensor-reading", null, 4096, true);
        List<RawRecordCodec.Encoded> encoded = new ArrayList<>();
        for (RawEnvelope e : envelopes) {
            encoded.add(RawRecordCodec.encode(e));
        }
        String key = envelopes.get(0).pipelineId().toString();
        Map<String, Object> producerProps = new HashMap<>();
        producerProps.put("bootstrap.servers", kafka);
        producerProps.put("acks", "all");
        producerProps.put("enable.idempotence", "true");
        producerProps.put("linger.ms", "1");
        producerProps.put("client.id", "writer-poll-cost-raw");
        AtomicBoolean running = new AtomicBoolean(true);
        KafkaProducer<String, byte[]> producer =
                new KafkaProducer<>(producerProps, new StringSerializer(), new ByteArraySerializer());
        Thread feeder = new Thread(
                () -> {
                    long start = System.nanoTime();
                    long sent = 0;
                    while (running.get()) {
                        long due = (System.nanoTime() - start) * rate / 1_000_000_000L;
                        while (sent < due) {
                            RawRecordCodec.Encoded r = encoded.get((int) (sent % encoded.size()));
                            producer.send(new ProducerRecord<>(
                                    topic, 0, System.currentTimeMillis(), key, r.value(), r.headers()));
                            sent++;
                        }
                        try {
                            Thread.sleep(0, 200_000);
                        } catch (InterruptedException e) {
                            return;
                        }
                    }
                },
                "feeder");
        feeder.setDaemon(true);
        feeder.start();
        System.out.printf(
                "# %d events/s for %d s per pair (after 5 s warm-up), pairs fetch.min.bytes/fetch.max.wait.ms%n",
                rate, seconds);
        try {
            for (int round = 0; round < 2; round++) {
                for (String pair : pairs) {
                    measure(kafka, topic, pair, seconds, rate);
                }
            }
        } finally {
            running.set(false);
            feeder.join(1000);
            producer.close(Duration.ofSeconds(5));
            try (Admin admin = Admin.create(Map.of("bootstrap.servers", kafka))) {
                admin.deleteTopics(List.of(topic)).all().get();
            }
        }
    }

    private static void measure(String kafka, String topic, String pair, int seconds, int rate) {
        String[] p = pair.split("/");
        Map<String, Object> props = new HashMap<>();
        props.put("bootstrap.servers", kafka);
        props.put("group.id", topic + "-" + UUID.randomUUID());
        props.put("enable.auto.commit", "false");
        props.put("auto.offset.reset", "latest");
        props.put("isolation.level", "read_committed");
        props.put("max.poll.records", "2000");
        props.put("fetch.min.bytes", p[0]);
        props.put("fetch.max.wait.ms", p[1]);
        long self = Thread.currentThread().getId();
        try (KafkaConsumer<String, byte[]> c =
                new KafkaConsumer<>(props, new StringDeserializer(), new ByteArrayDeserializer())) {
            c.subscribe(List.of(topic));
            long warm = System.nanoTime() + 5_000_000_000L;
            while (System.nanoTime() < warm) {
                c.poll(Duration.ofMillis(50));
            }
            long cpu0 = THREADS.getCurrentThreadCpuTime();
            long alloc0 = THREADS.getThreadAllocatedBytes(self);
            long end = System.nanoTime() + seconds * 1_000_000_000L;
            long polls = 0;
            long withRecords = 0;
            long records = 0;
            long[] delays = new long[seconds * rate * 2 + 1024];
            while (System.nanoTime() < end) {
                ConsumerRecords<String, byte[]> polled = c.poll(Duration.ofMillis(50));
                polls++;
                if (!polled.isEmpty()) {
                    withRecords++;
                    long now = System.currentTimeMillis();
                    for (ConsumerRecord<String, byte[]> r : polled) {
                        if (records < delays.length) {
                            delays[(int) records] = now - r.timestamp();
                        }
                        records++;
                    }
                }
            }
            long cpu = THREADS.getCurrentThreadCpuTime() - cpu0;
            long alloc = THREADS.getThreadAllocatedBytes(self) - alloc0;
            int n = (int) Math.min(records, delays.length);
            long[] d = Arrays.copyOf(delays, n);
            Arrays.sort(d);
            System.out.printf(
                    "RESULT fetch=%s events_per_s=%.0f polls_per_s=%.0f records_per_poll=%.1f cpu_us_per_event=%.2f"
                            + " cpu_us_per_poll=%.1f alloc_B_per_event=%.0f consumer_cores=%.4f delay_ms_p50=%d"
                            + " p99=%d max=%d%n",
                    pair,
                    records / (double) seconds,
                    withRecords / (double) seconds,
                    records / (double) Math.max(1, withRecords),
                    cpu / 1000.0 / Math.max(1, records),
                    cpu / 1000.0 / Math.max(1, polls),
                    alloc / (double) Math.max(1, records),
                    cpu / (seconds * 1e9),
                    n == 0 ? -1 : d[n / 2],
                    n == 0 ? -1 : d[(int) (n * 0.99)],
                    n == 0 ? -1 : d[n - 1]);
        }
    }
}
