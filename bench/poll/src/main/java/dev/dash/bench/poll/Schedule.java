package dev.dash.bench.poll;

import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * How many polling pipelines one ingestor keeps on schedule: {@code STEPS} pipelines at {@code INTERVAL}
 * seconds, each polling its own feed on the local API ({@code FEED_RECORDS} new records a call, answered after
 * {@code API_DELAY_MS}). Each step adds pipelines (each first due at its own slot, as after a restart), lets them
 * run for {@code WARM} seconds, then measures {@code MEASURE} seconds: late polls (started more than
 * {@code dash.poll.late-threshold} after their slot: {@code dash_poll_late_total}), polls run against those due,
 * the lateness of every pipeline's latest poll sampled once an interval, the ingestor's CPU, its heap after a
 * full collection, and its resident size. Step 0 (no pipeline) is the idle ingestor, the baseline of the same
 * run. The ramp ends after {@code STOP_AFTER} consecutive steps with late polls.
 */
final class Schedule {
    private final BenchDb db;
    private final Probe probe;
    private final int[] steps = Arrays.stream(
                    Env.get("STEPS", "500 1000 2000 3000 4000").trim().split("\\s+"))
            .mapToInt(Integer::parseInt)
            .toArray();
    private final int interval = Env.integer("INTERVAL", 10);
    private final int warm = Env.integer("WARM", 30);
    private final int measure = Env.integer("MEASURE", 60);
    private final int feedRecords = Env.integer("FEED_RECORDS", 5);
    private final int delayMs = Env.integer("API_DELAY_MS", 50);
    private final int stopAfter = Env.integer("STOP_AFTER", 2);

    Schedule(BenchDb db, Probe probe) {
        this.db = db;
        this.probe = probe;
    }

    void run() throws Exception {
        int max = Arrays.stream(steps).max().orElse(0);
        Records records = new Records(Instant.now().truncatedTo(java.time.temporal.ChronoUnit.SECONDS));
        try (SourceApi api = new SourceApi(records, delayMs)) {
            UUID team = db.team();
            List<String> configs = new ArrayList<>();
            for (int k = 0; k < max; k++) {
                configs.add(
                        "{\"url\":\"%s/feed/f%d\",\"query\":{\"n\":\"%d\"},\"records\":\"$.data[*]\",\"dedupe_key\":\"$.id\"}"
                                .formatted(api.url(), k, feedRecords));
            }
            List<UUID> all = db.pollingPipelines(team, interval, configs);
            step(0, List.of(), api);
            int failed = 0;
            int active = 0;
            for (int n : steps) {
                activate(all.subList(active, n));
                active = n;
                Thread.sleep(warm * 1000L);
                boolean late = step(n, all.subList(0, n), api);
                failed = late ? failed + 1 : 0;
                if (failed >= stopAfter) {
                    break;
                }
            }
            try (Connection c = db.connect()) {
                BenchDb.exec(c, "UPDATE pipelines SET status = 'paused' WHERE type = 'polling'");
            }
        }
    }

    /** Makes each pipeline due at its first slot after a second from now (the slot its id gives it). */
    private void activate(List<UUID> ids) throws Exception {
        Instant from = Instant.now().plusSeconds(1);
        try (Connection c = db.connect();
                PreparedStatement ps =
                        c.prepareStatement("UPDATE poll_state SET next_poll_at = ? WHERE pipeline_id = ?")) {
            for (UUID id : ids) {
                ps.setTimestamp(1, Timestamp.from(nextSlot(id, interval, from)));
                ps.setObject(2, id);
                ps.addBatch();
            }
            ps.executeBatch();
        }
    }

    /** Measures one step; true when polls were late. */
    private boolean step(int n, List<UUID> ids, SourceApi api) throws Exception {
        long requests0 = api.requests();
        double cpu0 = probe.cpuSeconds();
        long[] m0 = Probe.machine();
        Map<String, Double> before = probe.scrape();
        long t0 = System.nanoTime();
        List<Long> lateness = new ArrayList<>();
        for (int i = 0; i < measure / interval; i++) {
            Thread.sleep(interval * 1000L);
            if (!ids.isEmpty()) {
                sample(ids, lateness);
            }
        }
        Map<String, Double> after = probe.scrape();
        long requests = api.requests() - requests0;
        double seconds = (System.nanoTime() - t0) / 1e9;
        double cpu = (probe.cpuSeconds() - cpu0) / seconds;
        long[] m1 = Probe.machine();
        double idle = 2.0 * (m1[0] - m0[0]) / Math.max(1, m1[1] - m0[1]);
        double late = delta(before, after, "dash_poll_late_total");
        double runs = delta(before, after, "dash_poll_runs_total");
        double pulled = delta(before, after, "dash_poll_records_total");
        double claimCount = delta(before, after, "dash_poll_claim_seconds_count");
        double claimMs = 1000 * delta(before, after, "dash_poll_claim_seconds_sum") / Math.max(1, claimCount);
        double runCount = delta(before, after, "dash_poll_run_seconds_count");
        double runMs = 1000 * delta(before, after, "dash_poll_run_seconds_sum") / Math.max(1, runCount);
        double due = (double) n * seconds / interval;
        double heap = probe.heapAfterGcMb();
        double rss = probe.rssMb();
        long[] l = lateness.stream().mapToLong(Long::longValue).sorted().toArray();
        System.out.printf(
                "RESULT part=schedule pipelines=%d interval_s=%d seconds=%.0f polls=%.0f due=%.0f late=%.0f"
                        + " late_share=%.4f lateness_p50_ms=%d lateness_p99_ms=%d lateness_max_ms=%d records=%.0f"
                        + " api_requests=%d claims_per_s=%.1f claim_mean_ms=%.0f run_mean_ms=%.0f ingestor_cpu_cores=%.2f heap_after_gc_mb=%.1f rss_mb=%.0f"
                        + " machine_idle_cores=%.2f load=%s%n",
                n,
                interval,
                seconds,
                runs,
                due,
                late,
                runs == 0 ? 0 : late / runs,
                pct(l, 0.5),
                pct(l, 0.99),
                l.length == 0 ? 0 : l[l.length - 1],
                pulled,
                requests,
                claimCount / seconds,
                claimMs,
                runMs,
                cpu,
                heap,
                rss,
                idle,
                Probe.load());
        return late > 0;
    }

    /** Each pipeline's latest lateness (every pipeline polls once an interval, so one sample per poll). */
    private void sample(List<UUID> ids, List<Long> out) throws Exception {
        try (Connection c = db.connect();
                PreparedStatement ps = c.prepareStatement(
                        "SELECT last_lateness_ms FROM poll_state WHERE pipeline_id = ANY(?) AND last_lateness_ms IS NOT NULL")) {
            Array a = c.createArrayOf("uuid", ids.toArray());
            ps.setArray(1, a);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(rs.getLong(1));
                }
            }
        }
    }

    private static double delta(Map<String, Double> before, Map<String, Double> after, String name) {
        return after.getOrDefault(name, 0.0) - before.getOrDefault(name, 0.0);
    }

    private static long pct(long[] sorted, double p) {
        if (sorted.length == 0) {
            return 0;
        }
        return sorted[Math.min(sorted.length - 1, (int) Math.ceil(p * sorted.length) - 1)];
    }

    /** The pipeline's slot, as the ingestor's {@code Poller.nextSlot} computes it. */
    static Instant nextSlot(UUID pipelineId, int intervalSeconds, Instant now) {
        long iv = Math.max(1, intervalSeconds) * 1000L;
        long phase = Math.floorMod(pipelineId.getMostSignificantBits() ^ pipelineId.getLeastSignificantBits(), iv);
        long t = now.toEpochMilli();
        long k = Math.floorDiv(t - phase, iv) + 1;
        return Instant.ofEpochMilli(k * iv + phase);
    }
}
