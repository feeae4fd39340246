package dev.dash.bench.live;

import dev.dash.model.kafka.PointsBatch;
import dev.dash.model.kafka.PointsCodec;
import dev.dash.model.kafka.TopicNames;
import dev.dash.model.signature.Preset;
import dev.dash.model.signature.PresetConfig;
import dev.dash.model.signature.SecretMaterial;
import dev.dash.model.signature.SignatureSigner;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketClientOptions;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;

/**
 * The load client of the live benchmark (docs/benchmarks.md, "Live dashboards"): many WebSocket viewers on one
 * node, over Vert.x (two event loops for all of them).
 *
 * <p>{@code live host port token viewers warmupS measureS serverPid ingestUrl pipeline secretId secret kafka rate}: viewers
 * of a public dashboard whose widget is the max of {@code temp} per second, range {@code last PT1M}; events go end
 * to end: GitHub-signed webhooks to the packaged ingestor at {@code rate}/s (one event a request), through
 * {@code dash.raw}, its Silver writer and {@code dash.points}, to the web node and its viewers. Event {@code k}
 * has {@code temp} = {@code k}, so the first frame whose value reaches {@code k} is the frame that carries event
 * {@code k}: latency = that frame's arrival minus the 2xx of event {@code k}'s request. A consumer of {@code
 * dash.points} notes when each event's points were committed (the writer's {@code committedAt}), which splits the
 * latency into the writer's part and the live path's. Then a reconnect storm: every viewer drops and comes back
 * with its epoch and last seq.
 *
 * <p>{@code echo host port viewers warmupS measureS serverPid rate}: the baseline, connections to a bare
 * WebSockets Next echo endpoint, and {@code rate} messages per second round-robin over them (round trip).
 *
 * <p>Heap figures: the server's heap after a full GC ({@code jcmd <pid> GC.run}, then {@code GC.heap_info}),
 * without and with the connections.
 */
public final class LiveBench {
    /** The topics of the installation under test: its {@code DASH_KAFKA_TOPIC_PREFIX}, as the services get it. */
    private static final TopicNames TOPICS =
            new TopicNames(System.getenv().getOrDefault("DASH_KAFKA_TOPIC_PREFIX", ""));

    private static final Pattern USED = Pattern.compile("used (\\d+)K");
    private static final Pattern HISTO_LINE = Pattern.compile("(?m)^\\s*\\d+:\\s+(\\d+)\\s+(\\d+)\\s+(\\S+)");

    private LiveBench() {}

    /** One viewer connection and what it has seen. */
    static final class Viewer {
        volatile WebSocket socket;
        volatile double maxSeen = -1;
        volatile String epoch;
        volatile long seq = -1;
        volatile boolean snapshot;
        /** The server's close code and reason, when it closed the connection. */
        volatile String closed;
        /** A frame this client could not read (the first one). */
        volatile String unreadable;
        /** Frames received. */
        volatile int frames;
        /** The first error frame the server sent (e.g. a widget whose snapshot could not be read), if any. */
        volatile String error;
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
        URI ingest = URI.create(args[8]);
        UUID pipeline = UUID.fromString(args[9]);
        SecretMaterial secret = SecretMaterial.of(args[10], args[11]);
        String kafka = args[12];
        int rate = Integer.parseInt(args[13]);
        int batch = Integer.parseInt(args[14]);

        Vertx vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(2));
        WebSocketClient ws = vertx.createWebSocketClient(new WebSocketClientOptions()
                .setMaxConnections(n * 2 + 100)
                .setConnectTimeout(60_000)
                .setDefaultHost(host)
                .setDefaultPort(port));
        String path = "/public/dashboards/" + token + "/live";
        long heap0 = heapKb(pid);
        Map<String, long[]> histo0 = histogram(pid);

        int maxEvents = (int) ((warmup + measure + 300) * rate) + 1000;
        Timeline events = new Timeline(maxEvents);
        long[] samples = new long[4_000_000];
        long[] liveSamples = new long[4_000_000];
        AtomicInteger sampleCount = new AtomicInteger();
        AtomicLong frames = new AtomicLong();
        AtomicLong bytes = new AtomicLong();
        AtomicLong early = new AtomicLong();
        // Slides of the relative range: drop_before frames of their own, and those folded into a delta.
        AtomicLong dropFrames = new AtomicLong();
        AtomicLong foldedDrops = new AtomicLong();
        boolean[] measuring = {false};
        // At most ~2,000 latency samples per second in all: every event for the first viewers, fewer for more.
        int sampleEvery = Math.max(1, (int) ((long) rate * n / 2_000));

        Viewer[] viewers = new Viewer[n];
        long t0 = System.nanoTime();
        connectAll(vertx, ws, path, viewers, "{\"type\":\"subscribe\",\"range\":{\"last\":\"PT1M\"}}", (v, m) -> {
            frames.incrementAndGet();
            bytes.addAndGet(m.length());
            if (m.startsWith("{\"type\":\"drop_before\"")) {
                dropFrames.incrementAndGet();
            } else if (m.startsWith("{\"type\":\"delta\"") && m.contains("\"drop_before\":")) {
                foldedDrops.incrementAndGet();
            }
            onFrame(v, m, events, samples, liveSamples, sampleCount, sampleEvery, measuring[0], early);
        });
        awaitAll(viewers, v -> v.snapshot, 300);
        double connectS = (System.nanoTime() - t0) / 1e9;
        long heapN = heapKb(pid);
        System.out.printf(
                "RESULT live viewers=%d connect_and_snapshot_s=%.1f heap0_mb=%.1f heapN_mb=%.1f heap_per_viewer_kb=%.1f%n",
                n, connectS, heap0 / 1024.0, heapN / 1024.0, (heapN - heap0) / (double) n);
        printGrowth("live", n, histo0, histogram(pid));
        System.out.printf(
                "RESULT live viewers=%d connected=%d with_snapshot=%d with_error_frame=%d%n",
                n,
                Arrays.stream(viewers).filter(v -> v.socket != null).count(),
                Arrays.stream(viewers).filter(v -> v.snapshot).count(),
                Arrays.stream(viewers).filter(v -> v.error != null).count());
        System.out.flush();

        // Where each event's points were published (the Silver writer's commit time, from the dash.points record):
        // splits the latency into ingest ack -> Silver commit (the writer) and commit -> frame (the live path).
        PointsWatch watch = new PointsWatch(kafka, pipeline, events);
        watch.start();
        Ingest sender = new Ingest(vertx, ingest, pipeline, secret, rate, batch, events);
        sender.start();
        LoopLag lag = new LoopLag(vertx);
        Thread.sleep(TimeUnit.SECONDS.toMillis(warmup));
        Map<String, TreeMap<Double, Double>> server0 = serverHistograms(host, port);
        lag.measuring = true;
        measuring[0] = true;
        long f0 = frames.get();
        long b0 = bytes.get();
        long d0 = dropFrames.get();
        long fd0 = foldedDrops.get();
        long e0 = sender.acked.get();
        long r0 = sender.refused.get();
        sampleCount.set(0);
        java.time.Instant windowFrom = java.time.Instant.now();
        long m0 = System.nanoTime();
        Thread.sleep(TimeUnit.SECONDS.toMillis(measure));
        measuring[0] = false;
        lag.measuring = false;
        Map<String, TreeMap<Double, Double>> server1 = serverHistograms(host, port);
        double took = (System.nanoTime() - m0) / 1e9;
        // The measuring window on the wall clock, to cut a profile of the node (WEB_OPTS with JFR) to it.
        System.out.printf("RESULT live viewers=%d window from=%s to=%s%n", n, windowFrom, java.time.Instant.now());
        long e1 = sender.acked.get();
        long r1 = sender.refused.get();
        long f1 = frames.get();
        long b1 = bytes.get();
        long d1 = dropFrames.get();
        long fd1 = foldedDrops.get();
        long early1 = early.get();
        int taken = Math.min(sampleCount.get(), samples.length);
        Thread.sleep(2_000); // the 2xx of events whose frame came first
        events.settle(samples);
        long[] sorted = Arrays.stream(samples, 0, taken)
                .filter(x -> x != Long.MIN_VALUE)
                .sorted()
                .toArray();
        int count = sorted.length;
        long[] live = events.liveSamples(liveSamples, taken);
        long[] writer = events.writerSamples(e0, e1);
        System.out.printf(
                "RESULT live viewers=%d events_per_s=%.0f refused=%d frames_per_s=%.0f mb_per_s=%.1f latency_samples=%d"
                        + " p50_ms=%.1f p99_ms=%.1f max_ms=%.1f frames_before_ack=%d%n",
                n,
                (e1 - e0) / took,
                r1 - r0,
                (f1 - f0) / took,
                (b1 - b0) / took / 1e6,
                count,
                pct(sorted, 50),
                pct(sorted, 99),
                count == 0 ? 0 : sorted[count - 1] / 1e6,
                early1);
        System.out.printf(
                "RESULT live viewers=%d slides drop_before_frames_per_s=%.0f folded_into_delta_per_s=%.0f%n",
                n, (d1 - d0) / took, (fd1 - fd0) / took);
        System.out.printf(
                "RESULT live viewers=%d split ack_to_commit_p50_ms=%.1f ack_to_commit_p99_ms=%.1f"
                        + " commit_to_frame_p50_ms=%.1f commit_to_frame_p99_ms=%.1f commit_to_frame_samples=%d%n",
                n, pct(writer, 50), pct(writer, 99), pct(live, 50), pct(live, 99), live.length);
        long[][] hops = events.hopSamples(liveSamples, taken);
        System.out.printf(
                "RESULT live viewers=%d hops commit_to_points_seen_p50_ms=%.1f commit_to_points_seen_p99_ms=%.1f"
                        + " points_seen_to_frame_p50_ms=%.1f points_seen_to_frame_p99_ms=%.1f%n",
                n, pct(hops[0], 50), pct(hops[0], 99), pct(hops[1], 50), pct(hops[1], 99));
        // The web node's own timings of the same window (LiveTimings: its clock, no client in them), and how late
        // this client's event loops ran a 10 ms timer (the wait any frame had before the client could time it).
        for (String name : server1.keySet()) {
            double[] q = windowQuantiles(server0.get(name), server1.get(name));
            System.out.printf(
                    "RESULT live viewers=%d server %s count=%.0f p50_ms=%.1f p99_ms=%.1f%n", n, name, q[0], q[1], q[2]);
        }
        long[] lags = lag.sorted();
        System.out.printf(
                "RESULT live viewers=%d client_loop_lag samples=%d p50_ms=%.1f p99_ms=%.1f max_ms=%.1f%n",
                n, lags.length, pct(lags, 50), pct(lags, 99), lags.length == 0 ? 0 : lags[lags.length - 1] / 1e6);
        lag.stop();

        // Reconnect storm: everyone drops and comes back (resuming); until every viewer shows the latest event.
        long target = sender.acked.get();
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
            onFrame(v, m, events, samples, liveSamples, sampleCount, sampleEvery, false, early);
        });
        awaitAll(viewers, v -> v.socket != null && v.maxSeen >= events.highestAckedBelow(target), 300);
        System.out.printf(
                "RESULT live viewers=%d storm_all_current_s=%.2f snapshots_after_storm=%d%n",
                n, (System.nanoTime() - s0) / 1e9, snapshots.get());
        sender.stop();
        watch.stop();
    }

    /** Per event number: when its ingest request was acknowledged (nanoTime), and when its points were committed. */
    static final class Timeline {
        final AtomicLongArray ackNanos;
        final AtomicLongArray ackMillis;
        final AtomicLongArray commitMillis;
        /** When this client's own consumer of dash.points got the event's points (currentTimeMillis). */
        final AtomicLongArray seenMillis;

        Timeline(int size) {
            ackNanos = new AtomicLongArray(size);
            ackMillis = new AtomicLongArray(size);
            commitMillis = new AtomicLongArray(size);
            seenMillis = new AtomicLongArray(size);
        }

        /** Samples taken before their event's 2xx: event, sample index, frame arrival. */
        final java.util.concurrent.ConcurrentLinkedQueue<long[]> earlyFrames =
                new java.util.concurrent.ConcurrentLinkedQueue<>();

        void early(long k, int idx, long frameNanos) {
            earlyFrames.add(new long[] {k, idx, frameNanos});
        }

        /** Fills in the early samples whose 2xx has come since (frame arrival minus 2xx: negative). */
        void settle(long[] samples) {
            for (long[] e : earlyFrames) {
                long a = ackNanos.get((int) e[0]);
                if (a != 0) {
                    samples[(int) e[1]] = e[2] - a;
                }
            }
        }

        /** The event of each latency sample. */
        final long[] sampleEvent = new long[4_000_000];

        void sampled(int idx, long k) {
            sampleEvent[idx] = k;
        }

        /** Commit -> frame per sample (ns), from the frames' arrival millis, where the commit time is known. */
        long[] liveSamples(long[] frameMillis, int taken) {
            List<Long> out = new ArrayList<>();
            for (int i = 0; i < taken; i++) {
                long c = commitMillis.get((int) sampleEvent[i]);
                if (c != 0) {
                    out.add((frameMillis[i] - c) * 1_000_000L);
                }
            }
            return out.stream().mapToLong(Long::longValue).sorted().toArray();
        }

        int size() {
            return ackNanos.length();
        }

        /**
         * Commit -> the points seen by this client's consumer of dash.points (the writer's publish and Kafka), and
         * seen -> frame (the web node: its consumer, the hot cache, coalescing, fan-out; and this client's event
         * loop), per sample where both are known, in ns.
         */
        long[][] hopSamples(long[] frameMillis, int taken) {
            List<Long> toSeen = new ArrayList<>();
            List<Long> toFrame = new ArrayList<>();
            for (int i = 0; i < taken; i++) {
                long c = commitMillis.get((int) sampleEvent[i]);
                long seen = seenMillis.get((int) sampleEvent[i]);
                if (c != 0 && seen != 0) {
                    toSeen.add((seen - c) * 1_000_000L);
                    toFrame.add((frameMillis[i] - seen) * 1_000_000L);
                }
            }
            return new long[][] {
                toSeen.stream().mapToLong(Long::longValue).sorted().toArray(),
                toFrame.stream().mapToLong(Long::longValue).sorted().toArray()
            };
        }

        /** Ack to Silver commit of the events numbered in (from, to], where both are known, in ns. */
        long[] writerSamples(long from, long to) {
            List<Long> out = new ArrayList<>();
            for (long k = from + 1; k <= to && k < size(); k++) {
                long a = ackMillis.get((int) k);
                long c = commitMillis.get((int) k);
                if (a != 0 && c != 0) {
                    out.add((c - a) * 1_000_000L);
                }
            }
            return out.stream().mapToLong(Long::longValue).sorted().toArray();
        }

        /** The highest event number at most {@code k} whose request was acknowledged. */
        long highestAckedBelow(long k) {
            for (long i = Math.min(k, size() - 1); i > 0; i--) {
                if (ackNanos.get((int) i) != 0) {
                    return i;
                }
            }
            return 0;
        }
    }

    /**
     * Signed webhooks (as GitHub signs them: HMAC-SHA256 of the body, a fresh delivery id, so each goes through
     * dedupe) to the packaged ingestor, one event per request at {@code rate}/s, with {@code temp} = the event's
     * number.
     */
    static final class Ingest {
        final AtomicLong acked = new AtomicLong();
        final AtomicLong refused = new AtomicLong();
        private final Vertx vertx;
        private final HttpClient client;
        private final String path;
        private final SecretMaterial secret;
        private final int rate;
        private final int batch;
        private final Timeline events;
        private final SignatureSigner signer = SignatureSigner.forPreset(PresetConfig.of(Preset.GITHUB));
        private final AtomicLong next = new AtomicLong();
        private long timer;

        Ingest(Vertx vertx, URI base, UUID pipeline, SecretMaterial secret, int rate, int batch, Timeline events) {
            this.vertx = vertx;
            this.client = vertx.createHttpClient(
                    new HttpClientOptions()
                            .setKeepAlive(true)
                            .setTcpNoDelay(true)
                            .setDefaultHost(base.getHost())
                            .setDefaultPort(base.getPort()),
                    new PoolOptions().setHttp1MaxSize(64));
            this.path = "/ingest/" + pipeline;
            this.secret = secret;
            this.rate = rate;
            this.batch = batch;
            this.events = events;
        }

        void start() {
            long begin = System.nanoTime();
            timer = vertx.setPeriodic(Math.max(1, 1000L * batch / rate), id -> {
                long due = Math.min((System.nanoTime() - begin) * rate / 1_000_000_000L, events.size() - 1);
                while (next.get() + batch <= due) {
                    long first = next.get() + 1;
                    next.addAndGet(batch);
                    send(first, batch);
                }
            });
        }

        void stop() {
            vertx.cancelTimer(timer);
        }

        /** Events {@code first} .. {@code first + count - 1} in one request (NDJSON when more than one). */
        private void send(long first, int count) {
            StringBuilder b = new StringBuilder(count * 150);
            String ts = Instant.now().toString();
            for (long k = first; k < first + count; k++) {
                b.append("{\"ts\":\"")
                        .append(ts)
                        .append("\",\"device\":\"d-1\",\"site\":\"bench\",\"temp\":")
                        .append(k)
                        .append(",\"hum\":50,\"firmware\":\"4.2.1\",\"status\":\"OK\"}\n");
            }
            byte[] body = b.toString().getBytes(StandardCharsets.UTF_8);
            Map<String, String> headers = signer.sign(body, secret, Instant.now(), null);
            RequestOptions o = new RequestOptions().setMethod(HttpMethod.POST).setURI(path);
            headers.forEach(o::addHeader);
            o.addHeader("content-type", count == 1 ? "application/json" : "application/x-ndjson");
            client.request(o)
                    .compose(req -> req.send(Buffer.buffer(body))
                            .compose(resp -> resp.body().map(x -> resp.statusCode())))
                    .onComplete(ar -> {
                        if (ar.succeeded() && ar.result() / 100 == 2) {
                            long nanos = System.nanoTime();
                            long millis = System.currentTimeMillis();
                            for (long k = first; k < first + count; k++) {
                                events.ackNanos.set((int) k, nanos);
                                events.ackMillis.set((int) k, millis);
                            }
                            acked.accumulateAndGet(first + count - 1, Math::max);
                        } else {
                            refused.incrementAndGet();
                        }
                    });
        }
    }

    /** Reads {@code dash.points} (every partition, from its end) for the commit time of each event's points. */
    static final class PointsWatch {
        private final KafkaConsumer<String, byte[]> consumer;
        private final UUID pipeline;
        private final Timeline events;
        private volatile boolean running = true;
        private final Thread thread;

        PointsWatch(String bootstrap, UUID pipeline, Timeline events) {
            Properties p = new Properties();
            p.put("bootstrap.servers", bootstrap);
            p.put("key.deserializer", StringDeserializer.class.getName());
            p.put("value.deserializer", ByteArrayDeserializer.class.getName());
            p.put("enable.auto.commit", "false");
            p.put("fetch.max.wait.ms", "50");
            this.consumer = new KafkaConsumer<>(p);
            this.pipeline = pipeline;
            this.events = events;
            List<TopicPartition> parts = consumer.partitionsFor(TOPICS.points()).stream()
                    .map(i -> new TopicPartition(i.topic(), i.partition()))
                    .toList();
            consumer.assign(parts);
            consumer.seekToEnd(parts);
            parts.forEach(consumer::position);
            this.thread = new Thread(this::run, "bench-points-watch");
            thread.setDaemon(true);
        }

        void start() {
            thread.start();
        }

        void stop() throws InterruptedException {
            running = false;
            thread.join(5_000);
        }

        private void run() {
            while (running) {
                for (ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                    if (!pipeline.toString().equals(r.key())) {
                        continue;
                    }
                    long seen = System.currentTimeMillis();
                    PointsBatch b = PointsCodec.decode(r.value());
                    long c = b.committedAt().toEpochMilli();
                    for (PointsBatch.Point pt : b.points()) {
                        if (pt.metric().equals("temp") && pt.value() > 0 && pt.value() < events.size()) {
                            events.commitMillis.compareAndSet((int) pt.value(), 0, c);
                            events.seenMillis.compareAndSet((int) pt.value(), 0, seen);
                        }
                    }
                }
            }
            consumer.close();
        }
    }

    private static void onFrame(
            Viewer v,
            String m,
            Timeline events,
            long[] samples,
            long[] liveSamples,
            AtomicInteger sampleCount,
            int sampleEvery,
            boolean measuring,
            AtomicLong early) {
        long now = System.nanoTime();
        long nowMillis = System.currentTimeMillis();
        long seq = number(m, "\"seq\":");
        if (seq > v.seq) {
            v.seq = seq;
        }
        if (m.startsWith("{\"type\":\"error\"") && v.error == null) {
            v.error = m.substring(0, Math.min(300, m.length()));
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
                for (long k = (long) before + 1; k <= (long) max && k < events.size(); k++) {
                    if (k % sampleEvery != 0) {
                        continue;
                    }
                    long a = events.ackNanos.get((int) k);
                    int idx = sampleCount.getAndIncrement();
                    if (idx >= samples.length) {
                        continue;
                    }
                    if (a == 0) {
                        // The frame came before the 2xx (the ingestor answers after its dedupe commit): the sample
                        // is filled in, negative, when the 2xx arrives.
                        early.incrementAndGet();
                        events.early(k, idx, now);
                        samples[idx] = Long.MIN_VALUE;
                    } else {
                        samples[idx] = now - a;
                    }
                    // Frame arrival (wall clock) and event, turned into commit -> frame once the commit times are in.
                    liveSamples[idx] = nowMillis;
                    events.sampled(idx, k);
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
                    s.textMessageHandler(m -> {
                        v.frames++;
                        try {
                            h.frame(v, m);
                        } catch (RuntimeException e) {
                            if (v.unreadable == null) {
                                v.unreadable = e + " in " + m.substring(0, Math.min(200, m.length()));
                            }
                        }
                    });
                    v.closed = null;
                    // Only a close of the viewer's current connection (the storm closes the old ones itself).
                    s.closeHandler(x -> {
                        if (v.socket == s) {
                            v.closed = s.closeStatusCode() + " " + s.closeReason();
                        }
                    });
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
        // A viewer the server closed, or one that got a frame it could not read, will not get there: not waited for.
        java.util.function.Predicate<Viewer> done = v -> p.test(v) || v.closed != null || v.unreadable != null;
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        while (System.nanoTime() < end && !Arrays.stream(viewers).allMatch(done)) {
            Thread.sleep(20);
        }
        Viewer[] missing = Arrays.stream(viewers).filter(p.negate()).toArray(Viewer[]::new);
        if (missing.length > 0) {
            System.out.println("WARN not all viewers reached the condition in " + seconds + " s: " + missing.length);
            for (Viewer v : Arrays.copyOf(missing, Math.min(5, missing.length))) {
                System.out.printf(
                        "WARN   viewer: connected=%s frames=%d seq=%d closed=%s unreadable=%s error=%s%n",
                        v.socket != null, v.frames, v.seq, v.closed, v.unreadable, v.error);
            }
        }
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
        Map<String, long[]> histo0 = histogram(pid);
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
        printGrowth("echo", n, histo0, histogram(pid));
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

    /**
     * The web node's live timings ({@code dash_live_*_seconds} percentile histograms of {@code /q/metrics}): per
     * timer, its cumulative bucket counts by upper bound (seconds; +Inf as infinity).
     */
    static Map<String, TreeMap<Double, Double>> serverHistograms(String host, int port) {
        Map<String, TreeMap<Double, Double>> out = new TreeMap<>();
        try {
            java.net.http.HttpResponse<String> r = java.net.http.HttpClient.newHttpClient()
                    .send(
                            java.net.http.HttpRequest.newBuilder(
                                            URI.create("http://" + host + ":" + port + "/q/metrics"))
                                    .timeout(Duration.ofSeconds(30))
                                    .build(),
                            java.net.http.HttpResponse.BodyHandlers.ofString());
            Matcher m = BUCKET.matcher(r.body());
            while (m.find()) {
                double le = m.group(2).equals("+Inf") ? Double.POSITIVE_INFINITY : Double.parseDouble(m.group(2));
                out.computeIfAbsent(m.group(1), k -> new TreeMap<>()).put(le, Double.parseDouble(m.group(3)));
            }
        } catch (Exception e) {
            System.out.println("WARN no server timings: " + e);
        }
        return out;
    }

    private static final Pattern BUCKET =
            Pattern.compile("(?m)^(dash_live_\\w+)_seconds_bucket\\{[^}]*le=\"([^\"]+)\"[^}]*\\} (\\S+)");

    /**
     * Count, p50 and p99 (ms) of what was recorded between two scrapes: the difference of the cumulative buckets,
     * interpolated linearly inside the bucket the quantile falls in.
     */
    static double[] windowQuantiles(TreeMap<Double, Double> before, TreeMap<Double, Double> after) {
        TreeMap<Double, Double> diff = new TreeMap<>();
        after.forEach((le, c) -> diff.put(le, c - (before == null ? 0 : before.getOrDefault(le, 0.0))));
        double total = diff.isEmpty() ? 0 : diff.lastEntry().getValue();
        double[] out = {total, 0, 0};
        if (total <= 0) {
            return out;
        }
        double[] qs = {0.5, 0.99};
        for (int i = 0; i < qs.length; i++) {
            double want = qs[i] * total;
            double lo = 0;
            double below = 0;
            for (Map.Entry<Double, Double> b : diff.entrySet()) {
                if (b.getValue() >= want) {
                    double hi = b.getKey().isInfinite() ? lo : b.getKey();
                    double inBucket = b.getValue() - below;
                    double f = inBucket <= 0 ? 1 : (want - below) / inBucket;
                    out[i + 1] = (lo + (hi - lo) * f) * 1000;
                    break;
                }
                lo = b.getKey();
                below = b.getValue();
            }
        }
        return out;
    }

    /** How late a 10 ms timer runs on each of the client's event loops (ns), while {@code measuring}. */
    static final class LoopLag {
        private static final long PERIOD_MS = 10;
        volatile boolean measuring;
        private final Vertx vertx;
        private final List<Long> timers = new ArrayList<>();
        private final long[] lags = new long[200_000];
        private final AtomicInteger count = new AtomicInteger();

        LoopLag(Vertx vertx) {
            this.vertx = vertx;
            // A context made off the event loops is bound to the next event loop in turn: one timer on each.
            for (int i = 0; i < 2; i++) {
                io.vertx.core.Context c = vertx.getOrCreateContext();
                c.runOnContext(v -> {
                    long[] due = {System.nanoTime() + PERIOD_MS * 1_000_000};
                    synchronized (timers) {
                        timers.add(vertx.setPeriodic(PERIOD_MS, id -> {
                            long now = System.nanoTime();
                            if (measuring) {
                                int k = count.getAndIncrement();
                                if (k < lags.length) {
                                    lags[k] = Math.max(0, now - due[0]);
                                }
                            }
                            due[0] = now + PERIOD_MS * 1_000_000;
                        }));
                    }
                });
            }
        }

        long[] sorted() {
            return Arrays.stream(lags, 0, Math.min(count.get(), lags.length))
                    .sorted()
                    .toArray();
        }

        void stop() {
            synchronized (timers) {
                timers.forEach(vertx::cancelTimer);
            }
        }
    }

    private static double pct(long[] sorted, double p) {
        if (sorted.length == 0) {
            return 0;
        }
        int i = (int) Math.min(sorted.length - 1, Math.ceil(sorted.length * p / 100.0) - 1);
        return sorted[Math.max(0, i)] / 1e6;
    }

    /**
     * The server's live objects per class ({@code jcmd <pid> GC.class_histogram}, which collects first): class name
     * to {instances, bytes}.
     */
    static Map<String, long[]> histogram(long pid) throws Exception {
        Map<String, long[]> out = new HashMap<>();
        Matcher m = HISTO_LINE.matcher(run("jcmd", Long.toString(pid), "GC.class_histogram"));
        while (m.find()) {
            out.merge(m.group(3), new long[] {Long.parseLong(m.group(1)), Long.parseLong(m.group(2))}, (a, b) ->
                    new long[] {a[0] + b[0], a[1] + b[1]});
        }
        return out;
    }

    /**
     * Where the heap grew between two histograms: the classes that grew most, with bytes and instances per
     * connection, so that what grows with the connections can be told from what was allocated once.
     */
    static void printGrowth(String what, int n, Map<String, long[]> before, Map<String, long[]> after) {
        long total = 0;
        List<Map.Entry<String, long[]>> grown = new ArrayList<>();
        for (Map.Entry<String, long[]> e : after.entrySet()) {
            long[] b = before.getOrDefault(e.getKey(), new long[2]);
            long[] d = {e.getValue()[0] - b[0], e.getValue()[1] - b[1]};
            total += d[1];
            grown.add(Map.entry(e.getKey(), d));
        }
        grown.sort((x, y) -> Long.compare(y.getValue()[1], x.getValue()[1]));
        System.out.printf(
                "RESULT %s histogram connections=%d grown_mb=%.1f grown_per_connection_bytes=%.0f%n",
                what, n, total / 1048576.0, total / (double) n);
        for (Map.Entry<String, long[]> e : grown.subList(0, Math.min(15, grown.size()))) {
            System.out.printf(
                    "RESULT %s histogram class=%s bytes=%d per_connection_bytes=%.0f instances_per_connection=%.2f%n",
                    what, e.getKey(), e.getValue()[1], e.getValue()[1] / (double) n, e.getValue()[0] / (double) n);
        }
    }

    /** The server's used heap after a full GC, in KiB: the least of three collections a second apart. */
    static long heapKb(long pid) throws Exception {
        long least = Long.MAX_VALUE;
        for (int i = 0; i < 3; i++) {
            run("jcmd", Long.toString(pid), "GC.run");
            Thread.sleep(1000);
            String info = run("jcmd", Long.toString(pid), "GC.heap_info");
            Matcher m = USED.matcher(info);
            if (!m.find()) {
                throw new IllegalStateException("no heap figure in: " + info);
            }
            least = Math.min(least, Long.parseLong(m.group(1)));
        }
        return least;
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
