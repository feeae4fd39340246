package dev.dash.ingestor.bronze;

import dev.dash.model.envelope.EnvelopeCodec;
import dev.dash.model.envelope.RawEnvelope;
import dev.dash.model.envelope.RawRecordCodec;
import dev.dash.model.testing.Endpoints;
import dev.dash.model.testing.LocalServices;
import java.lang.management.ManagementFactory;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.postgresql.ds.PGSimpleDataSource;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.checksums.RequestChecksumCalculation;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.ChecksumAlgorithm;

/**
 * Not a test but a measurement (docs/benchmarks.md, "The Bronze archiver's CPU per event", issue-archiver): the Bronze
 * archiver's work per event, one stage at a time on this thread, against the real Kafka broker, S3 server and
 * PostgreSQL, exact per stage: the thread's CPU time and allocated bytes ({@code com.sun.management.ThreadMXBean}).
 * The events are the ingest benchmark's 180-byte readings as the ingest path writes them to {@code dash.raw} (format
 * 3, the GitHub preset's four kept headers, a delivery per 100 events as in its batches).
 *
 * <ul>
 *   <li>{@code poll}: the archiver's Kafka consumer (its client settings) fetching and parsing the records;
 *   <li>{@code head}: {@link RawRecordCodec#head} on each record as polled (the line);
 *   <li>{@code gzip}: {@link PartitionWriter#add} of every line into one object, then its close (gzip at level 3
 *       into {@link ObjectParts});
 *   <li>{@code upload}: the object's upload ({@link BronzeUploader#finish}) with the S3 client as the ingestor
 *       configures it, then the same bytes with other checksum settings of the AWS SDK, for comparison;
 *   <li>{@code manifest}: the object's manifest row ({@link ManifestRepository#record});
 *   <li>{@code commit}: one offset commit (the runtime commits after each upload).
 * </ul>
 *
 * <pre>
 * ./mvnw -B -o -pl ingestor-service -am verify -Dtest=ArchiverPerCallCost -Dsurefire.failIfNoSpecifiedTests=false \
 *   -DskipITs -Darchiverprobe=true -Darchiverprobe.events=50000 -Darchiverprobe.rounds=7 -DargLine=-Xmx1g
 * cat ingestor-service/target/archiver-per-call.txt
 * </pre>
 */
@EnabledIfSystemProperty(named = "archiverprobe", matches = "true")
class ArchiverPerCallCost {
    static final com.sun.management.ThreadMXBean MX =
            (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
    static final String BUCKET = "dash-bronze";

    /** CPU ns and allocated bytes of one stage over rounds. */
    static final class Cost {
        final List<long[]> rounds = new ArrayList<>();

        void add(long cpu, long bytes) {
            rounds.add(new long[] {cpu, bytes});
        }

        double median(int i) {
            long[] v = rounds.stream().mapToLong(r -> r[i]).sorted().toArray();
            return v.length % 2 == 1 ? v[v.length / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2.0;
        }
    }

    final Map<String, Cost> costs = new LinkedHashMap<>();
    final List<String> lines = new ArrayList<>();
    long t0cpu;
    long t0bytes;

    void start() {
        t0cpu = MX.getCurrentThreadCpuTime();
        t0bytes = MX.getThreadAllocatedBytes(Thread.currentThread().getId());
    }

    void stop(String stage, boolean measured) {
        long cpu = MX.getCurrentThreadCpuTime() - t0cpu;
        long bytes = MX.getThreadAllocatedBytes(Thread.currentThread().getId()) - t0bytes;
        if (measured) {
            costs.computeIfAbsent(stage, s -> new Cost()).add(cpu, bytes);
        }
    }

    @Test
    void perEvent() throws Exception {
        int events = Integer.getInteger("archiverprobe.events", 50_000);
        int rounds = Integer.getInteger("archiverprobe.rounds", 7);
        int warm = Integer.getInteger("archiverprobe.warm", 3);
        Endpoints env = LocalServices.ensureStartedAndMigrated();
        String topic = LocalServices.topicPrefix() + "archiverprobe.raw";
        TopicPartition tp = new TopicPartition(topic, 0);
        produce(env, topic, dev.dash.model.testing.Readings.envelopes(events));

        S3Client app = s3(env, RequestChecksumCalculation.WHEN_SUPPORTED);
        S3Client required = s3(env, RequestChecksumCalculation.WHEN_REQUIRED);
        for (S3Client c : List.of(app, required)) {
            try {
                c.headBucket(b -> b.bucket(BUCKET));
            } catch (RuntimeException e) {
                c.createBucket(b -> b.bucket(BUCKET));
            }
        }
        BronzeUploader uploader = new BronzeUploader(app, BUCKET);
        PGSimpleDataSource db = new PGSimpleDataSource();
        db.setURL(env.jdbcUrl());
        db.setUser(env.pgUser());
        db.setPassword(env.pgPassword());
        ManifestRepository manifest = new ManifestRepository(db);

        long objectBytes = 0;
        try (KafkaConsumer<String, byte[]> consumer = consumer(env)) {
            consumer.assign(List.of(tp));
            for (int round = -warm; round < rounds; round++) {
                boolean measured = round >= 0;
                consumer.seekToBeginning(List.of(tp));
                List<ConsumerRecord<String, byte[]>> records = new ArrayList<>(events);
                start();
                while (records.size() < events) {
                    consumer.poll(Duration.ofSeconds(5)).forEach(records::add);
                }
                stop("poll", measured);

                List<EnvelopeCodec.Head> heads = new ArrayList<>(events);
                start();
                for (ConsumerRecord<String, byte[]> r : records) {
                    heads.add(RawRecordCodec.head(r.headers(), r.value(), EnvelopeCodec.LINE_VERSION));
                }
                stop("head", measured);

                PartitionWriter w = new PartitionWriter(
                        0,
                        Clock.systemUTC(),
                        Long.MAX_VALUE,
                        Long.MAX_VALUE,
                        Duration.ofDays(1),
                        3,
                        64 << 20,
                        Map.of());
                start();
                for (int i = 0; i < events; i++) {
                    w.add(records.get(i).offset(), heads.get(i));
                }
                w.closeAll();
                stop("gzip", measured);
                PartitionWriter.Finished f = w.peek();
                objectBytes = f.entry().bytes();
                byte[] object =
                        java.util.Arrays.copyOf(f.parts().tail(), f.parts().tailLength());

                start();
                uploader.finish(f);
                stop("upload (as configured: CRC32 by default)", measured);

                String key = f.key().format();
                start();
                required.putObject(
                        b -> b.bucket(BUCKET)
                                .key(key)
                                .contentType("application/x-ndjson")
                                .contentEncoding("gzip"),
                        RequestBody.fromByteBuffer(ByteBuffer.wrap(object)));
                stop("upload, no checksum (WHEN_REQUIRED)", measured);

                start();
                String md5 = Base64.getEncoder()
                        .encodeToString(
                                java.security.MessageDigest.getInstance("MD5").digest(object));
                required.putObject(
                        b -> b.bucket(BUCKET)
                                .key(key)
                                .contentType("application/x-ndjson")
                                .contentEncoding("gzip")
                                .contentMD5(md5),
                        RequestBody.fromByteBuffer(ByteBuffer.wrap(object)));
                stop("upload, Content-MD5 (WHEN_REQUIRED)", measured);

                start();
                app.putObject(
                        b -> b.bucket(BUCKET)
                                .key(key)
                                .contentType("application/x-ndjson")
                                .contentEncoding("gzip")
                                .checksumAlgorithm(ChecksumAlgorithm.CRC32_C),
                        RequestBody.fromByteBuffer(ByteBuffer.wrap(object)));
                stop("upload, CRC32C", measured);

                start();
                manifest.record(f.entry());
                w.uploaded();
                stop("manifest", measured);

                start();
                consumer.commitSync(Map.of(tp, new OffsetAndMetadata(events)));
                stop("commit", measured);
            }
        }
        lines.add(String.format(
                Locale.ROOT,
                "ARCHIVER events/round=%d rounds=%d object=%d B (%.1f B/event)",
                events,
                rounds,
                objectBytes,
                objectBytes / (double) events));
        for (Map.Entry<String, Cost> c : costs.entrySet()) {
            lines.add(String.format(
                    Locale.ROOT,
                    "ARCHIVER %-42s %8.1f ns/event %8.1f B/event  (median of %d rounds; per round %.2f ms)",
                    c.getKey(),
                    c.getValue().median(0) / events,
                    c.getValue().median(1) / events,
                    c.getValue().rounds.size(),
                    c.getValue().median(0) / 1e6));
        }
        lines.forEach(System.out::println);
        Files.writeString(
                Path.of("target/archiver-per-call.txt"), Instant.now() + "\n" + String.join("\n", lines) + "\n");
        app.close();
        required.close();
    }

    static S3Client s3(Endpoints env, RequestChecksumCalculation checksums) {
        // The HTTP client the ingestor uses (quarkus.s3.sync-client.type=url).
        return S3Client.builder()
                .httpClient(UrlConnectionHttpClient.create())
                .endpointOverride(URI.create(env.s3Endpoint()))
                .region(Region.of(env.s3Region()))
                .forcePathStyle(true)
                .requestChecksumCalculation(checksums)
                .credentialsProvider(StaticCredentialsProvider.create(
                        AwsBasicCredentials.create(env.s3AccessKey(), env.s3SecretKey())))
                .build();
    }

    static KafkaConsumer<String, byte[]> consumer(Endpoints env) {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, env.kafkaBootstrap());
        p.put(ConsumerConfig.GROUP_ID_CONFIG, LocalServices.groupPrefix() + "-archiverprobe");
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        // The archiver's client settings (application.properties, dash.kafka.client.bronze.*).
        p.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, "5000");
        p.put(ConsumerConfig.FETCH_MIN_BYTES_CONFIG, "1048576");
        p.put(ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG, "500");
        return new KafkaConsumer<>(p, new StringDeserializer(), new ByteArrayDeserializer());
    }

    static void produce(Endpoints env, String topic, List<RawEnvelope> envelopes) throws Exception {
        Properties a = new Properties();
        a.put("bootstrap.servers", env.kafkaBootstrap());
        try (Admin admin = Admin.create(a)) {
            admin.createTopics(List.of(new NewTopic(topic, 1, (short) 1))).all().get();
        }
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, env.kafkaBootstrap());
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.LINGER_MS_CONFIG, "1");
        p.put(ProducerConfig.BATCH_SIZE_CONFIG, "524288");
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
}
