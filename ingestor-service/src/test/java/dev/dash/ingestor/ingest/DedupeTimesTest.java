package dev.dash.ingestor.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.time.ZoneOffset;
import java.util.concurrent.ThreadLocalRandom;
import org.junit.jupiter.api.Test;

/** The claim's timestamps are the instants {@code Instant.atOffset(UTC)} gives, without its per-call zone rules. */
class DedupeTimesTest {
    @Test
    void odtIsAtOffsetUtc() {
        ThreadLocalRandom r = ThreadLocalRandom.current();
        for (int i = 0; i < 10_000; i++) {
            Instant t = Instant.ofEpochSecond(r.nextLong(-62_000_000_000L, 250_000_000_000L), r.nextInt(1_000_000_000));
            assertThat(DedupeRepository.odt(t)).isEqualTo(t.atOffset(ZoneOffset.UTC));
        }
        Instant now = Instant.now();
        assertThat(DedupeRepository.odt(now)).isEqualTo(now.atOffset(ZoneOffset.UTC));
        assertThat(DedupeRepository.odt(Instant.EPOCH)).isEqualTo(Instant.EPOCH.atOffset(ZoneOffset.UTC));
    }
}
