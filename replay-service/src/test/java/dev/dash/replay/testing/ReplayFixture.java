package dev.dash.replay.testing;

import dev.dash.model.bronze.BronzeKey;
import dev.dash.model.bronze.BronzeWriter;
import dev.dash.model.envelope.EnvelopeCodec;
import dev.dash.model.envelope.RawEnvelope;
import dev.dash.model.envelope.Source;
import dev.dash.model.envelope.UuidV7;
import dev.dash.model.signature.VerificationResult;
import dev.dash.model.testing.Endpoints;
import dev.dash.model.testing.LocalServices;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.IntUnaryOperator;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * Builds what a replay reads, the way the ingestor leaves it: a team, a pipeline with an active and a
 * pending mapping version, Bronze objects in the real S3 server with their manifest rows, dual-write
 * boundaries and archiver progress. Plain JDBC on the shared test database; every id is fresh.
 */
public final class ReplayFixture implements AutoCloseable {
    public static final String BUCKET = "dash-bronze";

    private final Endpoints env;
    private final S3Client s3;
    public final UUID team = UUID.randomUUID();

    /** On the shared test database. */
    public ReplayFixture() throws SQLException {
        this(LocalServices.ensureStartedAndMigrated());
    }

    /** On the database {@code env} names (e.g. one of {@link LocalServices#freshDatabase}). */
    public ReplayFixture(Endpoints env) throws SQLException {
        this.env = env;
        this.s3 = S3Client.builder()
                .endpointOverride(URI.create(env.s3Endpoint()))
                .region(Region.of(env.s3Region()))
                .forcePathStyle(true)
                .credentialsProvider(StaticCredentialsProvider.create(
                        AwsBasicCredentials.create(env.s3AccessKey(), env.s3SecretKey())))
                .build();
        try {
            s3.createBucket(b -> b.bucket(BUCKET));
        } catch (RuntimeException alreadyThere) {
            // created by the ingestor or an earlier test
        }
        exec("INSERT INTO teams (id, name, slug) VALUES (?, 'Replay job test', ?)", team, "replay-job-" + team);
    }

    public Connection db() throws SQLException {
        return DriverManager.getConnection(env.jdbcUrl(), env.pgUser(), env.pgPassword());
    }

    public S3Client s3() {
        return s3;
    }

    /** A pipeline whose version 1 ({@code active}) and version 2 ({@code pending}, may be null) are given. */
    public UUID pipeline(String active, String pending) throws SQLException {
        UUID id = UUID.randomUUID();
        exec(
                // Unsigned pushes, which an admin must allow explicitly (allow_unsigned, V71).
                "INSERT INTO pipelines (id, team_id, name, type, status, active_mapping_version, signature_preset, "
                        + "allow_unsigned) VALUES (?, ?, ?, 'realtime', 'active', 1, 'none', true)",
                id,
                team,
                "replay-" + id);
        exec(
                "INSERT INTO data_mappings (id, pipeline_id, version, status, document) VALUES (?, ?, 1, 'active', ?::jsonb)",
                UUID.randomUUID(),
                id,
                active);
        if (pending != null) {
            exec(
                    "INSERT INTO data_mappings (id, pipeline_id, version, status, document) "
                            + "VALUES (?, ?, 2, 'pending', ?::jsonb)",
                    UUID.randomUUID(),
                    id,
                    pending);
        }
        return id;
    }

    /** An envelope of the pipeline with the given JSON body, received at {@code at}. */
    public RawEnvelope event(UUID pipeline, String body, Instant at) {
        UUID eventId = UuidV7.next();
        return new RawEnvelope(
                eventId,
                pipeline,
                team,
                at,
                Source.WEBHOOK,
                eventId.toString(),
                "application/json",
                Map.of(),
                body.getBytes(StandardCharsets.UTF_8),
                VerificationResult.notRequired());
    }

    /** Uploads one Bronze object (gzip JSONL) and records it in the manifest; returns its key. */
    public String object(UUID pipeline, int partition, long startOffset, List<RawEnvelope> events)
            throws IOException, SQLException {
        return object(pipeline, partition, startOffset, events, i -> EnvelopeCodec.LINE_VERSION);
    }

    /**
     * As {@link #object(UUID, int, long, List)}, each line of the Bronze line version given for its index: 1 for an
     * object written before version 2, or both in one object.
     */
    public String object(
            UUID pipeline, int partition, long startOffset, List<RawEnvelope> events, IntUnaryOperator lineVersion)
            throws IOException, SQLException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (BronzeWriter w = new BronzeWriter(out)) {
            for (int i = 0; i < events.size(); i++) {
                w.write(events.get(i), lineVersion.applyAsInt(i));
            }
            w.finish();
        }
        String key = BronzeKey.forFirstEvent(pipeline, events.get(0).receivedAt(), partition, startOffset)
                .format();
        byte[] bytes = out.toByteArray();
        s3.putObject(b -> b.bucket(BUCKET).key(key), RequestBody.fromBytes(bytes));
        Instant min = events.stream()
                .map(RawEnvelope::receivedAt)
                .min(Instant::compareTo)
                .orElseThrow();
        Instant max = events.stream()
                .map(RawEnvelope::receivedAt)
                .max(Instant::compareTo)
                .orElseThrow();
        exec(
                "INSERT INTO bronze_manifest (pipeline_id, object_key, kafka_partition, start_offset, end_offset, "
                        + "min_received_at, max_received_at, events, bytes) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                pipeline,
                key,
                partition,
                startOffset,
                startOffset + events.size() - 1,
                Timestamp.from(min),
                Timestamp.from(max),
                events.size(),
                (long) bytes.length);
        return key;
    }

    /**
     * Dual-write boundaries of the version on every partition (0 where not given), and archiver progress
     * raised to them (the test database's progress only ever grows; nothing but replays reads it).
     */
    public void boundaries(UUID pipeline, int version, int partitions, Map<Integer, Long> offsets) throws SQLException {
        for (int p = 0; p < partitions; p++) {
            long offset = offsets.getOrDefault(p, 0L);
            exec(
                    "INSERT INTO dual_write_boundaries (pipeline_id, mapping_version, kafka_partition, boundary_offset) "
                            + "VALUES (?, ?, ?, ?) ON CONFLICT (pipeline_id, mapping_version, kafka_partition) "
                            + "DO UPDATE SET boundary_offset = excluded.boundary_offset",
                    pipeline,
                    version,
                    p,
                    offset);
            archived(p, offset);
        }
    }

    /** Raises the archiver's progress on a partition to at least {@code offset}. */
    public void archived(int partition, long offset) throws SQLException {
        exec(
                "INSERT INTO bronze_progress (kafka_partition, next_offset) VALUES (?, ?) "
                        + "ON CONFLICT (kafka_partition) DO UPDATE "
                        + "SET next_offset = greatest(bronze_progress.next_offset, excluded.next_offset)",
                partition,
                offset);
    }

    /** A replay row as the API or the control listener creates it. */
    public UUID replay(UUID pipeline, String kind, int target, String state) throws SQLException {
        return replay(pipeline, kind, target, state, null);
    }

    /** A replay held by {@code owner} (when not null) whose lease runs out in two seconds. */
    public UUID replay(UUID pipeline, String kind, int target, String state, String owner) throws SQLException {
        UUID id = UuidV7.next();
        exec(
                "INSERT INTO replays (id, pipeline_id, team_id, kind, from_version, target_version, state, owner_node, "
                        + "lease_until) VALUES (?, ?, ?, ?, 1, ?, ?, ?, CASE WHEN ? THEN now() + interval '2 seconds' END)",
                id,
                pipeline,
                team,
                kind,
                target,
                state,
                owner,
                owner != null);
        return id;
    }

    public long count(String sql, Object... args) throws SQLException {
        try (Connection c = db();
                PreparedStatement ps = prepare(c, sql, args);
                ResultSet rs = ps.executeQuery()) {
            rs.next();
            return rs.getLong(1);
        }
    }

    public String string(String sql, Object... args) throws SQLException {
        try (Connection c = db();
                PreparedStatement ps = prepare(c, sql, args);
                ResultSet rs = ps.executeQuery()) {
            return rs.next() ? rs.getString(1) : null;
        }
    }

    public List<List<Object>> rows(String sql, Object... args) throws SQLException {
        List<List<Object>> out = new ArrayList<>();
        try (Connection c = db();
                PreparedStatement ps = prepare(c, sql, args);
                ResultSet rs = ps.executeQuery()) {
            int n = rs.getMetaData().getColumnCount();
            while (rs.next()) {
                List<Object> row = new ArrayList<>();
                for (int i = 1; i <= n; i++) {
                    row.add(rs.getObject(i));
                }
                out.add(row);
            }
        }
        return out;
    }

    public int exec(String sql, Object... args) throws SQLException {
        try (Connection c = db();
                PreparedStatement ps = prepare(c, sql, args)) {
            return ps.executeUpdate();
        }
    }

    private static PreparedStatement prepare(Connection c, String sql, Object... args) throws SQLException {
        PreparedStatement ps = c.prepareStatement(sql);
        for (int i = 0; i < args.length; i++) {
            ps.setObject(i + 1, args[i]);
        }
        return ps;
    }

    @Override
    public void close() {
        s3.close();
    }
}
