package dev.dash.bench.ingest;

import dev.dash.ingestor.pipeline.CachedPipeline;
import dev.dash.ingestor.silver.SilverMapper;
import dev.dash.model.db.DashSchema;
import dev.dash.model.db.Databases;
import dev.dash.model.db.SilverVariant;
import dev.dash.model.envelope.RawEnvelope;
import dev.dash.model.envelope.RawRecordCodec;
import dev.dash.model.kafka.PipelineConfig;
import dev.dash.model.mapping.MappingCompiler;
import dev.dash.model.silver.SilverBatch;
import dev.dash.model.silver.SilverStore;
import java.lang.management.ManagementFactory;
import java.lang.reflect.Constructor;
import java.lang.reflect.Method;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import javax.sql.DataSource;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.record.TimestampType;
import org.postgresql.ds.PGSimpleDataSource;

/**
 * The Silver writer's work per event after the {@code dash.raw} record's decode (issue 19, issue-writer), per call, as
 * the writer does it for one batch: {@code map} ({@link SilverMapper#map}, which includes the decode; {@code decode}
 * alone is measured too, to take it off), {@code copy} ({@link SilverStore#write}: COPY into a real {@code metrics}
 * table, as the replay also writes) and {@code points} ({@code PointsPublisher.publish}: the {@code dash.points}
 * records of the batch, sent to the real broker and acknowledged). The load generator's 180-byte GitHub-preset
 * readings (2 Silver rows each) in batches of {@code batchRows} rows, as the writer forms them. Per stage: the calling
 * thread's CPU time and bytes allocated ({@code com.sun.management.ThreadMXBean}, exact), and for {@code points} also
 * the bytes the producer's own thread allocated (every other thread's allocation over the stage). Two warm-up rounds,
 * then medians. Built against this tree, it runs as well against an earlier build's jars (only public API; the
 * publisher by reflection), so the two builds are compared with one program:
 *
 * <pre>
 * java -cp "$(cat bench/ingest/target/classpath.txt):bench/ingest/target/classes" dev.dash.bench.ingest.WriterCost \
 *   jdbc:postgresql://127.0.0.1:15432/dash_bench_writer dash dash 127.0.0.1:19092 [batches] [rounds] [batchRows]
 * </pre>
 */
public final class WriterCost {
    private static final com.sun.management.ThreadMXBean THREADS =
            (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
    private static final String[] STAGES = {"decode", "map", "copy", "points"};

    private WriterCost() {}

    public static void main(String[] args) throws Exception {
        String url = args[0];
        String user = args[1];
        String password = args[2];
        String kafka = args[3];
        int batches = args.length > 4 ? Integer.parseInt(args[4]) : 4;
        int rounds = args.length > 5 ? Integer.parseInt(args[5]) : 7;
        int batchRows = args.length > 6 ? Integer.parseInt(args[6]) : 5000;
        int eventsPerBatch = batchRows / 2;
        int events = batches * eventsPerBatch;

        PGSimpleDataSource ds = database(url, user, password, SilverVariant.Choice.AUTO);
        List<RawEnvelope> envelopes = RawFormats.envelopes("sensor-reading", null, events);
        UUID pipeline = envelopes.get(0).pipelineId();
        CachedPipeline cached = pipeline(ds, envelopes.get(0), "writer-cost");
        SilverMapper mapper = new SilverMapper(id -> id.equals(pipeline) ? cached : null);
        SilverStore store = new SilverStore(ds);

        String topic = "writer-cost-" + UUID.randomUUID() + ".points";
        Map<String, Object> producer = new HashMap<>();
        producer.put("bootstrap.servers", kafka);
        producer.put("acks", "all");
        producer.put("enable.idempotence", "true");
        producer.put("linger.ms", "0");
        producer.put("max.request.size", "16777216");
        producer.put("client.id", "writer-cost-points");
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", kafka))) {
            admin.createTopics(List.of(new NewTopic(topic, 1, (short) 1))).all().get();
        }
        Class<?> publisherClass = Class.forName("dev.dash.ingestor.silver.PointsPublisher");
        Constructor<?> ctor = publisherClass.getDeclaredConstructor(Map.class, String.class);
        ctor.setAccessible(true);
        Object publisher = ctor.newInstance(producer, topic);
        Method publish = publisherClass.getDeclaredMethod("publish", SilverBatch.class, Instant.class, Duration.class);
        publish.setAccessible(true);
        Method close = publisherClass.getDeclaredMethod("close");
        close.setAccessible(true);

        long self = Thread.currentThread().getId();
        double[][][] m = new double[STAGES.length][3][rounds];
        SilverBatch batch = new SilverBatch();
        long sink = 0;
        try {
            for (int round = -2; round < rounds; round++) {
                double[][] sum = new double[STAGES.length][3];
                for (int k = 0; k < batches; k++) {
                    List<ConsumerRecord<String, byte[]>> records =
                            records(envelopes.subList(k * eventsPerBatch, (k + 1) * eventsPerBatch), k);
                    try (Connection c = ds.getConnection();
                            Statement st = c.createStatement()) {
                        st.execute("TRUNCATE metrics");
                    }
                    batch.clear();
                    // decode: what map includes and this change does not touch.
                    long[] t = start(self);
                    for (ConsumerRecord<String, byte[]> r : records) {
                        sink += RawRecordCodec.decodeWithoutRequestHeaders(r.headers(), r.value())
                                .body()
                                .length;
                    }
                    add(sum[0], t, self);
                    records = records(envelopes.subList(k * eventsPerBatch, (k + 1) * eventsPerBatch), k);
                    t = start(self);
                    for (ConsumerRecord<String, byte[]> r : records) {
                        sink += mapper.map(r, batch).quarantined();
                    }
                    add(sum[1], t, self);
                    if (batch.rows().size() != 2 * eventsPerBatch) {
                        throw new IllegalStateException(
                                "expected 2 rows an event, got " + batch.rows().size());
                    }
                    t = start(self);
                    sink += store.write(batch);
                    add(sum[2], t, self);
                    t = start(self);
                    publish.invoke(publisher, batch, Instant.now(), Duration.ofSeconds(30));
                    add(sum[3], t, self);
                }
                if (round >= 0) {
                    for (int s = 0; s < STAGES.length; s++) {
                        for (int x = 0; x < 3; x++) {
                            m[s][x][round] = sum[s][x] / events;
                        }
                    }
                }
            }
        } finally {
            close.invoke(publisher);
            try (Admin admin = Admin.create(Map.of("bootstrap.servers", kafka))) {
                admin.deleteTopics(List.of(topic)).all().get();
            }
        }
        System.out.printf(
                "# per event, medians of %d rounds of %d batches of %d events (%d rows) after 2 warm-up rounds (sink %d)%n",
                rounds, batches, eventsPerBatch, batchRows, sink);
        for (int s = 0; s < STAGES.length; s++) {
            System.out.printf(
                    "RESULT stage=%s cpu_us=%.3f alloc_b=%.0f other_threads_alloc_b=%.0f%n",
                    STAGES[s], median(m[s][0]) / 1000.0, median(m[s][1]), median(m[s][2]));
        }
    }

    /** Fresh records (fresh headers, as a poll gives them) of one batch, at consecutive offsets of partition 0. */
    private static List<ConsumerRecord<String, byte[]>> records(List<RawEnvelope> envelopes, int batch) {
        List<ConsumerRecord<String, byte[]>> out = new ArrayList<>(envelopes.size());
        long offset = (long) batch * envelopes.size();
        for (RawEnvelope e : envelopes) {
            RawRecordCodec.Encoded r = RawRecordCodec.encode(e, 2);
            out.add(new ConsumerRecord<>(
                    "dash.raw",
                    0,
                    offset++,
                    e.receivedAt().toEpochMilli(),
                    TimestampType.CREATE_TIME,
                    36,
                    r.value().length,
                    e.pipelineId().toString(),
                    r.value(),
                    new RecordHeaders(r.headers()),
                    Optional.empty()));
        }
        return out;
    }

    /** Thread CPU ns, this thread's and every other thread's allocated bytes, now. */
    private static long[] start(long self) {
        return new long[] {THREADS.getCurrentThreadCpuTime(), THREADS.getThreadAllocatedBytes(self), others(self)};
    }

    private static void add(double[] sum, long[] t, long self) {
        long cpu = THREADS.getCurrentThreadCpuTime();
        long alloc = THREADS.getThreadAllocatedBytes(self);
        long others = others(self);
        sum[0] += cpu - t[0];
        sum[1] += alloc - t[1];
        sum[2] += others - t[2];
    }

    private static long others(long self) {
        long[] ids = Arrays.stream(THREADS.getAllThreadIds())
                .filter(id -> id != self)
                .toArray();
        long total = 0;
        for (long b : THREADS.getThreadAllocatedBytes(ids)) {
            total += Math.max(0, b);
        }
        return total;
    }

    /**
     * The envelopes' pipeline and team, inserted into the database, and the pipeline as the writer's cache holds it:
     * active mapping version 1, the load generator's mapping ({@link BenchSetup#MAPPING}).
     */
    static CachedPipeline pipeline(DataSource ds, RawEnvelope e, String name) throws Exception {
        UUID pipeline = e.pipelineId();
        UUID team = e.teamId();
        try (Connection c = ds.getConnection();
                Statement st = c.createStatement()) {
            st.execute("INSERT INTO teams (id, name, slug) VALUES ('" + team + "', '" + name + "', '" + name + "')");
            st.execute(
                    "INSERT INTO pipelines (id, team_id, name, type, signature_preset, active_mapping_version) VALUES ('"
                            + pipeline + "', '" + team + "', '" + name + "', 'realtime', 'github', 1)");
        }
        PipelineConfig config = new PipelineConfig(
                pipeline,
                team,
                name,
                "realtime",
                "active",
                "github",
                null,
                300,
                0,
                null,
                null,
                false,
                1,
                List.of(),
                List.of(),
                1,
                false);
        return new CachedPipeline(
                config,
                null,
                null,
                List.of(),
                List.of(),
                null,
                new CachedPipeline.Version(1, MappingCompiler.compile(BenchSetup.MAPPING), null, null),
                null);
    }

    /** A database of its own, created afresh and migrated to the Silver variant chosen. */
    static PGSimpleDataSource database(String url, String user, String password, SilverVariant.Choice variant)
            throws Exception {
        int slash = url.lastIndexOf('/');
        String name = url.substring(slash + 1);
        PGSimpleDataSource ds = new PGSimpleDataSource();
        ds.setURL(url);
        ds.setUser(user);
        ds.setPassword(password);
        try (Connection admin = DriverManager.getConnection(url.substring(0, slash) + "/postgres", user, password)) {
            Databases.drop(admin, name, 60_000);
            admin.createStatement().execute("CREATE DATABASE " + name);
        }
        DashSchema.migrate(ds, "public", variant);
        return ds;
    }

    private static double median(double[] values) {
        double[] v = values.clone();
        Arrays.sort(v);
        return v[v.length / 2];
    }
}
