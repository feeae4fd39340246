package dev.dash.bench.ingest;

import dev.dash.model.kafka.TopicNames;
import dev.dash.model.mapping.CompiledMapping;
import dev.dash.model.mapping.EventInput;
import dev.dash.model.mapping.MappingCompiler;
import dev.dash.model.signature.Preset;
import dev.dash.model.signature.PresetConfig;
import dev.dash.model.signature.SecretMaterial;
import dev.dash.model.signature.SignatureSigner;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.postgresql.ds.PGSimpleDataSource;

/**
 * The highest offered rate at which an all-in-one ingestor node stays current (issue 19, item 3).
 *
 * <p>Open loop: requests are sent at a fixed offered rate whatever the answers (up to a cap of requests in flight),
 * signed as {@link LoadGenerator}'s are, with the same unique sensor readings. Each <em>window</em> offers one rate
 * for a warm-up and then the measured seconds, sampling once a second the lags of the node's Silver writer and
 * Bronze archiver: {@code dash_silver_lag}'s and {@code dash_bronze_lag}'s definition (dash.raw records after the
 * group's committed offset, summed over the partitions), measured by this program through Kafka's admin API from the
 * node's own consumer groups ({@code <groupPrefix>-silver}, {@code <groupPrefix>-bronze}), a partition the group has
 * not committed yet counting from where it ended when this program started. (The node's gauges count such a
 * partition from offset 0 when the lookup of the group's start position times out, which a busy broker does: a
 * constant millions-large lag that says nothing.) A rate is <em>kept up with</em> when, over the measured seconds:
 *
 * <ul>
 *   <li>the node accepted at least 97 % of the offered events, none refused or failed;
 *   <li>for both lags: the highest lag of the window's last {@code PEAK_SPAN} seconds is at most the highest of its
 *       first {@code PEAK_SPAN} seconds plus one second of offered events (bounded and not growing: peaks, because
 *       the archiver commits only when a Bronze object is uploaded, so its lag is a saw-tooth of one object's
 *       period; run the node with {@code dash.bronze.rotate-age} well under {@code PEAK_SPAN}).
 * </ul>
 *
 * The search doubles the rate from {@code startRate} until a window fails (halving instead when the first one fails),
 * then bisects between the highest kept and the lowest failed rate, at most {@code maxWindows} windows in all; before
 * each window it waits (at most {@code drainSeconds}) for both lags to fall to one second of the next rate, so a failed
 * window's backlog is not charged to the next.
 *
 * <p>The baseline, measured first in the same run: a raw COPY of the same rows (the mapping's rows for the same
 * readings, in text format, one transaction per 5,000 rows, into the same {@code metrics} table:
 * {@link SilverBench#runCopy}), median of three rounds of {@code copyEvents} events; the COPY-bound event rate is that
 * rows/s divided by the rows per event.
 *
 * <p>It also prints the CPU split of each window: the ingestor process (its pid), this load generator, PostgreSQL
 * (every {@code postgres} process: other users of the shared server included), Kafka (the broker's JVM) and the
 * whole machine, in cores, from {@code /proc}; PostgreSQL's transactions and rows written in the benchmark's database
 * per accepted event ({@link PgStats}); and each window's UTC start and end, for a JFR recording of the node.
 *
 * <p>Arguments: {@code url pipelineId secretId secret mode(single|batch) batchSize startRate warmupSeconds
 * windowSeconds maxWindows drainSeconds ingestorPid jdbcUrl dbUser dbPassword copyEvents label kafkaBootstrap
 * groupPrefix}.
 */
public final class CurrentRate {
    /** The topics of the installation under test: its {@code DASH_KAFKA_TOPIC_PREFIX}, as the services get it. */
    private static final TopicNames TOPICS =
            new TopicNames(System.getenv().getOrDefault("DASH_KAFKA_TOPIC_PREFIX", ""));

    private static final DateTimeFormatter HMS =
            DateTimeFormatter.ofPattern("HH:mm:ss").withZone(ZoneOffset.UTC);
    private static final int PEAK_SPAN = 15;
    private static final int FIRST_WARMUP =
            Integer.parseInt(System.getenv().getOrDefault("CURRENT_FIRST_WARMUP", "90"));

    private final HttpClient client;
    private final java.net.http.HttpClient metricsClient = java.net.http.HttpClient.newHttpClient();
    private final Vertx vertx;
    private final String url;
    private final String path;
    private final SignatureSigner signer = SignatureSigner.forPreset(PresetConfig.of(Preset.GITHUB));
    private final SecretMaterial secret;
    private final boolean batch;
    private final int batchSize;
    private final int maxInFlight;
    private final long ingestorPid;
    private final AtomicLong seq = new AtomicLong();
    private final Admin admin;
    private final String groupPrefix;
    private final List<TopicPartition> partitions;
    private final Map<TopicPartition, Long> startEnds;
    private final PgStats pgStats;

    private CurrentRate(
            String url,
            String pipeline,
            SecretMaterial secret,
            boolean batch,
            int batchSize,
            long pid,
            String kafka,
            String groupPrefix,
            javax.sql.DataSource db)
            throws Exception {
        this.pgStats = new PgStats(db);
        this.url = url;
        this.path = "/ingest/" + pipeline;
        this.secret = secret;
        this.batch = batch;
        this.batchSize = batchSize;
        this.ingestorPid = pid;
        this.maxInFlight = batch ? 64 : 512;
        this.vertx = Vertx.vertx();
        URI uri = URI.create(url);
        this.client = vertx.createHttpClient(
                new HttpClientOptions()
                        .setKeepAlive(true)
                        // Below the node's quarkus.http.idle-timeout (20 s), as a producer's client must be: else a
                        // request sent on a pooled connection as the node closes it gets no answer
                        // (HttpClosedException).
                        .setKeepAliveTimeout(KEEP_ALIVE_SECONDS)
                        .setTcpNoDelay(true)
                        .setDefaultHost(uri.getHost())
                        .setDefaultPort(uri.getPort()),
                new PoolOptions().setHttp1MaxSize(maxInFlight));
        this.groupPrefix = groupPrefix;
        this.admin = Admin.create(Map.of("bootstrap.servers", kafka));
        this.partitions = admin
                .describeTopics(List.of(TOPICS.raw()))
                .allTopicNames()
                .get(30, TimeUnit.SECONDS)
                .get(TOPICS.raw())
                .partitions()
                .stream()
                .map(p -> new TopicPartition(TOPICS.raw(), p.partition()))
                .toList();
        this.startEnds = ends();
    }

    private Map<TopicPartition, Long> ends() throws Exception {
        Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
        partitions.forEach(tp -> latest.put(tp, OffsetSpec.latest()));
        Map<TopicPartition, Long> out = new HashMap<>();
        admin.listOffsets(latest).all().get(30, TimeUnit.SECONDS).forEach((tp, o) -> out.put(tp, o.offset()));
        return out;
    }

    /** {@code {silver lag, bronze lag}}: records after each group's committed offsets (see the class comment). */
    private long[] lags() throws Exception {
        Map<TopicPartition, Long> end = ends();
        long[] out = new long[2];
        String[] roles = {"silver", "bronze"};
        for (int i = 0; i < 2; i++) {
            Map<TopicPartition, OffsetAndMetadata> committed = admin.listConsumerGroupOffsets(
                            groupPrefix + "-" + roles[i])
                    .partitionsToOffsetAndMetadata()
                    .get(30, TimeUnit.SECONDS);
            for (TopicPartition tp : partitions) {
                OffsetAndMetadata o = committed.get(tp);
                long from = o != null ? o.offset() : startEnds.getOrDefault(tp, 0L);
                out[i] += Math.max(0, end.getOrDefault(tp, 0L) - from);
            }
        }
        return out;
    }

    /** What one window measured. */
    record Window(
            double rate,
            boolean kept,
            String why,
            double acceptedPerS,
            long silverLag0,
            long silverLag1,
            double silverGrowth,
            long bronzeLag0,
            long bronzeLag1,
            double bronzeGrowth,
            double silverRowsPerS,
            double p99Ms,
            String from,
            String to,
            long acceptedEvents,
            Map<String, Double> cpu,
            Map<String, Double> pg,
            Stalls stalls) {}

    public static void main(String[] args) throws Exception {
        String url = args[0];
        String pipeline = args[1];
        SecretMaterial secret = SecretMaterial.of(args[2], args[3]);
        boolean batch = args[4].equals("batch");
        int batchSize = batch ? Integer.parseInt(args[5]) : 1;
        double startRate = Double.parseDouble(args[6]);
        int warmup = Integer.parseInt(args[7]);
        int window = Integer.parseInt(args[8]);
        int maxWindows = Integer.parseInt(args[9]);
        int drainSeconds = Integer.parseInt(args[10]);
        long pid = Long.parseLong(args[11]);
        String label = args[16];
        String kafka = args[17];
        String groupPrefix = args[18];

        // The baseline first: raw COPY of the same rows, this run, this machine.
        PGSimpleDataSource ds = new PGSimpleDataSource();
        ds.setURL(args[12]);
        ds.setUser(args[13]);
        ds.setPassword(args[14]);
        int copyEvents = Integer.parseInt(args[15]);
        CompiledMapping mapping = MappingCompiler.compile(BenchSetup.MAPPING);
        double rowsPerEvent = mapping.apply(EventInput.ofBytes(
                        java.util.UUID.randomUUID(),
                        Instant.now(),
                        SilverBench.bodies(1).get(0)))
                .points()
                .size();
        SilverBench.runCopy(ds, SilverBench.bodies(2_000), mapping, 5_000);
        List<Double> copies = new ArrayList<>();
        for (int r = 0; r < 3; r++) {
            copies.add(SilverBench.runCopy(ds, SilverBench.bodies(copyEvents), mapping, 5_000));
        }
        double copyRows = SilverBench.median(copies);
        double copyEventsPerS = copyRows / rowsPerEvent;
        System.out.printf(
                "COPY label=%s raw_copy_rows_per_s=%.0f rounds=%s rows_per_event=%.0f copy_bound_events_per_s=%.0f%n",
                label, copyRows, fmt(copies), rowsPerEvent, copyEventsPerS);

        CurrentRate bench = new CurrentRate(url, pipeline, secret, batch, batchSize, pid, kafka, groupPrefix, ds);
        double rate = startRate;
        double kept = 0;
        double failed = Double.POSITIVE_INFINITY;
        List<Window> windows = new ArrayList<>();
        for (int w = 0; w < maxWindows; w++) {
            bench.drain(rate, drainSeconds);
            // The first window warms the node's JIT up for longer: CURRENT_FIRST_WARMUP, 90 s (docs/benchmarks.md,
            // issue-singles: after 30 s of traffic the node's C2 compiler still took 0.3-0.4 of the two cores through
            // the first 40 s of the window).
            Window r = bench.window(rate, w == 0 ? Math.max(warmup, FIRST_WARMUP) : warmup, window);
            windows.add(r);
            System.out.printf(
                    "WINDOW label=%s mode=%s rate=%.0f kept=%s why=%s accepted_per_s=%.0f p99_ms=%.1f"
                            + " silver_lag=%d->%d silver_peak_growth=%.0f bronze_lag=%d->%d bronze_peak_growth=%.0f"
                            + " silver_rows_per_s=%.0f from=%s to=%s accepted_events=%d cpu_cores=%s pg_per_event=%s"
                            + " held_back=%d cap_episodes=%d longest_cap_ms=%.0f held_back_ms=%.0f%n",
                    label,
                    batch ? "batch" : "single",
                    r.rate(),
                    r.kept(),
                    r.why(),
                    r.acceptedPerS(),
                    r.p99Ms(),
                    r.silverLag0(),
                    r.silverLag1(),
                    r.silverGrowth(),
                    r.bronzeLag0(),
                    r.bronzeLag1(),
                    r.bronzeGrowth(),
                    r.silverRowsPerS(),
                    r.from(),
                    r.to(),
                    r.acceptedEvents(),
                    r.cpu(),
                    r.pg(),
                    r.stalls().heldBack(),
                    r.stalls().episodes().size(),
                    r.stalls().longestMs(),
                    r.stalls().cappedMs());
            r.stalls().print(label, r.rate());
            if (r.kept()) {
                kept = Math.max(kept, rate);
            } else {
                failed = Math.min(failed, rate);
            }
            if (failed == Double.POSITIVE_INFINITY) {
                rate = rate * 2;
            } else if (kept == 0) {
                rate = rate / 2;
            } else {
                rate = Math.round((kept + failed) / 2 / 50) * 50.0;
                if (failed - kept <= Math.max(100, 0.1 * kept)) {
                    break; // within 10 %: good enough for a figure this noisy
                }
            }
        }
        System.out.printf(
                "RESULT label=%s mode=%s batch=%d highest_current_events_per_s=%.0f lowest_failed_events_per_s=%s"
                        + " raw_copy_rows_per_s=%.0f rows_per_event=%.0f copy_bound_events_per_s=%.0f ratio_to_copy=%.3f"
                        + " windows=%d%n",
                label,
                batch ? "batch" : "single",
                batchSize,
                kept,
                failed == Double.POSITIVE_INFINITY ? "none" : String.format("%.0f", failed),
                copyRows,
                rowsPerEvent,
                copyEventsPerS,
                kept / copyEventsPerS,
                windows.size());
        bench.client.close();
        bench.vertx.close();
        bench.admin.close();
    }

    /**
     * Waits until both lags are at most one second of {@code rate} events or have stopped falling (fallen by less than
     * one second of {@code rate} events over the last 5 s: what is left is not this benchmark's backlog, e.g. records
     * a read-committed consumer cannot pass yet), at most {@code seconds}.
     */
    private void drain(double rate, int seconds) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        List<long[]> seen = new ArrayList<>();
        long[] lags = lags();
        while (System.nanoTime() < deadline) {
            lags = lags();
            seen.add(lags);
            if (lags[0] <= rate && lags[1] <= rate) {
                return;
            }
            if (seen.size() > 5) {
                long[] before = seen.get(seen.size() - 6);
                if (before[0] - lags[0] < rate && before[1] - lags[1] < rate) {
                    System.out.printf("DRAIN stopped falling: silver lag %d, bronze lag %d%n", lags[0], lags[1]);
                    return;
                }
            }
            Thread.sleep(1000);
        }
        System.out.printf("DRAIN not drained in %d s: silver lag %d, bronze lag %d%n", seconds, lags[0], lags[1]);
    }

    private Window window(double rate, int warmupSeconds, int windowSeconds) throws Exception {
        double requestsPerS = rate / batchSize;
        long start = System.nanoTime();
        long measureFrom = start + TimeUnit.SECONDS.toNanos(warmupSeconds);
        long end = measureFrom + TimeUnit.SECONDS.toNanos(windowSeconds);
        AtomicLong sent = new AtomicLong();
        AtomicLong inFlight = new AtomicLong();
        AtomicLong accepted = new AtomicLong();
        AtomicLong refused = new AtomicLong();
        AtomicLong errors = new AtomicLong();
        firstError = null;
        AtomicLong capped = new AtomicLong();
        long[] latencies = new long[(int) Math.min(20_000_000, requestsPerS * windowSeconds * 1.2 + 1000)];
        AtomicLong recorded = new AtomicLong();
        Stalls stalls = new Stalls(start, measureFrom, end, (int)
                Math.min(20_000_000, requestsPerS * (warmupSeconds + windowSeconds) * 1.2 + 1000));
        CountDownLatch done = new CountDownLatch(1);
        long[] timer = new long[1];
        timer[0] = vertx.setPeriodic(2, id -> {
            long now = System.nanoTime();
            stalls.tick(now);
            if (now >= end) {
                vertx.cancelTimer(timer[0]);
                done.countDown();
                return;
            }
            long due = (long) ((now - start) / 1e9 * requestsPerS);
            while (sent.get() < due) {
                if (inFlight.get() >= maxInFlight) {
                    // The node answers slower than the offered rate: what cannot be sent is counted, not queued.
                    long behind = due - sent.get();
                    if (now >= measureFrom) {
                        capped.addAndGet(behind);
                    }
                    stalls.capped(now, behind, inFlight.get());
                    sent.addAndGet(behind);
                    break;
                }
                sent.incrementAndGet();
                inFlight.incrementAndGet();
                send(measureFrom, end, inFlight, accepted, refused, errors, latencies, recorded, stalls);
            }
        });
        // Lag samples, once a second, from the end of the warm-up to the end of the window.
        Thread.sleep(Math.max(0, TimeUnit.NANOSECONDS.toMillis(measureFrom - System.nanoTime())));
        String from = HMS.format(Instant.now());
        Map<String, Double> m0 = metrics();
        long[] lag0 = lags();
        long[] cpu0 = cpuTicks();
        long machine0 = ProcCpu.machine();
        Map<String, Long> pg0 = pgStats.read();
        List<double[]> samples = new ArrayList<>();
        samples.add(new double[] {0, lag0[0], lag0[1]});
        while (System.nanoTime() < end) {
            Thread.sleep(1000);
            long[] lag = lags();
            double t = (System.nanoTime() - measureFrom) / 1e9;
            samples.add(new double[] {t, lag[0], lag[1]});
        }
        done.await(30, TimeUnit.SECONDS);
        Map<String, Double> m1 = metrics();
        double[] last = samples.get(samples.size() - 1);
        long[] lag1 = {(long) last[1], (long) last[2]};
        long[] cpu1 = cpuTicks();
        long machine1 = ProcCpu.machine();
        Map<String, Long> pg1 = pgStats.read();
        String to = HMS.format(Instant.now());
        // Requests still in flight at the end are answered after it: wait for them (they are not counted).
        long wait = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (inFlight.get() > 0 && System.nanoTime() < wait) {
            Thread.sleep(50);
        }
        stalls.finish();

        double seconds = windowSeconds;
        double acceptedPerS = accepted.get() * batchSize / seconds;
        long silver0 = lag0[0];
        long silver1 = lag1[0];
        long bronze0 = lag0[1];
        long bronze1 = lag1[1];
        // Growth: the highest lag of the last PEAK_SPAN seconds over the highest of the first PEAK_SPAN seconds.
        double silverGrowth = peak(samples, 1, seconds - PEAK_SPAN, seconds + 1) - peak(samples, 1, -1, PEAK_SPAN);
        double bronzeGrowth = peak(samples, 2, seconds - PEAK_SPAN, seconds + 1) - peak(samples, 2, -1, PEAK_SPAN);
        double oneSecond = rate;
        List<String> why = new ArrayList<>();
        if (acceptedPerS < 0.97 * rate) {
            why.add("accepted");
        }
        if (refused.get() + errors.get() > 0) {
            // The first failure's cause, so a window failed by one transport error says which (no spaces: key=value).
            String first = firstError;
            why.add("refused:" + refused.get() + "/errors:" + errors.get()
                    + (first == null ? "" : "(first:" + first.replaceAll("\\s+", "_") + ")"));
        }
        if (capped.get() > 0) {
            why.add("in-flight-cap:" + capped.get());
        }
        if (silverGrowth > oneSecond) {
            why.add("silver-lag");
        }
        if (bronzeGrowth > oneSecond) {
            why.add("bronze-lag");
        }
        int n = (int) Math.min(recorded.get(), latencies.length);
        long[] l = java.util.Arrays.copyOf(latencies, n);
        java.util.Arrays.sort(l);
        double p99 = n == 0 ? 0 : l[Math.min(n - 1, (int) Math.ceil(0.99 * n) - 1)] / 1e6;
        double ticks = ProcCpu.TICKS_PER_SECOND * seconds;
        Map<String, Double> cpu = new LinkedHashMap<>();
        String[] names = {"ingestor", "loadgen", "postgres", "kafka"};
        for (int i = 0; i < names.length; i++) {
            cpu.put(names[i], Math.round((cpu1[i] - cpu0[i]) / ticks * 100) / 100.0);
        }
        cpu.put("machine", Math.round((machine1 - machine0) / ticks * 100) / 100.0);
        return new Window(
                rate,
                why.isEmpty(),
                why.isEmpty() ? "-" : String.join(",", why),
                acceptedPerS,
                silver0,
                silver1,
                silverGrowth,
                bronze0,
                bronze1,
                bronzeGrowth,
                (m1.get("dash_silver_rows_total") - m0.get("dash_silver_rows_total")) / seconds,
                p99,
                from,
                to,
                accepted.get() * batchSize,
                cpu,
                PgStats.perEvent(pg0, pg1, accepted.get() * batchSize),
                stalls);
    }

    /** The cause of the first request of the current window that failed without an answer, or null. */
    private volatile String firstError;

    /** How long an idle pooled connection is kept: under the node's 20 s idle timeout. */
    static final int KEEP_ALIVE_SECONDS = 10;

    private void send(
            long measureFrom,
            long end,
            AtomicLong inFlight,
            AtomicLong accepted,
            AtomicLong refused,
            AtomicLong errors,
            long[] latencies,
            AtomicLong recorded,
            Stalls stalls) {
        byte[] body = LoadGenerator.readings(seq, batchSize, batch);
        Map<String, String> headers = signer.sign(body, secret, Instant.now(), null);
        RequestOptions o = new RequestOptions().setMethod(HttpMethod.POST).setURI(path);
        headers.forEach(o::addHeader);
        o.addHeader("content-type", batch ? "application/x-ndjson" : "application/json");
        long sentAt = System.nanoTime();
        int index = stalls.issue(sentAt);
        client.request(o)
                .compose(req -> req.send(Buffer.buffer(body))
                        .compose(resp -> resp.body().map(b -> {
                            if (resp.statusCode() / 100 != 2 && firstError == null && sentAt >= measureFrom) {
                                // The window's first refusal: its status and error body, for the window's "why".
                                firstError = resp.statusCode() + ":" + abbreviated(b.toString());
                            }
                            return resp.statusCode();
                        })))
                .onComplete(ar -> {
                    inFlight.decrementAndGet();
                    long t = System.nanoTime();
                    stalls.done(index, t, ar.succeeded() ? ar.result() : 0);
                    if (sentAt >= measureFrom && sentAt < end) {
                        if (ar.succeeded() && ar.result() / 100 == 2) {
                            accepted.incrementAndGet();
                            long i = recorded.getAndIncrement();
                            if (i < latencies.length) {
                                latencies[(int) i] = t - sentAt;
                            }
                        } else if (ar.succeeded()) {
                            refused.incrementAndGet();
                        } else {
                            if (errors.incrementAndGet() == 1 && firstError == null) {
                                firstError = String.valueOf(ar.cause());
                            }
                        }
                    }
                });
    }

    private static String abbreviated(String body) {
        return body.length() <= 200 ? body : body.substring(0, 200) + "...";
    }

    /** The node's lags and counters (summed over tags), from its Prometheus endpoint. */
    private Map<String, Double> metrics() throws IOException, InterruptedException {
        String text = metricsClient
                .send(
                        HttpRequest.newBuilder(URI.create(url + "/q/metrics")).build(),
                        HttpResponse.BodyHandlers.ofString())
                .body();
        Map<String, Double> m = new LinkedHashMap<>();
        for (String name : List.of("dash_silver_rows_total")) {
            m.put(name, 0.0);
        }
        for (String line : text.split("\n")) {
            if (line.startsWith("#")) {
                continue;
            }
            int brace = line.indexOf('{');
            int space = line.lastIndexOf(' ');
            String name = line.substring(0, brace > 0 ? brace : Math.max(0, line.indexOf(' ')));
            if (m.containsKey(name) && space > 0) {
                m.merge(name, Double.parseDouble(line.substring(space + 1)), Double::sum);
            }
        }
        return m;
    }

    /** The highest value of column {@code col} over the samples whose time (column 0) is in ({@code from}, {@code to}). */
    static double peak(List<double[]> xs, int col, double from, double to) {
        double max = 0;
        for (double[] x : xs) {
            if (x[0] > from && x[0] < to) {
                max = Math.max(max, x[col]);
            }
        }
        return max;
    }

    /** CPU ticks (user + system) of: the ingestor, this process, every postgres process, the Kafka broker. */
    private long[] cpuTicks() {
        long[] servers = ProcCpu.servers();
        return new long[] {
            ProcCpu.ticks(ingestorPid), ProcCpu.ticks(ProcessHandle.current().pid()), servers[0], servers[1]
        };
    }

    private static String fmt(List<Double> xs) {
        return xs.stream()
                .map(x -> String.format("%.0f", x))
                .reduce((a, b) -> a + "/" + b)
                .orElse("");
    }
}
