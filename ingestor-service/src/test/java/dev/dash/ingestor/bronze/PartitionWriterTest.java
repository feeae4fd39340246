package dev.dash.ingestor.bronze;

import static org.assertj.core.api.Assertions.assertThat;

import dev.dash.model.envelope.EnvelopeCodec;
import dev.dash.model.envelope.RawEnvelope;
import dev.dash.model.envelope.Source;
import dev.dash.model.signature.VerificationResult;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;

class PartitionWriterTest {
    static final Instant T = Instant.parse("2026-11-21T10:59:58Z");
    static final int PART = 5 * 1024 * 1024;
    final UUID a = UUID.randomUUID();
    final UUID b = UUID.randomUUID();
    final MutableClock clock = new MutableClock(T);

    static EnvelopeCodec.Head envelope(UUID pipeline, Instant at) {
        return EnvelopeCodec.head(EnvelopeCodec.encode(new RawEnvelope(
                UUID.randomUUID(),
                pipeline,
                UUID.randomUUID(),
                at,
                Source.WEBHOOK,
                null,
                null,
                Map.of(),
                "{}".getBytes(StandardCharsets.UTF_8),
                VerificationResult.notRequired())));
    }

    @Test
    void rotatesByCountAndCommitsOnlyUpToTheOldestObjectNotUploaded() {
        PartitionWriter w = new PartitionWriter(3, clock, 2, Long.MAX_VALUE, Duration.ofMinutes(1), 3, PART, Map.of());
        w.add(10, envelope(a, T));
        w.add(11, envelope(b, T));
        w.add(12, envelope(a, T));
        assertThat(w.peek().key().format()).matches(".*hour=10/3-00000000000000000010-[0-9a-f]{16}\\.jsonl\\.gz");
        assertThat(w.peek().entry().endOffset()).isEqualTo(12);
        assertThat(w.committableOffset()).isEqualTo(10);
        w.uploaded();
        // b's object, opened at 11, is still open.
        assertThat(w.committableOffset()).isEqualTo(11);
        w.add(13, envelope(b, T));
        w.uploaded();
        assertThat(w.committableOffset()).isEqualTo(14);
    }

    @Test
    void rotatesByAgeOnTheInjectedClockAndByHour() {
        PartitionWriter w =
                new PartitionWriter(0, clock, 1000, Long.MAX_VALUE, Duration.ofSeconds(60), 3, PART, Map.of());
        w.add(0, envelope(a, T));
        clock.now = T.plusSeconds(59);
        w.rotateDue();
        assertThat(w.peek()).isNull();
        w.add(1, envelope(a, T.plusSeconds(3)));
        // Another hour: the object for 10:xx closes, one for 11:xx opens.
        assertThat(w.peek().entry().events()).isEqualTo(1);
        clock.now = T.plusSeconds(120);
        w.uploaded();
        w.rotateDue();
        assertThat(w.peek().key().hour()).isEqualTo(11);
    }

    @Test
    void skipsEventsAlreadyInAnUploadedObject() {
        PartitionWriter w =
                new PartitionWriter(0, clock, 1000, Long.MAX_VALUE, Duration.ofSeconds(60), 3, PART, Map.of(a, 5L));
        w.add(4, envelope(a, T));
        w.add(5, envelope(a, T));
        w.add(6, envelope(b, T));
        w.closeAll();
        assertThat(w.peek().entry().pipelineId()).isEqualTo(b);
        assertThat(w.committableOffset()).isEqualTo(6);
    }

    static final class MutableClock extends Clock {
        Instant now;

        MutableClock(Instant now) {
            this.now = now;
        }

        @Override
        public ZoneOffset getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(java.time.ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return now;
        }
    }
}
