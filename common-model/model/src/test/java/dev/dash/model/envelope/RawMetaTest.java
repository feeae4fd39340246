package dev.dash.model.envelope;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;

import dev.dash.model.signature.Preset;
import dev.dash.model.signature.VerificationResult;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.UUID;
import java.util.function.Supplier;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.junit.jupiter.api.Test;

/**
 * Format-3 {@code dash.raw} records (the metadata in one {@code dash.meta} header, a version-2 Bronze line's bytes
 * before the body): the archiver's line is byte for byte format 2's for the same envelope, the writer reads the same
 * envelope, and metadata in any other form than the one {@link EnvelopeCodec#meta} writes is refused, never archived
 * or mapped.
 */
class RawMetaTest {
    @Provide
    Arbitrary<RawEnvelope> envelopes() {
        return new RawHeadersTest().envelopes();
    }

    @Provide
    Arbitrary<RawEnvelope> plainEnvelopes() {
        return new RawHeadersTest().plainEnvelopes();
    }

    /** The line, the envelope and the lean envelope of a format-3 record are format 2's, for any envelope. */
    @Property(tries = 1000)
    void format3ReadsAndArchivesAsFormat2(@ForAll("envelopes") RawEnvelope e) {
        RawRecordCodec.Encoded r3 = RawRecordCodec.encode(e, 3);
        RawRecordCodec.Encoded r2 = RawRecordCodec.encode(e, 2);
        RecordHeaders h3 = new RecordHeaders(r3.headers());
        RecordHeaders h2 = new RecordHeaders(r2.headers());
        assertThat(r3.headers()).extracting(Header::key).containsExactly("dash.format", "dash.meta");
        assertThat(r3.value()).isSameAs(e.body());
        assertThat(RawRecordCodec.format(h3)).isEqualTo(3);

        EnvelopeCodec.Head head3 = RawRecordCodec.head(h3, r3.value());
        EnvelopeCodec.Head head2 = RawRecordCodec.head(h2, r2.value());
        assertThat(head3.line()).isEqualTo(head2.line()).isEqualTo(EnvelopeCodec.encodeLine(e));
        assertThat(List.of(head3.eventId(), head3.pipelineId(), head3.receivedAt()))
                .isEqualTo(List.of(e.eventId(), e.pipelineId(), e.receivedAt()));
        assertThat(EnvelopeCodec.decodeLine(head3.line(), 0, head3.line().length, true)
                        .envelope())
                .isEqualTo(e);
        // dash.bronze.line-version=1 during an upgrade: the version-1 envelope, as for format 2.
        assertThat(RawRecordCodec.head(h3, r3.value(), 1).line()).isEqualTo(EnvelopeCodec.encode(e));

        assertThat(RawRecordCodec.decode(h3, r3.value())).isEqualTo(e);
        assertThat(RawRecordCodec.decodeWithoutRequestHeaders(h3, r3.value()))
                .isEqualTo(RawRecordCodec.decodeWithoutRequestHeaders(h2, r2.value()));
        assertSameAsGeneral(h3, r3.value());
    }

    /** A request's records encoded together are byte for byte each event's own, in every format. */
    @Property(tries = 300)
    void aRequestsEventsEncodeAsEachAlone(@ForAll("envelopes") RawEnvelope e) {
        Random random = new Random(e.body().length);
        int n = 1 + random.nextInt(4);
        UUID[] ids = new UUID[n];
        List<byte[]> bodies = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            ids[i] = i == 0 ? e.eventId() : new UUID(random.nextLong(), random.nextLong());
            bodies.add(i == 0 ? e.body() : ("{\"n\":" + i + "}").getBytes(StandardCharsets.UTF_8));
        }
        for (int format = 1; format <= 3; format++) {
            List<RawRecordCodec.Encoded> together = RawRecordCodec.encodeEach(e, ids, bodies, format);
            assertThat(together).hasSize(n);
            for (int i = 0; i < n; i++) {
                RawEnvelope alone = new RawEnvelope(
                        ids[i],
                        e.pipelineId(),
                        e.teamId(),
                        e.receivedAt(),
                        e.source(),
                        e.deliveryId(),
                        e.contentType(),
                        e.headers(),
                        bodies.get(i),
                        e.verification());
                RawRecordCodec.Encoded expected = RawRecordCodec.encode(alone, format);
                assertThat(together.get(i).value()).isEqualTo(expected.value());
                assertThat(together.get(i).headers())
                        .extracting(h -> h.key() + "=" + new String(h.value(), StandardCharsets.ISO_8859_1))
                        .as("format %d, event %d", format, i)
                        .containsExactlyElementsOf(expected.headers().stream()
                                .map(h -> h.key() + "=" + new String(h.value(), StandardCharsets.ISO_8859_1))
                                .toList());
            }
        }
    }

    /** The direct writer writes Jackson's bytes, and does for every plain envelope. */
    @Property(tries = 1000)
    void theMetadataIsWhatTheLineWriterWrites(@ForAll("envelopes") RawEnvelope e) {
        byte[] direct = RawMeta.write(e);
        byte[] meta = EnvelopeCodec.meta(e);
        if (direct != null) {
            assertThat(direct).isEqualTo(meta);
        }
        String line = new String(EnvelopeCodec.encodeLine(e), StandardCharsets.ISO_8859_1);
        assertThat(line).startsWith(new String(meta, StandardCharsets.ISO_8859_1) + ",\"body");
        assertThat(EnvelopeCodec.line(meta, e.body())).isEqualTo(EnvelopeCodec.encodeLine(e));
    }

    @Property(tries = 300)
    void plainEnvelopesTakeTheShortcuts(@ForAll("plainEnvelopes") RawEnvelope e) {
        byte[] meta = RawMeta.write(e);
        assertThat(meta).isNotNull();
        RawMeta read = RawMeta.read(meta);
        assertThat(read).isNotNull();
        assertThat(read.envelope(e.body(), true)).isEqualTo(e);
    }

    /**
     * Damaged metadata (cut short at every byte, each byte replaced, dropped or doubled): either refused by both
     * paths with the same message, or read by both alike, and then archived as a line that reads back to what the
     * writer maps, and that is the envelope's own line.
     */
    @Property(tries = 15)
    void damagedMetadataIsRefusedOrReadAlike(@ForAll("plainEnvelopes") RawEnvelope e) {
        byte[] meta = RawRecordCodec.encode(e).headers().get(1).value();
        Random random = new Random(meta.length);
        byte[] odd = "\"\\,:{}[]0aAzZ-. \t\u00e9".getBytes(StandardCharsets.UTF_8);
        List<byte[]> damaged = new ArrayList<>();
        for (int i = 0; i < meta.length; i++) {
            damaged.add(java.util.Arrays.copyOf(meta, i));
            byte[] replaced = meta.clone();
            replaced[i] = odd[random.nextInt(odd.length)];
            damaged.add(replaced);
            byte[] dropped = new byte[meta.length - 1];
            System.arraycopy(meta, 0, dropped, 0, i);
            System.arraycopy(meta, i + 1, dropped, i, meta.length - i - 1);
            damaged.add(dropped);
            byte[] doubled = new byte[meta.length + 1];
            System.arraycopy(meta, 0, doubled, 0, i + 1);
            System.arraycopy(meta, i, doubled, i + 1, meta.length - i);
            damaged.add(doubled);
        }
        int accepted = 0;
        for (byte[] d : damaged) {
            RecordHeaders h = headers(d);
            assertSameAsGeneral(h, e.body());
            Throwable refused = catchThrowable(() -> RawRecordCodec.head(h, e.body()));
            if (refused == null) {
                accepted++;
                RawEnvelope read = RawRecordCodec.decode(h, e.body());
                byte[] line = RawRecordCodec.head(h, e.body()).line();
                assertThat(line).isEqualTo(EnvelopeCodec.encodeLine(read));
                assertThat(EnvelopeCodec.decodeLine(line, 0, line.length, false).envelope())
                        .isEqualTo(read);
                assertThat(EnvelopeCodec.meta(read)).isEqualTo(d);
            } else {
                assertThat(refused).isInstanceOf(EnvelopeFormatException.class);
            }
        }
        // Some damage leaves valid metadata (a digit of a UUID changed, say): it is another event's, read whole.
        assertThat(accepted).isLessThan(damaged.size());
    }

    /** The plain run's end, eight bytes at a time, is where a byte-by-byte look finds the first other byte. */
    @Test
    void plainRunsEndWhereTheFirstOtherByteIs() {
        Random random = new Random(3);
        // the boundaries of plain (0x20, 0x7E), the quote, the backslash, DEL, non-ASCII, and ordinary letters
        byte[] odd = {0x1f, 0x20, 0x21, 0x22, 0x23, 0x5b, 0x5c, 0x5d, 0x7e, 0x7f, (byte) 0x80, (byte) 0xff, 0, 'a', '9'
        };
        for (int round = 0; round < 200_000; round++) {
            byte[] b = new byte[random.nextInt(40)];
            for (int i = 0; i < b.length; i++) {
                b[i] = random.nextInt(4) == 0 ? odd[random.nextInt(odd.length)] : (byte) (0x20 + random.nextInt(0x5f));
            }
            int from = b.length == 0 ? 0 : random.nextInt(b.length + 1);
            int expected = from;
            while (expected < b.length
                    && b[expected] >= 0x20
                    && b[expected] <= 0x7e
                    && b[expected] != '"'
                    && b[expected] != '\\') {
                expected++;
            }
            assertThat(RawMeta.plainEnd(b, from))
                    .as("%s from %d", java.util.Arrays.toString(b), from)
                    .isEqualTo(expected);
        }
        for (int c = 0; c < 256; c++) {
            byte[] b = new byte[24];
            java.util.Arrays.fill(b, (byte) 'x');
            b[13] = (byte) c;
            boolean plain = c >= 0x20 && c <= 0x7e && c != '"' && c != '\\';
            assertThat(RawMeta.plainEnd(b, 0)).as("byte %d", c).isEqualTo(plain ? 24 : 13);
        }
    }

    /** Values Jackson writes escaped, or not plain: the general path, byte for byte the same line. */
    @Test
    void valuesThatNeedEscapingGoTheGeneralWay() {
        for (String odd :
                new String[] {"a\"b", "a\\b", "tab\there", "caf\u00e9", "\u007f", "a/b", "\u2028", "\u0000"}) {
            RawEnvelope e = new RawEnvelope(
                    UuidV7.next(),
                    UUID.randomUUID(),
                    UUID.randomUUID(),
                    Instant.parse("2026-12-07T08:00:00.5Z"),
                    Source.POLL,
                    odd,
                    "text/plain",
                    Map.of("user-agent", odd),
                    "{\"a\":1}".getBytes(StandardCharsets.UTF_8),
                    VerificationResult.failed(Preset.GENERIC_HMAC, VerificationResult.Reason.BAD_SIGNATURE, odd, odd));
            RawRecordCodec.Encoded r = RawRecordCodec.encode(e);
            RecordHeaders h = new RecordHeaders(r.headers());
            byte[] meta = r.headers().get(1).value();
            assertThat(meta).as(odd).isEqualTo(EnvelopeCodec.meta(e));
            boolean plain = odd.chars().allMatch(c -> c >= 0x20 && c <= 0x7e && c != '"' && c != '\\');
            assertThat(RawMeta.write(e) != null).as(odd).isEqualTo(plain);
            assertThat(RawMeta.read(meta) != null).as(odd).isEqualTo(plain);
            assertThat(RawRecordCodec.decode(h, r.value())).as(odd).isEqualTo(e);
            assertThat(RawRecordCodec.head(h, r.value()).line()).as(odd).isEqualTo(EnvelopeCodec.encodeLine(e));
            assertSameAsGeneral(h, r.value());
        }
    }

    /** Each kind of damage, named: refused by the archiver's and the writer's reads alike. */
    @Test
    void malformedRecordsAreRefused() {
        RawEnvelope e = gitHub("{\"ref\":\"refs/heads/main\"}");
        RawRecordCodec.Encoded r = RawRecordCodec.encode(e);
        String meta = new String(r.headers().get(1).value(), StandardCharsets.UTF_8);
        String event = e.eventId().toString();
        Map<String, String> damaged = new TreeMap<>();
        damaged.put("truncated", meta.substring(0, meta.length() - 1));
        damaged.put("truncated in a value", meta.substring(0, meta.indexOf("\"team_id\"") + 20));
        damaged.put("empty", "");
        damaged.put("closed", meta + "}");
        damaged.put("trailing space", meta + " ");
        damaged.put("a space after a colon", meta.replace("\"source\":\"", "\"source\": \""));
        damaged.put("line version 1", meta.replace("{\"v\":2,", "{\"v\":1,"));
        damaged.put("line version 3", meta.replace("{\"v\":2,", "{\"v\":3,"));
        damaged.put("a wrong field name", meta.replace("\"team_id\"", "\"tean_id\""));
        damaged.put("an unknown field", meta.replace(",\"source\"", ",\"x\":1,\"source\""));
        damaged.put(
                "a field twice",
                meta.replace(",\"source\":\"webhook\"", ",\"source\":\"webhook\",\"source\":\"poll\""));
        damaged.put(
                "fields out of order",
                meta.replace(
                        "\"event_id\":\"" + event + "\",\"pipeline_id\":\"" + e.pipelineId() + "\"",
                        "\"pipeline_id\":\"" + e.pipelineId() + "\",\"event_id\":\"" + event + "\""));
        damaged.put("a body in the metadata", meta.replace(",\"headers\"", ",\"body\":{},\"headers\""));
        damaged.put("a missing field", meta.replace(",\"source\":\"webhook\"", ""));
        damaged.put("an upper-case UUID", meta.replace(event, event.toUpperCase(java.util.Locale.ROOT)));
        damaged.put("a short UUID", meta.replace(event, event.substring(1)));
        damaged.put("not a UUID", meta.replace(event, "x" + event.substring(1)));
        damaged.put("a time with a zone", meta.replace("08:00:00.123456Z", "09:00:00.123456+01:00"));
        damaged.put("a time of other digits", meta.replace("08:00:00.123456Z", "08:00:00.123456000Z"));
        damaged.put("a day that is not", meta.replace("2026-12-07T", "2026-02-30T"));
        damaged.put("an unknown source", meta.replace("\"webhook\"", "\"pigeon\""));
        damaged.put("an enum in other case", meta.replace("\"verified\"", "\"VERIFIED\""));
        damaged.put("an escaped letter", meta.replace("\"push\"", "\"pus\\u0068\""));
        damaged.put("an escaped slash", meta.replace("GitHub-Hookshot/", "GitHub-Hookshot\\/"));
        damaged.put("an upper-case header name", meta.replace("\"x-github-event\"", "\"X-GitHub-Event\""));
        damaged.put(
                "headers out of order",
                meta.replace(
                        "\"user-agent\":\"GitHub-Hookshot/abc\",\"x-github-delivery\":\"d-1\"",
                        "\"x-github-delivery\":\"d-1\",\"user-agent\":\"GitHub-Hookshot/abc\""));
        damaged.put(
                "a header twice",
                meta.replace("\"x-github-event\":\"push\"", "\"x-github-event\":\"push\",\"x-github-event\":\"push\""));
        damaged.put(
                "a reason without a failure",
                meta.replace(
                        "\"status\":\"verified\",\"preset\":\"github\"",
                        "\"status\":\"verified\",\"preset\":\"github\",\"reason\":\"bad_signature\""));
        damaged.put(
                "a null value",
                meta.replace("\"delivery_id\":\"d-1\",\"content_type\"", "\"delivery_id\":null,\"content_type\""));
        for (Map.Entry<String, String> d : damaged.entrySet()) {
            assertThat(d.getValue()).as(d.getKey()).isNotEqualTo(meta);
            assertRefused(d.getKey(), headers(d.getValue().getBytes(StandardCharsets.UTF_8)), e.body());
        }

        List<Header> good = r.headers();
        List<Header> metaTwice = new ArrayList<>(good);
        metaTwice.add(good.get(1));
        List<Header> formatTwice = new ArrayList<>(good);
        formatTwice.add(good.get(0));
        assertRefused("dash.meta twice", new RecordHeaders(metaTwice), e.body());
        assertRefused("dash.format twice", new RecordHeaders(formatTwice), e.body());
        assertRefused("no dash.meta", new RecordHeaders(List.of(good.get(0))), e.body());
        assertRefused(
                "dash.meta without a value",
                new RecordHeaders(List.of(good.get(0), new RecordHeader("dash.meta", null))),
                e.body());
        assertRefused("no value", new RecordHeaders(good), null);
        assertRefused(
                "format 4",
                new RecordHeaders(List.of(new RecordHeader("dash.format", new byte[] {'4'}), good.get(1))),
                e.body());
        assertThatThrownBy(() -> RawRecordCodec.decode(headers("{\"v\":2,".getBytes(StandardCharsets.UTF_8)), e.body()))
                .isInstanceOf(EnvelopeFormatException.class)
                .hasMessageContaining("dash.meta");
    }

    /** Headers of others (tracing), or a format-2 header left over, are ignored, as unknown envelope fields are. */
    @Test
    void otherHeadersAreIgnored() {
        RawEnvelope e = gitHub("{\"ref\":\"refs/heads/main\"}");
        RawRecordCodec.Encoded r = RawRecordCodec.encode(e);
        List<Header> h = new ArrayList<>(r.headers());
        h.add(new RecordHeader("traceparent", "00-abc".getBytes(StandardCharsets.UTF_8)));
        h.add(new RecordHeader("dash.event_id", "nope".getBytes(StandardCharsets.UTF_8)));
        h.add(new RecordHeader("h.x-github-event", "ping".getBytes(StandardCharsets.UTF_8)));
        RecordHeaders headers = new RecordHeaders(h);
        assertThat(RawRecordCodec.decode(headers, r.value())).isEqualTo(e);
        assertThat(RawRecordCodec.head(headers, r.value()).line()).isEqualTo(EnvelopeCodec.encodeLine(e));
    }

    /** A body that is not one JSON value: {@code body_text} (or {@code body_b64}), as for format 2. */
    @Test
    void aBodyThatIsNotOneJsonValueIsBodyText() {
        for (String body : new String[] {"{\n  \"a\": 1\n}\n", "{\"a\":1}{}", "not json", "", " 1"}) {
            RawEnvelope e = gitHub(body);
            RawRecordCodec.Encoded r = RawRecordCodec.encode(e);
            byte[] line = RawRecordCodec.head(new RecordHeaders(r.headers()), r.value())
                    .line();
            assertThat(new String(line, StandardCharsets.UTF_8)).as(body).contains(",\"body_text\":\"");
            assertThat(line)
                    .isEqualTo(RawRecordCodec.head(
                                    new RecordHeaders(
                                            RawRecordCodec.encode(e, 2).headers()),
                                    r.value())
                            .line());
            assertThat(RawRecordCodec.decode(new RecordHeaders(r.headers()), r.value())
                            .body())
                    .isEqualTo(e.body());
        }
        RawEnvelope binary = gitHub("x");
        binary = new RawEnvelope(
                binary.eventId(),
                binary.pipelineId(),
                binary.teamId(),
                binary.receivedAt(),
                binary.source(),
                binary.deliveryId(),
                binary.contentType(),
                binary.headers(),
                new byte[] {(byte) 0xff, 0, 1},
                binary.verification());
        RawRecordCodec.Encoded r = RawRecordCodec.encode(binary);
        assertThat(RawRecordCodec.head(new RecordHeaders(r.headers()), r.value())
                        .line())
                .isEqualTo(EnvelopeCodec.encodeLine(binary));
    }

    @Test
    void theFormatsAreToldApartAndWritable() {
        RawEnvelope e = gitHub("{}");
        for (int f = 1; f <= 3; f++) {
            assertThat(RawRecordCodec.writable(f)).isTrue();
            assertThat(RawRecordCodec.format(
                            new RecordHeaders(RawRecordCodec.encode(e, f).headers())))
                    .isEqualTo(f);
        }
        assertThat(RawRecordCodec.writable(0)).isFalse();
        assertThat(RawRecordCodec.writable(4)).isFalse();
        assertThat(RawRecordCodec.encode(e).headers()).hasSize(2);
        assertThat(RawRecordCodec.VERSION).isEqualTo(3);
    }

    static RawEnvelope gitHub(String body) {
        return new RawEnvelope(
                UuidV7.next(),
                UUID.randomUUID(),
                UUID.randomUUID(),
                Instant.parse("2026-12-07T08:00:00.123456Z"),
                Source.WEBHOOK,
                "d-1",
                "application/json",
                Map.of(
                        "x-github-event", "push",
                        "x-github-hook-id", "1",
                        "user-agent", "GitHub-Hookshot/abc",
                        "x-github-delivery", "d-1"),
                body.getBytes(StandardCharsets.UTF_8),
                VerificationResult.verified(Preset.GITHUB, "s1", "d-1"));
    }

    private static RecordHeaders headers(byte[] meta) {
        return new RecordHeaders(
                List.of(new RecordHeader("dash.format", new byte[] {'3'}), new RecordHeader("dash.meta", meta)));
    }

    private static void assertRefused(String what, RecordHeaders h, byte[] body) {
        for (Supplier<Object> read : List.<Supplier<Object>>of(
                () -> RawRecordCodec.head(h, body),
                () -> RawRecordCodec.head(h, body, 1),
                () -> RawRecordCodec.decode(h, body),
                () -> RawRecordCodec.decodeWithoutRequestHeaders(h, body),
                () -> RawRecordCodec.decodeForMapping(h, body))) {
            assertThat(catchThrowable(read::get)).as(what).isInstanceOf(EnvelopeFormatException.class);
        }
    }

    private static void assertSameAsGeneral(RecordHeaders headers, byte[] value) {
        RawHeadersTest.assertSameAsGeneral(headers, value);
    }
}
