package dev.dash.bench.replay;

import dev.dash.model.bronze.BronzeKey;
import dev.dash.model.bronze.BronzeWriter;
import dev.dash.model.db.DashSchema;
import dev.dash.model.db.SilverVariant;
import dev.dash.model.envelope.RawEnvelope;
import dev.dash.model.envelope.Source;
import dev.dash.model.envelope.UuidV7;
import dev.dash.model.mapping.CompiledMapping;
import dev.dash.model.mapping.EventInput;
import dev.dash.model.mapping.MappingCompiler;
import dev.dash.model.mapping.MappingResult;
import dev.dash.model.signature.Preset;
import dev.dash.model.signature.VerificationResult;
import dev.dash.platform.kafka.TopicProvisioner;
import java.io.BufferedOutputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.apache.kafka.common.utils.Utils;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.Delete;
import software.amazon.awssdk.services.s3.model.ObjectIdentifier;
import software.amazon.awssdk.services.s3.model.S3Object;

/**
 * Prepares a run from scratch: drops and recreates the benchmark's own database (default
 * {@code dash_bench_replay}) and migrates it with {@link DashSchema} in the Silver variant {@code bench.variant}
 * ({@code plain} by default; run.sh's {@code VARIANTS}); empties its own bucket; creates a team and two
 * pipelines (the measured one and a small one to warm the replay JVM up), each with mapping version 1 active and
 * version 2 pending ({@link TelemetryEvents}); and writes their history to Bronze the way the archiver leaves it:
 * events at a steady rate ({@code bench.rate} per second) in the pipeline's {@code dash.raw} partition (the default
 * partitioner on the pipeline id, as the ingestor keys it), rotated into gzip JSON Lines objects by the archiver's
 * default limits (100,000 events or 60 s), uploaded under {@link BronzeKey}s with their manifest rows, and the
 * archiver's progress past them. Dual-write boundaries are left to {@link ReplayRun}, per replayed version.
 *
 * <p>For the COPY baseline it writes, in the order the replay reads them, the metric rows version 2 gives for the
 * measured pipeline, in {@code SilverStore}'s COPY text format ({@code copy-rows.tsv} in {@code bench.work}).
 * Prints {@code KEY=value} lines for run.sh.
 */
public final class ReplaySetup {
    /** The archiver's default rotation (docs/configuration.md, {@code dash.bronze.rotate-*}). */
    private static final int ROTATE_EVENTS = 100_000;

    /** Bronze line version of the objects (LINE_VERSION in run.sh): 2, as the archiver writes; 1, as before it. */
    private static final int LINE_VERSION = Integer.parseInt(BenchEnv.prop("lineVersion", "2"));

    private static final Duration ROTATE_AGE = Duration.ofSeconds(60);
    /** Where the measured pipeline's offsets start in its partition: a topic long in use. */
    private static final long FIRST_OFFSET = 1_000_000;

    private ReplaySetup() {}

    /** One Bronze object to write: events [from, to) of a stream. */
    private record Plan(int from, int to, long startOffset) {}

    /** One written object. */
    private record Written(Plan plan, String key, byte[] gzip, byte[] copyRows, long rows, Instant min, Instant max) {}

    /** A pipeline's event stream. */
    private record Stream(UUID pipeline, UUID team, long seed, int events, double rate, Instant end, int partition) {
        Instant created(long i) {
            long micros = (long) ((i - events) * 1_000_000.0 / rate);
            return end.plus(micros, ChronoUnit.MICROS).truncatedTo(ChronoUnit.MILLIS);
        }

        Instant received(long i) {
            // 30 to 800 ms from the device's clock to Dash's, not always in order.
            return created(i).plusMillis(30 + new SplittableRandom(seed ^ i * 31).nextInt(770));
        }
    }

    public static void main(String[] args) throws Exception {
        String db = BenchEnv.database();
        String bucket = BenchEnv.prop("bucket", "dash-bench-replay-bronze");
        int events = (int) BenchEnv.longProp("events", 2_000_000);
        int warmupEvents = (int) BenchEnv.longProp("warmupEvents", 100_000);
        double rate = Double.parseDouble(BenchEnv.prop("rate", "100"));
        Path work = Path.of(BenchEnv.prop("work", "bench/replay/target/work"));
        Files.createDirectories(work);

        recreateDatabase(db);
        var ds = BenchEnv.dataSource();
        // bench.variant (run.sh's VARIANTS; bench.silverVariant, its older name, when it is not set): the Silver
        // variant of the fresh database. Plain by default: the baseline COPYs into a plain partitioned table of
        // metrics' shape, and earlier figures were measured on plain (TimescaleDB is loadable here since 2026-12-05).
        String variant = BenchEnv.prop("variant", BenchEnv.prop("silverVariant", "plain"));
        DashSchema.migrate(ds, "public", SilverVariant.Choice.valueOf(variant.toUpperCase(java.util.Locale.ROOT)));
        TopicProvisioner.ensureTopics(BenchEnv.env("DASH_KAFKA_BOOTSTRAP"), BenchEnv.TOPICS.specs(), (short) 1, 30_000);
        int partitions = BenchEnv.rawPartitions();

        UUID team = UUID.randomUUID();
        UUID warm = UUID.randomUUID();
        UUID measured = UUID.randomUUID();
        try (Connection c = ds.getConnection()) {
            BenchEnv.exec(
                    c,
                    "INSERT INTO teams (id, name, slug) VALUES (?, ?, ?)",
                    team,
                    "replay bench " + team,
                    "rb-" + team.toString().substring(0, 23));
            for (UUID p : List.of(warm, measured)) {
                BenchEnv.exec(
                        c,
                        "INSERT INTO pipelines (id, team_id, name, type, status, signature_preset, active_mapping_version) "
                                + "VALUES (?, ?, ?, 'realtime', 'active', 'standard_webhooks', 1)",
                        p,
                        team,
                        (p == warm ? "replay warm-up " : "fleet telemetry ") + p);
                BenchEnv.exec(
                        c,
                        "INSERT INTO data_mappings (id, pipeline_id, version, status, document) VALUES (?, ?, 1, 'active', ?::jsonb)",
                        UUID.randomUUID(),
                        p,
                        TelemetryEvents.MAPPING_V1);
                BenchEnv.exec(
                        c,
                        "INSERT INTO data_mappings (id, pipeline_id, version, status, document) VALUES (?, ?, 2, 'pending', ?::jsonb)",
                        UUID.randomUUID(),
                        p,
                        TelemetryEvents.MAPPING_V2);
            }
        }

        Instant end = Instant.now().minus(Duration.ofMinutes(10)).truncatedTo(ChronoUnit.SECONDS);
        Map<Integer, Long> nextOffset = new HashMap<>();
        try (S3Client s3 = BenchEnv.s3()) {
            emptyBucket(s3, bucket);
            Stream w = new Stream(warm, team, 7, warmupEvents, rate, end, partition(warm, partitions));
            write(ds, s3, bucket, w, nextOffset, null);
            Stream m = new Stream(measured, team, 42, events, rate, end, partition(measured, partitions));
            Totals t = write(ds, s3, bucket, m, nextOffset, work.resolve("copy-rows.tsv"));
            try (Connection c = ds.getConnection()) {
                for (var e : nextOffset.entrySet()) {
                    BenchEnv.exec(
                            c,
                            "INSERT INTO bronze_progress (kafka_partition, next_offset) VALUES (?, ?)",
                            e.getKey(),
                            e.getValue());
                }
            }
            LocalDate first = LocalDate.ofInstant(t.minTime, ZoneOffset.UTC);
            LocalDate last = LocalDate.ofInstant(t.maxTime, ZoneOffset.UTC);
            System.out.println("PIPELINE=" + measured);
            System.out.println("WARM_PIPELINE=" + warm);
            System.out.println("TEAM=" + team);
            System.out.println("PARTITION=" + m.partition());
            System.out.println("EVENTS=" + events);
            System.out.println("ROWS=" + t.rows);
            System.out.println("OBJECTS=" + t.objects);
            System.out.println("BRONZE_BYTES=" + t.bytes);
            System.out.println("BODY_BYTES_AVG=" + t.bodyBytes / events);
            System.out.println("HISTORY=" + t.minTime + ".." + t.maxTime);
            System.out.println("FIRST_DAY=" + first);
            System.out.println("LAST_DAY=" + last);
            System.out.println(
                    "SAMPLE_BODY='" + new String(TelemetryEvents.body(42, 0, end), StandardCharsets.UTF_8) + "'");
        }
    }

    private static void recreateDatabase(String db) throws Exception {
        if (!db.matches("[a-z_][a-z0-9_]*") || db.equals("dash") || db.equals("dash_test")) {
            throw new IllegalArgumentException("refusing to recreate database " + db);
        }
        try (Connection admin = BenchEnv.connect("postgres")) {
            dev.dash.model.db.Databases.drop(admin, db, 60_000);
            admin.createStatement().execute("CREATE DATABASE " + db);
        }
    }

    private static void emptyBucket(S3Client s3, String bucket) {
        try {
            s3.createBucket(b -> b.bucket(bucket));
        } catch (RuntimeException alreadyThere) {
            // kept from an earlier run: emptied below
        }
        for (var page : s3.listObjectsV2Paginator(b -> b.bucket(bucket))) {
            List<ObjectIdentifier> ids = page.contents().stream()
                    .map(S3Object::key)
                    .map(k -> ObjectIdentifier.builder().key(k).build())
                    .toList();
            if (!ids.isEmpty()) {
                s3.deleteObjects(b ->
                        b.bucket(bucket).delete(Delete.builder().objects(ids).build()));
            }
        }
    }

    /** The partition Kafka's default partitioner gives the pipeline id as a key (the ingestor's key). */
    static int partition(UUID pipeline, int partitions) {
        return Utils.toPositive(Utils.murmur2(pipeline.toString().getBytes(StandardCharsets.UTF_8))) % partitions;
    }

    private static final class Totals {
        long rows;
        long objects;
        long bytes;
        long bodyBytes;
        Instant minTime;
        Instant maxTime;
    }

    private static Totals write(
            javax.sql.DataSource ds, S3Client s3, String bucket, Stream s, Map<Integer, Long> nextOffset, Path copyFile)
            throws Exception {
        // The archiver's rotation, by received time: an object closes at 100,000 events or 60 s after its first.
        List<Plan> plans = new ArrayList<>();
        long offset = nextOffset.getOrDefault(s.partition(), FIRST_OFFSET);
        int from = 0;
        Instant opened = s.received(0);
        for (int i = 1; i <= s.events(); i++) {
            if (i == s.events() || i - from >= ROTATE_EVENTS || !s.received(i).isBefore(opened.plus(ROTATE_AGE))) {
                plans.add(new Plan(from, i, offset));
                offset += i - from;
                from = i;
                if (i < s.events()) {
                    opened = s.received(i);
                }
            }
        }
        nextOffset.put(s.partition(), offset);
        CompiledMapping v2 = MappingCompiler.compile(TelemetryEvents.MAPPING_V2);
        Totals t = new Totals();
        ExecutorService pool = Executors.newFixedThreadPool(Runtime.getRuntime().availableProcessors());
        Deque<Future<Written>> inFlight = new ArrayDeque<>();
        try (OutputStream copy = copyFile == null
                        ? OutputStream.nullOutputStream()
                        : new BufferedOutputStream(Files.newOutputStream(copyFile), 1 << 20);
                Connection c = ds.getConnection();
                PreparedStatement manifest = c.prepareStatement(
                        "INSERT INTO bronze_manifest (pipeline_id, object_key, kafka_partition, start_offset, end_offset, "
                                + "min_received_at, max_received_at, events, bytes) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)")) {
            int next = 0;
            while (next < plans.size() || !inFlight.isEmpty()) {
                while (next < plans.size() && inFlight.size() < 8) {
                    Plan p = plans.get(next++);
                    inFlight.add(pool.submit(() -> object(s, p, v2, copyFile != null, t)));
                }
                Written o = inFlight.poll().get();
                put(s3, bucket, o.key(), o.gzip());
                copy.write(o.copyRows());
                manifest.setObject(1, s.pipeline());
                manifest.setString(2, o.key());
                manifest.setInt(3, s.partition());
                manifest.setLong(4, o.plan().startOffset());
                manifest.setLong(
                        5, o.plan().startOffset() + o.plan().to() - o.plan().from() - 1);
                manifest.setTimestamp(6, Timestamp.from(o.min()));
                manifest.setTimestamp(7, Timestamp.from(o.max()));
                manifest.setInt(8, o.plan().to() - o.plan().from());
                manifest.setLong(9, o.gzip().length);
                manifest.executeUpdate();
                t.rows += o.rows();
                t.objects++;
                t.bytes += o.gzip().length;
            }
        } finally {
            pool.shutdownNow();
        }
        t.minTime = s.created(0);
        t.maxTime = s.created(s.events() - 1);
        return t;
    }

    /** Uploads, retrying for a while: the local S3 server is shared and sometimes drops a request under load. */
    private static void put(S3Client s3, String bucket, String key, byte[] bytes) throws InterruptedException {
        for (int attempt = 1; ; attempt++) {
            try {
                s3.putObject(b -> b.bucket(bucket).key(key), RequestBody.fromBytes(bytes));
                return;
            } catch (RuntimeException e) {
                if (attempt == 10) {
                    throw e;
                }
                System.err.println("upload of " + key + " failed, retrying: " + e.getMessage());
                Thread.sleep(2_000L * attempt);
            }
        }
    }

    private static Written object(Stream s, Plan p, CompiledMapping v2, boolean rows, Totals t) throws IOException {
        long[] clock = new long[1];
        UuidV7 ids = new UuidV7(() -> clock[0]);
        ByteArrayOutputStream out = new ByteArrayOutputStream(1 << 20);
        StringBuilder copy = new StringBuilder(rows ? (p.to() - p.from()) * 3 * 230 : 0);
        long n = 0;
        long bodyBytes = 0;
        Instant min = null;
        Instant max = null;
        try (BronzeWriter w = new BronzeWriter(out, 6)) {
            for (int i = p.from(); i < p.to(); i++) {
                Instant received = s.received(i);
                clock[0] = received.toEpochMilli();
                UUID event = ids.generate();
                byte[] body = TelemetryEvents.body(s.seed(), i, s.created(i));
                bodyBytes += body.length;
                String delivery = "msg_" + Long.toHexString(s.seed()) + "_" + i;
                RawEnvelope e = envelope(event, s.pipeline(), s.team(), received, delivery, body);
                w.write(e, LINE_VERSION);
                min = min == null || received.isBefore(min) ? received : min;
                max = max == null || received.isAfter(max) ? received : max;
                if (rows) {
                    MappingResult r = v2.apply(EventInput.of(e));
                    if (!r.ok()) {
                        throw new IllegalStateException("event " + i + " does not map: " + r.errors());
                    }
                    n += TelemetryEvents.appendRows(copy, s.pipeline(), s.team(), event, 2, r.points());
                }
            }
            w.finish();
        }
        synchronized (t) {
            t.bodyBytes += bodyBytes;
        }
        String key = BronzeKey.forFirstEvent(s.pipeline(), s.received(p.from()), s.partition(), p.startOffset())
                .format();
        return new Written(p, key, out.toByteArray(), copy.toString().getBytes(StandardCharsets.UTF_8), n, min, max);
    }

    /** A telemetry delivery as a fleet gateway signs it (Standard Webhooks), the way the ingestor archives it. */
    static RawEnvelope envelope(UUID event, UUID pipeline, UUID team, Instant received, String delivery, byte[] body) {
        return new RawEnvelope(
                event,
                pipeline,
                team,
                received,
                Source.WEBHOOK,
                delivery,
                "application/json",
                Map.of(
                        "webhook-id",
                        delivery,
                        "webhook-timestamp",
                        String.valueOf(received.getEpochSecond()),
                        "user-agent",
                        "fleet-gateway/2.9"),
                body,
                VerificationResult.verified(Preset.STANDARD_WEBHOOKS, "s1", delivery));
    }
}
