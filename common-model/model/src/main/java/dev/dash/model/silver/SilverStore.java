package dev.dash.model.silver;

import dev.dash.model.json.Json;
import dev.dash.model.json.Utf8;
import dev.dash.model.mapping.Labels;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicReference;
import javax.sql.DataSource;
import org.postgresql.PGConnection;
import org.postgresql.copy.CopyIn;

/**
 * Writes a {@link SilverBatch} in one transaction, idempotently. Metric rows are COPYed straight into
 * {@code metrics}; when that fails on the idempotency key {@code (pipeline_id, mapping_version, event_id, seq,
 * time)} (a redelivered batch, a replay over the same events), the transaction is rolled back and the rows go
 * through a session staging table and {@code INSERT ... SELECT ... ON CONFLICT DO NOTHING}, so a redelivery
 * changes nothing. New batches thus cost a COPY; only repeated ones pay for the conflict check. Records and
 * quarantine rows are inserted with {@code ON CONFLICT DO NOTHING}. Days not seen before get their partitions
 * first ({@code dash_ensure_partitions}; a no-op on TimescaleDB). Plain JDBC, used by the writer's own thread
 * and by the Silver benchmark.
 */
public final class SilverStore {
    private static final String STAGE = """
            CREATE TEMP TABLE IF NOT EXISTS silver_stage (
                time timestamptz, pipeline_id uuid, team_id uuid, metric text, labels jsonb,
                value double precision, event_id uuid, mapping_version integer, seq integer
            ) ON COMMIT DELETE ROWS
            """;
    private static final String MOVE = """
            INSERT INTO metrics (time, pipeline_id, team_id, metric, labels, value, event_id, mapping_version, seq)
            SELECT time, pipeline_id, team_id, metric, labels, value, event_id, mapping_version, seq FROM silver_stage
            ON CONFLICT DO NOTHING
            """;

    private static final String UNIQUE_VIOLATION = "23505";
    private static final int CHUNK = 256 * 1024;
    /** A binary COPY row with a short metric name and a few labels; a larger row grows the buffer as it comes. */
    private static final int ROW_ESTIMATE = 256;
    /** Distinct label sets (and metric names) of one batch kept encoded: a bound, for labels of high cardinality. */
    private static final int DISTINCT_CACHED = 4096;

    private final DataSource dataSource;
    /** Whether writes log the hours they touched for the rollup job (false: the writer refreshes them itself). */
    private final boolean invalidates;
    /** UTC days (days since the epoch) whose partitions exist already (partitions are never dropped for recent days). */
    private final Set<Long> preparedDays = ConcurrentHashMap.newKeySet();
    /** The last COPY's buffer, for the next (taken while in use, so concurrent writes never share one). */
    private final AtomicReference<ByteBuffer> spareBuffer = new AtomicReference<>();
    /** Whether the database is plain PostgreSQL, whose rollups follow SilverStore's invalidation log. */
    private volatile Boolean logsInvalidations;

    /** A writer whose batches the rollup job follows (the Silver writer, a quarantine replay). */
    public SilverStore(DataSource dataSource) {
        this(dataSource, true);
    }

    /**
     * @param invalidates whether each batch logs the (pipeline, hour)s it touched for the rollup job on plain
     *     PostgreSQL ({@link #invalidateRollups}). False only for a writer that refreshes the rollups of what it
     *     wrote itself, after committing it and before anyone reads them: a mapping replay writes a pending
     *     version, which no query reads and whose buckets the replay refreshes behind itself and before its
     *     cut-over (docs/replay.md, step 4), so logging its hours would only make the live rollup job rebuild
     *     them a second time while the replay runs, and make the replay's writers queue on the log's row of the
     *     hour they share (a conflicting entry stays locked until its writer commits).
     */
    public SilverStore(DataSource dataSource, boolean invalidates) {
        this.dataSource = dataSource;
        this.invalidates = invalidates;
    }

    /**
     * Writes the batch; returns the metric rows inserted (rows already present are skipped).
     *
     * <p>When PostgreSQL refuses a value for good (a data exception, a constraint, a limit: see {@link
     * #refused}), retrying the batch would refuse it for ever and hold up every event behind it. The batch is
     * then narrowed down, by halves, to the events at fault: their rows are moved into the quarantine with
     * PostgreSQL's reason (listed by {@link SilverBatch#refused()}), every other event is written. Errors of
     * any other kind (connection lost, database down) are thrown, for the caller to retry the batch whole.
     */
    public int write(SilverBatch batch) throws SQLException {
        return write(batch, false);
    }

    /**
     * Writes the batch as {@link #write(SilverBatch)} does; with {@code mergeMinutes} (plain PostgreSQL only), a batch
     * whose rows take the fast path (none of them there yet) also merges their 1-minute buckets into {@code metrics_1m}
     * in its transaction ({@link MinuteBuckets}, plain/V161), and {@link SilverBatch#minutesMerged()} says so. A batch
     * that did not (a row already there, a value refused, a value not finite) leaves its minutes to a refresh from the
     * rows: counting a row already counted is what a merge must never do. For a writer that refreshes the rollups of
     * what it writes itself (a mapping replay, docs/replay.md step 4), which must see that no refresh of those minutes
     * runs while a merge is in flight.
     */
    public int write(SilverBatch batch, boolean mergeMinutes) throws SQLException {
        batch.refused.clear();
        batch.minutesMerged = false;
        try {
            return write(batch, true, mergeMinutes);
        } catch (SQLException e) {
            if (!refused(e) || (batch.rows.isEmpty() && batch.records.isEmpty())) {
                throw e;
            }
        }
        List<SilverBatch> units = batch.units();
        List<Refusal> refusals = new ArrayList<>();
        int mid = units.size() / 2;
        int inserted = writeNarrowing(units.subList(0, mid), refusals)
                + writeNarrowing(units.subList(mid, units.size()), refusals);
        for (Refusal r : refusals) {
            batch.refuse(r.unit(), r.reason());
        }
        // The quarantine (what the batch held, and the refused events) in a transaction of its own.
        SilverBatch rest = new SilverBatch();
        rest.quarantined.addAll(batch.quarantined);
        write(rest, true, false);
        return inserted;
    }

    private record Refusal(SilverBatch unit, String reason) {}

    /** Writes the units, or if PostgreSQL refuses them, each half of them; a single refused unit is noted. */
    private int writeNarrowing(List<SilverBatch> units, List<Refusal> refusals) throws SQLException {
        if (units.isEmpty()) {
            return 0;
        }
        try {
            return write(SilverBatch.merge(units), false, false);
        } catch (SQLException e) {
            if (!refused(e)) {
                throw e;
            }
            if (units.size() == 1) {
                refusals.add(new Refusal(units.get(0), reason(e)));
                return 0;
            }
            int mid = units.size() / 2;
            return writeNarrowing(units.subList(0, mid), refusals)
                    + writeNarrowing(units.subList(mid, units.size()), refusals);
        }
    }

    /**
     * Whether PostgreSQL refused a value rather than failed: SQLSTATE classes 22 (data exception, for example
     * a text holding U+0000), 23 (integrity constraint, other than the idempotency key, which has its own path)
     * and 54 (program limit exceeded, for example an index row too large). Such an error comes back whenever
     * the same rows are written.
     */
    static boolean refused(SQLException e) {
        String state = e.getSQLState();
        return state != null
                && !UNIQUE_VIOLATION.equals(state)
                && (state.startsWith("22") || state.startsWith("23") || state.startsWith("54"));
    }

    /** PostgreSQL's message, without its location lines, as a quarantine reason. */
    private static String reason(SQLException e) {
        String m = e.getMessage() == null ? e.getSQLState() : e.getMessage();
        int where = m.indexOf("\n");
        return "PostgreSQL refused to store it: " + (where < 0 ? m : m.substring(0, where)).strip();
    }

    private int write(SilverBatch batch, boolean withQuarantine, boolean mergeMinutes) throws SQLException {
        // Aggregated before the transaction opens: nothing of it holds a lock.
        MinuteBuckets buckets = mergeMinutes && !batch.rows.isEmpty() ? MinuteBuckets.of(batch.rows) : null;
        try (Connection c = dataSource.getConnection()) {
            prepareDays(c, batch);
            boolean auto = c.getAutoCommit();
            boolean conflicting = false;
            if (auto && buckets == null && onlyMetrics(c, batch, withQuarantine)) {
                // The common batch, metric rows alone: one COPY in autocommit is its own transaction, as atomic as
                // one between BEGIN and COMMIT, which each cost a round trip and a statement more per batch (most of
                // a small batch's time at low rates: docs/benchmarks.md, "The Silver writer at low rates").
                Integer copied = copyUnlessPresent(c, batch);
                if (copied != null) {
                    return copied;
                }
                // Nothing of it was written: the idempotent path below, at once.
                conflicting = true;
            }
            c.setAutoCommit(false);
            try {
                Integer inserted = conflicting ? null : copyUnlessPresent(c, batch);
                if (inserted == null) {
                    // Some rows are there already (a redelivery, or a replay over the same events): the
                    // idempotent path skips exactly those, and leaves the minutes to a refresh from the rows.
                    c.rollback();
                    buckets = null;
                    inserted = writeMetrics(c, batch);
                }
                invalidateRollups(c, batch);
                writeRecords(c, batch);
                if (withQuarantine) {
                    writeQuarantine(c, batch);
                }
                // Last: the buckets' row locks, which another batch sharing a minute waits for, are held the least.
                if (buckets != null) {
                    buckets.merge(c);
                }
                c.commit();
                batch.minutesMerged = buckets != null;
                return inserted;
            } catch (SQLException | RuntimeException e) {
                c.rollback();
                throw e;
            } finally {
                c.setAutoCommit(auto);
            }
        }
    }

    /** The batch's metric rows by COPY, or null when some are there already (nothing of the COPY is then written). */
    private Integer copyUnlessPresent(Connection c, SilverBatch batch) throws SQLException {
        try {
            return copyMetrics(c, batch);
        } catch (SQLException e) {
            if (!UNIQUE_VIOLATION.equals(e.getSQLState())) {
                throw e;
            }
            return null;
        }
    }

    /**
     * Whether the batch needs nothing in its transaction but its metric rows' COPY: no records, no quarantine rows
     * (when written), no rollup invalidation (TimescaleDB, or a writer that does not log them).
     */
    private boolean onlyMetrics(Connection c, SilverBatch batch, boolean withQuarantine) throws SQLException {
        return batch.records.isEmpty()
                && (!withQuarantine || batch.quarantined.isEmpty())
                && (!invalidates || batch.rows.isEmpty() || !logsInvalidations(c));
    }

    /**
     * On plain PostgreSQL, logs each (pipeline, UTC hour) the batch's rows fall in, in the batch's transaction,
     * for the rollup job to rebuild exactly those (migration {@code plain/V60}); a late point of any age thus
     * reaches the rollups in the job's next round. On TimescaleDB the extension keeps its own log.
     */
    private void invalidateRollups(Connection c, SilverBatch batch) throws SQLException {
        if (!invalidates || batch.rows.isEmpty() || !logsInvalidations(c)) {
            return;
        }
        Set<Map.Entry<UUID, Long>> hours = new java.util.HashSet<>();
        for (SilverBatch.Row r : batch.rows) {
            hours.add(Map.entry(r.pipelineId(), Math.floorDiv(r.time().getEpochSecond(), 3600L)));
        }
        Object[] pipelines = new Object[hours.size()];
        Object[] starts = new Object[hours.size()];
        int i = 0;
        for (Map.Entry<UUID, Long> h : hours) {
            pipelines[i] = h.getKey();
            starts[i] = Instant.ofEpochSecond(h.getValue() * 3600L).toString();
            i++;
        }
        try (PreparedStatement ps = c.prepareStatement("SELECT dash_invalidate_rollups(?::uuid[], ?::timestamptz[])")) {
            ps.setArray(1, c.createArrayOf("uuid", pipelines));
            ps.setArray(2, c.createArrayOf("text", starts));
            ps.execute();
        }
    }

    /** Whether this database is the plain variant (asked once: a database keeps its variant). */
    private boolean logsInvalidations(Connection c) throws SQLException {
        Boolean known = logsInvalidations;
        if (known == null) {
            known = "plain".equals(SilverRollups.variant(c));
            logsInvalidations = known;
        }
        return known;
    }

    private void prepareDays(Connection c, SilverBatch batch) throws SQLException {
        // Days as days since the epoch; rows of one batch mostly share a day, so a day is looked up once per run.
        TreeSet<Long> days = new TreeSet<>();
        long last = Long.MIN_VALUE;
        for (SilverBatch.Row r : batch.rows) {
            long d = Math.floorDiv(r.time().getEpochSecond(), 86_400L);
            if (d != last) {
                last = d;
                if (!preparedDays.contains(d)) {
                    days.add(d);
                }
            }
        }
        for (SilverBatch.Record r : batch.records) {
            long d = Math.floorDiv(r.time().getEpochSecond(), 86_400L);
            if (!preparedDays.contains(d)) {
                days.add(d);
            }
        }
        if (days.isEmpty()) {
            return;
        }
        // One call per day (never a range: one far-off timestamp must not create years of partitions).
        try (PreparedStatement ps = c.prepareStatement("SELECT dash_ensure_partitions(?, ?)")) {
            for (long d : days) {
                Timestamp t = Timestamp.from(Instant.ofEpochSecond(d * 86_400L));
                ps.setTimestamp(1, t);
                ps.setTimestamp(2, t);
                ps.execute();
            }
        }
        if (!c.getAutoCommit()) {
            c.commit();
        }
        preparedDays.addAll(days);
    }

    /**
     * The fast path: COPY straight into {@code metrics}. Almost every batch is new rows; one that is not
     * fails on the idempotency key as a whole and is written again by {@link #writeMetrics}.
     */
    private int copyMetrics(Connection c, SilverBatch batch) throws SQLException {
        if (batch.rows.isEmpty()) {
            return 0;
        }
        try {
            return (int) copy(
                    c,
                    "COPY metrics (time, pipeline_id, team_id, metric, labels, value, event_id, mapping_version, seq) FROM STDIN",
                    batch);
        } catch (IOException e) {
            throw new SQLException("COPY into metrics failed: " + e.getMessage(), e);
        }
    }

    /** The idempotent path: COPY into a session staging table, then insert what is not there yet. */
    private int writeMetrics(Connection c, SilverBatch batch) throws SQLException {
        if (batch.rows.isEmpty()) {
            return 0;
        }
        try (Statement st = c.createStatement()) {
            st.execute(STAGE);
        }
        try {
            copy(
                    c,
                    "COPY silver_stage (time, pipeline_id, team_id, metric, labels, value, event_id, mapping_version, seq) FROM STDIN",
                    batch);
        } catch (IOException e) {
            throw new SQLException("COPY into the staging table failed: " + e.getMessage(), e);
        }
        try (Statement st = c.createStatement()) {
            return st.executeUpdate(MOVE);
        }
    }

    /** PostgreSQL's epoch (2000-01-01T00:00:00Z) in microseconds since the Unix epoch. */
    private static final long PG_EPOCH_MICROS = 946_684_800_000_000L;

    private static final byte[] BINARY_HEADER = {
        'P', 'G', 'C', 'O', 'P', 'Y', '\n', (byte) 0xff, '\r', '\n', 0, 0, 0, 0, 0, 0, 0, 0, 0
    };

    /**
     * Streams the rows in COPY's binary format, in chunks, so PostgreSQL stores while the next rows are
     * encoded. Binary rather than text: PostgreSQL then parses no timestamps, uuids or floats, which is most
     * of its work per row. A row's labels are encoded once for the rows that share them (the points of one event),
     * straight into a scratch array that the next ones reuse: no string, map or array per label set.
     */
    private long copy(Connection c, String sql, SilverBatch batch) throws SQLException, IOException {
        CopyIn in = c.unwrap(PGConnection.class).getCopyAPI().copyIn(sql + " WITH (FORMAT binary)");
        // Sized to the batch: a whole chunk for a batch of one row was most of a single event's allocation. The
        // last batch's buffer is reused when large enough (a writer's batches are alike); writers sharing this
        // store at once take their own.
        int wanted =
                (int) Math.min(CHUNK + 64 * 1024, BINARY_HEADER.length + 2 + (long) batch.rows.size() * ROW_ESTIMATE);
        ByteBuffer b = spareBuffer.getAndSet(null);
        if (b == null || b.capacity() < wanted) {
            b = ByteBuffer.allocate(wanted);
        }
        b.clear();
        try {
            b.put(BINARY_HEADER);
            Map<String, byte[]> metricsSeen = new HashMap<>();
            LabelsJson labels = new LabelsJson();
            Object lastLabels = null;
            for (SilverBatch.Row r : batch.rows) {
                if (r.labels() != lastLabels) {
                    lastLabels = r.labels();
                    labels.encode(r.labels());
                }
                byte[] metric = metricsSeen.get(r.metric());
                if (metric == null) {
                    metric = r.metric().getBytes(StandardCharsets.UTF_8);
                    if (metricsSeen.size() < DISTINCT_CACHED) {
                        metricsSeen.put(r.metric(), metric);
                    }
                }
                int size = 2 + 9 * 4 + 8 + 16 + 16 + metric.length + labels.length + 8 + 16 + 4 + 4;
                if (b.remaining() < size) {
                    in.writeToCopy(b.array(), 0, b.position());
                    b.clear();
                    if (b.remaining() < size) {
                        b = ByteBuffer.allocate(size);
                    }
                }
                b.putShort((short) 9);
                Instant t = r.time();
                // Rounded to the microsecond as PostgreSQL rounds a text timestamp, so both paths give the same key.
                b.putInt(8).putLong(t.getEpochSecond() * 1_000_000L + (t.getNano() + 500) / 1_000 - PG_EPOCH_MICROS);
                uuid(b, r.pipelineId());
                uuid(b, r.teamId());
                b.putInt(metric.length).put(metric);
                b.putInt(labels.length).put(labels.bytes, 0, labels.length);
                b.putInt(8).putDouble(r.value());
                uuid(b, r.eventId());
                b.putInt(4).putInt(r.mappingVersion());
                b.putInt(4).putInt(r.seq());
                if (b.position() >= CHUNK) {
                    in.writeToCopy(b.array(), 0, b.position());
                    b.clear();
                }
            }
            if (b.remaining() < 2) {
                in.writeToCopy(b.array(), 0, b.position());
                b.clear();
            }
            b.putShort((short) -1);
            in.writeToCopy(b.array(), 0, b.position());
            return in.endCopy();
        } finally {
            if (in.isActive()) {
                in.cancelCopy();
            }
            if (b.capacity() >= wanted) {
                spareBuffer.set(b);
            }
        }
    }

    /**
     * One label set in jsonb's binary format (a version byte, then the JSON text of {@link #labelsJson}, as UTF-8),
     * encoded into an array reused from set to set.
     */
    static final class LabelsJson {
        byte[] bytes = new byte[128];
        int length;

        void encode(Map<String, String> labels) {
            length = 0;
            put((byte) 1);
            put((byte) '{');
            if (labels instanceof Labels l) {
                for (int i = 0; i < l.size(); i++) {
                    member(i == 0, l.key(i), l.value(i));
                }
            } else {
                boolean first = true;
                for (Map.Entry<String, String> e : labels.entrySet()) {
                    member(first, e.getKey(), e.getValue());
                    first = false;
                }
            }
            put((byte) '}');
        }

        private void member(boolean first, String key, String value) {
            if (!first) {
                put((byte) ',');
            }
            string(key);
            put((byte) ':');
            string(value);
        }

        /** As {@link #jsonString} then {@code getBytes(UTF_8)}: an unpaired surrogate becomes {@code ?}. */
        private void string(String s) {
            int n = s.length();
            ensure(n * 6 + 2);
            bytes[length++] = '"';
            int run = 0;
            for (int i = 0; i < n; i++) {
                char ch = s.charAt(i);
                if (ch == '"' || ch == '\\' || ch < 0x20) {
                    length = Utf8.encode(s, run, i, bytes, length);
                    run = i + 1;
                    bytes[length++] = '\\';
                    if (ch < 0x20) {
                        bytes[length++] = 'u';
                        bytes[length++] = '0';
                        bytes[length++] = '0';
                        bytes[length++] = (byte) HEX[ch >> 4];
                        bytes[length++] = (byte) HEX[ch & 0xf];
                    } else {
                        bytes[length++] = (byte) ch;
                    }
                }
            }
            length = Utf8.encode(s, run, n, bytes, length);
            bytes[length++] = '"';
        }

        private void put(byte x) {
            ensure(1);
            bytes[length++] = x;
        }

        private void ensure(int more) {
            if (length + more > bytes.length) {
                bytes = Arrays.copyOf(bytes, Math.max(bytes.length * 2, length + more));
            }
        }
    }

    private static final char[] HEX = "0123456789abcdef".toCharArray();

    private static void uuid(ByteBuffer b, UUID id) {
        b.putInt(16).putLong(id.getMostSignificantBits()).putLong(id.getLeastSignificantBits());
    }

    private static void writeRecords(Connection c, SilverBatch batch) throws SQLException {
        if (batch.records.isEmpty()) {
            return;
        }
        try (PreparedStatement ps = c.prepareStatement("""
                INSERT INTO pipeline_records (time, pipeline_id, team_id, event_id, mapping_version, seq, record)
                SELECT * FROM unnest(?::timestamptz[], ?::uuid[], ?::uuid[], ?::uuid[], ?::int[], ?::int[], ?::jsonb[])
                ON CONFLICT DO NOTHING
                """)) {
            int n = batch.records.size();
            Object[] time = new Object[n];
            Object[] pipeline = new Object[n];
            Object[] team = new Object[n];
            Object[] event = new Object[n];
            Object[] version = new Object[n];
            Object[] seq = new Object[n];
            Object[] record = new Object[n];
            for (int i = 0; i < n; i++) {
                SilverBatch.Record r = batch.records.get(i);
                time[i] = r.time().toString();
                pipeline[i] = r.pipelineId();
                team[i] = r.teamId();
                event[i] = r.eventId();
                version[i] = r.mappingVersion();
                seq[i] = r.seq();
                record[i] = r.record().values().toString();
            }
            ps.setArray(1, c.createArrayOf("text", time));
            ps.setArray(2, c.createArrayOf("uuid", pipeline));
            ps.setArray(3, c.createArrayOf("uuid", team));
            ps.setArray(4, c.createArrayOf("uuid", event));
            ps.setArray(5, c.createArrayOf("int4", version));
            ps.setArray(6, c.createArrayOf("int4", seq));
            ps.setArray(7, c.createArrayOf("text", record));
            ps.executeUpdate();
        }
    }

    private static void writeQuarantine(Connection c, SilverBatch batch) throws SQLException {
        if (batch.quarantined.isEmpty()) {
            return;
        }
        try (PreparedStatement ps = c.prepareStatement("""
                INSERT INTO quarantine (pipeline_id, team_id, event_id, mapping_version, received_at, errors,
                                        kafka_partition, kafka_offset, bronze_key)
                SELECT ?, ?, ?, ?, ?, ?::jsonb, ?, ?, ?
                -- A pipeline deleted meanwhile (or only known from another database's snapshots) has no
                -- quarantine: without this the foreign key would fail the batch again and again.
                WHERE EXISTS (SELECT 1 FROM pipelines WHERE id = ?)
                ON CONFLICT (pipeline_id, mapping_version, event_id) DO UPDATE
                -- The latest reason (a quarantine replay re-maps with the same version after a fix elsewhere).
                SET errors = excluded.errors, bronze_key = coalesce(excluded.bronze_key, quarantine.bronze_key)
                """)) {
            for (SilverBatch.Quarantined q : batch.quarantined) {
                ps.setObject(1, q.pipelineId());
                ps.setObject(2, q.teamId());
                ps.setObject(3, q.eventId());
                ps.setInt(4, q.mappingVersion());
                ps.setTimestamp(5, Timestamp.from(q.receivedAt()));
                ps.setString(6, errorsJson(q));
                ps.setInt(7, q.partition());
                ps.setObject(8, q.offset(), java.sql.Types.BIGINT);
                ps.setString(9, q.bronzeKey());
                ps.setObject(10, q.pipelineId());
                ps.addBatch();
            }
            ps.executeBatch();
        }
    }

    /**
     * Records dual-write boundaries in their own transaction. The Silver writer calls it only after the
     * Kafka commit of the batch that found them succeeded, which proves it still held those partitions: a
     * writer already thrown out of its group must not record a boundary the partition's new owner does not
     * honour (docs/replay.md, step 2).
     */
    public void recordBoundaries(Collection<SilverBatch.Boundary> boundaries) throws SQLException {
        if (boundaries.isEmpty()) {
            return;
        }
        try (Connection c = dataSource.getConnection()) {
            boolean auto = c.getAutoCommit();
            c.setAutoCommit(false);
            try {
                recordBoundaries(c, boundaries);
                c.commit();
            } catch (SQLException | RuntimeException e) {
                c.rollback();
                throw e;
            } finally {
                c.setAutoCommit(auto);
            }
        }
    }

    private static void recordBoundaries(Connection c, Collection<SilverBatch.Boundary> boundaries)
            throws SQLException {
        // Only while the version is pending. Of two writers' boundaries on one partition (a rebalance) the
        // greater wins: events before it are replayed from Bronze, events from it on were dual-written by
        // the partition's current owner (docs/replay.md, step 2). The time is kept for people.
        try (PreparedStatement bound = c.prepareStatement("""
                        INSERT INTO dual_write_boundaries (pipeline_id, mapping_version, kafka_partition, boundary_offset)
                        SELECT ?, ?, ?, ? WHERE EXISTS (
                            SELECT 1 FROM data_mappings WHERE pipeline_id = ? AND version = ? AND status = 'pending')
                        ON CONFLICT (pipeline_id, mapping_version, kafka_partition) DO UPDATE
                        SET boundary_offset = greatest(dual_write_boundaries.boundary_offset, excluded.boundary_offset),
                            recorded_at = now()
                        """);
                PreparedStatement started = c.prepareStatement("""
                        UPDATE data_mappings SET dual_write_started_at = greatest(dual_write_started_at, now())
                        WHERE pipeline_id = ? AND version = ? AND status = 'pending'
                        """)) {
            java.util.Set<SilverBatch.Boundary> versions = new java.util.HashSet<>();
            for (SilverBatch.Boundary b : boundaries) {
                bound.setObject(1, b.pipelineId());
                bound.setInt(2, b.version());
                bound.setInt(3, b.partition());
                bound.setLong(4, b.offset());
                bound.setObject(5, b.pipelineId());
                bound.setInt(6, b.version());
                bound.addBatch();
                if (versions.add(new SilverBatch.Boundary(b.pipelineId(), b.version(), 0, 0))) {
                    started.setObject(1, b.pipelineId());
                    started.setInt(2, b.version());
                    started.addBatch();
                }
            }
            bound.executeBatch();
            started.executeBatch();
        }
    }

    static String errorsJson(SilverBatch.Quarantined q) {
        var arr = Json.nodes().arrayNode();
        q.errors().forEach(e -> {
            var o = arr.addObject();
            o.put("field", e.field().replace('\u0000', '\uFFFD'));
            o.put("code", e.code().name().toLowerCase(java.util.Locale.ROOT));
            // jsonb cannot hold U+0000, and a reason may quote the event's text.
            o.put("reason", e.reason().replace('\u0000', '\uFFFD'));
            if (e.index() >= 0) {
                o.put("index", e.index());
            }
        });
        return arr.toString();
    }

    /** Labels as a JSON object, keys in the map's (sorted) order. */
    static String labelsJson(Map<String, String> labels) {
        if (labels.isEmpty()) {
            return "{}";
        }
        StringBuilder b = new StringBuilder(16 * labels.size() + 2);
        b.append('{');
        boolean first = true;
        for (Map.Entry<String, String> e : labels.entrySet()) {
            if (!first) {
                b.append(',');
            }
            first = false;
            jsonString(b, e.getKey());
            b.append(':');
            jsonString(b, e.getValue());
        }
        return b.append('}').toString();
    }

    private static void jsonString(StringBuilder b, String s) {
        b.append('"');
        for (int i = 0; i < s.length(); i++) {
            char ch = s.charAt(i);
            if (ch == '"' || ch == '\\') {
                b.append('\\').append(ch);
            } else if (ch < 0x20) {
                b.append(String.format("\\u%04x", (int) ch));
            } else {
                b.append(ch);
            }
        }
        b.append('"');
    }
}
