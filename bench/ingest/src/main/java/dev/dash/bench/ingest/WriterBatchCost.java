package dev.dash.bench.ingest;

import dev.dash.ingestor.pipeline.CachedPipeline;
import dev.dash.ingestor.silver.SilverMapper;
import dev.dash.model.db.SilverVariant;
import dev.dash.model.envelope.RawEnvelope;
import dev.dash.model.envelope.RawRecordCodec;
import dev.dash.model.silver.SilverBatch;
import dev.dash.model.silver.SilverStore;
import java.io.PrintWriter;
import java.lang.management.ManagementFactory;
import java.lang.reflect.Constructor;
import java.lang.reflect.InvocationHandler;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.logging.Logger;
import javax.sql.DataSource;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.postgresql.ds.PGSimpleDataSource;

/**
 * The Silver writer's fixed cost per poll and per batch (issue 19, item 3; issue-consumers): for batches of {@code n}
 * events ({@code n} from the list given), what each step the writer takes once per poll or once per batch costs per
 * call, on the calling thread (CPU time and bytes allocated, {@code com.sun.management.ThreadMXBean}, exact), and
 * for the write, the PostgreSQL backend's CPU ({@code /proc/<backend>/schedstat}, ns on a CPU):
 *
 * <ul>
 *   <li>{@code poll}: {@code KafkaConsumer.poll} of a topic of its own (the writer's fetch settings), until the batch's
 *       {@code n} records, just produced and flushed, are read; per poll that returned records;
 *   <li>{@code map}: {@link SilverMapper#map} on each;
 *   <li>{@code store}: {@link SilverStore#write} into a real {@code metrics} table (the database's own variant), over
 *       one connection kept open (the writer's pool hands its thread the same one);
 *   <li>{@code points}: {@code PointsPublisher.publish}, sent to the shared broker and acknowledged;
 *   <li>{@code commit}: {@code commitSync} of the batch's offset.
 * </ul>
 *
 * The 180-byte readings of the load generator (2 Silver rows each). Only public API (the publisher by reflection), so
 * one program runs against an earlier build's jars too:
 *
 * <pre>
 * java -cp "$(cat bench/ingest/target/classpath.txt):bench/ingest/target/classes" dev.dash.bench.ingest.WriterBatchCost \
 *   jdbc:postgresql://127.0.0.1:15432/dash_bench_consumers dash dash 127.0.0.1:19092 1,2,4,16,64,256 [events per size] [auto|plain|timescaledb]
 * </pre>
 */
public final class WriterBatchCost {
    private static final com.sun.management.ThreadMXBean THREADS =
            (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
    private static final String[] STAGES = {"poll", "map", "store", "points", "commit"};

    private WriterBatchCost() {}

    public static void main(String[] args) throws Exception {
        String url = args[0];
        String user = args[1];
        String password = args[2];
        String kafka = args[3];
        int[] sizes =
                Arrays.stream(args[4].split(",")).mapToInt(Integer::parseInt).toArray();
        int eventsPerSize = args.length > 5 ? Integer.parseInt(args[5]) : 4096;
        SilverVariant.Choice variant =
                args.length > 6 ? SilverVariant.Choice.valueOf(args[6].toUpperCase()) : SilverVariant.Choice.AUTO;
        int maxSize = Arrays.stream(sizes).max().orElse(1);

        DataSource ds = pinned(WriterCost.database(url, user, password, variant));
        long backend;
        try (Connection c = ds.getConnection();
                Statement st = c.createStatement();
                ResultSet rs = st.executeQuery("SELECT pg_backend_pid()")) {
            rs.next();
            backend = rs.getLong(1);
        }
        int total = 2 * (eventsPerSize + maxSize) * sizes.length + 4 * maxSize;
        List<RawEnvelope> envelopes = RawFormats.envelopes("sensor-reading", null, total);
        UUID pipeline = envelopes.get(0).pipelineId();
        CachedPipeline cached = WriterCost.pipeline(ds, envelopes.get(0), "batch-cost");
        SilverMapper mapper = new SilverMapper(id -> id.equals(pipeline) ? cached : null);
        SilverStore store = new SilverStore(ds);

        String prefix = "writer-batch-cost-" + UUID.randomUUID();
        String raw = prefix + ".raw";
        String points = prefix + ".points";
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", kafka))) {
            admin.createTopics(List.of(new NewTopic(raw, 1, (short) 1), new NewTopic(points, 1, (short) 1)))
                    .all()
                    .get();
        }
        Map<String, Object> producerProps = new HashMap<>();
        producerProps.put("bootstrap.servers", kafka);
        producerProps.put("acks", "all");
        producerProps.put("enable.idempotence", "true");
        producerProps.put("linger.ms", "0");
        producerProps.put("max.request.size", "16777216");
        producerProps.put("client.id", "writer-batch-cost-points");
        Class<?> publisherClass = Class.forName("dev.dash.ingestor.silver.PointsPublisher");
        Constructor<?> ctor = publisherClass.getDeclaredConstructor(Map.class, String.class);
        ctor.setAccessible(true);
        Object publisher = ctor.newInstance(producerProps, points);
        Method publish = publisherClass.getDeclaredMethod("publish", SilverBatch.class, Instant.class, Duration.class);
        publish.setAccessible(true);
        Method closePublisher = publisherClass.getDeclaredMethod("close");
        closePublisher.setAccessible(true);

        Map<String, Object> rawProducerProps = new HashMap<>(producerProps);
        rawProducerProps.put("client.id", "writer-batch-cost-raw");
        Map<String, Object> consumerProps = new HashMap<>();
        consumerProps.put("bootstrap.servers", kafka);
        consumerProps.put("group.id", prefix + "-silver");
        consumerProps.put("enable.auto.commit", "false");
        consumerProps.put("auto.offset.reset", "earliest");
        consumerProps.put("isolation.level", "read_committed");
        consumerProps.put("max.poll.records", "2000");
        consumerProps.put("fetch.max.wait.ms", "50");
        TopicPartition tp = new TopicPartition(raw, 0);
        long self = Thread.currentThread().getId();
        SilverBatch batch = new SilverBatch();
        long sink = 0;
        int next = 0;
        try (KafkaProducer<String, byte[]> rawProducer =
                        new KafkaProducer<>(rawProducerProps, new StringSerializer(), new ByteArraySerializer());
                KafkaConsumer<String, byte[]> consumer =
                        new KafkaConsumer<>(consumerProps, new StringDeserializer(), new ByteArrayDeserializer())) {
            consumer.assign(List.of(tp));
            System.out.printf(
                    "# per batch (per poll for poll), sizes %s, %d events per size after as many warm-up"
                            + " events; store over one kept connection; pg = its backend's CPU%n",
                    args[4], eventsPerSize);
            for (int pass = 0; pass < 2; pass++) {
                for (int n : sizes) {
                    int batches = Math.max(1, eventsPerSize / n);
                    double[][] sum = new double[STAGES.length][2];
                    long polls = 0;
                    long pg = 0;
                    for (int k = 0; k < batches; k++) {
                        for (int i = 0; i < n; i++) {
                            RawEnvelope e = envelopes.get(next++ % envelopes.size());
                            RawRecordCodec.Encoded r = RawRecordCodec.encode(e);
                            rawProducer.send(new ProducerRecord<>(
                                    raw, null, e.pipelineId().toString(), r.value(), r.headers()));
                        }
                        rawProducer.flush();
                        List<ConsumerRecord<String, byte[]>> records = new ArrayList<>(n);
                        long[] t = start(self);
                        while (records.size() < n) {
                            ConsumerRecords<String, byte[]> polled = consumer.poll(Duration.ofSeconds(5));
                            if (!polled.isEmpty()) {
                                polls++;
                            }
                            polled.forEach(records::add);
                        }
                        add(sum[0], t, self);
                        batch.clear();
                        t = start(self);
                        for (ConsumerRecord<String, byte[]> r : records) {
                            sink += mapper.map(r, batch).quarantined();
                        }
                        add(sum[1], t, self);
                        long pg0 = schedstat(backend);
                        t = start(self);
                        sink += store.write(batch);
                        add(sum[2], t, self);
                        pg += schedstat(backend) - pg0;
                        t = start(self);
                        publish.invoke(publisher, batch, Instant.now(), Duration.ofSeconds(30));
                        add(sum[3], t, self);
                        long offset = records.get(records.size() - 1).offset() + 1;
                        t = start(self);
                        consumer.commitSync(Map.of(tp, new OffsetAndMetadata(offset)));
                        add(sum[4], t, self);
                    }
                    if (pass == 0) {
                        continue;
                    }
                    StringBuilder line = new StringBuilder("RESULT n=" + n + " batches=" + batches);
                    line.append(String.format(" records_per_poll=%.2f", (double) batches * n / polls));
                    for (int s = 0; s < STAGES.length; s++) {
                        double per = s == 0 ? polls : batches;
                        line.append(String.format(
                                " %s_us=%.1f %s_B=%.0f",
                                STAGES[s], sum[s][0] / per / 1000.0, STAGES[s], sum[s][1] / per));
                    }
                    line.append(String.format(" pg_us=%.1f", pg / (double) batches / 1000.0));
                    System.out.println(line);
                }
            }
        } finally {
            closePublisher.invoke(publisher);
            try (Admin admin = Admin.create(Map.of("bootstrap.servers", kafka))) {
                admin.deleteTopics(List.of(raw, points)).all().get();
            }
        }
        System.out.println("# sink " + sink);
    }

    /** ns the process has run on a CPU (the first field of /proc/PID/schedstat). */
    private static long schedstat(long pid) throws Exception {
        String s = Files.readString(Path.of("/proc/" + pid + "/schedstat"));
        return Long.parseLong(s.substring(0, s.indexOf(' ')));
    }

    private static long[] start(long self) {
        return new long[] {THREADS.getCurrentThreadCpuTime(), THREADS.getThreadAllocatedBytes(self)};
    }

    private static void add(double[] sum, long[] t, long self) {
        sum[0] += THREADS.getCurrentThreadCpuTime() - t[0];
        sum[1] += THREADS.getThreadAllocatedBytes(self) - t[1];
    }

    /** One connection for every caller, never closed by them: the writer's store thread reuses its pooled one. */
    private static DataSource pinned(PGSimpleDataSource ds) throws Exception {
        Connection real = ds.getConnection();
        InvocationHandler h = (proxy, method, a) -> {
            if (method.getName().equals("close") && method.getParameterCount() == 0) {
                if (!real.getAutoCommit()) {
                    real.rollback();
                    real.setAutoCommit(true);
                }
                return null;
            }
            try {
                return method.invoke(real, a);
            } catch (java.lang.reflect.InvocationTargetException e) {
                throw e.getCause();
            }
        };
        Connection shared = (Connection)
                Proxy.newProxyInstance(WriterBatchCost.class.getClassLoader(), new Class<?>[] {Connection.class}, h);
        return new DataSource() {
            @Override
            public Connection getConnection() {
                return shared;
            }

            @Override
            public Connection getConnection(String u, String p) {
                return shared;
            }

            @Override
            public PrintWriter getLogWriter() {
                return null;
            }

            @Override
            public void setLogWriter(PrintWriter out) {}

            @Override
            public void setLoginTimeout(int seconds) {}

            @Override
            public int getLoginTimeout() {
                return 0;
            }

            @Override
            public Logger getParentLogger() {
                return Logger.getGlobal();
            }

            @Override
            public <T> T unwrap(Class<T> iface) throws java.sql.SQLException {
                return ds.unwrap(iface);
            }

            @Override
            public boolean isWrapperFor(Class<?> iface) {
                return iface.isInstance(ds);
            }
        };
    }
}
