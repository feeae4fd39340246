package dev.dash.bench.ingest;

import dev.dash.model.bronze.BronzeWriter;
import dev.dash.model.envelope.EnvelopeCodec;
import dev.dash.model.envelope.RawEnvelope;
import dev.dash.model.envelope.RawRecordCodec;
import dev.dash.model.envelope.Source;
import dev.dash.model.envelope.UuidV7;
import dev.dash.model.signature.Preset;
import dev.dash.model.signature.VerificationResult;
import java.io.OutputStream;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Random;
import java.util.UUID;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.StringDeserializer;

/**
 * The Bronze archiver's per-event work before its upload (issue 19, item 3; issue-archiver), per stage on one thread,
 * exact (the thread's CPU time and allocated bytes, {@code com.sun.management.ThreadMXBean}), medians of rounds:
 * {@code poll} (the archiver's Kafka consumer, its client settings, fetching the records of a topic this program fills
 * once with format-3 records of the ingest benchmark's readings; once with the key as a string, as the archiver read
 * it before, and once with the key skipped, as it does now), {@code head} ({@link RawRecordCodec#head} on each record
 * as polled) and {@code gzip} (one object of every line, {@link BronzeWriter} at level 3). Only API that builds before
 * and after the change share, so the same program runs against either build's {@code common-model} jar, alternating:
 *
 * <pre>
 * java -cp "$(cat bench/ingest/target/classpath.txt):bench/ingest/target/classes" dev.dash.bench.ingest.ArchiverCost \
 *   127.0.0.1:19092 [events] [rounds] [label]
 * </pre>
 */
public final class ArchiverCost {
    private static final com.sun.management.ThreadMXBean MX =
            (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
    private static final String[] SITES = {"north", "south", "east", "west"};
    private static final String[] STAGES = {"poll_key_string", "poll_key_skipped", "head", "gzip"};

    private ArchiverCost() {}

    public static void main(String[] args) throws Exception {
        String bootstrap = args[0];
        int events = args.length > 1 ? Integer.parseInt(args[1]) : 50_000;
        int rounds = args.length > 2 ? Integer.parseInt(args[2]) : 7;
        String label = args.length > 3 ? args[3] : "run";
        String topic = "bench-archiver-cost-" + System.currentTimeMillis();
        produce(bootstrap, topic, envelopes(events));
        long[][][] costs = new long[STAGES.length][rounds][];
        long compressed = 0;
        try (KafkaConsumer<String, byte[]> asString = consumer(bootstrap, new StringDeserializer(), topic);
                KafkaConsumer<String, byte[]> skipped = consumer(bootstrap, new SkippedKey(), topic)) {
            for (int round = -3; round < rounds; round++) {
                List<ConsumerRecord<String, byte[]>> records = null;
                for (int s = 0; s < 2; s++) {
                    KafkaConsumer<String, byte[]> c = s == 0 ? asString : skipped;
                    long[] t = start();
                    records = poll(c, topic, events);
                    stop(costs, s, round, t);
                }
                List<EnvelopeCodec.Head> heads = new ArrayList<>(events);
                long[] t = start();
                for (ConsumerRecord<String, byte[]> r : records) {
                    heads.add(RawRecordCodec.head(r.headers(), r.value()));
                }
                stop(costs, 2, round, t);
                t = start();
                Counting out = new Counting();
                try (BronzeWriter w = new BronzeWriter(out, 3)) {
                    for (EnvelopeCodec.Head h : heads) {
                        w.write(h);
                    }
                    w.finish();
                }
                stop(costs, 3, round, t);
                compressed = out.count;
            }
        }
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", bootstrap))) {
            admin.deleteTopics(List.of(topic)).all().get();
        }
        StringBuilder line = new StringBuilder("ARCHIVER label=" + label + " events=" + events + " rounds=" + rounds);
        for (int s = 0; s < STAGES.length; s++) {
            line.append(String.format(
                    java.util.Locale.ROOT,
                    " %s=%.0fns/%.0fB",
                    STAGES[s],
                    median(costs[s], 0) / events,
                    median(costs[s], 1) / events));
        }
        line.append(String.format(java.util.Locale.ROOT, " gzip_bytes_per_event=%.1f", compressed / (double) events));
        System.out.println(line);
    }

    private static List<ConsumerRecord<String, byte[]>> poll(KafkaConsumer<String, byte[]> c, String topic, int n) {
        TopicPartition tp = new TopicPartition(topic, 0);
        c.seekToBeginning(List.of(tp));
        List<ConsumerRecord<String, byte[]>> records = new ArrayList<>(n);
        while (records.size() < n) {
            c.poll(Duration.ofSeconds(5)).forEach(records::add);
        }
        return records;
    }

    private static long[] start() {
        return new long[] {
            MX.getCurrentThreadCpuTime(),
            MX.getThreadAllocatedBytes(Thread.currentThread().getId())
        };
    }

    private static void stop(long[][][] costs, int stage, int round, long[] t) {
        long cpu = MX.getCurrentThreadCpuTime() - t[0];
        long bytes = MX.getThreadAllocatedBytes(Thread.currentThread().getId()) - t[1];
        if (round >= 0) {
            costs[stage][round] = new long[] {cpu, bytes};
        }
    }

    private static double median(long[][] rounds, int i) {
        long[] v = Arrays.stream(rounds).mapToLong(r -> r[i]).sorted().toArray();
        return v.length % 2 == 1 ? v[v.length / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2.0;
    }

    /** The archiver's consumer settings (application.properties, dash.kafka.client.bronze.*), assigned, no group. */
    private static KafkaConsumer<String, byte[]> consumer(String bootstrap, Deserializer<String> keys, String topic) {
        Properties p = new Properties();
        p.put("bootstrap.servers", bootstrap);
        p.put("enable.auto.commit", "false");
        p.put("isolation.level", "read_committed");
        p.put("max.poll.records", "5000");
        p.put("fetch.min.bytes", "1048576");
        p.put("fetch.max.wait.ms", "500");
        KafkaConsumer<String, byte[]> c = new KafkaConsumer<>(p, keys, new ByteArrayDeserializer());
        c.assign(List.of(new TopicPartition(topic, 0)));
        return c;
    }

    /** What the archiver's key deserializer does now: nothing (it never reads the key). */
    static final class SkippedKey implements Deserializer<String> {
        @Override
        public String deserialize(String topic, byte[] data) {
            return null;
        }

        @Override
        public String deserialize(String topic, Headers headers, ByteBuffer data) {
            return null;
        }
    }

    private static void produce(String bootstrap, String topic, List<RawEnvelope> envelopes) throws Exception {
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", bootstrap))) {
            admin.createTopics(List.of(new NewTopic(topic, 1, (short) 1))).all().get();
        }
        Properties p = new Properties();
        p.put("bootstrap.servers", bootstrap);
        p.put("acks", "all");
        p.put("linger.ms", "1");
        p.put("batch.size", "524288");
        try (KafkaProducer<byte[], byte[]> producer =
                new KafkaProducer<>(p, new ByteArraySerializer(), new ByteArraySerializer())) {
            for (RawEnvelope e : envelopes) {
                RawRecordCodec.Encoded r = RawRecordCodec.encode(e);
                producer.send(new ProducerRecord<>(
                        topic,
                        null,
                        e.pipelineId().toString().getBytes(StandardCharsets.US_ASCII),
                        r.value(),
                        r.headers()));
            }
            producer.flush();
        }
    }

    /** The ingest benchmark's readings as the ingest path makes their envelopes: batches of 100, GitHub-signed. */
    static List<RawEnvelope> envelopes(int n) {
        Random r = new Random(42);
        UUID pipeline = UUID.randomUUID();
        UUID team = UUID.randomUUID();
        Instant t = Instant.parse("2026-12-07T11:00:00Z");
        String ts = "2026-12-07T11:00:00.123456Z";
        List<RawEnvelope> out = new ArrayList<>(n);
        String delivery = null;
        String signature = null;
        for (int i = 0; i < n; i++) {
            if (i % 100 == 0) {
                delivery = UUID.randomUUID().toString();
                StringBuilder s = new StringBuilder(64);
                for (int k = 0; k < 64; k++) {
                    s.append(Character.forDigit(r.nextInt(16), 16));
                }
                signature = "sha256=" + s;
            }
            String body = "{\"ts\":\"" + ts + "\",\"n\":" + i + ",\"device\":\"d-" + (i % 500) + "\",\"site\":\""
                    + SITES[i & 3] + "\",\"temp\":" + Math.round((r.nextDouble() * 50 - 10) * 100) / 100.0
                    + ",\"hum\":" + Math.round(r.nextDouble() * 1000) / 10.0
                    + ",\"firmware\":\"4.2.1\",\"status\":\"OK\"}";
            Map<String, String> h = new HashMap<>();
            h.put("x-github-event", "push");
            h.put("x-github-delivery", delivery);
            h.put("x-github-hook-id", "400000001");
            h.put("x-hub-signature-256", signature);
            out.add(new RawEnvelope(
                    UuidV7.next(),
                    pipeline,
                    team,
                    t.plusMillis(i / 10),
                    Source.WEBHOOK,
                    delivery,
                    "application/x-ndjson",
                    h,
                    body.getBytes(StandardCharsets.UTF_8),
                    VerificationResult.verified(Preset.GITHUB, "s1", delivery)));
        }
        return out;
    }

    /** Counts what the archiver would upload. */
    private static final class Counting extends OutputStream {
        long count;

        @Override
        public void write(int b) {
            count++;
        }

        @Override
        public void write(byte[] b, int off, int len) {
            count += len;
        }
    }
}
