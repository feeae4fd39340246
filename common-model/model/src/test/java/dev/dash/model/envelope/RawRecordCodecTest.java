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

/** The {@code dash.raw} record formats: all three read, format 3 written by default, Bronze lines unchanged. */
class RawRecordCodecTest {
    @Provide
    Arbitrary<RawEnvelope> envelopes() {
        return new EnvelopeCodecTest().envelopes();
    }

    @Property(tries = 300)
    void everyFormatRoundTrips(@ForAll("envelopes") RawEnvelope e) {
        for (int format : new int[] {1, 2, 3}) {
            RawRecordCodec.Encoded r = RawRecordCodec.encode(e, format);
            RecordHeaders headers = new RecordHeaders(r.headers());
            assertThat(RawRecordCodec.format(headers)).isEqualTo(format);
            assertThat(RawRecordCodec.decode(headers, r.value())).isEqualTo(e);
        }
    }

    @Property(tries = 300)
    void theBronzeLineOfAFormat2RecordIsAVersion2Line(@ForAll("envelopes") RawEnvelope e) {
        RawRecordCodec.Encoded r = RawRecordCodec.encode(e, 2);
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

    @Property(tries = 300)
    void withoutRequestHeadersTheSameEnvelopeLessItsHeaders(@ForAll("envelopes") RawEnvelope e) {
        for (int format : new int[] {1, 2, 3}) {
            RawRecordCodec.Encoded r = RawRecordCodec.encode(e, format);
            RawEnvelope lean = RawRecordCodec.decodeWithoutRequestHeaders(new RecordHeaders(r.headers()), r.value());
            RawEnvelope full = RawRecordCodec.decode(new RecordHeaders(r.headers()), r.value());
            assertThat(lean.headers()).isEqualTo(format == 1 ? e.headers() : java.util.Map.of());
            assertThat(new RawEnvelope(
                            lean.eventId(),
                            lean.pipelineId(),
                            lean.teamId(),
                            lean.receivedAt(),
                            lean.source(),
                            lean.deliveryId(),
                            lean.contentType(),
                            full.headers(),
                            lean.body(),
                            lean.verification()))
                    .isEqualTo(full);
        }
    }

    /** The Silver writer's decode refuses exactly the records the full decode refuses. */
    @Test
    void withoutRequestHeadersRefusesWhatDecodeRefuses() {
        RawEnvelope e = EnvelopeCodecTest.envelope("{}".getBytes(StandardCharsets.UTF_8));
        List<Header> good = RawRecordCodec.encode(e, 2).headers();
        RecordHeaders requestTwice = new RecordHeaders(good);
        requestTwice.add("h.x-github-event", "push".getBytes(StandardCharsets.UTF_8));
        RecordHeaders requestNoValue = new RecordHeaders(good);
        requestNoValue.add(new RecordHeader("h.x-extra", null));
        RecordHeaders dashTwice = new RecordHeaders(good);
        dashTwice.add("dash.team_id", e.teamId().toString().getBytes(StandardCharsets.UTF_8));
        RecordHeaders otherCase = new RecordHeaders(good);
        otherCase.add("h.X-GitHub-Event", "push".getBytes(StandardCharsets.UTF_8));
        List<RecordHeaders> refused = List.of(
                requestTwice,
                requestNoValue,
                dashTwice,
                replace(good, "dash.format", "4"),
                without(good, "dash.event_id"),
                replace(good, "dash.team_id", "nope"),
                replace(good, "dash.source", "carrier-pigeon"),
                replace(good, "dash.verification.status", "maybe"),
                without(good, "dash.verification.status"));
        assertThat(good).extracting(Header::key).contains("h.x-github-event");
        for (RecordHeaders h : refused) {
            Throwable full = catchThrowable(() -> RawRecordCodec.decode(h, e.body()));
            Throwable lean = catchThrowable(() -> RawRecordCodec.decodeWithoutRequestHeaders(h, e.body()));
            assertThat(full).as("%s", h).isInstanceOf(EnvelopeFormatException.class);
            assertThat(lean).as("%s", h).isInstanceOf(EnvelopeFormatException.class);
            assertThat(lean.getMessage()).as("%s", h).isEqualTo(full.getMessage());
        }
        // Accepted by both: tracing headers, and a request header whose name differs only in case.
        RecordHeaders traced = new RecordHeaders(good);
        traced.add("traceparent", "00-abc".getBytes(StandardCharsets.UTF_8));
        for (RecordHeaders h : List.of(new RecordHeaders(good), traced, otherCase)) {
            assertThat(RawRecordCodec.decode(h, e.body()).eventId()).isEqualTo(e.eventId());
            assertThat(RawRecordCodec.decodeWithoutRequestHeaders(h, e.body()).eventId())
                    .isEqualTo(e.eventId());
        }
    }

    /**
     * A version-2 line is the version-1 envelope's metadata with {@code "v":2}, then the body: embedded as it is,
     * as {@code body_text}, or as version 1's {@code body_b64} (the bytes the archiver wrote before it encoded a
     * line in one buffer).
     */
    @Property(tries = 500)
    void aVersion2LineIsTheVersion1MetadataThenTheBody(
            @ForAll("envelopes") RawEnvelope e, @ForAll("jsonBodies") String json, @ForAll boolean asJson) {
        RawEnvelope x = asJson
                ? new RawEnvelope(
                        e.eventId(),
                        e.pipelineId(),
                        e.teamId(),
                        e.receivedAt(),
                        e.source(),
                        e.deliveryId(),
                        e.contentType(),
                        e.headers(),
                        json.getBytes(StandardCharsets.UTF_8),
                        e.verification())
                : e;
        String v1 = new String(EnvelopeCodec.encode(x), StandardCharsets.ISO_8859_1);
        assertThat(v1).startsWith("{\"v\":1,");
        // The body field follows the verification object, the last of the metadata.
        int body = v1.indexOf(",\"body", v1.indexOf("\"verification\":{"));
        String meta = "{\"v\":2," + v1.substring("{\"v\":1,".length(), body);
        String tail = v1.substring(body);
        String expected;
        if (EnvelopeCodec.embeddable(x.body())) {
            expected = meta + ",\"body\":" + new String(x.body(), StandardCharsets.ISO_8859_1) + "}";
        } else if (tail.startsWith(",\"body\":")) {
            expected = meta + ",\"body_text\":" + tail.substring(",\"body\":".length());
        } else {
            expected = meta + tail;
        }
        assertThat(new String(EnvelopeCodec.encodeLine(x), StandardCharsets.ISO_8859_1))
                .isEqualTo(expected);
    }

    @Provide
    Arbitrary<String> jsonBodies() {
        return net.jqwik.api.Arbitraries.of(
                "{}",
                "[]",
                "0",
                "\"x\"",
                "{\"a\":1,\"b\":[true,null,\"\\u00e9\"],\"c\":{\"d\":-2.5e3}}",
                "{\"reading\":{\"temp\":21.5,\"site\":\"caf\u00e9\"}}",
                "{\"a\":1} ",
                " {\"a\":1}",
                "{\"a\":\n1}",
                "{\"a\":1}{}",
                "{\"a\":");
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
        RawRecordCodec.Encoded r = RawRecordCodec.encode(e, 2);
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
        List<Header> good = RawRecordCodec.encode(e, 2).headers();

        assertThatThrownBy(() -> RawRecordCodec.decode(replace(good, "dash.format", "4"), e.body()))
                .isInstanceOf(EnvelopeFormatException.class)
                .hasMessageContaining("unsupported dash.raw record format 4");
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
