package dev.dash.chaos;

import dev.dash.model.bronze.BronzeReader;
import dev.dash.model.envelope.RawEnvelope;
import dev.dash.model.envelope.RawRecordCodec;
import dev.dash.model.testing.Endpoints;
import dev.dash.model.testing.LocalServices;
import java.io.IOException;
import java.net.URI;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * Counts every acknowledged event id where Dash keeps it: {@code dash.raw} (every partition, read from the
 * start of the private broker's log), Bronze (every object the manifest lists, read back from S3) and Silver
 * (the rows of the pipeline's active mapping version, the one every query reads). Missing = acknowledged
 * but not there; duplicated = there more than once (in Bronze: more often than in {@code dash.raw}, which
 * Bronze archives record for record, and which may hold a retried publish twice). Incremental: records and objects already read are not
 * read again (an object the manifest describes differently after a restart is read afresh).
 */
final class Reconciler implements AutoCloseable {
    /** The counts of one reconciliation. */
    record Result(
            long acknowledged,
            long rawMissing,
            long rawDuplicated,
            long bronzeMissing,
            long bronzeDuplicated,
            long silverMissing,
            long silverDuplicated) {
        boolean complete() {
            return rawMissing == 0 && bronzeMissing == 0 && silverMissing == 0;
        }

        long missing() {
            return Math.max(rawMissing, Math.max(bronzeMissing, silverMissing));
        }

        long duplicated() {
            return Math.max(rawDuplicated, Math.max(bronzeDuplicated, silverDuplicated));
        }

        String describe() {
            return "acknowledged %d; missing raw/bronze/silver %d/%d/%d; duplicated %d/%d/%d"
                    .formatted(
                            acknowledged,
                            rawMissing,
                            bronzeMissing,
                            silverMissing,
                            rawDuplicated,
                            bronzeDuplicated,
                            silverDuplicated);
        }
    }

    private record ObjectState(long endOffset, int events, long bytes, List<UUID> ids) {}

    private final Fixture fixture;
    private final Endpoints env;
    private final S3Client s3;
    private final String bucket;
    private KafkaConsumer<String, byte[]> consumer;
    private final Map<UUID, Integer> raw = new HashMap<>();
    private final Map<String, ObjectState> objects = new HashMap<>();

    Reconciler(Fixture fixture, Endpoints env, String bucket) {
        this.fixture = fixture;
        this.env = env;
        this.bucket = bucket;
        this.s3 = S3Client.builder()
                .endpointOverride(URI.create(env.s3Endpoint()))
                .region(Region.of(env.s3Region()))
                .forcePathStyle(true)
                .httpClient(UrlConnectionHttpClient.create())
                .credentialsProvider(StaticCredentialsProvider.create(
                        AwsBasicCredentials.create(env.s3AccessKey(), env.s3SecretKey())))
                .build();
    }

    /** Reconciles the given acknowledged events (per pipeline) against the three stores. */
    Result check(Map<UUID, Set<UUID>> acknowledged) throws SQLException, IOException {
        readRaw();
        Map<UUID, Integer> bronze = readBronze(acknowledged.keySet());
        Map<UUID, Integer> silver = readSilver(acknowledged.keySet());
        long total = 0;
        long[] c = new long[6];
        for (Set<UUID> ids : acknowledged.values()) {
            for (UUID id : ids) {
                total++;
                int inRaw = raw.getOrDefault(id, 0);
                count(inRaw, 1, c, 0);
                // Bronze archives dash.raw record for record: an event dash.raw holds twice is archived twice.
                count(bronze.getOrDefault(id, 0), Math.max(1, inRaw), c, 2);
                count(silver.getOrDefault(id, 0), 1, c, 4);
            }
        }
        return new Result(total, c[0], c[1], c[2], c[3], c[4], c[5]);
    }

    private static void count(int n, int expected, long[] c, int at) {
        if (n == 0) {
            c[at]++;
        } else if (n > expected) {
            c[at + 1]++;
        }
    }

    private void readRaw() {
        if (consumer == null) {
            Properties p = new Properties();
            p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, env.kafkaBootstrap());
            p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
            p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
            p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
            p.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, "5000");
            p.put(ConsumerConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, "30000");
            consumer = new KafkaConsumer<>(p);
            List<TopicPartition> parts = new ArrayList<>();
            for (PartitionInfo info :
                    consumer.partitionsFor(LocalServices.topics().raw(), Duration.ofSeconds(30))) {
                parts.add(new TopicPartition(LocalServices.topics().raw(), info.partition()));
            }
            consumer.assign(parts);
            consumer.seekToBeginning(parts);
        }
        Collection<TopicPartition> parts = consumer.assignment();
        Map<TopicPartition, Long> end = consumer.endOffsets(parts, Duration.ofSeconds(30));
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (parts.stream().anyMatch(tp -> consumer.position(tp) < end.get(tp))) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("dash.raw not read to its end within 60 s");
            }
            for (ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ofMillis(500))) {
                if (r.value() != null) {
                    raw.merge(RawRecordCodec.head(r.headers(), r.value()).eventId(), 1, Integer::sum);
                }
            }
        }
    }

    private Map<UUID, Integer> readBronze(Set<UUID> pipelines) throws SQLException, IOException {
        Map<String, long[]> listed = new HashMap<>();
        try (Connection c = fixture.connect();
                PreparedStatement ps = c.prepareStatement(
                        "SELECT object_key, end_offset, events, bytes FROM bronze_manifest WHERE pipeline_id = ANY(?)")) {
            ps.setArray(1, c.createArrayOf("uuid", pipelines.toArray()));
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    listed.put(rs.getString(1), new long[] {rs.getLong(2), rs.getInt(3), rs.getLong(4)});
                }
            }
        }
        objects.keySet().retainAll(listed.keySet());
        for (Map.Entry<String, long[]> e : listed.entrySet()) {
            long[] m = e.getValue();
            ObjectState known = objects.get(e.getKey());
            if (known != null && known.endOffset() == m[0] && known.events() == m[1] && known.bytes() == m[2]) {
                continue;
            }
            List<UUID> ids = new ArrayList<>();
            try (BronzeReader r =
                    new BronzeReader(s3.getObject(b -> b.bucket(bucket).key(e.getKey())))) {
                RawEnvelope env;
                while ((env = r.next()) != null) {
                    ids.add(env.eventId());
                }
            }
            objects.put(e.getKey(), new ObjectState(m[0], (int) m[1], m[2], ids));
        }
        Map<UUID, Integer> counts = new HashMap<>();
        for (ObjectState o : objects.values()) {
            for (UUID id : o.ids()) {
                counts.merge(id, 1, Integer::sum);
            }
        }
        return counts;
    }

    private Map<UUID, Integer> readSilver(Set<UUID> pipelines) throws SQLException {
        Map<UUID, Integer> counts = new HashMap<>();
        try (Connection c = fixture.connect();
                PreparedStatement ps = c.prepareStatement("""
                        SELECT m.event_id, count(*) FROM metrics m
                        JOIN pipelines p ON p.id = m.pipeline_id AND m.mapping_version = p.active_mapping_version
                        WHERE m.pipeline_id = ANY(?) GROUP BY m.event_id
                        """)) {
            ps.setArray(1, c.createArrayOf("uuid", pipelines.toArray()));
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    counts.put(rs.getObject(1, UUID.class), rs.getInt(2));
                }
            }
        }
        return counts;
    }

    @Override
    public void close() {
        if (consumer != null) {
            consumer.close(Duration.ofSeconds(5));
        }
        s3.close();
    }
}
