package dev.dash.model.envelope;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.junit.jupiter.api.Test;

/** The two {@code dash.raw} record formats: both read, format 2 written, Bronze lines unchanged. */
class RawRecordCodecTest {
    @Provide
    Arbitrary<RawEnvelope> envelopes() {
        return new EnvelopeCodecTest().envelopes();
    }

    @Property(tries = 300)
    void bothFormatsRoundTrip(@ForAll("envelopes") RawEnvelope e) {
        for (int format : new int[] {1, 2}) {
            RawRecordCodec.Encoded r = RawRecordCodec.encode(e, format);
            RecordHeaders headers = new RecordHeaders(r.headers());
            assertThat(RawRecordCodec.format(headers)).isEqualTo(format);
            assertThat(RawRecordCodec.decode(headers, r.value())).isEqualTo(e);
        }
    }

    @Property(tries = 300)
    void theBronzeLineOfAFormat2RecordIsAVersion2Line(@ForAll("envelopes") RawEnvelope e) {
        RawRecordCodec.Encoded r = RawRecordCodec.encode(e);
        EnvelopeCodec.Head head = RawRecordCodec.head(new RecordHeaders(r.headers()), r.value());
        assertThat(head.line()).isEqualTo(EnvelopeCodec.encodeLine(e));
        assertThat(EnvelopeCodec.decodeLine(head.line(), 0, head.line().length, true)
                        .envelope())
                .isEqualTo(e);
        // dash.bronze.line-version=1 (during an upgrade): the version-1 envelope.
        assertThat(RawRecordCodec.head(new RecordHeaders(r.headers()), r.value(), 1)
                        .line())
                .isEqualTo(EnvelopeCodec.encode(e));
        assertThat(head.eventId()).isEqualTo(e.eventId());
        assertThat(head.pipelineId()).isEqualTo(e.pipelineId());
        assertThat(head.receivedAt()).isEqualTo(e.receivedAt());
        // And a format-1 record is stored byte for byte, as before.
        byte[] v1 = EnvelopeCodec.encode(e);
        assertThat(RawRecordCodec.head(new RecordHeaders(), v1).line()).isSameAs(v1);
    }

    @Property(tries = 1000)
    void receivedTimesReadAsInstantParseReadsThem(@ForAll long seconds, @ForAll int nanos) {
        Instant t = Instant.ofEpochSecond(
                Math.floorMod(seconds, 253_402_300_800L) - 62_167_219_200L, Math.floorMod(nanos, 1_000_000_000));
        assertThat(RawRecordCodec.instant(t.toString())).isEqualTo(t);
    }

    @Test
    void oddOrInvalidTimesAreReadExactlyAsInstantParseReadsThem() {
        for (String t : new String[] {
            "+10000-01-01T00:00:00Z",
            "2026-12-05T10:00:00.5Z",
            "2026-02-30T10:00:00Z",
            "2026-12-05T24:00:00Z",
            "2026-12-05T1a:00:00Z",
            "2026-12-05T10:00:00.Z",
            "2026-12-05 10:00:00Z",
            "2026-12-05T10:00:00.1234567890Z",
            "2026-12-05T10:00:00+01:00"
        }) {
            Throwable expected = catchThrowable(() -> Instant.parse(t));
            if (expected == null) {
                assertThat(RawRecordCodec.instant(t)).as(t).isEqualTo(Instant.parse(t));
            } else {
                assertThatThrownBy(() -> RawRecordCodec.instant(t))
                        .as(t)
                        .isInstanceOf(java.time.DateTimeException.class);
            }
        }
    }

    @Test
    void format2CarriesTheBodyAsTheValueUntouched() {
        byte[] body = "{\n  \"a\": \"é \\\"q\\\"\"\n}".getBytes(StandardCharsets.UTF_8);
        RawEnvelope e = EnvelopeCodecTest.envelope(body);
        RawRecordCodec.Encoded r = RawRecordCodec.encode(e);
        assertThat(r.value()).isSameAs(body);
        assertThat(r.headers())
                .extracting(Header::key)
                .contains("dash.format", "dash.event_id", "h.x-github-event", "dash.verification.status");
        // Headers added by others (tracing) are ignored, as unknown envelope fields are.
        RecordHeaders withTrace = new RecordHeaders(r.headers());
        withTrace.add("traceparent", "00-abc".getBytes(StandardCharsets.UTF_8));
        assertThat(RawRecordCodec.decode(withTrace, r.value())).isEqualTo(e);
        // No headers at all: format 1, whose value is the JSON envelope.
        assertThat(RawRecordCodec.decode(null, EnvelopeCodec.encode(e))).isEqualTo(e);
    }

    @Test
    void invalidFormat2RecordsAreRefusedAsUnreadable() {
        RawEnvelope e = EnvelopeCodecTest.envelope("{}".getBytes(StandardCharsets.UTF_8));
        List<Header> good = RawRecordCodec.encode(e).headers();

        assertThatThrownBy(() -> RawRecordCodec.decode(replace(good, "dash.format", "3"), e.body()))
                .isInstanceOf(EnvelopeFormatException.class)
                .hasMessageContaining("unsupported dash.raw record format 3");
        assertThatThrownBy(() -> RawRecordCodec.decode(without(good, "dash.event_id"), e.body()))
                .isInstanceOf(EnvelopeFormatException.class)
                .hasMessageContaining("missing header dash.event_id");
        assertThatThrownBy(() -> RawRecordCodec.decode(replace(good, "dash.pipeline_id", "nope"), e.body()))
                .isInstanceOf(EnvelopeFormatException.class)
                .hasMessageContaining("dash.pipeline_id is not a UUID");
        assertThatThrownBy(() -> RawRecordCodec.decode(replace(good, "dash.received_at", "yesterday"), e.body()))
                .isInstanceOf(EnvelopeFormatException.class);
        assertThatThrownBy(() -> RawRecordCodec.decode(replace(good, "dash.source", "carrier-pigeon"), e.body()))
                .isInstanceOf(EnvelopeFormatException.class);
        RecordHeaders twice = new RecordHeaders(good);
        twice.add("dash.team_id", e.teamId().toString().getBytes(StandardCharsets.UTF_8));
        assertThatThrownBy(() -> RawRecordCodec.decode(twice, e.body()))
                .isInstanceOf(EnvelopeFormatException.class)
                .hasMessageContaining("appears twice");
        assertThatThrownBy(() -> RawRecordCodec.decode(new RecordHeaders(good), null))
                .isInstanceOf(EnvelopeFormatException.class);
        assertThatThrownBy(() -> RawRecordCodec.head(without(good, "dash.verification.status"), e.body()))
                .isInstanceOf(EnvelopeFormatException.class);
        // A format-1 record that is no envelope is refused as before.
        assertThatThrownBy(() -> RawRecordCodec.decode(new RecordHeaders(), e.body()))
                .isInstanceOf(EnvelopeFormatException.class);
    }

    private static RecordHeaders without(List<Header> headers, String key) {
        RecordHeaders out = new RecordHeaders();
        headers.stream().filter(h -> !h.key().equals(key)).forEach(out::add);
        return out;
    }

    private static RecordHeaders replace(List<Header> headers, String key, String value) {
        RecordHeaders out = without(headers, key);
        out.add(new RecordHeader(key, value.getBytes(StandardCharsets.UTF_8)));
        return out;
    }
}
