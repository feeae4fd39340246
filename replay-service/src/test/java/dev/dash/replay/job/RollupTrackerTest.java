package dev.dash.replay.job;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

/**
 * What the rollup refresh behind a replay refreshes, and when (the refreshes recorded instead of run): settled
 * minutes while the replay writes on, every dirty minute once by the end, a minute written again after its refresh
 * refreshed again, and each hour once it is settled (plain: rebuilt from its minute buckets; TimescaleDB: {@code
 * metrics_1h}), again if a minute of it is written after that.
 */
class RollupTrackerTest {
    static final Instant T0 = Instant.parse("2026-12-05T10:00:00Z");

    /** The refreshes made, as "m from-to" / "h from-to" in minutes after T0. */
    static final class Recorded implements RollupTracker.Refresh {
        final List<String> calls = Collections.synchronizedList(new ArrayList<>());

        @Override
        public void minutes(Instant from, Instant to) {
            calls.add("m " + min(from) + "-" + min(to));
        }

        @Override
        public void hours(Instant from, Instant to) {
            calls.add("h " + min(from) + "-" + min(to));
        }

        static long min(Instant i) {
            return (i.getEpochSecond() - T0.getEpochSecond()) / 60;
        }
    }

    /** An object whose points lie in minutes [a, b] after T0. */
    static void object(RollupTracker t, int a, int b) {
        t.written(T0.plusSeconds(a * 60L + 5), T0.plusSeconds(b * 60L + 30));
    }

    @Test
    void settledMinutesAreRefreshedWhileWritingAndTheRestAtTheEnd() {
        Recorded r = new Recorded();
        // One object in flight: a round needs the last 4 objects, and the minutes before their earliest point less one.
        try (RollupTracker t = new RollupTracker(r, UUID.randomUUID(), 1, 1)) {
            for (int m = 0; m < 5; m++) {
                object(t, m, m);
                awaitIdle(t);
            }
            // The last four start at minute 1: settled are the minutes before 1 - 1, none.
            assertThat(r.calls).isEmpty();
            object(t, 5, 5); // now they start at minute 2: minute 0 is settled
            awaitIdle(t);
            assertThat(r.calls).containsExactly("m 0-1");
            t.finish();
            assertThat(r.calls).containsExactly("m 0-1", "m 1-6", "h 0-60");
        }
    }

    @Test
    void everyDirtyMinuteIsRefreshedOnceByTheEndAndAgainIfWrittenAfterItsRefresh() {
        Recorded r = new Recorded();
        try (RollupTracker t = new RollupTracker(r, UUID.randomUUID(), 1, 1)) {
            for (int m = 0; m < 20; m++) {
                object(t, m, m);
                awaitIdle(t);
            }
            // A late object: minute 2 again, after its refresh.
            object(t, 2, 2);
            t.finish();
            TreeMap<Long, Long> refreshed = new TreeMap<>();
            int twice = 0;
            for (String c : r.calls) {
                if (c.startsWith("h ")) {
                    continue;
                }
                assertThat(c).startsWith("m ");
                String[] ft = c.substring(2).split("-");
                for (long m = Long.parseLong(ft[0]); m < Long.parseLong(ft[1]); m++) {
                    if (refreshed.merge(m, 1L, Long::sum) > 1) {
                        twice++;
                    }
                }
            }
            assertThat(refreshed.keySet()).as("every minute written").hasSize(20);
            assertThat(refreshed.firstKey()).isZero();
            assertThat(refreshed.lastKey()).isEqualTo(19);
            assertThat(twice)
                    .as("only minute 2, written again after its refresh")
                    .isEqualTo(1);
            assertThat(refreshed.get(2L)).isEqualTo(2);
            assertThat(t.stats()[0])
                    .as("rounds while writing, then the last one")
                    .isGreaterThan(2);
        }
    }

    @Test
    void eachHourIsRebuiltOnceItIsSettledAndAgainIfAMinuteOfItIsWrittenAgain() {
        Recorded r = new Recorded();
        try (RollupTracker t = new RollupTracker(r, UUID.randomUUID(), 1, 1)) {
            for (int m = 0; m < 130; m += 2) {
                object(t, m, m + 1);
                awaitIdle(t);
            }
            assertThat(r.calls).filteredOn(c -> c.startsWith("h ")).containsExactly("h 0-60", "h 60-120");
            assertThat(minutesRefreshedBefore(r.calls, r.calls.indexOf("h 0-60")))
                    .as("an hour rebuilt after every minute of it written so far")
                    .containsAll(
                            java.util.stream.LongStream.range(0, 60).boxed().toList());
            object(t, 5, 5); // a late object in hour 0, whose hour was rebuilt
            awaitIdle(t);
            t.finish();
            assertThat(r.calls)
                    .filteredOn(c -> c.startsWith("h "))
                    .containsExactly("h 0-60", "h 60-120", "h 0-60", "h 120-180");
            assertThat(r.calls.subList(r.calls.size() - 2, r.calls.size()))
                    .as("the last refresh: minutes first, then their hours")
                    .containsExactly("h 0-60", "h 120-180");
            assertThat(r.calls.get(r.calls.size() - 3)).startsWith("m ");
        }
    }

    @Test
    void aRoundWaitsForItsMinimumOfSettledMinutes() {
        Recorded r = new Recorded();
        try (RollupTracker t = new RollupTracker(r, UUID.randomUUID(), 1, 3)) {
            for (int m = 0; m < 7; m++) {
                object(t, m, m);
                awaitIdle(t);
            }
            // The last four start at minute 3: minutes 0 and 1 are settled, under the minimum of 3.
            assertThat(r.calls).isEmpty();
            object(t, 7, 7); // minutes 0 to 2 settled: one round over the three
            awaitIdle(t);
            assertThat(r.calls).containsExactly("m 0-3");
            object(t, 8, 8);
            object(t, 9, 9);
            awaitIdle(t);
            assertThat(r.calls).as("two more settled, under the minimum").containsExactly("m 0-3");
            t.finish();
            assertThat(r.calls).as("the rest at the end").containsExactly("m 0-3", "m 3-10", "h 0-60");
        }
    }

    @Test
    void mergingItsMinutesAJobRefreshesOnlyTheMinutesOfBatchesThatCouldNotAndStillEachHourOnceSettled() {
        Recorded r = new Recorded();
        try (RollupTracker t = new RollupTracker(r, UUID.randomUUID(), 1, 10, true)) {
            // A batch of minutes 3-4 took the staging path (rows already there): only those minutes are refreshed.
            t.dirty(T0.plusSeconds(3 * 60 + 1), T0.plusSeconds(4 * 60 + 59));
            for (int m = 0; m < 130; m += 2) {
                object(t, m, m + 1);
                awaitIdle(t);
            }
            // A round for a settled hour although its dirty minutes are under the minimum of 10.
            assertThat(r.calls).containsExactly("m 3-5", "h 0-60", "h 60-120");
            t.finish();
            assertThat(r.calls).containsExactly("m 3-5", "h 0-60", "h 60-120", "h 120-180");
        }
    }

    @Test
    void aRefreshOfMinutesWaitsForTheMergesInFlight() throws Exception {
        Recorded r = new Recorded();
        try (RollupTracker t = new RollupTracker(r, UUID.randomUUID(), 1, 1, true)) {
            java.util.concurrent.locks.Lock merge = t.merging();
            merge.lock();
            try {
                t.dirty(T0.plusSeconds(5), T0.plusSeconds(65));
                for (int m = 0; m < 6; m++) {
                    object(t, m, m);
                }
                // The round has taken minute 0 and waits for the merge (a batch holding the lock) to end.
                Awaitility.await().atMost(10, TimeUnit.SECONDS).until(t::refreshWaiting);
                assertThat(r.calls).isEmpty();
            } finally {
                merge.unlock();
            }
            awaitIdle(t);
            assertThat(r.calls)
                    .as("the settled minute of the two, refreshed once the merge ended")
                    .containsExactly("m 0-1");
        }
    }

    @Test
    void intervalsMergeAndSplit() {
        TreeMap<Long, Long> s = new TreeMap<>();
        RollupTracker.add(s, 5, 7);
        RollupTracker.add(s, 1, 3);
        RollupTracker.add(s, 3, 5); // touches both: one interval
        RollupTracker.add(s, 10, 12);
        assertThat(s).containsExactly(java.util.Map.entry(1L, 7L), java.util.Map.entry(10L, 12L));
        assertThat(RollupTracker.count(s, 11)).isEqualTo(7);
        assertThat(RollupTracker.take(s, 4)).containsExactly(new long[] {1, 4});
        assertThat(s).containsExactly(java.util.Map.entry(4L, 7L), java.util.Map.entry(10L, 12L));
        assertThat(RollupTracker.take(s, Long.MAX_VALUE)).containsExactly(new long[] {4, 7}, new long[] {10, 12});
        assertThat(s).isEmpty();
    }

    @Test
    void theLastRefreshSplitsTheMinutesLeftAndRebuildsTheHoursAfterAllOfThem() {
        Recorded r = new Recorded();
        try (RollupTracker t = new RollupTracker(r, UUID.randomUUID(), 1, 100)) {
            // Rounds need 100 settled minutes: nothing is refreshed while writing.
            for (int m = 0; m < 70; m += 2) {
                object(t, m, m + 1);
            }
            object(t, 100, 104);
            awaitIdle(t);
            assertThat(r.calls).isEmpty();
            t.finish(2);
            assertThat(r.calls.subList(0, r.calls.size() - 1))
                    .as("75 minutes in two parts of 38 and 37, at once")
                    .containsExactlyInAnyOrder("m 0-38", "m 38-70", "m 100-105");
            assertThat(r.calls.get(r.calls.size() - 1))
                    .as("the hours after every minute")
                    .isEqualTo("h 0-120");
            assertThat(t.stats()[1]).isEqualTo(75);
        }
    }

    @Test
    void splitCutsIntervalsIntoPartsOfAboutAsManyMinutes() {
        assertThat(RollupTracker.split(List.of(), 2)).isEmpty();
        assertThat(RollupTracker.split(List.of(new long[] {0, 5}), 1)).hasSize(1);
        assertThat(RollupTracker.split(List.of(new long[] {0, 5}), 1).get(0)).containsExactly(new long[] {0, 5});
        List<List<long[]>> parts =
                RollupTracker.split(List.of(new long[] {0, 3}, new long[] {10, 13}, new long[] {20, 21}), 2);
        assertThat(parts).hasSize(2);
        assertThat(parts.get(0)).containsExactly(new long[] {0, 3}, new long[] {10, 11});
        assertThat(parts.get(1)).containsExactly(new long[] {11, 13}, new long[] {20, 21});
        assertThat(RollupTracker.split(List.of(new long[] {0, 1}), 4)).hasSize(1);
    }

    /** The minutes refreshed by the calls before index {@code end}. */
    private static java.util.Set<Long> minutesRefreshedBefore(List<String> calls, int end) {
        java.util.Set<Long> out = new java.util.HashSet<>();
        for (String c : calls.subList(0, end)) {
            if (c.startsWith("m ")) {
                String[] ft = c.substring(2).split("-");
                for (long m = Long.parseLong(ft[0]); m < Long.parseLong(ft[1]); m++) {
                    out.add(m);
                }
            }
        }
        return out;
    }

    /** Waits until no round runs (the recorded refreshes are instantaneous). */
    private static void awaitIdle(RollupTracker t) {
        Awaitility.await().atMost(10, TimeUnit.SECONDS).until(t::idle);
    }
}
