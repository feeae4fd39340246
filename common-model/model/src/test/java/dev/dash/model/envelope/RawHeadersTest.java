package dev.dash.model.envelope;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import dev.dash.model.signature.Preset;
import dev.dash.model.signature.VerificationResult;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.junit.jupiter.api.Test;

/**
 * The consumers' shortcut for plain format-2 records ({@link RawHeaders}) reads and writes exactly what the general
 * path does, and leaves everything else (refusals included) to it.
 */
class RawHeadersTest {
    /** Any envelope (EnvelopeCodecTest's: any text, any bytes), so both paths are met. */
    @Provide
    Arbitrary<RawEnvelope> envelopes() {
        return Arbitraries.oneOf(new EnvelopeCodecTest().envelopes(), plainEnvelopes());
    }

    /** Envelopes as the ingest role writes them for signed webhooks: plain values, JSON bodies. */
    @Provide
    Arbitrary<RawEnvelope> plainEnvelopes() {
        Arbitrary<String> plain = Arbitraries.strings()
                .withCharRange(' ', '~')
                .ofMaxLength(30)
                .filter(s -> s.indexOf('"') < 0 && s.indexOf('\\') < 0);
        Arbitrary<VerificationResult> verifications = Arbitraries.oneOf(
                Arbitraries.just(VerificationResult.notRequired()),
                plain.injectNull(0.3).map(s -> VerificationResult.verified(Preset.GITHUB, s, s)),
                plain.injectNull(0.3)
                        .map(s -> VerificationResult.failed(
                                Preset.STRIPE, VerificationResult.Reason.TIMESTAMP_OUT_OF_TOLERANCE, s, s)));
        Arbitrary<Map<String, String>> headers = Arbitraries.maps(
                        Arbitraries.strings()
                                .withCharRange('a', 'z')
                                .withChars('-', '_', '0')
                                .ofMaxLength(12),
                        plain)
                .ofMaxSize(10);
        Arbitrary<Instant> times = Arbitraries.longs()
                .between(0, 253_402_300_799L)
                .map(Instant::ofEpochSecond)
                .flatMap(t -> Arbitraries.oneOf(
                                Arbitraries.just(0),
                                Arbitraries.integers().between(0, 999).map(m -> m * 1_000_000),
                                Arbitraries.integers().between(0, 999_999).map(m -> m * 1_000),
                                Arbitraries.integers().between(0, 999_999_999))
                        .map(t::plusNanos));
        Arbitrary<byte[]> bodies = Arbitraries.of(
                        "{}",
                        "{\"a\":[1,2,{\"b\":null}]}",
                        "[]",
                        "\"x\"",
                        "12",
                        "{\"s\":\"\\u00e9\\\"\"}",
                        "not json",
                        "")
                .map(s -> s.getBytes(StandardCharsets.UTF_8));
        return Combinators.combine(
                        bodies,
                        verifications,
                        headers,
                        times,
                        Arbitraries.of(Source.values()),
                        plain.injectNull(0.3),
                        plain.injectNull(0.3))
                .as((body, v, h, t, source, delivery, type) -> new RawEnvelope(
                        UuidV7.next(), UUID.randomUUID(), UUID.randomUUID(), t, source, delivery, type, h, body, v));
    }

    @Property(tries = 1000)
    void theShortcutReadsAndWritesWhatTheGeneralPathDoes(@ForAll("envelopes") RawEnvelope e) {
        RawRecordCodec.Encoded r = RawRecordCodec.encode(e, 2);
        assertSameAsGeneral(new RecordHeaders(r.headers()), r.value());
    }

    @Property(tries = 300)
    void plainRecordsTakeTheShortcut(@ForAll("plainEnvelopes") RawEnvelope e) {
        RawRecordCodec.Encoded r = RawRecordCodec.encode(e, 2);
        RecordHeaders headers = new RecordHeaders(r.headers());
        assertThat(RawHeaders.read(headers, r.value())).isNotNull();
        assertThat(RawRecordCodec.head(headers, r.value()).line()).isEqualTo(EnvelopeCodec.encodeLine(e));
        assertThat(RawRecordCodec.decode(headers, r.value())).isEqualTo(e);
    }

    /**
     * Every header replaced by each value near the canonical ones (other case, other fraction digits, other
     * spellings), given twice, given without a value, or removed: either the shortcut declines, or both paths give
     * the same result.
     */
    @Property(tries = 20)
    void alteredRecordsReadAsTheGeneralPathReadsThem(@ForAll("plainEnvelopes") RawEnvelope e) {
        RawRecordCodec.Encoded r = RawRecordCodec.encode(e, 2);
        for (String name : NAMES) {
            for (int how = 0; how < 4; how++) {
                for (String value : how == 0 || how == 2 ? List.of("") : ODD) {
                    List<Header> headers = new ArrayList<>(r.headers());
                    byte[] bytes = value.getBytes(StandardCharsets.UTF_8);
                    switch (how) {
                        case 0 -> headers.removeIf(h -> h.key().equals(name));
                        case 1 -> headers.add(new RecordHeader(name, bytes));
                        case 2 -> headers.add(new RecordHeader(name, null));
                        default -> {
                            headers.removeIf(h -> h.key().equals(name));
                            headers.add(new RecordHeader(name, bytes));
                        }
                    }
                    assertSameAsGeneral(new RecordHeaders(headers), r.value());
                }
            }
        }
    }

    /** With random text too, any header. */
    @Property(tries = 500)
    void randomValuesReadAsTheGeneralPathReadsThem(
            @ForAll("plainEnvelopes") RawEnvelope e, @ForAll("headerNames") String name, @ForAll String value) {
        RawRecordCodec.Encoded r = RawRecordCodec.encode(e, 2);
        List<Header> headers = new ArrayList<>(r.headers());
        headers.removeIf(h -> h.key().equals(name));
        headers.add(new RecordHeader(name, value.getBytes(StandardCharsets.UTF_8)));
        assertSameAsGeneral(new RecordHeaders(headers), r.value());
    }

    @Provide
    Arbitrary<String> headerNames() {
        return Arbitraries.of(NAMES);
    }

    private static final List<String> NAMES = List.of(
            "dash.format",
            "dash.event_id",
            "dash.pipeline_id",
            "dash.team_id",
            "dash.received_at",
            "dash.source",
            "dash.delivery_id",
            "dash.content_type",
            "dash.verification.status",
            "dash.verification.preset",
            "dash.verification.reason",
            "dash.verification.detail",
            "dash.verification.delivery_id",
            "dash.verification.secret_id",
            "h.x-github-event",
            "h.X-Upper",
            "h.",
            "h.a\"b",
            "traceparent");

    private static final List<String> ODD = List.of(
            "2",
            "02",
            "1",
            "0190a3b4-5c6d-7e8f-9a0b-1c2d3e4f5a6b",
            "0190A3B4-5C6D-7E8F-9A0B-1C2D3E4F5A6B",
            "0190a3b4-5c6d-7e8f-9a0b-1c2d3e4f5a6",
            "0190a3b4x5c6d-7e8f-9a0b-1c2d3e4f5a6b",
            "2026-11-21T10:15:30Z",
            "2026-11-21T10:15:30.100Z",
            "2026-11-21T10:15:30.1Z",
            "2026-11-21T10:15:30.000Z",
            "2026-11-21T10:15:30.123000Z",
            "2026-11-21T10:15:30.123456000Z",
            "2026-11-21T10:15:30.123456789Z",
            "2026-02-30T10:15:30Z",
            "2026-11-21T24:00:00Z",
            "2026-11-21T10:15:60Z",
            "0000-01-01T00:00:00Z",
            "+12026-11-21T10:15:30Z",
            "2026-11-21T10:15:30+01:00",
            "webhook",
            "poll",
            "Webhook",
            "verified",
            "failed",
            "not_required",
            "VERIFIED",
            "github",
            "GitHub",
            "stripe",
            "bad_signature",
            "BAD_SIGNATURE",
            "missing_header",
            "",
            "caf\u00e9",
            "a\"b",
            "a\\b",
            "tab\there",
            "\u007f");

    @Test
    void aGitHubRecordTakesTheShortcut() {
        RawEnvelope e = RawMetaTest.gitHub("{\"ref\":\"refs/heads/main\"}");
        RawRecordCodec.Encoded r = RawRecordCodec.encode(e, 2);
        RecordHeaders headers = new RecordHeaders(r.headers());
        RawHeaders plain = RawHeaders.read(headers, r.value());
        assertThat(plain).isNotNull();
        assertThat(plain.line(r.value())).isEqualTo(EnvelopeCodec.encodeLine(e));
        assertThat(plain.envelope(r.value(), true)).isEqualTo(e);
        assertSameAsGeneral(headers, r.value());
    }

    /** decode, decodeWithoutRequestHeaders and head: the same result or the same refusal as the general path. */
    static void assertSameAsGeneral(RecordHeaders headers, byte[] value) {
        for (boolean keep : new boolean[] {true, false}) {
            Object general = result(() -> RawRecordCodec.decodeGeneral(headers, value, keep));
            Object shortcut = result(() -> keep
                    ? RawRecordCodec.decode(headers, value)
                    : RawRecordCodec.decodeWithoutRequestHeaders(headers, value));
            assertThat(shortcut).as("decode, keep %s, %s", keep, headers).isEqualTo(general);
        }
        // The Silver writer's view: the fields of the envelope without request headers, or the same refusal.
        Object mapping = result(() -> mappable(RawRecordCodec.decodeForMapping(headers, value)));
        Object lean = result(() -> mappable(RawRecordCodec.decodeGeneral(headers, value, false)));
        assertThat(mapping).as("decodeForMapping, %s", headers).isEqualTo(lean);
        Object general = result(() -> head(RawRecordCodec.headGeneral(headers, value, EnvelopeCodec.LINE_VERSION)));
        Object shortcut = result(() -> head(RawRecordCodec.head(headers, value)));
        assertThat(shortcut).as("head, %s", headers).isEqualTo(general);
    }

    private static List<Object> mappable(RawRecordCodec.Mappable m) {
        return java.util.Arrays.asList(
                m.eventId(), m.pipelineId(), m.receivedAt(), java.util.Arrays.toString(m.body()));
    }

    private static List<Object> mappable(RawEnvelope e) {
        return mappable(new RawRecordCodec.Mappable(e.eventId(), e.pipelineId(), e.receivedAt(), e.body()));
    }

    private static List<Object> head(EnvelopeCodec.Head h) {
        return List.of(h.eventId(), h.pipelineId(), h.receivedAt(), new String(h.line(), StandardCharsets.ISO_8859_1));
    }

    /** The value, or the refusal's class and message. */
    private static Object result(java.util.function.Supplier<Object> s) {
        Throwable t = catchThrowable(s::get);
        return t == null ? s.get() : List.of(t.getClass(), String.valueOf(t.getMessage()));
    }
}
