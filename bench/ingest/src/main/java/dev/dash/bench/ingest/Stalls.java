package dev.dash.bench.ingest;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * What {@link CurrentRate}'s open loop held back, and when: every request's send and answer time, the gaps of its
 * send timer, and every timer tick that found the in-flight cap reached. A window fails on one request held back
 * (the criterion is {@link CurrentRate}'s); this tells how many were, in how many episodes, for how long, and what
 * the load generator saw at each episode's start: how many requests were in flight and for how long the oldest had
 * waited (the node's side), and how late its own send timer ran (its own side: a load generator starved of CPU or
 * paused by its GC sends late and reads the answers late). Written per window to {@code timeline.dir} (a system
 * property; none: not written) as a CSV of 10 ms slots.
 *
 * <p>Threads: {@link #issue}, {@link #tick} and {@link #capped} run on the send timer's thread; {@link #done} on the
 * thread that reads the answer (the same event loop, as the client's connections are made from the timer's context;
 * the arrays are safe either way).
 */
final class Stalls {
    private static final DateTimeFormatter HMS_MS =
            DateTimeFormatter.ofPattern("HH:mm:ss.SSS").withZone(ZoneOffset.UTC);
    private static final DateTimeFormatter HMS_FILE =
            DateTimeFormatter.ofPattern("HHmmss").withZone(ZoneOffset.UTC);
    /** Timer gaps longer than this are kept (the timer runs every 2 ms). */
    private static final long GAP_NANOS = 10_000_000L;
    /** Cap ticks closer than this belong to one episode. */
    private static final long EPISODE_JOIN_NANOS = 20_000_000L;

    private static final long SLOT_NANOS = 10_000_000L;

    private final long start;
    private final long startEpochNanos;
    private final long measureFrom;
    private final long end;
    private final long[] sentAt;
    private final AtomicLongArray doneAt;
    private final int[] status;
    private final AtomicInteger issued = new AtomicInteger();
    /** The oldest request not answered yet (advanced by the timer's thread). */
    private int oldest;

    private long lastTick;
    private final List<long[]> gaps = new ArrayList<>();
    private final List<long[]> caps = new ArrayList<>();
    private final List<Episode> episodes = new ArrayList<>();
    private long heldBack;

    /**
     * One run of consecutive capped timer ticks.
     *
     * @param at the first capped tick (nanoTime)
     * @param ms from the first to the last capped tick, plus one timer period
     * @param heldBack requests not sent in it
     * @param inFlight requests in flight at its start
     * @param oldestMs how long the oldest of them had waited then
     * @param oldestLatencyMs that request's whole latency (when it was answered at last)
     * @param answersBefore answers the load generator read in the 100 ms before its start
     * @param maxGapMs the send timer's longest gap from 300 ms before its start to its end
     */
    record Episode(
            long at,
            double ms,
            long heldBack,
            long inFlight,
            double oldestMs,
            double oldestLatencyMs,
            int answersBefore,
            double maxGapMs) {}

    Stalls(long start, long measureFrom, long end, int maxRequests) {
        this.start = start;
        Instant now = Instant.now();
        this.startEpochNanos = now.getEpochSecond() * 1_000_000_000L + now.getNano() - (System.nanoTime() - start);
        this.measureFrom = measureFrom;
        this.end = end;
        this.sentAt = new long[maxRequests];
        this.doneAt = new AtomicLongArray(maxRequests);
        this.status = new int[maxRequests];
        this.lastTick = start;
    }

    /** A send timer tick at {@code now}. */
    void tick(long now) {
        long gap = now - lastTick;
        if (gap > GAP_NANOS) {
            gaps.add(new long[] {lastTick, gap});
        }
        lastTick = now;
    }

    /** A request sent now: its index for {@link #done}, or -1 beyond the arrays (not recorded). */
    int issue(long now) {
        int i = issued.getAndIncrement();
        if (i >= sentAt.length) {
            return -1;
        }
        sentAt[i] = now;
        return i;
    }

    /** Its answer (HTTP status, or 0 for a failure without one) read at {@code now}. */
    void done(int i, long now, int httpStatus) {
        if (i >= 0) {
            status[i] = httpStatus;
            doneAt.set(i, now);
        }
    }

    /** A tick found the cap reached with {@code behind} requests due. */
    void capped(long now, long behind, long inFlight) {
        int n = Math.min(issued.get(), sentAt.length);
        while (oldest < n && doneAt.get(oldest) != 0) {
            oldest++;
        }
        long age = oldest < n ? now - sentAt[oldest] : 0;
        caps.add(new long[] {now, behind, inFlight, age, oldest < n ? oldest : -1});
    }

    /** Groups the measured window's capped ticks into episodes; call once the window's requests are answered. */
    void finish() {
        Episode open = null;
        long last = 0;
        long first = 0;
        long held = 0;
        long[] head = null;
        for (long[] c : caps) {
            if (c[0] < measureFrom || c[0] >= end) {
                continue;
            }
            heldBack += c[1];
            if (head != null && c[0] - last <= EPISODE_JOIN_NANOS) {
                held += c[1];
                last = c[0];
                continue;
            }
            if (head != null) {
                episodes.add(episode(head, first, last, held));
            }
            head = c;
            first = c[0];
            last = c[0];
            held = c[1];
        }
        if (head != null) {
            episodes.add(episode(head, first, last, held));
        }
    }

    private Episode episode(long[] head, long first, long last, long held) {
        int idx = (int) head[4];
        double oldestLatency = idx >= 0 && doneAt.get(idx) != 0 ? (doneAt.get(idx) - sentAt[idx]) / 1e6 : -1;
        int n = Math.min(issued.get(), sentAt.length);
        int answers = 0;
        for (int i = Math.max(0, idx - 5_000); i < n; i++) {
            long d = doneAt.get(i);
            if (d != 0 && d >= first - 100_000_000L && d < first) {
                answers++;
            }
        }
        long maxGap = 0;
        for (long[] g : gaps) {
            if (g[0] + g[1] >= first - 300_000_000L && g[0] <= last) {
                maxGap = Math.max(maxGap, g[1]);
            }
        }
        return new Episode(
                first, (last - first) / 1e6 + 2, held, head[2], head[3] / 1e6, oldestLatency, answers, maxGap / 1e6);
    }

    long heldBack() {
        return heldBack;
    }

    List<Episode> episodes() {
        return episodes;
    }

    double longestMs() {
        return episodes.stream().mapToDouble(Episode::ms).max().orElse(0);
    }

    /** The measured window's time spent at the cap, in ms. */
    double cappedMs() {
        return episodes.stream().mapToDouble(Episode::ms).sum();
    }

    String utc(long nanoTime) {
        long epoch = startEpochNanos + (nanoTime - start);
        return HMS_MS.format(Instant.ofEpochSecond(epoch / 1_000_000_000L, epoch % 1_000_000_000L));
    }

    /** One {@code CAP} line per episode, and the timeline file when {@code timeline.dir} is set. */
    void print(String label, double rate) {
        for (Episode e : episodes) {
            System.out.printf(
                    "CAP label=%s rate=%.0f at=%s ms=%.0f held_back=%d in_flight=%d oldest_ms=%.1f"
                            + " oldest_latency_ms=%.1f answers_100ms_before=%d loadgen_timer_max_gap_ms=%.1f%n",
                    label,
                    rate,
                    utc(e.at()),
                    e.ms(),
                    e.heldBack(),
                    e.inFlight(),
                    e.oldestMs(),
                    e.oldestLatencyMs(),
                    e.answersBefore(),
                    e.maxGapMs());
        }
        long worstGap = 0;
        long worstAt = 0;
        for (long[] g : gaps) {
            if (g[0] >= measureFrom && g[0] < end && g[1] > worstGap) {
                worstGap = g[1];
                worstAt = g[0];
            }
        }
        System.out.printf(
                "LOADGEN label=%s rate=%.0f timer_gaps_over_10ms=%d longest_timer_gap_ms=%.1f at=%s%n",
                label,
                rate,
                gaps.stream().filter(g -> g[0] >= measureFrom && g[0] < end).count(),
                worstGap / 1e6,
                worstAt == 0 ? "-" : utc(worstAt));
        String dir = System.getProperty("timeline.dir");
        if (dir != null) {
            try {
                write(Path.of(
                        dir, "timeline-" + label + "-" + (long) rate + "-" + HMS_FILE.format(Instant.now()) + ".csv"));
            } catch (IOException e) {
                System.err.println("timeline not written: " + e);
            }
        }
    }

    /**
     * 10 ms slots from the window's start to its end: UTC time, requests sent, answers read, requests in flight at
     * the slot's end, the longest latency answered in it, requests held back, the send timer's longest gap.
     */
    private void write(Path file) throws IOException {
        int slots = (int) ((end - start) / SLOT_NANOS) + 1;
        int[] sent = new int[slots];
        int[] answered = new int[slots];
        long[] maxLatency = new long[slots];
        long[] held = new long[slots];
        long[] gap = new long[slots];
        int n = Math.min(issued.get(), sentAt.length);
        for (int i = 0; i < n; i++) {
            int s = slot(sentAt[i], slots);
            sent[s]++;
            long d = doneAt.get(i);
            if (d != 0) {
                int a = slot(d, slots);
                answered[a]++;
                maxLatency[a] = Math.max(maxLatency[a], d - sentAt[i]);
            }
        }
        for (long[] c : caps) {
            held[slot(c[0], slots)] += c[1];
        }
        for (long[] g : gaps) {
            int s = slot(g[0] + g[1], slots);
            gap[s] = Math.max(gap[s], g[1]);
        }
        try (PrintWriter w = new PrintWriter(Files.newBufferedWriter(file))) {
            w.println("utc,sent,answered,in_flight,max_latency_ms,held_back,timer_gap_ms,measured");
            long inFlight = 0;
            for (int s = 0; s < slots; s++) {
                inFlight += sent[s] - answered[s];
                long t = start + s * SLOT_NANOS;
                w.printf(
                        "%s,%d,%d,%d,%.1f,%d,%.1f,%d%n",
                        utc(t),
                        sent[s],
                        answered[s],
                        inFlight,
                        maxLatency[s] / 1e6,
                        held[s],
                        gap[s] / 1e6,
                        t >= measureFrom ? 1 : 0);
            }
        }
    }

    private int slot(long t, int slots) {
        return (int) Math.max(0, Math.min(slots - 1, (t - start) / SLOT_NANOS));
    }
}
