package dev.dash.bench.query;

import dev.dash.model.db.DashSchema;
import dev.dash.model.db.SilverVariant;
import dev.dash.model.silver.SilverRollups;
import dev.dash.web.query.SeriesSql;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.postgresql.ds.PGSimpleDataSource;

/**
 * Loads 10 million points (one pipeline, one metric, 4 label sets, 30 days, plus a decoy mapping version)
 * into a database per Silver variant ({@code dash_bench_timescaledb}, {@code dash_bench_plain}), brings the
 * rollups to where production keeps them (plain: refreshed up to a minute ago, a raw tail after; TimescaleDB:
 * continuous aggregates refreshed the same way and chunks older than 7 days compressed, as the policy does),
 * and times the query API's statement for a 24-hour and a 30-day line chart on each variant against the same
 * series computed from the raw rows, in the same run. The variants take turns request by request (A, B, B, A ...,
 * the same statement and parameters on each), in rounds, so both see the same neighbours at the same moment; each
 * round prints both variants' p50 and p95, their ratio and the machine's load average, and the end of a chart the
 * median and range of the per-round ratios. Data loaded by an earlier run is topped up to now first. On TimescaleDB it also reports
 * the compression of the newest week of compressed chunks ({@code chunk_compression_stats}) and of the whole
 * hypertable.
 *
 * <p>Arguments (system properties): {@code bench.url} (a database of the server to create the bench
 * databases from, default the local {@code dash}), {@code bench.user}, {@code bench.password},
 * {@code bench.variants} ({@code timescaledb,plain}), {@code bench.points} (10000000), {@code bench.iterations}
 * (200 per variant and chart), {@code bench.rounds} (5 rounds of
 * {@code bench.iterations / bench.rounds} interleaved pairs), {@code bench.raw-iterations} (runs of the raw
 * baseline; 0 skips it; default 50 for 24 hours, 5 for 30 days), {@code bench.minute-tier} ({@code true}; {@code
 * false} times the hour-bucket statement as it was before the minute tier: the open hour read as raw rows).
 */
public final class QueryBenchmark {
    private static final UUID PIPELINE = UUID.fromString("0d0e0000-0000-4000-8000-00000000be01");
    private static final UUID TEAM = UUID.fromString("0d0e0000-0000-4000-8000-00000000be00");

    private QueryBenchmark() {}

    /** One timed chart: the API statement's and the raw baseline's sorted latencies. */
    private record Timing(String variant, String chart, String bucket, String via, long[] api, long[] raw) {}

    public static void main(String[] args) throws Exception {
        String url = System.getProperty("bench.url", "jdbc:postgresql://127.0.0.1:15432/dash");
        String user = System.getProperty("bench.user", "dash");
        String password = System.getProperty("bench.password", "dash");
        long points = Long.getLong("bench.points", 10_000_000L);
        int iterations = Integer.getInteger("bench.iterations", 200);
        int rounds = Integer.getInteger("bench.rounds", 5);
        Integer rawIterations = Integer.getInteger("bench.raw-iterations");
        List<String> variants = List.of(
                System.getProperty("bench.variants", "timescaledb,plain").split(","));
        // false: hour buckets read the open hour as raw rows (the statement before the minute tier, issue 11)
        boolean minuteTier = Boolean.parseBoolean(System.getProperty("bench.minute-tier", "true"));

        Instant end = Instant.now().truncatedTo(ChronoUnit.SECONDS);
        java.util.Map<String, Connection> connections = new java.util.LinkedHashMap<>();
        for (String variant : variants) {
            String dbUrl = url.substring(0, url.lastIndexOf('/') + 1) + "dash_bench_" + variant;
            try (Connection admin = DriverManager.getConnection(url, user, password);
                    Statement st = admin.createStatement();
                    ResultSet rs =
                            st.executeQuery("SELECT 1 FROM pg_database WHERE datname = 'dash_bench_" + variant + "'")) {
                if (!rs.next()) {
                    admin.createStatement().execute("CREATE DATABASE dash_bench_" + variant);
                }
            }
            PGSimpleDataSource ds = new PGSimpleDataSource();
            ds.setURL(dbUrl);
            ds.setUser(user);
            ds.setPassword(password);
            var outcome =
                    DashSchema.migrate(ds, "public", SilverVariant.Choice.valueOf(variant.toUpperCase(Locale.ROOT)));
            log("%s: schema %s, Silver variant %s", dbUrl, outcome.version(), outcome.variant());
            Connection c = DriverManager.getConnection(dbUrl, user, password);
            connections.put(variant, c);
            boolean timescale = variant.equals("timescaledb");
            load(c, points, end, timescale);
            if (timescale) {
                compressionReport(c);
                try (Statement st = c.createStatement();
                        ResultSet rs = st.executeQuery("SELECT (SELECT count(*) FROM show_chunks('metrics_1h')),"
                                + " (SELECT count(*) FROM show_chunks('metrics_1m')),"
                                + " (SELECT count(*) FROM show_chunks('metrics'))")) {
                    rs.next();
                    log(
                            "chunks: metrics_1h %d, metrics_1m %d, metrics %d",
                            rs.getLong(1), rs.getLong(2), rs.getLong(3));
                }
            }
        }
        List<Timing> timings = new ArrayList<>();
        for (Duration range : List.of(Duration.ofHours(24), Duration.ofDays(30))) {
            Duration bucket = SeriesSql.autoBucket(range, 500);
            SeriesSql.Level level = SeriesSql.level(bucket);
            Instant from = SeriesSql.floor(end.minus(range), bucket);
            Instant to = SeriesSql.ceil(end, bucket);
            String chart = range.toHours() <= 24 ? "24h" : range.toDays() + "d";
            // Both brought up to a minute ago right before the chart, as the plain job (every minute) and
            // TimescaleDB's policies (every minute, in the database itself) keep them: otherwise an hour turning
            // during the run moves TimescaleDB's watermark and not plain's, and their raw tails differ.
            for (var e : connections.entrySet()) {
                Instant now = Instant.now();
                refresh(
                        e.getValue(),
                        now.minus(Duration.ofHours(2)),
                        now,
                        e.getKey().equals("timescaledb"));
            }
            // As QueryService on both variants: the rollup up to its watermark, rounded down to its buckets,
            // and the raw rows after it (TimescaleDB's aggregates are read materialised only).
            // Hour buckets: then metrics_1m up to its own watermark (the minute cut) and raw rows after that.
            java.util.Map<String, Instant> cuts = new java.util.LinkedHashMap<>();
            java.util.Map<String, Instant> minuteCuts = new java.util.LinkedHashMap<>();
            for (var e : connections.entrySet()) {
                Instant w = SilverRollups.watermark(e.getValue(), level.table);
                cuts.put(e.getKey(), w == null ? from : SeriesSql.floor(w, level.size));
                Instant minuteCut = cuts.get(e.getKey());
                if (level == SeriesSql.Level.HOUR && minuteTier) {
                    minuteCut = SeriesSql.minuteCut(
                            minuteCut, SilverRollups.watermark(e.getValue(), SeriesSql.Level.MINUTE.table));
                }
                minuteCuts.put(e.getKey(), minuteCut);
                log(
                        "%-11s %-4s %s watermark %s, minute tier %d s: raw tail of %d s",
                        e.getKey(),
                        chart,
                        level.table,
                        w,
                        Duration.between(cuts.get(e.getKey()), minuteCut).toSeconds(),
                        Duration.between(minuteCut, end).toSeconds());
            }
            if (cuts.values().stream().distinct().count() > 1
                    || minuteCuts.values().stream().distinct().count() > 1) {
                log(
                        "%-4s the variants' cuts differ (%s): their raw tails differ, read the ratios with that in mind",
                        chart, minuteCuts);
            }
            // The variants take turns request by request (A, B, A, B ..., the first of a pair alternating),
            // with the same statement and parameters, in rounds: the neighbours' load at any moment weighs on
            // both alike, and the spread of the per-round ratios shows how far the noise moves them.
            java.util.Map<String, List<Long>> api = new java.util.LinkedHashMap<>();
            // A request is what QueryService does for a chart: the rollup's watermark, then the series statement.
            // The watermark is read (its cost counts) but the cut stays the one above, so that both variants read
            // the same rows all along: TimescaleDB's policies move its watermark during the run, the plain
            // database has no rollup job running here.
            java.util.Map<String, PreparedStatement> statements = new java.util.LinkedHashMap<>();
            java.util.Map<String, PreparedStatement> watermarks = new java.util.LinkedHashMap<>();
            java.util.Map<String, Long> backends = new java.util.LinkedHashMap<>();
            for (var e : connections.entrySet()) {
                PreparedStatement st = prepare(
                        e.getValue(),
                        SeriesSql.sql(level),
                        from,
                        to,
                        cuts.get(e.getKey()),
                        minuteCuts.get(e.getKey()),
                        bucket);
                statements.put(e.getKey(), st);
                // As QueryService: both watermarks in one call (V94), at either level
                PreparedStatement wm = e.getValue()
                        .prepareStatement("SELECT hour_rollup, minute_rollup FROM dash_rollup_watermarks()");
                watermarks.put(e.getKey(), wm);
                backends.put(e.getKey(), backendPid(e.getValue()));
                for (int warm = 0; warm < 5; warm++) {
                    request(wm, st);
                }
            }
            List<String> names = new ArrayList<>(statements.keySet());
            int perRound = Math.max(1, iterations / rounds);
            List<double[]> roundRatios = new ArrayList<>();
            for (int round = 0; round < rounds; round++) {
                double loadBefore = loadAverage();
                java.util.Map<String, long[]> times = new java.util.LinkedHashMap<>();
                java.util.Map<String, Long> cpuBefore = new java.util.LinkedHashMap<>();
                for (String n : names) {
                    times.put(n, new long[perRound]);
                    cpuBefore.put(n, backendCpuTicks(backends.get(n)));
                }
                for (int i = 0; i < perRound; i++) {
                    for (int k = 0; k < names.size(); k++) {
                        // A, B then B, A: neither variant always runs right after the other
                        String n = names.get((i % 2 == 0) ? k : names.size() - 1 - k);
                        long t0 = System.nanoTime();
                        int rows = request(watermarks.get(n), statements.get(n));
                        times.get(n)[i] = System.nanoTime() - t0;
                        if (rows == 0) {
                            throw new IllegalStateException("the query returned nothing");
                        }
                    }
                }
                double loadAfter = loadAverage();
                StringBuilder line = new StringBuilder();
                java.util.Map<String, Double> cpu = new java.util.LinkedHashMap<>();
                for (String n : names) {
                    long before = cpuBefore.get(n);
                    long after = backendCpuTicks(backends.get(n));
                    // ticks of 10 ms (USER_HZ 100, as on every Linux this runs on)
                    cpu.put(n, before < 0 || after < 0 ? Double.NaN : (after - before) * 10.0 / perRound);
                }
                for (String n : names) {
                    long[] t = times.get(n);
                    Arrays.sort(t);
                    for (long x : t) {
                        api.computeIfAbsent(n, k -> new ArrayList<>()).add(x);
                    }
                    line.append(String.format(
                            Locale.ROOT,
                            "%s p50 %6.1f p95 %6.1f ms, server CPU %5.2f ms/request; ",
                            n,
                            ms(pct(t, 50)),
                            ms(pct(t, 95)),
                            cpu.get(n)));
                }
                if (times.containsKey("timescaledb") && times.containsKey("plain")) {
                    long[] a = times.get("timescaledb");
                    long[] b = times.get("plain");
                    double[] r = {
                        (double) pct(a, 50) / pct(b, 50),
                        (double) pct(a, 95) / pct(b, 95),
                        cpu.get("timescaledb") / cpu.get("plain")
                    };
                    roundRatios.add(r);
                    line.append(String.format(
                            Locale.ROOT, "TimescaleDB / plain p50 %.2f p95 %.2f CPU %.2f; ", r[0], r[1], r[2]));
                }
                log(
                        "%-4s round %d/%d (%d pairs): %sload average %.1f -> %.1f",
                        chart, round + 1, rounds, perRound, line, loadBefore, loadAfter);
            }
            for (PreparedStatement st : statements.values()) {
                st.close();
            }
            for (PreparedStatement st : watermarks.values()) {
                st.close();
            }
            if (!roundRatios.isEmpty()) {
                double[] p50s =
                        roundRatios.stream().mapToDouble(r -> r[0]).sorted().toArray();
                double[] p95s =
                        roundRatios.stream().mapToDouble(r -> r[1]).sorted().toArray();
                double[] cpus =
                        roundRatios.stream().mapToDouble(r -> r[2]).sorted().toArray();
                log(
                        "%-4s TimescaleDB / plain per round: p50 median %.2f (%.2f-%.2f), p95 median %.2f (%.2f-%.2f), server CPU median %.2f (%.2f-%.2f) over %d rounds",
                        chart,
                        median(p50s),
                        p50s[0],
                        p50s[p50s.length - 1],
                        median(p95s),
                        p95s[0],
                        p95s[p95s.length - 1],
                        median(cpus),
                        cpus[0],
                        cpus[cpus.length - 1],
                        p50s.length);
            }
            int baselineIterations = rawIterations != null
                    ? rawIterations
                    : range.toDays() >= 30 ? Math.max(5, iterations / 40) : Math.max(10, iterations / 4);
            for (var e : connections.entrySet()) {
                long[] sorted = api.get(e.getKey()).stream()
                        .mapToLong(Long::longValue)
                        .sorted()
                        .toArray();
                long[] raw = baselineIterations <= 0
                        ? new long[] {0}
                        : time(e.getValue(), SeriesSql.rawOnlySql(), from, to, from, bucket, baselineIterations);
                Timing t = new Timing(e.getKey(), chart, bucket.toString().substring(2), level.table, sorted, raw);
                timings.add(t);
                log(
                        "%-11s %-4s bucket %-6s via %-10s p50 %7.1f ms  p95 %7.1f ms  max %7.1f ms  (%d runs) | raw rows: p50 %8.1f ms  p95 %8.1f ms (%d runs)",
                        t.variant(),
                        t.chart(),
                        t.bucket(),
                        t.via(),
                        ms(pct(sorted, 50)),
                        ms(pct(sorted, 95)),
                        ms(sorted[sorted.length - 1]),
                        sorted.length,
                        ms(pct(raw, 50)),
                        ms(pct(raw, 95)),
                        baselineIterations);
            }
        }
        for (Connection c : connections.values()) {
            c.close();
        }
        for (Timing t : timings) {
            if (!t.variant().equals("timescaledb")) {
                continue;
            }
            for (Timing p : timings) {
                if (p.variant().equals("plain") && p.chart().equals(t.chart())) {
                    log(
                            "%-4s TimescaleDB / plain: p50 %.2f, p95 %.2f",
                            t.chart(),
                            (double) pct(t.api(), 50) / pct(p.api(), 50),
                            (double) pct(t.api(), 95) / pct(p.api(), 95));
                }
            }
        }
    }

    /** Compresses the chunks older than 7 days (what the policy does) and prints what compression saved. */
    private static void compressionReport(Connection c) throws SQLException {
        long t0 = System.nanoTime();
        int compressed = 0;
        try (Statement st = c.createStatement();
                ResultSet rs = st.executeQuery("SELECT compress_chunk(ch, if_not_compressed => true) "
                        + "FROM show_chunks('metrics', older_than => INTERVAL '7 days') ch")) {
            while (rs.next()) {
                compressed++;
            }
        }
        log("compressed %d chunk(s) older than 7 days in %.0f s", compressed, (System.nanoTime() - t0) / 1e9);
        try (Statement st = c.createStatement()) {
            st.execute("ANALYZE metrics");
        }
        String week = """
                SELECT count(*), sum(before_compression_total_bytes), sum(after_compression_total_bytes),
                       sum(before_compression_table_bytes + before_compression_toast_bytes),
                       sum(after_compression_table_bytes + after_compression_toast_bytes)
                FROM (SELECT s.* FROM chunk_compression_stats('metrics') s
                      JOIN timescaledb_information.chunks ch ON ch.chunk_schema = s.chunk_schema AND ch.chunk_name = s.chunk_name
                      WHERE s.compression_status = 'Compressed' ORDER BY ch.range_end DESC LIMIT 7) w
                """;
        String all = """
                SELECT number_compressed_chunks, before_compression_total_bytes, after_compression_total_bytes,
                       before_compression_table_bytes + before_compression_toast_bytes,
                       after_compression_table_bytes + after_compression_toast_bytes
                FROM hypertable_compression_stats('metrics')
                """;
        for (String[] q : new String[][] {{"newest week compressed", week}, {"hypertable_compression_stats", all}}) {
            try (Statement st = c.createStatement();
                    ResultSet rs = st.executeQuery(q[1])) {
                rs.next();
                long before = rs.getLong(2);
                long after = rs.getLong(3);
                long beforeData = rs.getLong(4);
                long afterData = rs.getLong(5);
                log(
                        "compression, %s (%d chunks): %,d -> %,d bytes with indexes (%.1f %% saved); table+toast %,d -> %,d (%.1f %% saved)",
                        q[0],
                        rs.getLong(1),
                        before,
                        after,
                        100.0 * (before - after) / before,
                        beforeData,
                        afterData,
                        100.0 * (beforeData - afterData) / beforeData);
            }
        }
    }

    private static void load(Connection c, long points, Instant end, boolean timescale) throws SQLException {
        try (PreparedStatement st = c.prepareStatement("SELECT count(*) FROM metrics WHERE pipeline_id = ?")) {
            st.setObject(1, PIPELINE);
            try (ResultSet rs = st.executeQuery()) {
                rs.next();
                if (rs.getLong(1) >= points) {
                    log("%d points already loaded", rs.getLong(1));
                    topUp(c, points, end, timescale);
                    return;
                }
            }
        }
        try (Statement st = c.createStatement()) {
            st.execute("DELETE FROM metrics WHERE pipeline_id = '" + PIPELINE + "'");
            if (!timescale) {
                st.execute("DELETE FROM metrics_1m WHERE pipeline_id = '" + PIPELINE + "'");
                st.execute("DELETE FROM metrics_1h WHERE pipeline_id = '" + PIPELINE + "'");
            }
        }
        Instant start = end.minus(Duration.ofDays(30));
        try (PreparedStatement st = c.prepareStatement("SELECT dash_ensure_partitions(?, ?)")) {
            st.setTimestamp(1, Timestamp.from(start));
            st.setTimestamp(2, Timestamp.from(end.plus(Duration.ofDays(7))));
            st.execute();
        } catch (SQLException e) {
            log(
                    "no partitions to create (%s)",
                    e.getMessage().lines().findFirst().orElse(""));
        }
        // 90% of the points under the active version (1) on 4 sites, 10% under a decoy version (2).
        long active = points * 9 / 10;
        double stepActive = Duration.between(start, end).toMillis() / (active / 4.0);
        double stepDecoy = Duration.between(start, end).toMillis() / (double) (points - active);
        long t0 = System.nanoTime();
        c.setAutoCommit(false);
        for (int day = 0; day < 30; day++) {
            Instant dayStart = start.plus(Duration.ofDays(day));
            Instant dayEnd = dayStart.plus(Duration.ofDays(1));
            insert(c, dayStart, dayEnd, stepActive, 1, "ARRAY['north', 'south', 'east', 'west']");
            insert(c, dayStart, dayEnd, stepDecoy, 2, "ARRAY['north']");
            c.commit();
        }
        c.setAutoCommit(true);
        log("loaded %d points in %.0f s", points, (System.nanoTime() - t0) / 1e9);
        try (Statement st = c.createStatement()) {
            st.execute("ANALYZE metrics");
        }
        refresh(c, start.minus(Duration.ofHours(1)), end, timescale);
    }

    /**
     * Data loaded by an earlier run ends where that run ended: the points since then are added (at the same
     * rates), so that the last hour holds a full raw tail as in production, and the rollups brought up to a
     * minute ago again.
     */
    private static void topUp(Connection c, long points, Instant end, boolean timescale) throws SQLException {
        Instant last;
        try (PreparedStatement st =
                c.prepareStatement("SELECT max(time) FROM metrics WHERE pipeline_id = ? AND mapping_version = 1")) {
            st.setObject(1, PIPELINE);
            try (ResultSet rs = st.executeQuery()) {
                rs.next();
                last = rs.getTimestamp(1).toInstant();
            }
        }
        Instant from = last.plusSeconds(1).truncatedTo(ChronoUnit.SECONDS);
        if (!from.isBefore(end)) {
            return;
        }
        try (PreparedStatement st = c.prepareStatement("SELECT dash_ensure_partitions(?, ?)")) {
            st.setTimestamp(1, Timestamp.from(from));
            st.setTimestamp(2, Timestamp.from(end.plus(Duration.ofDays(7))));
            st.execute();
        } catch (SQLException e) {
            log(
                    "no partitions to create (%s)",
                    e.getMessage().lines().findFirst().orElse(""));
        }
        long active = points * 9 / 10;
        double stepActive = Duration.ofDays(30).toMillis() / (active / 4.0);
        double stepDecoy = Duration.ofDays(30).toMillis() / (double) (points - active);
        insert(c, from, end, stepActive, 1, "ARRAY['north', 'south', 'east', 'west']");
        insert(c, from, end, stepDecoy, 2, "ARRAY['north']");
        log("topped up from %s to %s", from, end);
        refresh(c, from.minus(Duration.ofHours(1)), end, timescale);
    }

    /** Brings the rollups up to a minute before {@code end}, as production keeps them. */
    private static void refresh(Connection c, Instant from, Instant end, boolean timescale) throws SQLException {
        Instant refreshTo = end.truncatedTo(ChronoUnit.MINUTES).minus(Duration.ofMinutes(1));
        long t0 = System.nanoTime();
        if (timescale) {
            // What the continuous aggregate policies and replays do (in autocommit, whole buckets, never past
            // where the policies stop: now - 1 minute).
            SilverRollups.refresh(c, from, refreshTo.minusMillis(1));
        } else {
            // What the rollup job ends with: the buckets rebuilt and the watermark advanced (rows written by
            // SilverStore would be rebuilt per pipeline from its log; these were inserted by SQL).
            try (PreparedStatement st = c.prepareStatement("SELECT dash_refresh_rollups(?, ?, true)")) {
                st.setTimestamp(1, Timestamp.from(from));
                st.setTimestamp(2, Timestamp.from(refreshTo));
                st.execute();
            }
        }
        try (Statement st = c.createStatement()) {
            st.execute("ANALYZE metrics_1m");
            st.execute("ANALYZE metrics_1h");
        }
        log("rollups refreshed to %s in %.0f s", refreshTo, (System.nanoTime() - t0) / 1e9);
    }

    private static void insert(Connection c, Instant from, Instant to, double stepMillis, int version, String sites)
            throws SQLException {
        try (PreparedStatement st = c.prepareStatement("""
                INSERT INTO metrics (time, pipeline_id, team_id, metric, labels, value, event_id, mapping_version, seq)
                SELECT t, ?, ?, 'temperature', jsonb_build_object('site', s),
                       20 + 10 * sin(extract(epoch FROM t) / 3600.0) + random(),
                       -- a UUIDv7 of the point's time, as the ingestor gives events (UuidV7)
                       (lpad(to_hex((extract(epoch FROM t) * 1000)::bigint), 12, '0') || '7'
                        || substr(md5(random()::text), 1, 3) || '8' || substr(md5(random()::text), 1, 15))::uuid,
                       ?, 0
                FROM generate_series(?::timestamptz, ?::timestamptz - interval '1 millisecond', make_interval(secs => ?)) t,
                     unnest(%s) s
                """.formatted(sites))) {
            st.setObject(1, PIPELINE);
            st.setObject(2, TEAM);
            st.setInt(3, version);
            st.setTimestamp(4, Timestamp.from(from));
            st.setTimestamp(5, Timestamp.from(to));
            st.setDouble(6, stepMillis / 1000.0);
            st.execute();
        }
    }

    /** Prepares the statement (with $n placeholders, as the service does) with the chart's parameters. */
    private static PreparedStatement prepare(
            Connection c, String sql, Instant from, Instant to, Instant cut, Instant minuteCut, Duration bucket)
            throws SQLException {
        List<Integer> order = new ArrayList<>();
        Matcher m = Pattern.compile("\\$(\\d)").matcher(sql);
        StringBuilder jdbc = new StringBuilder();
        while (m.find()) {
            order.add(Integer.parseInt(m.group(1)));
            m.appendReplacement(jdbc, "?");
        }
        m.appendTail(jdbc);
        Object[] params = {
            PIPELINE,
            1,
            "temperature",
            Timestamp.from(from),
            Timestamp.from(to),
            Timestamp.from(cut),
            bucket.toSeconds() + " seconds",
            null,
            Timestamp.from(minuteCut)
        };
        PreparedStatement st = c.prepareStatement(jdbc.toString());
        for (int i = 0; i < order.size(); i++) {
            Object p = params[order.get(i) - 1];
            if (p == null) {
                st.setNull(i + 1, java.sql.Types.VARCHAR);
            } else {
                st.setObject(i + 1, p);
            }
        }
        return st;
    }

    /** Runs the statement {@code n} times after 3 warm-up runs and returns sorted latencies in ns. */
    private static long[] time(Connection c, String sql, Instant from, Instant to, Instant cut, Duration bucket, int n)
            throws SQLException {
        long[] out = new long[n];
        try (PreparedStatement st = prepare(c, sql, from, to, cut, cut, bucket)) {
            for (int warm = 0; warm < 3; warm++) {
                drain(st);
            }
            for (int i = 0; i < n; i++) {
                long t0 = System.nanoTime();
                int rows = drain(st);
                out[i] = System.nanoTime() - t0;
                if (rows == 0) {
                    throw new IllegalStateException("the query returned nothing");
                }
            }
        }
        Arrays.sort(out);
        return out;
    }

    /** One chart request as QueryService makes it: the rollup's watermark, then the series. */
    private static int request(PreparedStatement watermark, PreparedStatement series) throws SQLException {
        try (ResultSet rs = watermark.executeQuery()) {
            rs.next();
            rs.getTimestamp(1);
        }
        return drain(series);
    }

    private static long backendPid(Connection c) throws SQLException {
        try (Statement st = c.createStatement();
                ResultSet rs = st.executeQuery("SELECT pg_backend_pid()")) {
            rs.next();
            return rs.getLong(1);
        }
    }

    /**
     * User + system CPU ticks of a server backend ({@code /proc/<pid>/stat}), -1 when the server runs elsewhere:
     * the work a request costs the server, which the neighbours' load does not stretch as it does wall time.
     */
    private static long backendCpuTicks(long pid) {
        try {
            String stat = java.nio.file.Files.readString(java.nio.file.Path.of("/proc/" + pid + "/stat"));
            String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            return Long.parseLong(f[11]) + Long.parseLong(f[12]);
        } catch (java.io.IOException | RuntimeException e) {
            return -1;
        }
    }

    /** The 1-minute load average of the machine ({@code /proc/loadavg}), NaN where there is none. */
    private static double loadAverage() {
        try {
            return Double.parseDouble(java.nio.file.Files.readString(java.nio.file.Path.of("/proc/loadavg"))
                    .split(" ")[0]);
        } catch (java.io.IOException | RuntimeException e) {
            return Double.NaN;
        }
    }

    private static double median(double[] sorted) {
        int n = sorted.length;
        return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
    }

    private static int drain(PreparedStatement st) throws SQLException {
        int rows = 0;
        try (ResultSet rs = st.executeQuery()) {
            while (rs.next()) {
                rs.getDouble("total");
                rows++;
            }
        }
        return rows;
    }

    private static long pct(long[] sorted, int p) {
        return sorted[Math.min(sorted.length - 1, (int) Math.ceil(p / 100.0 * sorted.length) - 1)];
    }

    private static double ms(long nanos) {
        return nanos / 1e6;
    }

    private static void log(String format, Object... args) {
        System.err.println(String.format(Locale.ROOT, format, args));
    }
}
