package dev.dash.bench.ingest;

import dev.dash.ingestor.ingest.DedupeRepository;
import io.vertx.mutiny.core.Vertx;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.pgclient.PgBuilder;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.sqlclient.PoolOptions;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;

/**
 * What a dedupe claim costs where it is stored (issue 19, item 3: where a single event's time goes, and the
 * alternatives). Closed loop at a fixed number of claims in flight, each store measured in the same run:
 *
 * <ul>
 *   <li>{@code pg-claim+commit}: the ingestor's own {@link DedupeRepository} (claims grouped while a statement runs,
 *       commits grouped the same way) on a reactive pool like the node's (16 connections, prepared statements
 *       cached, {@code synchronous_commit=off}): a claim, then its commit once the claim answered, as the ingest path
 *       does around the publish;
 *   <li>{@code pg-claim}: the claims alone (what the commit costs is the difference);
 *   <li>{@code kafka-compacted}: a claim and then its commit as two records (key = pipeline/delivery id, about 120
 *       bytes) on a compacted topic of its own, {@code acks=all}, the producer's defaults otherwise: the write side of
 *       a claim store kept in Kafka. The read side such a store also needs (every node holding the claims of the
 *       partitions it serves, with requests routed by delivery id) is not measured: this is its lower bound.
 * </ul>
 *
 * For each: claims/s, the claim's latency (p50, p99), and the CPU time per claim of the PostgreSQL processes, the
 * Kafka broker and this JVM (from {@code /proc}; the shared servers' other users included, so read it as an upper
 * bound). Arguments: {@code pgHost pgPort db user password kafkaBootstrap inFlight warmupSeconds measureSeconds}.
 */
public final class DedupeClaims {
    private DedupeClaims() {}

    public static void main(String[] args) throws Exception {
        String host = args[0];
        int port = Integer.parseInt(args[1]);
        String db = args[2];
        String user = args[3];
        String password = args[4];
        String kafka = args[5];
        int inFlight = Integer.parseInt(args[6]);
        int warmup = Integer.parseInt(args[7]);
        int measure = Integer.parseInt(args[8]);

        Vertx vertx = Vertx.vertx();
        Pool pool = Pool.newInstance(PgBuilder.pool()
                .with(new PoolOptions().setMaxSize(16))
                .connectingTo(new PgConnectOptions()
                        .setHost(host)
                        .setPort(port)
                        .setDatabase(db)
                        .setUser(user)
                        .setPassword(password)
                        .setCachePreparedStatements(true)
                        .setProperties(Map.of("synchronous_commit", "off")))
                .using(vertx.getDelegate())
                .build());
        DedupeRepository dedupe = new DedupeRepository(pool, null);
        UUID pipeline = UUID.randomUUID();
        Duration lease = Duration.ofSeconds(30);
        Duration window = Duration.ofDays(3);
        AtomicLong seq = new AtomicLong();

        Supplier<CompletableFuture<Void>> pgClaimCommit = () -> {
            String d = "bench-" + seq.incrementAndGet();
            return dedupe.claim(pipeline, d, new UUID[] {UUID.randomUUID()}, Instant.now(), lease, window)
                    .subscribeAsCompletionStage()
                    .thenAccept(c -> dedupe.commit(pipeline, d, c.eventIds()));
        };
        Supplier<CompletableFuture<Void>> pgClaim = () -> dedupe.claim(
                        pipeline,
                        "bench-" + seq.incrementAndGet(),
                        new UUID[] {UUID.randomUUID()},
                        Instant.now(),
                        lease,
                        window)
                .subscribeAsCompletionStage()
                .thenAccept(c -> {});

        String topic = "dash-bench-claims-" + System.currentTimeMillis();
        Properties ap = new Properties();
        ap.put("bootstrap.servers", kafka);
        Properties pp = new Properties();
        pp.put("bootstrap.servers", kafka);
        pp.put("acks", "all");
        pp.put("key.serializer", "org.apache.kafka.common.serialization.ByteArraySerializer");
        pp.put("value.serializer", "org.apache.kafka.common.serialization.ByteArraySerializer");
        try (Admin admin = Admin.create(ap);
                KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(pp)) {
            admin.createTopics(List.of(new NewTopic(topic, 10, (short) 1).configs(Map.of("cleanup.policy", "compact"))))
                    .all()
                    .get(30, TimeUnit.SECONDS);
            Supplier<CompletableFuture<Void>> kafkaClaimCommit = () -> {
                byte[] key = (pipeline + "/bench-" + seq.incrementAndGet()).getBytes(StandardCharsets.UTF_8);
                long now = System.currentTimeMillis();
                byte[] claim = ("{\"s\":\"pending\",\"e\":\"" + UUID.randomUUID() + "\",\"r\":" + now + ",\"l\":"
                                + (now + 30_000) + "}")
                        .getBytes(StandardCharsets.UTF_8);
                CompletableFuture<Void> f = new CompletableFuture<>();
                producer.send(new ProducerRecord<>(topic, key, claim), (m, e) -> {
                    if (e != null) {
                        f.completeExceptionally(e);
                        return;
                    }
                    f.complete(null);
                    // the commit record, sent once the claim is acknowledged (after the publish, in the real path)
                    producer.send(
                            new ProducerRecord<>(topic, key, "{\"s\":\"committed\"}".getBytes(StandardCharsets.UTF_8)));
                });
                return f;
            };
            for (int round = 0; round < 2; round++) {
                run("pg-claim+commit", pgClaimCommit, inFlight, warmup, measure);
                run("pg-claim", pgClaim, inFlight, warmup, measure);
                run("kafka-compacted", kafkaClaimCommit, inFlight, warmup, measure);
            }
            producer.flush();
            admin.deleteTopics(List.of(topic)).all().get(30, TimeUnit.SECONDS);
        }
        pool.close().await().indefinitely();
        vertx.close().await().indefinitely();
    }

    private static void run(String label, Supplier<CompletableFuture<Void>> op, int inFlight, int warmup, int measure)
            throws Exception {
        long start = System.nanoTime();
        long from = start + TimeUnit.SECONDS.toNanos(warmup);
        long end = from + TimeUnit.SECONDS.toNanos(measure);
        long[] lat = new long[10_000_000];
        AtomicLong n = new AtomicLong();
        AtomicLong failed = new AtomicLong();
        CountDownLatch done = new CountDownLatch(inFlight);
        long[] cpu0 = new long[3];
        boolean[] sampled = new boolean[1];
        Runnable[] loop = new Runnable[1];
        loop[0] = () -> {
            long t0 = System.nanoTime();
            if (t0 >= end) {
                done.countDown();
                return;
            }
            op.get().whenComplete((v, e) -> {
                long t1 = System.nanoTime();
                if (t0 >= from && t1 <= end) {
                    if (e != null) {
                        failed.incrementAndGet();
                    } else {
                        long i = n.getAndIncrement();
                        if (i < lat.length) {
                            lat[(int) i] = t1 - t0;
                        }
                    }
                }
                loop[0].run();
            });
        };
        for (int i = 0; i < inFlight; i++) {
            loop[0].run();
        }
        Thread.sleep(Math.max(0, TimeUnit.NANOSECONDS.toMillis(from - System.nanoTime())));
        long[] c0 = cpu();
        Thread.sleep(Math.max(0, TimeUnit.NANOSECONDS.toMillis(end - System.nanoTime())));
        long[] c1 = cpu();
        done.await(60, TimeUnit.SECONDS);
        int k = (int) Math.min(n.get(), lat.length);
        long[] l = Arrays.copyOf(lat, k);
        Arrays.sort(l);
        double claims = Math.max(1, n.get());
        System.out.printf(
                "RESULT store=%s in_flight=%d claims_per_s=%.0f p50_ms=%.2f p99_ms=%.2f failed=%d"
                        + " cpu_us_per_claim postgres=%.1f kafka=%.1f client=%.1f%n",
                label,
                inFlight,
                n.get() / (double) measure,
                k == 0 ? 0 : l[k / 2] / 1e6,
                k == 0 ? 0 : l[Math.min(k - 1, (int) Math.ceil(0.99 * k) - 1)] / 1e6,
                failed.get(),
                (c1[0] - c0[0]) * 10_000 / claims,
                (c1[1] - c0[1]) * 10_000 / claims,
                (c1[2] - c0[2]) * 10_000 / claims);
    }

    /** CPU ticks of {@code {every postgres process, the Kafka broker, this process}}. */
    private static long[] cpu() {
        long[] servers = ProcCpu.servers();
        return new long[] {
            servers[0], servers[1], ProcCpu.ticks(ProcessHandle.current().pid())
        };
    }
}
