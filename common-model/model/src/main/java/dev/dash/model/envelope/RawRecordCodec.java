package dev.dash.model.envelope;

import dev.dash.model.signature.Preset;
import dev.dash.model.signature.VerificationResult;
import java.nio.charset.StandardCharsets;
import java.time.DateTimeException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeader;

/**
 * The {@code dash.raw} record formats (docs/architecture.md, "The dash.raw record"), written and read here only.
 *
 * <ul>
 *   <li><b>Format 3</b> (written by default): two headers, {@code dash.format} = {@code 3} and {@code dash.meta}, the
 *       envelope's metadata as a version-2 Bronze line's bytes before the body ({@link EnvelopeCodec#meta}:
 *       {@code {"v":2,"event_id":...,"verification":{...}}}, the line's object left open), in exactly the form that
 *       writes; the value is the provider's body bytes exactly as received. A consumer has Kafka parse two headers
 *       instead of about sixteen; the archiver's line is the metadata, the body field and a closing brace, and the
 *       writer reads the few fields it needs in one pass over the metadata's bytes ({@link RawMeta}). Metadata in any
 *       other form (truncated, a field out of place, unknown or twice, a value not canonical) is refused.
 *   <li><b>Format 2</b> (issue 19's first step; still read): the envelope's metadata in Kafka record headers, one UTF-8
 *       string each ({@code dash.format} = {@code 2}, {@code dash.event_id}, {@code dash.pipeline_id},
 *       {@code dash.team_id}, {@code dash.received_at}, {@code dash.source}, optional {@code dash.delivery_id}
 *       and {@code dash.content_type}, {@code dash.verification.status} and its optional {@code .preset},
 *       {@code .reason}, {@code .detail}, {@code .delivery_id}, {@code .secret_id}, and each kept request header
 *       as {@code h.<lower-case name>}); the value is the provider's body bytes exactly as received. A consumer
 *       reads the metadata without parsing JSON and hands the body to the mapping engine as it is: the only JSON
 *       parse of an event on the live path is the mapping's.
 *   <li><b>Format 1</b> (before): no {@code dash.format} header; the value is the envelope as JSON ({@link
 *       EnvelopeCodec}), the body an escaped string inside it. Still read, so records written before the change
 *       are consumed while they remain on the topic.
 * </ul>
 *
 * <p>Bronze lines are version 2 ({@link EnvelopeCodec#encodeLine}: the metadata as JSON fields, a JSON body
 * unescaped), readable with zcat and jq; the archiver encodes a format-2 record into that line (the body is checked
 * to be one JSON value, in one pass over its bytes or else by the parser's tokens, never built into a tree), writes a
 * format-3 record's line from its metadata and body as they are, and keeps a format-1 record as the version-1 line
 * it already is.
 */
public final class RawRecordCodec {
    /** The header naming the record format; absent on format 1. */
    public static final String FORMAT = "dash.format";

    /** The format-3 header holding the envelope's metadata ({@link EnvelopeCodec#meta}). */
    public static final String META = "dash.meta";

    /** The format written by default. */
    public static final int VERSION = 3;

    /** Prefix of a kept request header's name. */
    public static final String REQUEST_HEADER = "h.";

    private static final byte[] FORMAT_2 = {'2'};

    private static final byte[] FORMAT_3 = {'3'};

    private RawRecordCodec() {}

    /** A record to send: its headers and its value (the body, not copied). */
    public record Encoded(List<Header> headers, byte[] value) {}

    /**
     * Whether this version writes records of the format ({@code dash.ingest.raw-format}: 1, 2 or 3; a rolling
     * upgrade writes the older format until every consumer reads the newer one).
     */
    public static boolean writable(int format) {
        return format >= 1 && format <= 3;
    }

    /** Encodes an envelope as a record of the given format (1, 2 or 3). */
    public static Encoded encode(RawEnvelope e, int format) {
        return switch (format) {
            case 1 -> new Encoded(List.of(), EnvelopeCodec.encode(e));
            case 2 -> encode2(e);
            case 3 -> encode(e);
            default -> throw new IllegalArgumentException("no dash.raw record format " + format);
        };
    }

    /** Encodes an envelope as a record of the format written by default, {@value #VERSION}. */
    public static Encoded encode(RawEnvelope e) {
        byte[] meta = RawMeta.write(e);
        if (meta == null) {
            // A value JSON must escape, or non-ASCII: Jackson writes it, as the Bronze line's writer does.
            meta = EnvelopeCodec.meta(e);
        }
        return new Encoded(List.of(new RecordHeader(FORMAT, FORMAT_3), new RecordHeader(META, meta)), e.body());
    }

    /**
     * Encodes the events of one request: the envelopes {@code template} is but for their event ids and bodies, in the
     * given format, as records byte for byte the same as {@link #encode(RawEnvelope, int)} makes of each. In format 3
     * the metadata is written once and copied per event with its id in place (the id is the metadata's first value, 36
     * bytes at a fixed offset; nothing else in it depends on the event), where each event had its envelope built (its
     * request headers sorted into a new map) and its metadata written; the other formats encode each envelope.
     *
     * @param template the request's envelope (any event id and body)
     * @param ids the events' ids
     * @param bodies the events' bodies, as many as ids
     * @param format 1, 2 or 3
     */
    public static List<Encoded> encodeEach(RawEnvelope template, UUID[] ids, List<byte[]> bodies, int format) {
        if (bodies.size() != ids.length) {
            throw new IllegalArgumentException(ids.length + " ids for " + bodies.size() + " bodies");
        }
        List<Encoded> out = new ArrayList<>(ids.length);
        byte[] meta = format == 3 ? RawMeta.write(template) : null;
        if (meta == null) {
            for (int i = 0; i < ids.length; i++) {
                out.add(encode(
                        new RawEnvelope(
                                ids[i],
                                template.pipelineId(),
                                template.teamId(),
                                template.receivedAt(),
                                template.source(),
                                template.deliveryId(),
                                template.contentType(),
                                template.headers(),
                                bodies.get(i),
                                template.verification()),
                        format));
            }
            return out;
        }
        for (int i = 0; i < ids.length; i++) {
            byte[] m = meta.clone();
            UuidV7.writeAscii(m, RawMeta.EVENT_ID.length, ids[i]);
            out.add(new Encoded(
                    List.of(new RecordHeader(FORMAT, FORMAT_3), new RecordHeader(META, m)),
                    java.util.Objects.requireNonNull(bodies.get(i), "body")));
        }
        return out;
    }

    private static Encoded encode2(RawEnvelope e) {
        List<Header> h = new ArrayList<>(10 + e.headers().size());
        h.add(new RecordHeader(FORMAT, FORMAT_2));
        put(h, "dash.event_id", e.eventId().toString());
        put(h, "dash.pipeline_id", e.pipelineId().toString());
        put(h, "dash.team_id", e.teamId().toString());
        put(h, "dash.received_at", e.receivedAt().toString());
        put(h, "dash.source", e.source().jsonName());
        put(h, "dash.delivery_id", e.deliveryId());
        put(h, "dash.content_type", e.contentType());
        VerificationResult v = e.verification();
        put(h, "dash.verification.status", v.status().jsonName());
        put(
                h,
                "dash.verification.preset",
                v.preset() == null ? null : v.preset().jsonName());
        put(
                h,
                "dash.verification.reason",
                v.reason() == null ? null : v.reason().jsonName());
        put(h, "dash.verification.detail", v.detail());
        put(h, "dash.verification.delivery_id", v.deliveryId());
        put(h, "dash.verification.secret_id", v.secretId());
        for (Map.Entry<String, String> kept : e.headers().entrySet()) {
            put(h, REQUEST_HEADER + kept.getKey(), kept.getValue());
        }
        return new Encoded(h, e.body());
    }

    /**
     * The record's format: 2 or 3 when its {@code dash.format} header says so, 1 when it has none.
     *
     * @throws EnvelopeFormatException for any other {@code dash.format}
     */
    public static int format(Headers headers) {
        Header f = headers == null ? null : headers.lastHeader(FORMAT);
        if (f == null) {
            return 1;
        }
        byte[] v = f.value();
        if (v != null && v.length == 1 && (v[0] == '2' || v[0] == '3')) {
            return v[0] - '0';
        }
        throw new EnvelopeFormatException("unsupported dash.raw record format " + string(f), null);
    }

    /**
     * Decodes a record of either format.
     *
     * @throws EnvelopeFormatException if the record is neither a valid format-2 record nor a format-1 envelope
     */
    public static RawEnvelope decode(Headers headers, byte[] value) {
        return decode(headers, value, true);
    }

    /**
     * Decodes a record of either format for a reader that does not use the kept request headers (the Silver
     * writer: a mapping reads the body, the event id and the receipt time): a format-2 record's {@code h.*} headers
     * are checked as {@link #decode(Headers, byte[])} checks them (each has a value, none appears twice), so exactly
     * the same records are refused, but not copied into the envelope, whose {@link RawEnvelope#headers()} is empty.
     * A format-1 record is decoded whole.
     *
     * @throws EnvelopeFormatException if the record is neither a valid format-2 record nor a format-1 envelope
     */
    public static RawEnvelope decodeWithoutRequestHeaders(Headers headers, byte[] value) {
        return decode(headers, value, false);
    }

    /**
     * What a mapping reads of an event (docs/architecture.md, "The dash.raw record"): its id, pipeline, receipt time and
     * body.
     *
     * @param eventId the event's id
     * @param pipelineId its pipeline
     * @param receivedAt when Dash received it
     * @param body the provider's body bytes, as received (not copied)
     */
    public record Mappable(UUID eventId, UUID pipelineId, Instant receivedAt, byte[] body) {}

    /**
     * The fields of {@link #decodeWithoutRequestHeaders} a mapping reads, for the Silver writer: exactly the same
     * records are refused with the same message, and the fields are that envelope's. A format-3 record in the common
     * form is read in the one pass that checks it ({@link RawMeta}) without building the envelope's other values
     * (its team, source, delivery, content type and verification); any other record is decoded whole.
     *
     * @throws EnvelopeFormatException if the record is neither a valid format-2 or format-3 record nor a format-1
     *     envelope
     */
    public static Mappable decodeForMapping(Headers headers, byte[] value) {
        byte[] meta = plainMeta(headers, value);
        RawMeta plain = meta == null ? null : RawMeta.read(meta);
        if (plain != null) {
            return new Mappable(plain.eventId(), plain.pipelineId(), plain.receivedAt, value);
        }
        RawEnvelope e = decode(headers, value, false);
        return new Mappable(e.eventId(), e.pipelineId(), e.receivedAt(), e.body());
    }

    /**
     * A format-3 record's {@code dash.meta} value when the record has the common form: one {@code dash.format} header
     * of {@code 3}, one {@code dash.meta} with a value, and a value (the body), found in one pass over the headers;
     * null for any other record, which the callers read the general way ({@link #format}, {@link #meta}), refusals
     * and their messages included.
     */
    private static byte[] plainMeta(Headers headers, byte[] value) {
        if (headers == null || value == null) {
            return null;
        }
        Header format = null;
        byte[] meta = null;
        int formats = 0;
        int metas = 0;
        for (Header h : headers) {
            String k = h.key();
            if (k.equals(META)) {
                meta = h.value();
                metas++;
            } else if (k.equals(FORMAT)) {
                format = h;
                formats++;
            }
        }
        if (formats != 1 || metas != 1 || meta == null) {
            return null;
        }
        byte[] f = format.value();
        return f != null && f.length == 1 && f[0] == '3' ? meta : null;
    }

    /**
     * A format-3 record's {@code dash.meta} value: the common form's found in one pass ({@link #plainMeta}), any other
     * format-3 record's through the general checks ({@link #meta}, which refuse a malformed one); null for a record of
     * another format.
     */
    private static byte[] format3Meta(Headers headers, byte[] value) {
        byte[] common = plainMeta(headers, value);
        if (common != null) {
            return common;
        }
        return format(headers) == 3 ? meta(headers, value) : null;
    }

    private static RawEnvelope decode(Headers headers, byte[] value, boolean keepRequestHeaders) {
        byte[] meta = format3Meta(headers, value);
        if (meta != null) {
            RawMeta plain = RawMeta.read(meta);
            return plain != null
                    ? plain.envelope(value, keepRequestHeaders)
                    : decodeMeta(meta, value, keepRequestHeaders);
        }
        // The common case (a plain, canonical format-2 record) read from the header bytes once; anything else,
        // refusals included, the general way below.
        RawHeaders plain = RawHeaders.read(headers, value);
        if (plain != null) {
            return plain.envelope(value, keepRequestHeaders);
        }
        return decodeGeneral(headers, value, keepRequestHeaders);
    }

    /** The decode of any record, without the common case's shortcut (package-private for the tests' comparison). */
    static RawEnvelope decodeGeneral(Headers headers, byte[] value, boolean keepRequestHeaders) {
        int format = format(headers);
        if (format == 1) {
            return EnvelopeCodec.decode(value);
        }
        if (format == 3) {
            return decodeMeta(meta(headers, value), value, keepRequestHeaders);
        }
        if (value == null) {
            throw new EnvelopeFormatException("a format-2 record without a value (body)", null);
        }
        UUID eventId = null;
        UUID pipelineId = null;
        UUID teamId = null;
        Instant receivedAt = null;
        Source source = null;
        String deliveryId = null;
        String contentType = null;
        String status = null;
        String preset = null;
        String reason = null;
        String detail = null;
        String vDeliveryId = null;
        String secretId = null;
        Map<String, String> kept = keepRequestHeaders ? new HashMap<>() : Map.of();
        // The request headers' names when they are not kept, for the same "appears twice" check.
        List<String> names = keepRequestHeaders ? null : new ArrayList<>(8);
        // Which dash.* headers were seen (a bit each): one given twice is refused, as a field twice in an envelope.
        int seen = 0;
        try {
            for (Header h : headers) {
                String k = h.key();
                if (k.startsWith(REQUEST_HEADER)) {
                    if (!keepRequestHeaders) {
                        if (h.value() == null) {
                            throw new EnvelopeFormatException("header '" + k + "' has no value", null);
                        }
                        if (names.contains(k)) {
                            throw new EnvelopeFormatException("header '" + k + "' appears twice", null);
                        }
                        names.add(k);
                    } else if (kept.put(k.substring(REQUEST_HEADER.length()), string(h)) != null) {
                        throw new EnvelopeFormatException("header '" + k + "' appears twice", null);
                    }
                    continue;
                }
                int bit = switch (k) {
                    case FORMAT -> 1;
                    case "dash.event_id" -> {
                        eventId = uuid(h);
                        yield 1 << 1;
                    }
                    case "dash.pipeline_id" -> {
                        pipelineId = uuid(h);
                        yield 1 << 2;
                    }
                    case "dash.team_id" -> {
                        teamId = uuid(h);
                        yield 1 << 3;
                    }
                    case "dash.received_at" -> {
                        receivedAt = instant(string(h));
                        yield 1 << 4;
                    }
                    case "dash.source" -> {
                        source = Source.fromJsonName(string(h));
                        yield 1 << 5;
                    }
                    case "dash.delivery_id" -> {
                        deliveryId = string(h);
                        yield 1 << 6;
                    }
                    case "dash.content_type" -> {
                        contentType = string(h);
                        yield 1 << 7;
                    }
                    case "dash.verification.status" -> {
                        status = string(h);
                        yield 1 << 8;
                    }
                    case "dash.verification.preset" -> {
                        preset = string(h);
                        yield 1 << 9;
                    }
                    case "dash.verification.reason" -> {
                        reason = string(h);
                        yield 1 << 10;
                    }
                    case "dash.verification.detail" -> {
                        detail = string(h);
                        yield 1 << 11;
                    }
                    case "dash.verification.delivery_id" -> {
                        vDeliveryId = string(h);
                        yield 1 << 12;
                    }
                    case "dash.verification.secret_id" -> {
                        secretId = string(h);
                        yield 1 << 13;
                    }
                    // Headers added later, or by others (tracing): ignored, as unknown envelope fields are.
                    default -> 0;
                };
                if ((seen & bit) != 0) {
                    throw new EnvelopeFormatException("header '" + k + "' appears twice", null);
                }
                seen |= bit;
            }
            require(eventId, "dash.event_id");
            require(pipelineId, "dash.pipeline_id");
            require(teamId, "dash.team_id");
            require(receivedAt, "dash.received_at");
            require(source, "dash.source");
            require(status, "dash.verification.status");
            VerificationResult verification = new VerificationResult(
                    VerificationResult.Status.fromJsonName(status),
                    preset == null ? null : Preset.fromJsonName(preset),
                    reason == null ? null : VerificationResult.Reason.fromJsonName(reason),
                    detail,
                    vDeliveryId,
                    secretId);
            return new RawEnvelope(
                    eventId,
                    pipelineId,
                    teamId,
                    receivedAt,
                    source,
                    deliveryId,
                    contentType,
                    kept,
                    value,
                    verification);
        } catch (EnvelopeFormatException e) {
            throw e;
        } catch (DateTimeException | IllegalArgumentException | NullPointerException e) {
            throw new EnvelopeFormatException("not a format-2 dash.raw record: " + e.getMessage(), e);
        }
    }

    /**
     * What the Bronze archiver stores of a record of either format, as a version-2 line: format 1 is checked and
     * kept byte for byte as the version-1 line it is ({@link EnvelopeCodec#head}); format 2 is decoded from its
     * headers and encoded as a version-2 line ({@link EnvelopeCodec#encodeLine}).
     *
     * @throws EnvelopeFormatException if the record is not valid
     */
    public static EnvelopeCodec.Head head(Headers headers, byte[] value) {
        return head(headers, value, EnvelopeCodec.LINE_VERSION);
    }

    /**
     * As {@link #head(Headers, byte[])}, a format-2 record encoded as a line of the given version (1 while replay
     * services that read only version 1 still run, during an upgrade).
     *
     * @param lineVersion 1 or 2
     * @throws EnvelopeFormatException if the record is not valid
     */
    public static EnvelopeCodec.Head head(Headers headers, byte[] value, int lineVersion) {
        byte[] meta = lineVersion == EnvelopeCodec.LINE_VERSION ? format3Meta(headers, value) : null;
        if (meta != null) {
            // The line is the metadata, the body field and the closing brace, once one pass over the metadata has
            // found it in the form EnvelopeCodec.meta writes; any other metadata is parsed (and refused unless it is
            // that form) by the general path. The common record's two headers are found in one pass (plainMeta).
            RawMeta plain = RawMeta.read(meta);
            if (plain != null) {
                // The common body is embedded: its line is written in parts (metadata, body) without joining them.
                return EnvelopeCodec.embeddable(value)
                        ? new EnvelopeCodec.Head(plain, value)
                        : new EnvelopeCodec.Head(
                                plain.eventId(),
                                plain.pipelineId(),
                                plain.receivedAt,
                                EnvelopeCodec.escapedLine(meta, value));
            }
            return headGeneral(headers, value, lineVersion);
        }
        if (lineVersion == EnvelopeCodec.LINE_VERSION) {
            // The common case: a plain, canonical format-2 record with a JSON body, its line copied from the header
            // bytes (RawHeaders); the same bytes encodeLine writes for the decoded envelope.
            RawHeaders plain = RawHeaders.read(headers, value);
            if (plain != null) {
                byte[] line = EnvelopeCodec.embeddable(value)
                        ? plain.line(value)
                        : EnvelopeCodec.encodeLine(plain.envelope(value, true));
                return new EnvelopeCodec.Head(plain.eventId(), plain.pipelineId(), plain.instant, line);
            }
        }
        return headGeneral(headers, value, lineVersion);
    }

    /** The head of any record, without the common case's shortcut (package-private for the tests' comparison). */
    static EnvelopeCodec.Head headGeneral(Headers headers, byte[] value, int lineVersion) {
        if (format(headers) == 1) {
            return EnvelopeCodec.head(value);
        }
        // Formats 2 and 3: the line encoded from the envelope decoded (for format 3, from metadata that is exactly
        // what EnvelopeCodec.meta writes for it, so the line is the metadata, then the body).
        RawEnvelope e = decodeGeneral(headers, value, true);
        byte[] line = lineVersion == 1 ? EnvelopeCodec.encode(e) : EnvelopeCodec.encodeLine(e);
        return new EnvelopeCodec.Head(e.eventId(), e.pipelineId(), e.receivedAt(), line);
    }

    /**
     * A format-3 record's {@code dash.meta} value: the header once, with a value, {@code dash.format} once, and a
     * value (the body).
     */
    private static byte[] meta(Headers headers, byte[] value) {
        byte[] meta = null;
        boolean format = false;
        for (Header h : headers) {
            String k = h.key();
            if (k.equals(FORMAT)) {
                if (format) {
                    throw new EnvelopeFormatException("header '" + FORMAT + "' appears twice", null);
                }
                format = true;
            } else if (k.equals(META)) {
                if (meta != null) {
                    throw new EnvelopeFormatException("header '" + META + "' appears twice", null);
                }
                meta = h.value();
                if (meta == null) {
                    throw new EnvelopeFormatException("header '" + META + "' has no value", null);
                }
            }
            // Any other header (tracing, or format 2's, or h.*): ignored, as unknown envelope fields are.
        }
        require(meta, META);
        if (value == null) {
            throw new EnvelopeFormatException("a format-3 record without a value (body)", null);
        }
        return meta;
    }

    /**
     * A format-3 record's metadata read the general way: as JSON (the Bronze line reader's, on the metadata closed by
     * an empty body), then accepted only when {@link EnvelopeCodec#meta} writes exactly these bytes for what was read,
     * so that the archiver's line is the line of that envelope, byte for byte, and the writer maps what the line holds.
     */
    static RawEnvelope decodeMeta(byte[] meta, byte[] body, boolean keepRequestHeaders) {
        byte[] probe = Arrays.copyOf(meta, meta.length + EMPTY_BODY.length);
        System.arraycopy(EMPTY_BODY, 0, probe, meta.length, EMPTY_BODY.length);
        RawEnvelope read;
        try {
            read = EnvelopeCodec.decodeLine(probe, 0, probe.length, false).envelope();
        } catch (EnvelopeFormatException e) {
            throw new EnvelopeFormatException("dash.meta is not a Bronze line's metadata: " + e.getMessage(), e);
        }
        if (!Arrays.equals(EnvelopeCodec.meta(read), meta)) {
            throw new EnvelopeFormatException(
                    "dash.meta is not in the form a version-2 Bronze line's metadata is written", null);
        }
        return new RawEnvelope(
                read.eventId(),
                read.pipelineId(),
                read.teamId(),
                read.receivedAt(),
                read.source(),
                read.deliveryId(),
                read.contentType(),
                keepRequestHeaders ? read.headers() : Map.of(),
                body,
                read.verification());
    }

    /** What closes a format-3 metadata into a line the Bronze reader reads: an empty body. */
    private static final byte[] EMPTY_BODY = ",\"body_b64\":\"\"}".getBytes(StandardCharsets.US_ASCII);

    /**
     * An instant as {@link Instant#toString()} writes it ({@code 2026-11-21T10:15:30.123456Z}: UTC, 0 to 9
     * fraction digits) read directly; anything else through {@link Instant#parse}, which is several times slower.
     */
    static Instant instant(String s) {
        int n = s.length();
        if (n >= 20
                && n <= 30
                && s.charAt(4) == '-'
                && s.charAt(7) == '-'
                && s.charAt(10) == 'T'
                && s.charAt(13) == ':'
                && s.charAt(16) == ':'
                && s.charAt(n - 1) == 'Z'
                && (n == 20 || (s.charAt(19) == '.' && n > 21))) {
            int year = digits(s, 0, 4);
            int month = digits(s, 5, 7);
            int day = digits(s, 8, 10);
            int hour = digits(s, 11, 13);
            int minute = digits(s, 14, 16);
            int second = digits(s, 17, 19);
            int nanos = 0;
            if (n > 20) {
                int fraction = digits(s, 20, n - 1);
                nanos = fraction < 0 ? -1 : fraction * POW10[9 - (n - 21)];
            }
            if (year >= 0
                    && month >= 1
                    && month <= 12
                    && day >= 1
                    && hour >= 0
                    && hour <= 23
                    && minute >= 0
                    && minute <= 59
                    && second >= 0
                    && second <= 59
                    && nanos >= 0) {
                try {
                    return java.time.LocalDateTime.of(year, month, day, hour, minute, second, nanos)
                            .toInstant(java.time.ZoneOffset.UTC);
                } catch (DateTimeException e) {
                    // a day that month does not have: Instant.parse says so
                }
            }
        }
        return Instant.parse(s);
    }

    private static final int[] POW10 = {
        1, 10, 100, 1_000, 10_000, 100_000, 1_000_000, 10_000_000, 100_000_000, 1_000_000_000
    };

    /** The decimal number of s[from, to), or -1 when a character is no digit. */
    private static int digits(String s, int from, int to) {
        int v = 0;
        for (int i = from; i < to; i++) {
            char c = s.charAt(i);
            if (c < '0' || c > '9') {
                return -1;
            }
            v = v * 10 + (c - '0');
        }
        return v;
    }

    private static void put(List<Header> headers, String key, String value) {
        if (value != null) {
            headers.add(new RecordHeader(key, value.getBytes(StandardCharsets.UTF_8)));
        }
    }

    private static String string(Header h) {
        if (h.value() == null) {
            throw new EnvelopeFormatException("header '" + h.key() + "' has no value", null);
        }
        return new String(h.value(), StandardCharsets.UTF_8);
    }

    private static UUID uuid(Header h) {
        String s = string(h);
        if (s.length() != 36) {
            throw new EnvelopeFormatException(h.key() + " is not a UUID", null);
        }
        return UUID.fromString(s);
    }

    private static void require(Object value, String name) {
        if (value == null) {
            throw new EnvelopeFormatException("missing header " + name, null);
        }
    }
}
