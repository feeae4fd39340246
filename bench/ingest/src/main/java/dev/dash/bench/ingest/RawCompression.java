package dev.dash.bench.ingest;

import dev.dash.model.envelope.RawEnvelope;
import dev.dash.model.envelope.RawRecordCodec;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.Metric;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * What {@code dash.raw}'s compression costs and saves each process that handles the records (issue 19, item 3;
 * issue-batchcpu). Per codec, on a topic of its own (one partition, as the benchmark's one pipeline): a producer with
 * the ingest client's settings ({@code acks=all}, idempotent, {@code linger.ms} 1, {@code batch.size} 512 KiB, five
 * requests in flight) sends {@code events} format-3 sensor readings in sends of 100 records with one receipt time,
 * delivery and signature each (an NDJSON request of the benchmark's load), paced at {@code rate} events a second, and waits for every acknowledgement; then a
 * consumer with the archiver's fetch settings and one with the Silver writer's each read them all. Measured per event:
 * the sending thread's CPU (where the producer compresses), the producer's network thread's, each consumer's polling
 * thread's (where it decompresses; ThreadMXBean, exact), and the broker's process CPU over each step ({@code /proc},
 * 10 ms ticks; other users of the shared broker included), and the bytes the producer sent. Codecs alternate, round
 * after round; medians are printed.
 *
 * <pre>
 * java -cp "$(cat bench/ingest/target/classpath.txt):bench/ingest/target/classes" dev.dash.bench.ingest.RawCompression \
 *   127.0.0.1:19092 200000 36000 5 none lz4 zstd
 * </pre>
 */
public final class RawCompression {
    private static final com.sun.management.ThreadMXBean THREADS =
            (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
    private static final int REQUEST = 100;
    private static final String[] STAGES = {
        "send (caller)", "producer network", "broker: produce", "archiver poll", "writer poll", "broker: two fetches"
    };

    private RawCompression() {}

    public static void main(String[] args) throws Exception {
        String kafka = args[0];
        int events = Integer.parseInt(args[1]);
        int rate = Integer.parseInt(args[2]);
        int rounds = Integer.parseInt(args[3]);
        String[] codecs = Arrays.copyOfRange(args, 4, args.length);
        List<RawRecordCodec.Encoded> encoded = records(Math.min(events, 20_000));
        String key = UUID.randomUUID().toString();
        long broker = brokerPid();
        Map<String, List<double[]>> results = new HashMap<>();
        Map<String, Double> bytes = new HashMap<>();
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", kafka))) {
            for (int round = -1; round < rounds; round++) { // round -1 warms up
                for (String codec : codecs) {
                    String topic = "raw-compression-" + codec + "-" + UUID.randomUUID();
                    admin.createTopics(List.of(new NewTopic(topic, 1, (short) 1)))
                            .all()
                            .get();
                    try {
                        double[] r = new double[STAGES.length];
                        double sent = produce(kafka, topic, key, encoded, events, rate, codec, broker, r);
                        consume(kafka, topic, events, broker, r);
                        if (round >= 0) {
                            results.computeIfAbsent(codec, c -> new ArrayList<>())
                                    .add(r);
                            bytes.put(codec, sent);
                        }
                        System.out.printf(
                                "# round %d %s: %s, %.0f B/event sent%n",
                                round,
                                codec,
                                Arrays.toString(Arrays.stream(r)
                                        .map(x -> Math.round(x * 100) / 100.0)
                                        .toArray()),
                                sent);
                    } finally {
                        admin.deleteTopics(List.of(topic)).all().get();
                    }
                }
            }
        }
        System.out.printf("%-22s", "µs per event (median)");
        for (String c : codecs) {
            System.out.printf(" %10s", c);
        }
        System.out.println();
        for (int s = 0; s < STAGES.length; s++) {
            System.out.printf("%-22s", STAGES[s]);
            for (String c : codecs) {
                System.out.printf(" %10.2f", median(results.get(c), s));
            }
            System.out.println();
        }
        System.out.printf("%-22s", "all");
        for (String c : codecs) {
            double sum = 0;
            for (int s = 0; s < STAGES.length; s++) {
                sum += median(results.get(c), s);
            }
            System.out.printf(" %10.2f", sum);
        }
        System.out.println();
        System.out.printf("%-22s", "bytes sent per event");
        for (String c : codecs) {
            System.out.printf(" %10.0f", bytes.get(c));
        }
        System.out.println();
    }

    /** Format-3 sensor readings, in runs of {@value #REQUEST} sharing a receipt time, delivery and signature. */
    private static List<RawRecordCodec.Encoded> records(int n) {
        List<RawEnvelope> one = RawFormats.envelopes("sensor-reading", null, n, true);
        List<RawRecordCodec.Encoded> out = new ArrayList<>(n);
        RawEnvelope first = null;
        for (int i = 0; i < n; i++) {
            RawEnvelope e = one.get(i);
            if (i % REQUEST == 0) {
                first = e;
            }
            out.add(RawRecordCodec.encode(new RawEnvelope(
                    e.eventId(),
                    first.pipelineId(),
                    first.teamId(),
                    first.receivedAt(),
                    first.source(),
                    first.deliveryId(),
                    "application/x-ndjson",
                    first.headers(),
                    e.body(),
                    first.verification())));
        }
        return out;
    }

    private static double produce(
            String kafka,
            String topic,
            String key,
            List<RawRecordCodec.Encoded> encoded,
            int events,
            int rate,
            String codec,
            long broker,
            double[] r)
            throws Exception {
        Map<String, Object> p = new HashMap<>();
        p.put("bootstrap.servers", kafka);
        p.put("acks", "all");
        p.put("enable.idempotence", "true");
        p.put("linger.ms", "1");
        p.put("batch.size", "524288");
        p.put("max.in.flight.requests.per.connection", "5");
        p.put("max.request.size", "16777216");
        p.put("compression.type", codec);
        String client = "raw-compression-" + UUID.randomUUID();
        p.put("client.id", client);
        try (KafkaProducer<String, byte[]> producer =
                new KafkaProducer<>(p, new StringSerializer(), new ByteArraySerializer())) {
            producer.partitionsFor(topic);
            long net = networkThread(client);
            long net0 = THREADS.getThreadCpuTime(net);
            long b0 = ProcCpu.ticks(broker);
            long start = System.nanoTime();
            long sending = 0;
            long c0 = THREADS.getCurrentThreadCpuTime();
            AtomicLong acked = new AtomicLong();
            CompletableFuture<Void> all = new CompletableFuture<>();
            for (int i = 0; i < events; i++) {
                RawRecordCodec.Encoded e = encoded.get(i % encoded.size());
                producer.send(new ProducerRecord<>(topic, 0, null, key, e.value(), e.headers()), (m, ex) -> {
                    if (ex != null) {
                        all.completeExceptionally(ex);
                    } else if (acked.incrementAndGet() == events) {
                        all.complete(null);
                    }
                });
                if (i % REQUEST == REQUEST - 1) {
                    // a request's records go together; the next request comes when the rate says (the wait is not
                    // the sender's work: only the sends' own CPU is counted)
                    long c = THREADS.getCurrentThreadCpuTime();
                    sending += c - c0;
                    long due = start + (long) ((i + 1) * 1e9 / rate);
                    long now;
                    while ((now = System.nanoTime()) < due) {
                        java.util.concurrent.locks.LockSupport.parkNanos(due - now);
                    }
                    c0 = THREADS.getCurrentThreadCpuTime();
                }
            }
            sending += THREADS.getCurrentThreadCpuTime() - c0;
            all.get();
            long b1 = ProcCpu.ticks(broker);
            long net1 = THREADS.getThreadCpuTime(net);
            r[0] = sending / 1e3 / events;
            r[1] = (net1 - net0) / 1e3 / events;
            r[2] = (b1 - b0) * 1e4 / events;
            double sentBytes = 0;
            for (Map.Entry<org.apache.kafka.common.MetricName, ? extends Metric> m :
                    producer.metrics().entrySet()) {
                if (m.getKey().name().equals("outgoing-byte-total")
                        && m.getKey().group().equals("producer-metrics")) {
                    sentBytes = ((Number) m.getValue().metricValue()).doubleValue();
                }
            }
            return sentBytes / events;
        }
    }

    private static void consume(String kafka, String topic, int events, long broker, double[] r) throws Exception {
        long b0 = ProcCpu.ticks(broker);
        // the archiver's fetch (dash.kafka.client.bronze.*), then the writer's (dash.kafka.client.silver.*)
        r[3] = readAll(kafka, topic, events, "1048576", "500", "5000");
        r[4] = readAll(kafka, topic, events, "1", "50", "2000");
        long b1 = ProcCpu.ticks(broker);
        r[5] = (b1 - b0) * 1e4 / events;
    }

    private static double readAll(String kafka, String topic, int events, String minBytes, String wait, String max) {
        Map<String, Object> p = new HashMap<>();
        p.put("bootstrap.servers", kafka);
        p.put("group.id", topic + "-" + UUID.randomUUID());
        p.put("enable.auto.commit", "false");
        p.put("auto.offset.reset", "earliest");
        p.put("isolation.level", "read_committed");
        p.put("fetch.min.bytes", minBytes);
        p.put("fetch.max.wait.ms", wait);
        p.put("max.poll.records", max);
        try (KafkaConsumer<String, byte[]> c =
                new KafkaConsumer<>(p, new StringDeserializer(), new ByteArrayDeserializer())) {
            c.subscribe(List.of(topic));
            long read = 0;
            long sink = 0;
            long c0 = 0;
            boolean started = false;
            while (read < events) {
                ConsumerRecords<String, byte[]> rs = c.poll(Duration.ofMillis(100));
                if (!started && !rs.isEmpty()) {
                    // from the first records on: the group's join is not the fetch's cost
                    c0 = THREADS.getCurrentThreadCpuTime();
                    started = true;
                }
                for (var rec : rs) {
                    sink += rec.value().length
                            + rec.headers().lastHeader("dash.meta").value().length;
                    read++;
                }
            }
            if (sink == 0) {
                throw new IllegalStateException("nothing read");
            }
            return (THREADS.getCurrentThreadCpuTime() - c0) / 1e3 / events;
        }
    }

    private static long networkThread(String client) {
        for (Thread t : Thread.getAllStackTraces().keySet()) {
            if (t.getName().equals("kafka-producer-network-thread | " + client)) {
                return t.getId();
            }
        }
        throw new IllegalStateException("no network thread for " + client);
    }

    /** The shared broker's pid: the kafka.Kafka process (DASH_HOME's, when several run). */
    private static long brokerPid() {
        String home = System.getenv().getOrDefault("DASH_HOME", "");
        return ProcessHandle.allProcesses()
                .filter(ph -> {
                    try {
                        String cmd = Files.readString(Path.of("/proc/" + ph.pid() + "/cmdline"));
                        return cmd.contains("kafka.Kafka") && cmd.contains(home);
                    } catch (Exception e) {
                        return false;
                    }
                })
                .map(ProcessHandle::pid)
                .findFirst()
                .orElse(-1L);
    }

    private static double median(List<double[]> xs, int s) {
        double[] v = xs.stream().mapToDouble(x -> x[s]).sorted().toArray();
        return v.length % 2 == 1 ? v[v.length / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
    }
}
