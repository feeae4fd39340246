package dev.dash.model.silver;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * The 1-minute rollup buckets ({@code metrics_1m}, plain PostgreSQL) of one batch's rows, aggregated in the JVM and
 * merged into the table in the batch's transaction by one statement ({@code dash_merge_minute_rollups}, plain/V161),
 * so that a replay need not read its rows again to refresh their minutes (docs/replay.md, step 4).
 *
 * <p>Each bucket is what {@code dash_rebuild_minute_rollups} (plain/V146) computes from the same rows: the bucket is
 * the row's minute ({@code date_bin('1 minute', time, '2000-01-01')}, the epoch minute), the team the least by text,
 * count, sum, min, max, and the last value the value of the latest row, ties broken by the greater event id (in
 * PostgreSQL's uuid order, unsigned bytes) and then the greater seq. Times are rounded to the microsecond as the
 * COPY stores them. Merged into a bucket already there, counts and sums add, min and max combine, and the last value
 * is the later one's; on a tie of times the statement looks the winner up among the raw rows, as the refresh does.
 * The sum is a sum of doubles: in another order than the refresh's scan it may differ in its last bits.
 */
final class MinuteBuckets {
    private static final String MERGE = """
            SELECT dash_merge_minute_rollups(?::timestamptz[], ?::uuid[], ?::uuid[], ?::text[], ?::jsonb[], ?::int[],
                                             ?::int8[], ?::float8[], ?::float8[], ?::float8[], ?::float8[],
                                             ?::timestamptz[])
            """;

    private record Key(UUID pipelineId, int version, String metric, Map<String, String> labels, long minute) {}

    /** One bucket's aggregate; the last row is kept by its time (microseconds), event id and seq. */
    static final class Bucket {
        final Key key;
        UUID teamId;
        String team;
        long n;
        double total;
        double min;
        double max;
        double last;
        long lastMicros;
        UUID lastEvent;
        int lastSeq;

        private Bucket(Key key) {
            this.key = key;
        }
    }

    private final Map<Key, Bucket> buckets = new HashMap<>();

    /** The buckets of the rows; null when a row's value is not finite (the caller then leaves them to the refresh). */
    static MinuteBuckets of(List<SilverBatch.Row> rows) {
        MinuteBuckets b = new MinuteBuckets();
        for (SilverBatch.Row r : rows) {
            if (!Double.isFinite(r.value())) {
                return null;
            }
            b.add(r);
        }
        return b;
    }

    private void add(SilverBatch.Row r) {
        Instant t = r.time();
        long micros = t.getEpochSecond() * 1_000_000L + (t.getNano() + 500) / 1_000;
        long minute = Math.floorDiv(micros, 60_000_000L);
        Bucket b = buckets.computeIfAbsent(
                new Key(r.pipelineId(), r.mappingVersion(), r.metric(), r.labels(), minute), Bucket::new);
        double v = r.value();
        boolean first = b.n == 0;
        if (first || !r.teamId().equals(b.teamId)) {
            String team = r.teamId().toString();
            if (first || team.compareTo(b.team) < 0) {
                b.teamId = r.teamId();
                b.team = team;
            }
        }
        b.min = first ? v : Math.min(b.min, v);
        b.max = first ? v : Math.max(b.max, v);
        if (first || later(micros, r.eventId(), r.seq(), b)) {
            b.last = v;
            b.lastMicros = micros;
            b.lastEvent = r.eventId();
            b.lastSeq = r.seq();
        }
        b.n++;
        b.total += v;
    }

    /** Whether the row orders after the bucket's last by (time, event_id, seq), as {@code ORDER BY ... DESC}. */
    private static boolean later(long micros, UUID event, int seq, Bucket b) {
        if (micros != b.lastMicros) {
            return micros > b.lastMicros;
        }
        int c = Long.compareUnsigned(event.getMostSignificantBits(), b.lastEvent.getMostSignificantBits());
        if (c == 0) {
            c = Long.compareUnsigned(event.getLeastSignificantBits(), b.lastEvent.getLeastSignificantBits());
        }
        return c != 0 ? c > 0 : seq > b.lastSeq;
    }

    int size() {
        return buckets.size();
    }

    /**
     * Merges the buckets into {@code metrics_1m} in the connection's transaction, in one statement, in a fixed order
     * (minute, pipeline, version, metric, labels), so two transactions merging buckets they share wait for each other
     * instead of deadlocking.
     */
    void merge(Connection c) throws SQLException {
        if (buckets.isEmpty()) {
            return;
        }
        List<Bucket> list = new ArrayList<>(buckets.values());
        Map<Bucket, String> json = new HashMap<>();
        for (Bucket b : list) {
            json.put(b, SilverStore.labelsJson(b.key.labels()));
        }
        // Any order both transactions agree on would do.
        list.sort(Comparator.<Bucket>comparingLong(b -> b.key.minute())
                .thenComparing(b -> b.key.pipelineId())
                .thenComparingInt(b -> b.key.version())
                .thenComparing(b -> b.key.metric())
                .thenComparing(json::get));
        int n = list.size();
        Object[] labels = new Object[n];
        Object[] bucket = new Object[n];
        Object[] pipeline = new Object[n];
        Object[] team = new Object[n];
        Object[] metric = new Object[n];
        Object[] version = new Object[n];
        Object[] count = new Object[n];
        Object[] total = new Object[n];
        Object[] min = new Object[n];
        Object[] max = new Object[n];
        Object[] last = new Object[n];
        Object[] lastTime = new Object[n];
        for (int i = 0; i < n; i++) {
            Bucket b = list.get(i);
            bucket[i] = Instant.ofEpochSecond(b.key.minute() * 60).toString();
            pipeline[i] = b.key.pipelineId();
            team[i] = b.teamId;
            metric[i] = b.key.metric();
            labels[i] = json.get(b);
            version[i] = b.key.version();
            count[i] = b.n;
            total[i] = b.total;
            min[i] = b.min;
            max[i] = b.max;
            last[i] = b.last;
            lastTime[i] = Instant.ofEpochSecond(
                            Math.floorDiv(b.lastMicros, 1_000_000L), Math.floorMod(b.lastMicros, 1_000_000L) * 1_000L)
                    .toString();
        }
        try (PreparedStatement ps = c.prepareStatement(MERGE)) {
            ps.setArray(1, c.createArrayOf("text", bucket));
            ps.setArray(2, c.createArrayOf("uuid", pipeline));
            ps.setArray(3, c.createArrayOf("uuid", team));
            ps.setArray(4, c.createArrayOf("text", metric));
            ps.setArray(5, c.createArrayOf("text", labels));
            ps.setArray(6, c.createArrayOf("int4", version));
            ps.setArray(7, c.createArrayOf("int8", count));
            ps.setArray(8, c.createArrayOf("float8", total));
            ps.setArray(9, c.createArrayOf("float8", min));
            ps.setArray(10, c.createArrayOf("float8", max));
            ps.setArray(11, c.createArrayOf("float8", last));
            ps.setArray(12, c.createArrayOf("text", lastTime));
            ps.execute();
        }
    }
}
