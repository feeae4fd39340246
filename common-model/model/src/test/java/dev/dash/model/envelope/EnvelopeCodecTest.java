package dev.dash.model.envelope;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;

import com.fasterxml.jackson.databind.JsonNode;
import dev.dash.model.json.Json;
import dev.dash.model.signature.Preset;
import dev.dash.model.signature.VerificationResult;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Map;
import java.util.UUID;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.Size;
import org.junit.jupiter.api.Test;

class EnvelopeCodecTest {
    static final java.nio.charset.Charset UTF8 = StandardCharsets.UTF_8;
    static final UUID PIPELINE = UUID.fromString("0190f4c2-8a5e-7b1c-9d3e-4f5a6b7c8d9e");
    static final UUID TEAM = UUID.fromString("0190f4c2-0000-7000-8000-000000000001");

    static RawEnvelope envelope(byte[] body) {
        return new RawEnvelope(
                UuidV7.next(),
                PIPELINE,
                TEAM,
                Instant.parse("2026-11-21T10:15:30.123456789Z"),
                Source.WEBHOOK,
                "72d3162e-cc78-11e3-81ab-4c9367dc0958",
                "application/json",
                Map.of("X-GitHub-Event", "push", "x-hub-signature-256", "sha256=ab"),
                body,
                VerificationResult.verified(Preset.GITHUB, "s1", "72d3162e-cc78-11e3-81ab-4c9367dc0958"));
    }

    @Provide
    Arbitrary<RawEnvelope> envelopes() {
        Arbitrary<byte[]> bodies = Arbitraries.oneOf(
                Arbitraries.bytes().array(byte[].class).ofMaxSize(512),
                Arbitraries.strings().ofMaxLength(200).map(s -> s.getBytes(StandardCharsets.UTF_8)));
        Arbitrary<VerificationResult> verifications = Arbitraries.oneOf(
                Arbitraries.just(VerificationResult.notRequired()),
                Arbitraries.strings().ofMaxLength(20).map(s -> VerificationResult.verified(Preset.SLACK, s, null)),
                Arbitraries.strings()
                        .ofMaxLength(20)
                        .map(s -> VerificationResult.failed(
                                Preset.STRIPE, VerificationResult.Reason.BAD_SIGNATURE, s, s)));
        Arbitrary<Map<String, String>> headers = Arbitraries.maps(
                        Arbitraries.strings().alpha().ofMinLength(1).ofMaxLength(12),
                        Arbitraries.strings().ofMaxLength(30))
                .ofMaxSize(4);
        Arbitrary<Instant> times = Arbitraries.longs()
                .between(0, 253_402_300_799L)
                .map(Instant::ofEpochSecond)
                .flatMap(t -> Arbitraries.integers().between(0, 999_999_999).map(t::plusNanos));
        return Combinators.combine(
                        bodies,
                        verifications,
                        headers,
                        times,
                        Arbitraries.of(Source.values()),
                        Arbitraries.strings().ofMaxLength(40).injectNull(0.3))
                .as((body, v, h, t, source, delivery) -> new RawEnvelope(
                        UuidV7.next(),
                        UUID.randomUUID(),
                        UUID.randomUUID(),
                        t,
                        source,
                        delivery,
                        delivery,
                        h,
                        body,
                        v));
    }

    @Property(tries = 500)
    void roundTripsExactly(@ForAll("envelopes") RawEnvelope e) throws Exception {
        byte[] json = EnvelopeCodec.encode(e);
        RawEnvelope back = EnvelopeCodec.decode(json);

        assertThat(back).isEqualTo(e);
        assertThat(back.body()).isEqualTo(e.body());
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        EnvelopeCodec.write(e, out);
        assertThat(out.toByteArray()).isEqualTo(json);
    }

    @Property(tries = 500)
    void headReadsWhatDecodeReadsAndKeepsTheBytes(@ForAll("envelopes") RawEnvelope e) {
        byte[] json = EnvelopeCodec.encode(e);

        EnvelopeCodec.Head head = EnvelopeCodec.head(json);

        assertThat(head.eventId()).isEqualTo(e.eventId());
        assertThat(head.pipelineId()).isEqualTo(e.pipelineId());
        assertThat(head.receivedAt()).isEqualTo(e.receivedAt());
        assertThat(head.line()).isSameAs(json);
    }

    /** The archiver stores what head accepts: it must accept exactly what replay's decode will read back. */
    @Property(tries = 1000)
    void headAcceptsExactlyWhatDecodeAccepts(
            @ForAll("envelopes") RawEnvelope e, @ForAll int position, @ForAll byte value) {
        byte[] json = EnvelopeCodec.encode(e);
        json[Math.floorMod(position, json.length)] = value;

        Throwable decodeError = catchThrowable(() -> EnvelopeCodec.decode(json));
        Throwable headError = catchThrowable(() -> EnvelopeCodec.head(json));

        if (decodeError == null) {
            assertThat(headError).isNull();
            RawEnvelope decoded = EnvelopeCodec.decode(json);
            EnvelopeCodec.Head head = EnvelopeCodec.head(json);
            assertThat(head.pipelineId()).isEqualTo(decoded.pipelineId());
            assertThat(head.receivedAt()).isEqualTo(decoded.receivedAt());
            assertThat(EnvelopeCodec.decode(head.line())).isEqualTo(decoded);
        } else {
            assertThat(headError).isInstanceOf(EnvelopeFormatException.class);
        }
    }

    @Test
    void headRejectsWhatDecodeRejects() {
        String valid = new String(EnvelopeCodec.encode(envelope(new byte[] {(byte) 0xFF})), UTF8);
        String text = new String(EnvelopeCodec.encode(envelope("{}".getBytes(StandardCharsets.UTF_8))), UTF8);
        for (String bad : new String[] {
            "",
            "{",
            valid.replace("\"v\":1", "\"v\":2"),
            valid.replace("\"body_b64\":\"/w==\"", "\"body_b64\":\"!!\""),
            text.replace("\"body\":\"{}\"", "\"body\":7"),
            text.replace("\"x-github-event\":\"push\"", "\"x-github-event\":[1]"),
            text.replace("\"body\":", "\"body_b64\":\"AQ==\",\"body\":"),
            valid + "{}",
        }) {
            assertThat(catchThrowable(() -> EnvelopeCodec.decode(bad.getBytes(UTF8))))
                    .as("decode " + bad)
                    .isInstanceOf(EnvelopeFormatException.class);
            assertThat(catchThrowable(() -> EnvelopeCodec.head(bad.getBytes(UTF8))))
                    .as("head " + bad)
                    .isInstanceOf(EnvelopeFormatException.class);
        }
        byte[] badUtf8 =
                text.replace("\"body\":\"{}\"", "\"body\":\"{\u00ff}\"").getBytes(StandardCharsets.ISO_8859_1);
        assertThat(catchThrowable(() -> EnvelopeCodec.head(badUtf8))).isInstanceOf(EnvelopeFormatException.class);
    }

    @Test
    void headGivesOneLineForAnEnvelopeSpreadOverLines() {
        RawEnvelope e = envelope("a\nb".getBytes(StandardCharsets.UTF_8));
        byte[] pretty = new String(EnvelopeCodec.encode(e), UTF8)
                .replace(",\"", ",\n  \"")
                .getBytes(UTF8);

        EnvelopeCodec.Head head = EnvelopeCodec.head(pretty);

        assertThat(new String(head.line(), UTF8)).doesNotContain("\n").doesNotContain("\r");
        assertThat(EnvelopeCodec.decode(head.line())).isEqualTo(e);
        assertThat(head.eventId()).isEqualTo(e.eventId());
    }

    @Test
    void writesUtf8BodiesAsTextAndOthersAsBase64() throws Exception {
        JsonNode text = Json.parse(EnvelopeCodec.encode(envelope("{\"a\":\"ü\\n\"}".getBytes(StandardCharsets.UTF_8))));
        JsonNode binary = Json.parse(EnvelopeCodec.encode(envelope(new byte[] {(byte) 0xFF, 0, 1})));

        assertThat(text.get("body").textValue()).isEqualTo("{\"a\":\"ü\\n\"}");
        assertThat(text.has("body_b64")).isFalse();
        assertThat(binary.get("body_b64").textValue()).isEqualTo("/wAB");
        assertThat(binary.has("body")).isFalse();
        assertThat(text.get("v").intValue()).isEqualTo(1);
        assertThat(text.get("received_at").textValue()).isEqualTo("2026-11-21T10:15:30.123456789Z");
        assertThat(text.get("headers").get("x-github-event").textValue()).isEqualTo("push");
        assertThat(text.get("verification").get("status").textValue()).isEqualTo("verified");
    }

    @Test
    void encodedEnvelopeIsOneLine() {
        byte[] json = EnvelopeCodec.encode(envelope("line1\nline2\r\n".getBytes(StandardCharsets.UTF_8)));

        assertThat(new String(json, StandardCharsets.UTF_8))
                .doesNotContain("\n")
                .doesNotContain("\r");
    }

    @Test
    void ignoresUnknownFieldsForForwardCompatibility() {
        String json = new String(EnvelopeCodec.encode(envelope(new byte[] {1})), StandardCharsets.UTF_8)
                .replace("{\"v\":1,", "{\"v\":1,\"future\":{\"x\":[1,2]},");

        assertThat(EnvelopeCodec.decode(json.getBytes(StandardCharsets.UTF_8)).body())
                .containsExactly(1);
    }

    @Test
    void rejectsWhatIsNotAnEnvelopeWithTheDocumentedException() {
        String valid = new String(EnvelopeCodec.encode(envelope(new byte[] {1})), StandardCharsets.UTF_8);
        for (String bad : new String[] {
            "",
            "{",
            "[]",
            "null",
            valid.replace("\"v\":1", "\"v\":2"),
            valid.replace("\"event_id\"", "\"evt\""),
            valid.replace("\"source\":\"webhook\"", "\"source\":\"email\""),
            valid.substring(0, valid.length() - 1) + ",\"body_b64\":\"AQ==\"}",
            valid.replace("\"received_at\":\"2026", "\"received_at\":\"yesterday"),
            valid.replace("\"status\":\"verified\"", "\"status\":\"failed\""),
            valid + "{}",
            valid.replace("\"team_id\":\"", "\"team_id\":\"1-1-1-1-1\",\"x\":\""),
        }) {
            Throwable t = catchThrowable(() -> EnvelopeCodec.decode(bad.getBytes(StandardCharsets.UTF_8)));
            assertThat(t).as(bad).isInstanceOf(EnvelopeFormatException.class);
        }
    }

    @Property(tries = 1000)
    void randomBytesOnlyEverRaiseTheDocumentedException(@ForAll @Size(max = 300) byte[] junk) {
        Throwable t = catchThrowable(() -> EnvelopeCodec.decode(junk));
        if (t != null) {
            assertThat(t).isInstanceOf(EnvelopeFormatException.class);
        }
    }

    @Property(tries = 300)
    void mutatedEnvelopesOnlyEverRaiseTheDocumentedException(
            @ForAll("envelopes") RawEnvelope e, @ForAll int position, @ForAll byte value) {
        byte[] json = EnvelopeCodec.encode(e);
        json[Math.floorMod(position, json.length)] = value;

        Throwable t = catchThrowable(() -> EnvelopeCodec.decode(json));
        if (t != null) {
            assertThat(t).isInstanceOf(EnvelopeFormatException.class);
        }
    }

    @Test
    void constructorNormalisesHeadersAndRequiresTheEssentials() {
        RawEnvelope e = envelope(new byte[0]);

        assertThat(e.headers()).containsOnlyKeys("x-github-event", "x-hub-signature-256");
        assertThatThrownBy(() -> e.headers().put("a", "b")).isInstanceOf(UnsupportedOperationException.class);
        assertThatThrownBy(() -> new RawEnvelope(
                        null,
                        PIPELINE,
                        TEAM,
                        Instant.now(),
                        Source.POLL,
                        null,
                        null,
                        null,
                        new byte[0],
                        VerificationResult.notRequired()))
                .isInstanceOf(NullPointerException.class);
        assertThat(e.toString()).doesNotContain("sha256=ab").contains("0 bytes");
    }
}
