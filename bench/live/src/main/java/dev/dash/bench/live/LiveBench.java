package dev.dash.bench.live;

import dev.dash.model.kafka.PointsBatch;
import dev.dash.model.kafka.PointsCodec;
import dev.dash.model.kafka.Topics;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketClientOptions;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * The load client of the live benchmark (docs/benchmarks.md, "Live dashboards"): many WebSocket viewers on one
 * node, over Vert.x (two event loops for all of them).
 *
 * <p>{@code live host port token viewers warmupS measureS serverPid jdbcUrl pgUser pgPassword kafka pipeline rate
 * batchMs}: viewers of a public dashboard whose widget is the max of {@code temp} per second; events are
 * written as the Silver writer writes them (rows committed, then the batch on {@code dash.points}, every
 * {@code batchMs}) at {@code rate}/s with {@code temp} = their sequence number, so the first frame whose value
 * reaches {@code k} is the frame that carries event {@code k}: latency = that frame's arrival minus the
 * hand-over of event {@code k}'s batch to the Kafka producer (acks=all). Then a reconnect storm: every viewer drops and comes back
 * with its epoch and last seq.
 *
 * <p>{@code echo host port viewers warmupS measureS serverPid rate}: the baseline, connections to a bare
 * WebSockets Next echo endpoint, and {@code rate} messages per second round-robin over them (round trip).
 *
 * <p>Heap figures: the server's heap after a full GC ({@code jcmd <pid> GC.run}, then {@code GC.heap_info}),
 * without and with the connections.
 */
public final class LiveBench {
    private static final Pattern USED = Pattern.compile("used (\\d+)K");

    private LiveBench() {}

    /** One viewer connection and what it has seen. */
    static final class Viewer {
        volatile WebSocket socket;
        volatile double maxSeen = -1;
        volatile String epoch;
        volatile long seq = -1;
        volatile boolean snapshot;
    }

    public static void main(String[] args) throws Exception {
        if (args[0].equals("echo")) {
            echo(args);
        } else {
            live(args);
        }
        System.exit(0);
    }

    // ---- live ----

    private static void live(String[] args) throws Exception {
        String host = args[1];
        int port = Integer.parseInt(args[2]);
        String token = args[3];
        int n = Integer.parseInt(args[4]);
        long warmup = Long.parseLong(args[5]);
        long measure = Long.parseLong(args[6]);
        long pid = Long.parseLong(args[7]);
        String jdbcUrl = args[8];
        String pgUser = args[9];
        String pgPassword = args[10];
        String kafka = args[11];
        UUID pipeline = UUID.fromString(args[12]);
        int rate = Integer.parseInt(args[13]);
        long batchMs = Long.parseLong(args[14]);

        Vertx vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(2));
        WebSocketClient ws = vertx.createWebSocketClient(new WebSocketClientOptions()
                .setMaxConnections(n * 2 + 100)
                .setConnectTimeout(60_000)
                .setDefaultHost(host)
                .setDefaultPort(port));
        String path = "/public/dashboards/" + token + "/live";
        long heap0 = heapKb(pid);

        int maxEvents = (int) ((warmup + measure + 120) * rate) + 1000;
        AtomicLongArray acked = new AtomicLongArray(maxEvents);
        AtomicLong lastAcked = new AtomicLong();
        long[] samples = new long[4_000_000];
        AtomicInteger sampleCount = new AtomicInteger();
        AtomicLong frames = new AtomicLong();
        AtomicLong bytes = new AtomicLong();
        AtomicLong early = new AtomicLong();
        boolean[] measuring = {false};
        // At most ~2,000 latency samples per second in all: every event for the first viewers, fewer for more.
        int sampleEvery = Math.max(1, (int) ((long) rate * n / 2_000));

        Viewer[] viewers = new Viewer[n];
        long t0 = System.nanoTime();
        connectAll(vertx, ws, path, viewers, "{\"type\":\"subscribe\",\"range\":{\"last\":\"PT1M\"}}", (v, m) -> {
            frames.incrementAndGet();
            bytes.addAndGet(m.length());
            onFrame(v, m, acked, samples, sampleCount, sampleEvery, measuring[0], early);
        });
        awaitAll(viewers, v -> v.snapshot, 300);
        double connectS = (System.nanoTime() - t0) / 1e9;
        long heapN = heapKb(pid);
        System.out.printf(
                "RESULT live viewers=%d connect_and_snapshot_s=%.1f heap0_mb=%.1f heapN_mb=%.1f heap_per_viewer_kb=%.1f%n",
                n, connectS, heap0 / 1024.0, heapN / 1024.0, (heapN - heap0) / (double) n);
        System.out.printf(
                "RESULT live viewers=%d connected=%d with_snapshot=%d%n",
                n,
                Arrays.stream(viewers).filter(v -> v.socket != null).count(),
                Arrays.stream(viewers).filter(v -> v.snapshot).count());
        System.out.flush();

        // Events written the way the Silver writer writes them: rows committed to Silver, then the batch on
        // dash.points (acks=all); every event's "ack" is its batch's publish acknowledgement.
        AtomicLong next = new AtomicLong();
        AtomicLong refused = new AtomicLong();
        boolean[] sending = {true};
        Thread writer = new Thread(
                () -> {
                    try (Connection c = DriverManager.getConnection(jdbcUrl, pgUser, pgPassword);
                            KafkaProducer<String, byte[]> producer = producer(kafka)) {
                        UUID team;
                        try (PreparedStatement ps = c.prepareStatement("SELECT team_id FROM pipelines WHERE id = ?")) {
                            ps.setObject(1, pipeline);
                            try (ResultSet rs = ps.executeQuery()) {
                                rs.next();
                                team = (UUID) rs.getObject(1);
                            }
                        }
                        long start = System.nanoTime();
                        while (sending[0]) {
                            long due = Math.min((System.nanoTime() - start) * rate / 1_000_000_000L, maxEvents - 1);
                            List<PointsBatch.Point> points = new ArrayList<>();
                            // At most 1,000 points a batch (about 240 KB), as the writer cuts its records at 512 KiB.
                            while (next.get() < due && points.size() < 1_000) {
                                long k = next.incrementAndGet();
                                Instant now = Instant.now();
                                points.add(new PointsBatch.Point(
                                        now, "temp", Map.of("site", "bench"), k, UUID.randomUUID(), 0, 1, now));
                            }
                            if (points.isEmpty()) {
                                Thread.sleep(5);
                                continue;
                            }
                            try (PreparedStatement ps = c.prepareStatement("""
                            INSERT INTO metrics (time, pipeline_id, team_id, metric, labels, value, event_id, mapping_version, seq)
                            VALUES (?, ?, ?, ?, '{"site":"bench"}'::jsonb, ?, ?, 1, 0)
                            """)) {
                                for (PointsBatch.Point p : points) {
                                    ps.setObject(
                                            1, java.time.OffsetDateTime.ofInstant(p.time(), java.time.ZoneOffset.UTC));
                                    ps.setObject(2, pipeline);
                                    ps.setObject(3, team);
                                    ps.setString(4, p.metric());
                                    ps.setDouble(5, p.value());
                                    ps.setObject(6, p.eventId());
                                    ps.addBatch();
                                }
                                ps.executeBatch();
                            }
                            // The frame may reach a viewer before the producer sees Kafka's acknowledgement: latency
                            // counts
                            // from the hand-over to Kafka, which includes the produce round trip.
                            long published = System.nanoTime();
                            for (PointsBatch.Point p : points) {
                                acked.set((int) p.value(), published);
                            }
                            producer.send(new ProducerRecord<>(
                                            Topics.POINTS,
                                            pipeline.toString(),
                                            PointsCodec.encode(new PointsBatch(pipeline, team, Instant.now(), points))))
                                    .get();
                            lastAcked.set((long) points.get(points.size() - 1).value());
                            Thread.sleep(Math.max(0, batchMs - 1));
                        }
                    } catch (Exception e) {
                        refused.incrementAndGet();
                        System.out.println("WARN writer stopped: " + e);
                    }
                },
                "bench-writer");
        writer.start();
        Thread.sleep(TimeUnit.SECONDS.toMillis(warmup));
        measuring[0] = true;
        long f0 = frames.get();
        long b0 = bytes.get();
        long e0 = lastAcked.get();
        sampleCount.set(0);
        long m0 = System.nanoTime();
        Thread.sleep(TimeUnit.SECONDS.toMillis(measure));
        measuring[0] = false;
        double took = (System.nanoTime() - m0) / 1e9;
        int count = Math.min(sampleCount.get(), samples.length);
        long[] sorted = Arrays.copyOf(samples, count);
        Arrays.sort(sorted);
        System.out.printf(
                "RESULT live viewers=%d events_per_s=%.0f refused=%d frames_per_s=%.0f mb_per_s=%.1f latency_samples=%d"
                        + " p50_ms=%.1f p99_ms=%.1f max_ms=%.1f frames_before_ack=%d%n",
                n,
                (lastAcked.get() - e0) / took,
                refused.get(),
                (frames.get() - f0) / took,
                (bytes.get() - b0) / took / 1e6,
                count,
                pct(sorted, 50),
                pct(sorted, 99),
                count == 0 ? 0 : sorted[count - 1] / 1e6,
                early.get());

        // Reconnect storm: everyone drops and comes back (resuming); until every viewer shows the latest event.
        long target = lastAcked.get();
        long s0 = System.nanoTime();
        List<Future<Void>> closing = new ArrayList<>();
        for (Viewer v : viewers) {
            if (v.socket != null) {
                closing.add(v.socket.close());
            }
        }
        Future.join(closing).toCompletionStage().toCompletableFuture().get(120, TimeUnit.SECONDS);
        AtomicLong snapshots = new AtomicLong();
        connectAllResuming(vertx, ws, path, viewers, (v, m) -> {
            if (m.startsWith("{\"type\":\"snapshot\"")) {
                snapshots.incrementAndGet();
            }
            onFrame(v, m, acked, samples, sampleCount, sampleEvery, false, early);
        });
        awaitAll(viewers, v -> v.socket != null && v.maxSeen >= target, 300);
        System.out.printf(
                "RESULT live viewers=%d storm_all_current_s=%.2f snapshots_after_storm=%d%n",
                n, (System.nanoTime() - s0) / 1e9, snapshots.get());
        sending[0] = false;
        writer.join(10_000);
    }

    private static void onFrame(
            Viewer v,
            String m,
            AtomicLongArray acked,
            long[] samples,
            AtomicInteger sampleCount,
            int sampleEvery,
            boolean measuring,
            AtomicLong early) {
        long now = System.nanoTime();
        long seq = number(m, "\"seq\":");
        if (seq > v.seq) {
            v.seq = seq;
        }
        boolean snap = m.startsWith("{\"type\":\"snapshot\"");
        if (snap) {
            int e = m.indexOf("\"epoch\":\"") + 9;
            v.epoch = m.substring(e, m.indexOf('"', e));
        }
        if (snap || m.startsWith("{\"type\":\"delta\"")) {
            double max = v.maxSeen;
            int i = 0;
            while ((i = m.indexOf("\"v\":", i)) >= 0) {
                i += 4;
                int j = i;
                while (j < m.length() && "0123456789.-E".indexOf(m.charAt(j)) >= 0) {
                    j++;
                }
                max = Math.max(max, Double.parseDouble(m.substring(i, j)));
            }
            double before = v.maxSeen;
            if (measuring && !snap && before >= 0) {
                for (long k = (long) before + 1; k <= (long) max && k < acked.length(); k++) {
                    if (k % sampleEvery != 0) {
                        continue;
                    }
                    long a = acked.get((int) k);
                    if (a == 0) {
                        early.incrementAndGet();
                        continue;
                    }
                    int idx = sampleCount.getAndIncrement();
                    if (idx < samples.length) {
                        samples[idx] = now - a;
                    }
                }
            }
            v.maxSeen = max;
            if (snap) {
                v.snapshot = true;
            }
        }
    }

    private static long number(String m, String key) {
        int i = m.indexOf(key);
        if (i < 0) {
            return -1;
        }
        i += key.length();
        int j = i;
        while (j < m.length() && Character.isDigit(m.charAt(j))) {
            j++;
        }
        return j == i ? -1 : Long.parseLong(m.substring(i, j));
    }

    interface Handler {
        void frame(Viewer v, String m);
    }

    private static void connectAll(
            Vertx vertx, WebSocketClient ws, String path, Viewer[] viewers, String subscribe, Handler h)
            throws Exception {
        for (int i = 0; i < viewers.length; i++) {
            viewers[i] = new Viewer();
        }
        connect(ws, path, viewers, v -> subscribe, h);
    }

    private static void connectAllResuming(Vertx vertx, WebSocketClient ws, String path, Viewer[] viewers, Handler h)
            throws Exception {
        connect(
                ws,
                path,
                viewers,
                v -> "{\"type\":\"subscribe\",\"range\":{\"last\":\"PT1M\"},\"resume\":{\"epoch\":\"" + v.epoch
                        + "\",\"seq\":" + v.seq + "}}",
                h);
    }

    /** Connects every viewer, at most 256 handshakes in flight, and sends each its first message. */
    private static void connect(
            WebSocketClient ws,
            String path,
            Viewer[] viewers,
            java.util.function.Function<Viewer, String> first,
            Handler h)
            throws Exception {
        java.util.concurrent.Semaphore inFlight = new java.util.concurrent.Semaphore(256);
        AtomicInteger failed = new AtomicInteger();
        CompletableFuture<Void> all = new CompletableFuture<>();
        AtomicInteger left = new AtomicInteger(viewers.length);
        for (Viewer v : viewers) {
            inFlight.acquire();
            ws.connect(path).onComplete(ar -> {
                inFlight.release();
                if (ar.succeeded()) {
                    WebSocket s = ar.result();
                    v.socket = s;
                    s.textMessageHandler(m -> h.frame(v, m));
                    s.writeTextMessage(first.apply(v));
                } else {
                    failed.incrementAndGet();
                }
                if (left.decrementAndGet() == 0) {
                    all.complete(null);
                }
            });
        }
        all.get(300, TimeUnit.SECONDS);
        if (failed.get() > 0) {
            System.out.println("WARN connections failed: " + failed.get());
        }
    }

    private static void awaitAll(Viewer[] viewers, java.util.function.Predicate<Viewer> p, int seconds)
            throws InterruptedException {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        while (System.nanoTime() < end) {
            long missing = Arrays.stream(viewers).filter(p.negate()).count();
            if (missing == 0) {
                return;
            }
            Thread.sleep(20);
        }
        System.out.println("WARN not all viewers reached the condition in " + seconds + " s: "
                + Arrays.stream(viewers).filter(p.negate()).count());
    }

    // ---- echo baseline ----

    private static void echo(String[] args) throws Exception {
        String host = args[1];
        int port = Integer.parseInt(args[2]);
        int n = Integer.parseInt(args[3]);
        long warmup = Long.parseLong(args[4]);
        long measure = Long.parseLong(args[5]);
        long pid = Long.parseLong(args[6]);
        int rate = Integer.parseInt(args[7]);
        Vertx vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(2));
        WebSocketClient ws = vertx.createWebSocketClient(new WebSocketClientOptions()
                .setMaxConnections(n * 2 + 100)
                .setConnectTimeout(60_000)
                .setDefaultHost(host)
                .setDefaultPort(port));
        long heap0 = heapKb(pid);
        long[] samples = new long[4_000_000];
        AtomicInteger count = new AtomicInteger();
        boolean[] measuring = {false};
        Viewer[] viewers = new Viewer[n];
        for (int i = 0; i < n; i++) {
            viewers[i] = new Viewer();
        }
        long t0 = System.nanoTime();
        connect(ws, "/echo", viewers, v -> "hello", (v, m) -> {
            if (m.equals("hello")) {
                v.snapshot = true;
            } else if (measuring[0]) {
                int idx = count.getAndIncrement();
                if (idx < samples.length) {
                    samples[idx] = System.nanoTime() - Long.parseLong(m);
                }
            }
        });
        awaitAll(viewers, v -> v.snapshot, 300);
        double connectS = (System.nanoTime() - t0) / 1e9;
        long heapN = heapKb(pid);
        System.out.printf(
                "RESULT echo connections=%d connect_s=%.1f heap0_mb=%.1f heapN_mb=%.1f heap_per_connection_kb=%.1f%n",
                n, connectS, heap0 / 1024.0, heapN / 1024.0, (heapN - heap0) / (double) n);
        AtomicLong sent = new AtomicLong();
        long start = System.nanoTime();
        long periodic = vertx.setPeriodic(10, id -> {
            long due = (System.nanoTime() - start) * rate / 1_000_000_000L;
            while (sent.get() < due) {
                long k = sent.incrementAndGet();
                viewers[(int) (k % n)].socket.writeTextMessage(Long.toString(System.nanoTime()));
            }
        });
        Thread.sleep(TimeUnit.SECONDS.toMillis(warmup));
        count.set(0);
        measuring[0] = true;
        long m0 = System.nanoTime();
        Thread.sleep(TimeUnit.SECONDS.toMillis(measure));
        measuring[0] = false;
        double took = (System.nanoTime() - m0) / 1e9;
        vertx.cancelTimer(periodic);
        int c = Math.min(count.get(), samples.length);
        long[] sorted = Arrays.copyOf(samples, c);
        Arrays.sort(sorted);
        System.out.printf(
                "RESULT echo connections=%d messages_per_s=%.0f p50_ms=%.2f p99_ms=%.2f%n",
                n, c / took, pct(sorted, 50), pct(sorted, 99));
    }

    // ---- helpers ----

    private static KafkaProducer<String, byte[]> producer(String bootstrap) {
        Properties p = new Properties();
        p.put("bootstrap.servers", bootstrap);
        p.put("acks", "all");
        p.put("linger.ms", "0");
        p.put("key.serializer", StringSerializer.class.getName());
        p.put("value.serializer", ByteArraySerializer.class.getName());
        return new KafkaProducer<>(p);
    }

    private static double pct(long[] sorted, double p) {
        if (sorted.length == 0) {
            return 0;
        }
        int i = (int) Math.min(sorted.length - 1, Math.ceil(sorted.length * p / 100.0) - 1);
        return sorted[Math.max(0, i)] / 1e6;
    }

    /** The server's used heap after a full GC, in KiB. */
    static long heapKb(long pid) throws Exception {
        run("jcmd", Long.toString(pid), "GC.run");
        Thread.sleep(500);
        run("jcmd", Long.toString(pid), "GC.run");
        String info = run("jcmd", Long.toString(pid), "GC.heap_info");
        Matcher m = USED.matcher(info);
        if (!m.find()) {
            throw new IllegalStateException("no heap figure in: " + info);
        }
        return Long.parseLong(m.group(1));
    }

    private static String run(String... cmd) throws Exception {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        StringBuilder out = new StringBuilder();
        try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = r.readLine()) != null) {
                out.append(line).append('\n');
            }
        }
        p.waitFor(60, TimeUnit.SECONDS);
        return out.toString();
    }
}
