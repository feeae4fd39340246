package dev.dash.web.live.cache;

import dev.dash.model.kafka.PointsBatch;
import dev.dash.web.query.QueryService.Series;
import dev.dash.web.query.QueryService.SeriesPoint;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.NavigableSet;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The hot buckets of one {@link WidgetQuery}: for each label set and bucket its state (count, sum, min, max, last
 * value and time), from which every aggregation of the data endpoint follows the way {@code QueryService} computes
 * it. Read once from Silver (one statement, whatever the number of widgets, streams and viewers), then kept current
 * from {@code dash.points} in memory.
 *
 * <p><b>Reads and points.</b> A read sees exactly the points committed before its snapshot; a point arrives on
 * {@code dash.points} some time after its commit. So for each point the entry asks which read last covered its
 * bucket: committed (the batch's {@code committedAt}) more than {@code margin} before that read started, the read
 * has it (skip); committed more than {@code margin} after that read ended, it does not (merge); a point arriving while
 * the read runs waits for its result. In between nobody knows: the point is taken as not read when committed after
 * the read started (merged), and its bucket is read again once closed ({@link #nextRead}), which settles it. Reads
 * are rare (the first, a refresh, those settling buckets), so points are merged without reads in the steady state.
 * Points are never counted twice
 * from a redelivered batch: the cache skips identities it saw ({@link HotCache}). A refresh read of everything
 * every {@code refresh} replaces what drifted (a redelivery the identity window no longer remembers, the last bit
 * of a floating-point sum added in another order).
 *
 * <p>Only points of the entry's mapping version are merged. Bounded: over {@code maxBuckets} bucket states the
 * entry gives up ({@link #overflowed}) and its widgets go back to reading their buckets from Silver.
 *
 * <p>Not thread-safe on its own: {@link HotCache} calls it under the entry's monitor.
 */
public final class CacheEntry {
    private static final long ORIGIN = 946_684_800L;
    private static final int LOG_MAX = 20_000;

    final WidgetQuery query;
    private final long width;
    private final long marginMillis;
    private final int maxBuckets;

    private Integer version;
    private boolean ready;
    private boolean overflow;
    /** The first bucket (epoch seconds) kept; Long.MAX_VALUE until a reader attached. */
    private long coverFrom = Long.MAX_VALUE;

    private final Map<String, SeriesCells> series = new LinkedHashMap<>();
    private int cells;

    private long counter;
    private long logFloor;
    private final ArrayDeque<Change> log = new ArrayDeque<>();

    private final ArrayDeque<Read> reads = new ArrayDeque<>();
    private Read inFlight;
    private final TreeSet<Long> uncertain = new TreeSet<>();
    private long pendingFrom = Long.MAX_VALUE;
    private long pendingTo = Long.MIN_VALUE;
    private boolean versionSuspect;
    private long lastFullReadMillis;

    /** Who reads the entry, each with the first bucket it needs. */
    final Map<Object, Long> readers = new HashMap<>();

    long unusedSinceNanos = System.nanoTime();

    /** Dropped from the cache as unused ({@link HotCache#tick}): no reader may attach to it any more. */
    boolean dropped;

    private static final class SeriesCells {
        final Map<String, String> labels;
        final TreeMap<Long, Cell> buckets = new TreeMap<>();

        SeriesCells(Map<String, String> labels) {
            this.labels = labels;
        }
    }

    /** One bucket's state. */
    static final class Cell {
        long n;
        double total;
        double min;
        double max;
        double last;
        long lastMicros;
        long changed;

        boolean sameAs(Cell o) {
            return n == o.n
                    && Double.compare(total, o.total) == 0
                    && Double.compare(min, o.min) == 0
                    && Double.compare(max, o.max) == 0
                    && Double.compare(last, o.last) == 0;
        }

        double value(String aggregation) {
            return switch (aggregation) {
                case "min" -> min;
                case "max" -> max;
                case "sum" -> total;
                case "count" -> n;
                case "last" -> last;
                default -> total / n;
            };
        }
    }

    private record Change(long counter, SeriesCells series, long bucket) {}

    private record Held(PointsBatch.Point point, long bucket, long micros, long committedMillis) {}

    /**
     * A read of the buckets {@code [from, to)} (epoch seconds), started and ended at these wall-clock millis (end
     * 0 while in flight).
     */
    static final class Read {
        final long from;
        final long to;
        final boolean full;
        final long startMillis;
        long endMillis;
        /** Points of its buckets that arrived while it ran. */
        final List<Held> held = new ArrayList<>();

        Read(long from, long to, boolean full, long startMillis) {
            this.from = from;
            this.to = to;
            this.full = full;
            this.startMillis = startMillis;
        }

        public long from() {
            return from;
        }

        public long to() {
            return to;
        }
    }

    /** One row of a read: a bucket's state. */
    public record Row(
            Map<String, String> labels,
            String labelsKey,
            Instant bucket,
            long n,
            double total,
            double min,
            double max,
            double last,
            Instant lastTime) {}

    CacheEntry(WidgetQuery query, long marginMillis, int maxBuckets) {
        this.query = query;
        this.width = query.bucketSeconds();
        this.marginMillis = marginMillis;
        this.maxBuckets = maxBuckets;
    }

    // ---- state for readers ----

    /** Whether the entry answers for its buckets: read at least once, not given up. */
    public boolean usable() {
        return ready && !overflow;
    }

    public boolean overflowed() {
        return overflow;
    }

    /** The mapping version the buckets are of (null before the first read). */
    public Integer version() {
        return version;
    }

    /** The position of the last change; {@link #changes} after it gives what changed since. */
    public long cursor() {
        return counter;
    }

    /** Bucket states kept. */
    public int cells() {
        return cells;
    }

    /**
     * The buckets in {@code [from, to)} that changed after {@code since}, valued for {@code aggregation} the way
     * the data endpoint values them: whole buckets for a delta.
     */
    public List<Series> changes(long since, Instant from, Instant to, String aggregation) {
        long f = from.getEpochSecond();
        long t = to.getEpochSecond();
        if (f >= t) {
            // A range with no bucket in it (a rolling range whose start passed the tick's end): nothing changed in it.
            return List.of();
        }
        Map<SeriesCells, TreeMap<Long, Cell>> out = new LinkedHashMap<>();
        if (since < logFloor) {
            for (SeriesCells s : series.values()) {
                for (Map.Entry<Long, Cell> e :
                        s.buckets.subMap(f, true, t, false).entrySet()) {
                    if (e.getValue().changed > since) {
                        out.computeIfAbsent(s, k -> new TreeMap<>()).put(e.getKey(), e.getValue());
                    }
                }
            }
        } else {
            for (Iterator<Change> it = log.descendingIterator(); it.hasNext(); ) {
                Change c = it.next();
                if (c.counter <= since) {
                    break;
                }
                if (c.bucket < f || c.bucket >= t) {
                    continue;
                }
                Cell cell = c.series.buckets.get(c.bucket);
                if (cell != null) {
                    out.computeIfAbsent(c.series, k -> new TreeMap<>()).put(c.bucket, cell);
                }
            }
        }
        List<Series> result = new ArrayList<>();
        out.forEach((s, buckets) -> {
            List<SeriesPoint> points = new ArrayList<>(buckets.size());
            buckets.forEach(
                    (b, cell) -> points.add(new SeriesPoint(Instant.ofEpochSecond(b), cell.value(aggregation))));
            result.add(new Series(s.labels, points));
        });
        return result;
    }

    // ---- readers ----

    /** A reader needs the buckets from {@code from} on: they are read when not yet kept. */
    void need(Object reader, Instant from) {
        long f = floor(from.getEpochSecond());
        readers.put(reader, f);
        if (f < coverFrom) {
            if (coverFrom != Long.MAX_VALUE) {
                pending(f, coverFrom);
            } else {
                pending(f, Long.MAX_VALUE);
            }
            coverFrom = f;
        }
    }

    /** Forgets buckets no reader needs any more (relative ranges slide). */
    void trim() {
        if (readers.isEmpty()) {
            return;
        }
        long min = readers.values().stream().mapToLong(Long::longValue).min().orElse(coverFrom);
        if (min > coverFrom && coverFrom != Long.MAX_VALUE) {
            coverFrom = min;
            for (Iterator<SeriesCells> it = series.values().iterator(); it.hasNext(); ) {
                SeriesCells s = it.next();
                NavigableMap<Long, Cell> old = s.buckets.headMap(min, false);
                cells -= old.size();
                old.clear();
                if (s.buckets.isEmpty()) {
                    it.remove();
                }
            }
            uncertain.headSet(min, false).clear();
        }
    }

    // ---- points ----

    /** One point of the entry's pipeline matching its query, from a batch committed at {@code committedMillis}. */
    void point(PointsBatch.Point p, long committedMillis) {
        if (overflow) {
            return;
        }
        long micros = p.time().getEpochSecond() * 1_000_000L + p.time().getNano() / 1000;
        long b = floor(Math.floorDiv(micros, 1_000_000L));
        if (b < coverFrom) {
            return;
        }
        if (ready && version == null) {
            return; // the pipeline has no active version: nothing to show until one is activated
        }
        if (version != null && p.mappingVersion() != version) {
            if (p.mappingVersion() > version) {
                versionSuspect = true;
            }
            return;
        }
        Read r = lastReadOf(b);
        if (r == null) {
            return;
        }
        if (committedMillis < r.startMillis - marginMillis) {
            return; // the read has it
        }
        if (r.endMillis == 0) {
            r.held.add(new Held(p, b, micros, committedMillis)); // placed once the read's result is in
            return;
        }
        place(p, b, micros, committedMillis, r);
    }

    /**
     * A point against the finished read that last covered its bucket: committed after it, merged; committed while
     * it ran, nobody knows whether the read has it: taken as not (merged) when committed after the read started,
     * and the bucket is read again once it is closed (no more points due), which settles it.
     */
    private void place(PointsBatch.Point p, long b, long micros, long committedMillis, Read r) {
        if (committedMillis > r.endMillis + marginMillis) {
            merge(p, b, micros);
            return;
        }
        if (committedMillis >= r.startMillis) {
            merge(p, b, micros);
        }
        uncertain.add(b);
    }

    private void merge(PointsBatch.Point p, long b, long micros) {
        String key = key(p.labels());
        SeriesCells s = series.get(key);
        if (s == null) {
            s = new SeriesCells(p.labels() == null ? Map.of() : new TreeMap<>(p.labels()));
            series.put(key, s);
        }
        Cell c = s.buckets.get(b);
        if (c == null) {
            c = new Cell();
            c.min = p.value();
            c.max = p.value();
            c.last = p.value();
            c.lastMicros = micros;
            s.buckets.put(b, c);
            if (++cells > maxBuckets) {
                giveUp();
                return;
            }
        } else {
            c.min = Math.min(c.min, p.value());
            c.max = Math.max(c.max, p.value());
            if (micros >= c.lastMicros) {
                c.last = p.value();
                c.lastMicros = micros;
            }
        }
        c.n++;
        c.total += p.value();
        changed(s, b, c);
    }

    private void changed(SeriesCells s, long b, Cell c) {
        c.changed = ++counter;
        log.addLast(new Change(counter, s, b));
        while (log.size() > LOG_MAX) {
            logFloor = log.removeFirst().counter;
        }
    }

    private void giveUp() {
        overflow = true;
        series.clear();
        log.clear();
        uncertain.clear();
        cells = 0;
    }

    /** Whether a point of a newer mapping version was seen: the pipeline may have been cut over. */
    boolean versionSuspect() {
        return versionSuspect;
    }

    /** The probe of the pipeline's active version failed: it is to be probed again. */
    void suspectVersion() {
        versionSuspect = true;
    }

    /** {@link #versionSuspect}, and forgets it (the version is being probed). */
    boolean takeVersionSuspect() {
        boolean s = versionSuspect;
        versionSuspect = false;
        return s;
    }

    // ---- reads ----

    private void pending(long from, long to) {
        pendingFrom = Math.min(pendingFrom, from);
        pendingTo = Math.max(pendingTo, to);
    }

    /** Asks for a read of everything kept (the periodic refresh). */
    void refresh() {
        if (coverFrom != Long.MAX_VALUE) {
            pending(coverFrom, Long.MAX_VALUE);
        }
    }

    long lastFullReadMillis() {
        return lastFullReadMillis;
    }

    /**
     * The next read to make, if any and none is in flight: what was asked for, or the buckets whose points no one
     * can place. The caller reads {@code [from, to)} and hands the rows to {@link #readDone}.
     */
    Read nextRead(long nowMillis) {
        if (inFlight != null || overflow) {
            return null;
        }
        long from;
        long to;
        if (pendingFrom != Long.MAX_VALUE) {
            from = Math.max(pendingFrom, coverFrom);
            to = pendingTo;
            pendingFrom = Long.MAX_VALUE;
            pendingTo = Long.MIN_VALUE;
        } else {
            // Only closed buckets: one still receiving points would be as uncertain after the read as before.
            long closed = Math.floorDiv(nowMillis - 1000 - 2 * marginMillis, 1000L) - width;
            NavigableSet<Long> due = uncertain.headSet(closed, true);
            if (due.isEmpty()) {
                return null;
            }
            from = due.first();
            to = due.last() + width;
        }
        uncertain.subSet(from, true, to, false).clear();
        inFlight = new Read(from, to, from <= coverFrom && to == Long.MAX_VALUE, nowMillis);
        reads.addLast(inFlight);
        return inFlight;
    }

    /**
     * A read finished: its buckets are replaced by what Silver holds (a changed one is a change); a read of
     * another mapping version than the entry's starts the entry over with that version, and answers true.
     */
    boolean readDone(Read r, Integer activeVersion, List<Row> rows, long nowMillis) {
        inFlight = null;
        r.endMillis = nowMillis;
        if (version != null && activeVersion != null && !activeVersion.equals(version)) {
            startOver(activeVersion);
            return true;
        }
        version = activeVersion;
        Map<String, Map<Long, Cell>> read = new HashMap<>();
        Map<String, Map<String, String>> labels = new HashMap<>();
        for (Row row : rows) {
            Cell c = new Cell();
            c.n = row.n();
            c.total = row.total();
            c.min = row.min();
            c.max = row.max();
            c.last = row.last();
            c.lastMicros = row.lastTime().getEpochSecond() * 1_000_000L
                    + row.lastTime().getNano() / 1000;
            read.computeIfAbsent(row.labelsKey(), k -> new HashMap<>())
                    .put(row.bucket().getEpochSecond(), c);
            labels.putIfAbsent(row.labelsKey(), row.labels());
        }
        long from = Math.max(r.from, coverFrom);
        for (Map.Entry<String, SeriesCells> e : series.entrySet()) {
            if (!read.containsKey(e.getKey())) {
                NavigableMap<Long, Cell> gone = e.getValue().buckets.subMap(from, true, r.to, false);
                cells -= gone.size();
                gone.clear();
            }
        }
        for (Map.Entry<String, Map<Long, Cell>> e : read.entrySet()) {
            SeriesCells s = series.get(e.getKey());
            if (s == null) {
                s = new SeriesCells(labels.get(e.getKey()));
                series.put(e.getKey(), s);
            }
            NavigableMap<Long, Cell> range = s.buckets.subMap(from, true, r.to, false);
            Map<Long, Cell> old = new HashMap<>(range);
            cells -= range.size();
            range.clear();
            for (Map.Entry<Long, Cell> b : e.getValue().entrySet()) {
                if (b.getKey() < from || b.getKey() >= r.to) {
                    continue;
                }
                Cell before = old.get(b.getKey());
                Cell now = b.getValue();
                s.buckets.put(b.getKey(), now);
                cells++;
                if (before != null && before.sameAs(now)) {
                    now.changed = before.changed;
                } else {
                    changed(s, b.getKey(), now);
                }
            }
        }
        series.values().removeIf(s -> s.buckets.isEmpty());
        if (cells > maxBuckets) {
            giveUp();
            return false;
        }
        if (r.full) {
            lastFullReadMillis = nowMillis;
        }
        for (Held h : r.held) {
            if (version != null && h.point().mappingVersion() == version) {
                place(h.point(), h.bucket(), h.micros(), h.committedMillis(), r);
            }
        }
        r.held.clear();
        // Keep the reads a late point may still be placed against: the last full one and those after it.
        if (r.full) {
            while (reads.peekFirst() != r) {
                reads.removeFirst();
            }
        }
        while (reads.size() > 64) {
            Read first = reads.removeFirst();
            if (first.full) {
                reads.removeFirst();
                reads.addFirst(first);
            }
        }
        ready = true;
        return false;
    }

    /** A read failed: its buckets are asked for again. */
    void readFailed(Read r) {
        inFlight = null;
        reads.remove(r);
        r.held.clear();
        pending(r.from, r.to);
    }

    /** The pipeline's active version is now {@code active}: a different one starts the entry over. */
    boolean versionIs(int active) {
        if (version != null && version != active) {
            startOver(active);
            return true;
        }
        return false;
    }

    private void startOver(int active) {
        version = active;
        ready = false;
        series.clear();
        log.clear();
        uncertain.clear();
        reads.clear();
        cells = 0;
        logFloor = counter;
        if (coverFrom != Long.MAX_VALUE) {
            pending(coverFrom, Long.MAX_VALUE);
        }
    }

    private Read lastReadOf(long bucket) {
        for (Iterator<Read> it = reads.descendingIterator(); it.hasNext(); ) {
            Read r = it.next();
            if (bucket >= r.from && bucket < r.to) {
                return r;
            }
        }
        return null;
    }

    private long floor(long epochSecond) {
        return ORIGIN + Math.floorDiv(epochSecond - ORIGIN, width) * width;
    }

    /** A label set's key: its pairs in name order, as the rows of a read name them too. */
    static String key(Map<String, String> labels) {
        return labels == null ? "{}" : new TreeMap<>(labels).toString();
    }
}
