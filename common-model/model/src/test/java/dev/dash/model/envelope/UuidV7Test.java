package dev.dash.model.envelope;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class UuidV7Test {

    @Test
    void hasVersion7VariantAndTheTimestamp() {
        UUID id = new UuidV7(() -> 1_763_726_406_123L).generate();

        assertThat(id.version()).isEqualTo(7);
        assertThat(id.variant()).isEqualTo(2);
        assertThat(UuidV7.timestamp(id)).isEqualTo(Instant.ofEpochMilli(1_763_726_406_123L));
        assertThatThrownBy(() -> UuidV7.timestamp(UUID.randomUUID())).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void strictlyIncreasesWithinOneMillisecondPastTheCounterAndWhenTheClockStepsBack() {
        AtomicLong clock = new AtomicLong(1_763_726_406_000L);
        UuidV7 gen = new UuidV7(clock::get);
        List<UUID> ids = new ArrayList<>();
        for (int i = 0; i < 10_000; i++) {
            // 10,000 ids in one millisecond overflow the 12-bit counter several times.
            ids.add(gen.generate());
        }
        clock.addAndGet(-5_000);
        for (int i = 0; i < 100; i++) {
            ids.add(gen.generate());
        }
        clock.addAndGet(60_000);
        ids.add(gen.generate());

        assertStrictlyIncreasing(ids);
        assertThat(UuidV7.timestamp(ids.get(ids.size() - 1))).isEqualTo(Instant.ofEpochMilli(1_763_726_461_000L));
    }

    @Test
    void isUniqueAndOrderedAcrossThreads() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(4);
        List<Future<List<UUID>>> futures = new ArrayList<>();
        for (int t = 0; t < 4; t++) {
            futures.add(pool.submit(() -> {
                List<UUID> mine = new ArrayList<>();
                for (int i = 0; i < 20_000; i++) {
                    mine.add(UuidV7.next());
                }
                return mine;
            }));
        }
        Set<UUID> all = new HashSet<>();
        for (Future<List<UUID>> f : futures) {
            List<UUID> mine = f.get();
            assertStrictlyIncreasing(mine);
            all.addAll(mine);
        }
        pool.shutdown();

        assertThat(all).hasSize(80_000);
    }

    @Test
    void stringFormSortsLikeTheIds() {
        List<UUID> ids = new ArrayList<>();
        for (int i = 0; i < 1000; i++) {
            ids.add(UuidV7.next());
        }
        List<String> strings = new ArrayList<>(ids.stream().map(UUID::toString).toList());
        Collections.shuffle(strings);
        Collections.sort(strings);

        assertThat(strings).isEqualTo(ids.stream().map(UUID::toString).toList());
    }

    private static void assertStrictlyIncreasing(List<UUID> ids) {
        for (int i = 1; i < ids.size(); i++) {
            assertThat(ids.get(i).toString()).isGreaterThan(ids.get(i - 1).toString());
            assertThat(ids.get(i)).isGreaterThan(ids.get(i - 1));
        }
    }

    @Test
    void writeAsciiWritesWhatToStringWrites() {
        java.util.Random random = new java.util.Random(7);
        List<UUID> ids = new ArrayList<>(List.of(new UUID(0, 0), new UUID(-1, -1), UuidV7.next()));
        for (int i = 0; i < 1_000; i++) {
            ids.add(new UUID(random.nextLong(), random.nextLong()));
            ids.add(UUID.randomUUID());
        }
        for (UUID id : ids) {
            byte[] out = new byte[UuidV7.TEXT_LENGTH + 4];
            assertThat(UuidV7.writeAscii(out, 2, id)).isEqualTo(2 + UuidV7.TEXT_LENGTH);
            assertThat(new String(out, 2, UuidV7.TEXT_LENGTH, java.nio.charset.StandardCharsets.US_ASCII))
                    .isEqualTo(id.toString());
            assertThat(out[0]).isZero();
            assertThat(out[UuidV7.TEXT_LENGTH + 2]).isZero();
        }
    }
}
