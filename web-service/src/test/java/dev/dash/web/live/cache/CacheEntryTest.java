package dev.dash.web.live.cache;

import static org.assertj.core.api.Assertions.assertThat;

import dev.dash.model.kafka.PointsBatch;
import dev.dash.web.query.QueryService.Series;
import dev.dash.web.query.QueryService.SeriesPoint;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** The hot cache's bucket states, reads and points, without a database: a read is handed its rows by hand. */
class CacheEntryTest {
    private static final UUID PIPELINE = UUID.randomUUID();
    private static final Instant T0 = Instant.parse("2026-12-05T10:00:00Z");
    private static final long MARGIN = 250;
    /** Wall-clock millis of the first read: two minutes after T0, so the buckets below are closed. */
    private static final long M = T0.toEpochMilli() + 120_000;

    private final WidgetQuery query = new WidgetQuery(PIPELINE, "temp", Map.of(), 10);
    private final Object reader = new Object();

    private CacheEntry seeded(int maxBuckets, List<CacheEntry.Row> rows) {
        CacheEntry e = new CacheEntry(query, MARGIN, maxBuckets);
        e.need(reader, T0);
        CacheEntry.Read seed = e.nextRead(M);
        assertThat(seed.from()).isEqualTo(T0.getEpochSecond());
        assertThat(seed.to()).isEqualTo(Long.MAX_VALUE);
        assertThat(e.usable()).isFalse();
        e.readDone(seed, 1, rows, M + 100);
        assertThat(e.usable()).isTrue();
        return e;
    }

    @Test
    void pointsCommittedAfterTheReadMergeIntoEveryAggregationAsTheDataEndpointComputesIt() {
        CacheEntry e = seeded(1000, List.of(row("a", T0, 2, 10, 4, 6, 6, T0.plusSeconds(3))));
        long cursor = e.cursor();
        e.point(point(T0.plusSeconds(5), "a", 1, 1), M + 1_000);
        e.point(point(T0.plusSeconds(2), "a", 9, 1), M + 1_000); // earlier in time: not the last value
        e.point(point(T0.plusSeconds(12), "b", 7, 1), M + 1_000);

        assertThat(values(e.changes(cursor, T0, T0.plusSeconds(60), "sum")))
                .isEqualTo(Map.of("{room=a}@0", 20.0, "{room=b}@10", 7.0));
        assertThat(values(e.changes(cursor, T0, T0.plusSeconds(60), "count"))).containsEntry("{room=a}@0", 4.0);
        assertThat(values(e.changes(cursor, T0, T0.plusSeconds(60), "avg"))).containsEntry("{room=a}@0", 5.0);
        assertThat(values(e.changes(cursor, T0, T0.plusSeconds(60), "min"))).containsEntry("{room=a}@0", 1.0);
        assertThat(values(e.changes(cursor, T0, T0.plusSeconds(60), "max"))).containsEntry("{room=a}@0", 9.0);
        assertThat(values(e.changes(cursor, T0, T0.plusSeconds(60), "last"))).containsEntry("{room=a}@0", 1.0);
        // Nothing changed since: nothing to send; a range that ends before a bucket leaves it out.
        assertThat(e.changes(e.cursor(), T0, T0.plusSeconds(60), "sum")).isEmpty();
        assertThat(values(e.changes(cursor, T0, T0.plusSeconds(10), "sum"))).containsOnlyKeys("{room=a}@0");
        // A range whose start passed its end (a rolling range, a late tick) has no bucket: no change, no failure
        // (it was "fromKey > toKey" from the bucket map and failed the stream's tick).
        assertThat(e.changes(-1, T0.plusSeconds(60), T0, "sum")).isEmpty();
        assertThat(e.changes(cursor, T0.plusSeconds(60), T0, "sum")).isEmpty();
    }

    @Test
    void aPointTheReadAlreadyHadIsNotCountedAgainAndOneCommittedDuringTheReadHasItsBucketSettledByAReadOnceClosed() {
        CacheEntry e = seeded(1000, List.of(row("a", T0, 1, 5, 5, 5, 5, T0)));
        long cursor = e.cursor();
        // Committed well before the read started (its record arrived late): the read has it.
        e.point(point(T0.plusSeconds(1), "a", 5, 1), M - MARGIN - 1);
        assertThat(e.changes(cursor, T0, T0.plusSeconds(60), "sum")).isEmpty();
        assertThat(e.nextRead(M + 3_000)).isNull();
        // Committed while the read ran: taken as not read (shown at once), and its bucket is read again to settle it.
        e.point(point(T0.plusSeconds(21), "a", 3, 1), M + 50);
        assertThat(values(e.changes(cursor, T0, T0.plusSeconds(60), "sum"))).isEqualTo(Map.of("{room=a}@20", 3.0));
        CacheEntry.Read verify = e.nextRead(M + 3_000);
        assertThat(verify.from()).isEqualTo(T0.plusSeconds(20).getEpochSecond());
        assertThat(verify.to()).isEqualTo(T0.plusSeconds(30).getEpochSecond());
        // While that read runs a point of its bucket waits for the result; committed after it, it is merged then.
        e.point(point(T0.plusSeconds(22), "a", 4, 1), M + 3_050);
        long before = e.cursor();
        e.readDone(verify, 1, List.of(row("a", T0.plusSeconds(20), 1, 3, 3, 3, 3, T0.plusSeconds(21))), M + 3_100);
        assertThat(values(e.changes(before, T0, T0.plusSeconds(60), "sum"))).isEqualTo(Map.of("{room=a}@20", 7.0));
        // The held point was committed while the read ran: its bucket is settled by one more read, and a read that
        // finds the bucket as it is is no change.
        CacheEntry.Read again = e.nextRead(M + 6_000);
        assertThat(again).isNotNull();
        long after = e.cursor();
        e.readDone(again, 1, List.of(row("a", T0.plusSeconds(20), 2, 7, 3, 4, 4, T0.plusSeconds(22))), M + 6_100);
        assertThat(e.changes(after, T0, T0.plusSeconds(60), "sum")).isEmpty();
        assertThat(e.nextRead(M + 9_000)).isNull();
    }

    @Test
    void aBucketStillReceivingPointsIsNotReadUntilItCloses() {
        CacheEntry e = seeded(1000, List.of());
        long now = T0.plusSeconds(55).toEpochMilli();
        e.point(point(T0.plusSeconds(51), "a", 1, 1), M + 50);
        // Bucket [50, 60) is open until T0+60 (and a second more for the writer): no read yet.
        assertThat(e.nextRead(now)).isNull();
        assertThat(e.nextRead(T0.plusSeconds(62).toEpochMilli())).isNotNull();
    }

    @Test
    void onlyTheActiveVersionIsMergedAndANewerVersionStartsTheEntryOver() {
        CacheEntry e = seeded(1000, List.of());
        long cursor = e.cursor();
        e.point(point(T0.plusSeconds(1), "a", 100, 2), M + 5_000);
        assertThat(e.changes(cursor, T0, T0.plusSeconds(60), "sum")).isEmpty();
        assertThat(e.takeVersionSuspect()).isTrue();
        assertThat(e.versionIs(2)).isTrue();
        assertThat(e.usable()).isFalse();
        CacheEntry.Read reseed = e.nextRead(M + 6_000);
        assertThat(reseed.to()).isEqualTo(Long.MAX_VALUE);
        e.readDone(reseed, 2, List.of(row("a", T0, 1, 100, 100, 100, 100, T0.plusSeconds(1))), M + 6_100);
        assertThat(e.version()).isEqualTo(2);
        assertThat(values(e.changes(0, T0, T0.plusSeconds(60), "sum"))).isEqualTo(Map.of("{room=a}@0", 100.0));
    }

    @Test
    void memoryIsBoundedTheEntryGivesUpOverItsLimitAndSlidBucketsAreForgotten() {
        CacheEntry e = seeded(5, List.of());
        for (int i = 0; i < 5; i++) {
            e.point(point(T0.plusSeconds(10L * i), "a", 1, 1), M + 5_000);
        }
        assertThat(e.cells()).isEqualTo(5);
        e.need(reader, T0.plusSeconds(20));
        e.trim();
        assertThat(e.cells()).isEqualTo(3);
        e.point(point(T0.plusSeconds(5), "a", 1, 1), M + 5_000); // before what anyone needs: ignored
        assertThat(e.cells()).isEqualTo(3);
        e.point(point(T0.plusSeconds(60), "b", 1, 1), M + 5_000);
        e.point(point(T0.plusSeconds(70), "b", 1, 1), M + 5_000);
        e.point(point(T0.plusSeconds(80), "b", 1, 1), M + 5_000);
        assertThat(e.overflowed()).isTrue();
        assertThat(e.usable()).isFalse();
        assertThat(e.cells()).isZero();
    }

    @Test
    void theHotCacheSkipsTheRepublishedPointsOfARedeliveredBatch() {
        HotCache cache = new HotCache(LiveConfigs.defaults(), null);
        CacheEntry e = cache.attach(query, T0, reader);
        synchronized (e) {
            e.readDone(e.nextRead(M), 1, List.of(), M + 100);
        }
        List<PointsBatch.Point> points = new ArrayList<>();
        points.add(point(T0.plusSeconds(1), "a", 4, 1));
        points.add(point(T0.plusSeconds(1), "a", 6, 1));
        cache.accept(new PointsBatch(PIPELINE, UUID.randomUUID(), Instant.ofEpochMilli(M + 5_000), points));
        // The writer published the batch again after a restart: a new commit time, the same points.
        cache.accept(new PointsBatch(PIPELINE, UUID.randomUUID(), Instant.ofEpochMilli(M + 9_000), points));
        synchronized (e) {
            assertThat(values(e.changes(0, T0, T0.plusSeconds(60), "sum"))).isEqualTo(Map.of("{room=a}@0", 10.0));
        }
        assertThat(cache.duplicates()).isEqualTo(2);
    }

    static PointsBatch.Point point(Instant t, String room, double v, int version) {
        return new PointsBatch.Point(t, "temp", Map.of("room", room), v, UUID.randomUUID(), 0, version, t);
    }

    static CacheEntry.Row row(
            String room, Instant bucket, long n, double total, double min, double max, double last, Instant lastTime) {
        Map<String, String> labels = new TreeMap<>(Map.of("room", room));
        return new CacheEntry.Row(labels, CacheEntry.key(labels), bucket, n, total, min, max, last, lastTime);
    }

    /** Label set and bucket offset from T0 (seconds) to value. */
    static Map<String, Double> values(List<Series> series) {
        Map<String, Double> out = new TreeMap<>();
        for (Series s : series) {
            for (SeriesPoint p : s.points()) {
                out.put(new TreeMap<>(s.labels()) + "@" + (p.t().getEpochSecond() - T0.getEpochSecond()), p.v());
            }
        }
        return out;
    }
}
