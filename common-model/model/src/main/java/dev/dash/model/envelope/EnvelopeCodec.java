package dev.dash.model.envelope;

import com.fasterxml.jackson.core.JsonEncoding;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.util.ByteArrayBuilder;
import com.fasterxml.jackson.databind.JsonNode;
import dev.dash.model.json.Json;
import dev.dash.model.json.TreeSubset;
import dev.dash.model.json.Utf8;
import dev.dash.model.signature.Preset;
import dev.dash.model.signature.VerificationResult;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Arrays;
import java.util.Base64;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

/**
 * The JSON form of a {@link RawEnvelope}: one compact JSON object with snake_case fields, written and read
 * with Jackson's streaming API (no reflection on the hot ingest path).
 *
 * <pre>{@code
 * {"v":1,"event_id":"0190...","pipeline_id":"...","team_id":"...","received_at":"2026-11-21T10:15:30.123456Z",
 *  "source":"webhook","delivery_id":"...","content_type":"application/json",
 *  "headers":{"x-github-event":"push"},
 *  "verification":{"status":"verified","preset":"github","secret_id":"s1","delivery_id":"..."},
 *  "body":"{\"ref\":\"refs/heads/main\"}"}
 * }</pre>
 *
 * <p>The body round-trips byte for byte. When its bytes are well-formed UTF-8 it is written as the JSON
 * string {@code body} (readable with jq, and smaller than base64 for JSON bodies); otherwise as
 * {@code body_b64}, standard base64. Exactly one of the two is present. Unknown fields are ignored, so
 * readers tolerate fields added later; {@code v} changes only for incompatible changes.
 *
 * <p><b>Bronze line version 2</b> ({@link #encodeLine}, {@link #decodeLine}; docs/architecture.md, "The Bronze
 * line"): the same metadata, {@code "v":2} first, and the body as the last field in one of three forms. A body that
 * is one JSON value (strictly as the mapping engine parses it), starts with the value itself and holds no line
 * break is written unescaped, {@code "body":<the body's exact bytes>}, followed by the line's closing brace: a
 * replay parses the line once and maps the tree it built ({@link Line#json()}), and the body's bytes are the
 * line's bytes between {@code "body":} and the last byte. Any other UTF-8 body is {@code "body_text"}, a JSON
 * string as version 1's {@code body}; anything else {@code body_b64}. Version-1 lines stay readable by {@link
 * #decodeLine}, which tells the versions apart by the line's first bytes ({@code {"v":2,} exactly).
 */
public final class EnvelopeCodec {
    /** The format version of {@link #encode} and {@link #decode}: the dash.raw format-1 value, the Bronze line v1. */
    public static final int VERSION = 1;

    /** The Bronze line version {@link #encodeLine} writes. */
    public static final int LINE_VERSION = 2;

    /** How every version-2 line starts, written so and read so: a reader dispatches on it. */
    private static final byte[] LINE_V2_PREFIX = "{\"v\":2,".getBytes(StandardCharsets.US_ASCII);

    private static final byte[] BODY_FIELD = ",\"body\":".getBytes(StandardCharsets.US_ASCII);

    private static final byte[] BODY_TEXT_FIELD = ",\"body_text\":".getBytes(StandardCharsets.US_ASCII);

    private static final byte[] BODY_B64_FIELD = ",\"body_b64\":".getBytes(StandardCharsets.US_ASCII);

    /**
     * Checks whether a body can be embedded: the mapping engine's limits, with one level of nesting less, since the
     * embedded value sits one level deeper in the line than at the root of its own document.
     */
    private static final JsonFactory EMBED_CHECK = JsonFactory.builder()
            .streamReadConstraints(StreamReadConstraints.builder()
                    .maxNestingDepth(Json.MAX_NESTING_DEPTH - 1)
                    .maxNumberLength(Json.MAX_NUMBER_LENGTH)
                    .build())
            .build();

    private EnvelopeCodec() {}

    /**
     * Encodes an envelope, for a Kafka record value.
     *
     * @param envelope the envelope
     * @return UTF-8 JSON bytes, without a trailing newline
     */
    public static byte[] encode(RawEnvelope envelope) {
        try (ByteArrayBuilder out = new ByteArrayBuilder(envelope.body().length + envelope.body().length / 3 + 512)) {
            try (JsonGenerator g = Json.factory().createGenerator(out)) {
                write(envelope, g);
            }
            return out.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException("writing to memory failed", e);
        }
    }

    /**
     * Writes an envelope to a stream, for the Bronze writer.
     *
     * @param envelope the envelope
     * @param out the stream; not closed
     * @throws IOException if the stream fails
     */
    public static void write(RawEnvelope envelope, OutputStream out) throws IOException {
        try (JsonGenerator g = Json.factory().createGenerator(out, JsonEncoding.UTF8)) {
            g.disable(JsonGenerator.Feature.AUTO_CLOSE_TARGET);
            write(envelope, g);
        }
    }

    private static void write(RawEnvelope e, JsonGenerator g) throws IOException {
        writeMeta(e, g, VERSION);
        byte[] body = e.body();
        if (Utf8.isValid(body)) {
            g.writeFieldName("body");
            // The bytes are already UTF-8: Jackson escapes them in place without building a String.
            g.writeUTF8String(body, 0, body.length);
        } else {
            g.writeFieldName("body_b64");
            g.writeBinary(body);
        }
        g.writeEndObject();
    }

    /** Opens the object and writes every field but the body. */
    private static void writeMeta(RawEnvelope e, JsonGenerator g, int version) throws IOException {
        g.writeStartObject();
        g.writeNumberField("v", version);
        g.writeStringField("event_id", e.eventId().toString());
        g.writeStringField("pipeline_id", e.pipelineId().toString());
        g.writeStringField("team_id", e.teamId().toString());
        g.writeStringField("received_at", e.receivedAt().toString());
        g.writeStringField("source", e.source().jsonName());
        if (e.deliveryId() != null) {
            g.writeStringField("delivery_id", e.deliveryId());
        }
        if (e.contentType() != null) {
            g.writeStringField("content_type", e.contentType());
        }
        g.writeObjectFieldStart("headers");
        for (Map.Entry<String, String> h : e.headers().entrySet()) {
            g.writeStringField(h.getKey(), h.getValue());
        }
        g.writeEndObject();
        VerificationResult v = e.verification();
        g.writeObjectFieldStart("verification");
        g.writeStringField("status", v.status().jsonName());
        writeOptional(g, "preset", v.preset() == null ? null : v.preset().jsonName());
        writeOptional(g, "reason", v.reason() == null ? null : v.reason().jsonName());
        writeOptional(g, "detail", v.detail());
        writeOptional(g, "delivery_id", v.deliveryId());
        writeOptional(g, "secret_id", v.secretId());
        g.writeEndObject();
    }

    /**
     * Encodes an envelope as a Bronze line of version 2 (see the class comment), without its newline.
     *
     * @param e the envelope
     * @return the line's UTF-8 bytes
     */
    public static byte[] encodeLine(RawEnvelope e) {
        byte[] body = e.body();
        boolean embed = embeddable(body);
        // One buffer sized for the whole line (the archiver encodes every event): the metadata, then the body
        // appended as it is, then one copy out; no meta array to grow, copy and splice into a second line array.
        int size = metaEstimate(e) + (embed ? BODY_FIELD.length + body.length + 1 : body.length + body.length / 3 + 16);
        try (ByteArrayBuilder out = new ByteArrayBuilder(size)) {
            try (JsonGenerator g = Json.factory().createGenerator(out)) {
                writeMeta(e, g, LINE_VERSION);
                if (embed) {
                    // {meta,"body":<body>}: the body's bytes are copied, never escaped. The object is closed by
                    // hand, so the generator must not close it again.
                    g.disable(JsonGenerator.Feature.AUTO_CLOSE_JSON_CONTENT);
                    g.flush();
                    out.write(BODY_FIELD);
                    out.write(body);
                    out.write('}');
                } else {
                    if (Utf8.isValid(body)) {
                        g.writeFieldName("body_text");
                        g.writeUTF8String(body, 0, body.length);
                    } else {
                        g.writeFieldName("body_b64");
                        g.writeBinary(body);
                    }
                    g.writeEndObject();
                }
            }
            return out.toByteArray();
        } catch (IOException ex) {
            throw new UncheckedIOException("writing to memory failed", ex);
        }
    }

    /**
     * A version-2 line's metadata: its bytes before the body field ({@code {"v":2,...,"verification":{...}}}, the
     * line's object still open), as {@link #encodeLine} writes them. The value of a format-3 {@code dash.raw} record's
     * {@code dash.meta} header ({@link RawRecordCodec}).
     *
     * @param e the envelope (its body is not read)
     * @return the metadata's UTF-8 bytes
     */
    public static byte[] meta(RawEnvelope e) {
        try (ByteArrayBuilder out = new ByteArrayBuilder(metaEstimate(e))) {
            try (JsonGenerator g = Json.factory().createGenerator(out)) {
                writeMeta(e, g, LINE_VERSION);
                // The line's object stays open: the body field and the closing brace are the archiver's.
                g.disable(JsonGenerator.Feature.AUTO_CLOSE_JSON_CONTENT);
            }
            return out.toByteArray();
        } catch (IOException ex) {
            throw new UncheckedIOException("writing to memory failed", ex);
        }
    }

    /**
     * The version-2 line of a metadata {@link #meta} wrote and a body: the bytes {@link #encodeLine} writes for the
     * envelope the metadata describes with that body. The metadata is copied as it is: the caller knows it is what
     * {@link #meta} writes.
     *
     * @param meta the line's metadata, exactly as {@link #meta} writes it
     * @param body the body
     * @return the line's UTF-8 bytes, without its newline
     */
    static byte[] line(byte[] meta, byte[] body) {
        return embeddable(body) ? embeddedLine(meta, body) : escapedLine(meta, body);
    }

    /** {@link #line} of a body that {@link #embeddable} accepts: the metadata, the body field, the body, a brace. */
    static byte[] embeddedLine(byte[] meta, byte[] body) {
        byte[] out = new byte[meta.length + BODY_FIELD.length + body.length + 1];
        System.arraycopy(meta, 0, out, 0, meta.length);
        System.arraycopy(BODY_FIELD, 0, out, meta.length, BODY_FIELD.length);
        System.arraycopy(body, 0, out, meta.length + BODY_FIELD.length, body.length);
        out[out.length - 1] = '}';
        return out;
    }

    /** {@link #line} of a body that {@link #embeddable} refuses: escaped text, or base64. */
    static byte[] escapedLine(byte[] meta, byte[] body) {
        try (ByteArrayBuilder out = new ByteArrayBuilder(meta.length + body.length + body.length / 3 + 16)) {
            out.write(meta);
            // The body as encodeLine writes it, as a root value: the same escaping (or base64) as a field's value.
            boolean text = Utf8.isValid(body);
            out.write(text ? BODY_TEXT_FIELD : BODY_B64_FIELD);
            try (JsonGenerator g = Json.factory().createGenerator(out)) {
                if (text) {
                    g.writeUTF8String(body, 0, body.length);
                } else {
                    g.writeBinary(body);
                }
            }
            out.write('}');
            return out.toByteArray();
        } catch (IOException ex) {
            throw new UncheckedIOException("writing to memory failed", ex);
        }
    }

    /** About the bytes {@link #writeMeta} writes for {@code e} (more when values need escaping). */
    private static int metaEstimate(RawEnvelope e) {
        int n = 384 + length(e.deliveryId()) + length(e.contentType());
        for (Map.Entry<String, String> h : e.headers().entrySet()) {
            n += h.getKey().length() + h.getValue().length() + 6;
        }
        VerificationResult v = e.verification();
        return n + length(v.detail()) + length(v.deliveryId()) + length(v.secretId());
    }

    private static int length(String s) {
        return s == null ? 0 : s.length() + 24;
    }

    /**
     * Whether a body is written unescaped in a version-2 line: exactly one JSON value within the mapping engine's
     * limits, starting with the value's first byte, ending with its last, and without a line break (JSON allows
     * one between tokens; a Bronze line does not). Its bytes then go into the line as they are. The common body is
     * answered by one pass without the parser ({@link JsonValueCheck}); the parser decides every other.
     */
    static boolean embeddable(byte[] b) {
        return JsonValueCheck.oneValue(b) || embeddableByParser(b);
    }

    /** {@link #embeddable} decided by the parser alone (package-private for the tests' comparison). */
    static boolean embeddableByParser(byte[] b) {
        int n = b.length;
        if (n == 0) {
            return false;
        }
        byte first = b[0];
        if (!(first == '{'
                || first == '['
                || first == '"'
                || first == '-'
                || (first >= '0' && first <= '9')
                || first == 't'
                || first == 'f'
                || first == 'n')) {
            return false;
        }
        byte last = b[n - 1];
        if (last == ' ' || last == '\t') {
            return false;
        }
        for (byte x : b) {
            if (x == '\n' || x == '\r') {
                return false;
            }
        }
        if (!Utf8.isValid(b)) {
            return false;
        }
        try (JsonParser p = EMBED_CHECK.createParser(b)) {
            if (p.nextToken() == null) {
                return false;
            }
            // Tokenises every nested value (strings are checked as they are skipped, escapes and control
            // characters included); a root scalar is consumed by the next call.
            p.skipChildren();
            return p.nextToken() == null;
        } catch (IOException | RuntimeException ex) {
            return false;
        }
    }

    /**
     * One Bronze line read: its envelope and, when the line embedded the body as JSON (version 2), the body's tree,
     * so the mapping does not parse the body again.
     *
     * @param envelope the envelope, its body the exact bytes
     * @param json the body as parsed with {@link Json}'s settings (or the part of it the reader asked for, {@link
     *     TreeSubset}), or null (a version-1 line, a body that is not embedded JSON, or a reader that asked for no
     *     tree)
     */
    public record Line(RawEnvelope envelope, JsonNode json) {}

    /**
     * Decodes a Bronze line of either version.
     *
     * @param bytes the array
     * @param offset first byte of the line
     * @param length length of the line, without its newline
     * @param tree whether to keep the embedded body's tree
     * @return the line
     * @throws EnvelopeFormatException if the bytes are neither a version-1 nor a version-2 line
     */
    public static Line decodeLine(byte[] bytes, int offset, int length, boolean tree) {
        return decodeLine(bytes, offset, length, tree ? TreeSubset.ALL : null);
    }

    /**
     * Decodes a Bronze line of either version, keeping only part of an embedded body's tree: what a reader that
     * looks the body up only by the subset's pointers needs (a replay: {@code CompiledMapping#bodySubset}).
     *
     * @param bytes the array
     * @param offset first byte of the line
     * @param length length of the line, without its newline
     * @param tree the part of the embedded body's tree to keep ({@link TreeSubset#ALL}: the whole tree), or null for
     *     no tree
     * @return the line
     * @throws EnvelopeFormatException if the bytes are neither a version-1 nor a version-2 line
     */
    public static Line decodeLine(byte[] bytes, int offset, int length, TreeSubset tree) {
        if (!Arrays.equals(
                bytes,
                offset,
                offset + Math.min(length, LINE_V2_PREFIX.length),
                LINE_V2_PREFIX,
                0,
                LINE_V2_PREFIX.length)) {
            return new Line(decode(bytes, offset, length), null);
        }
        if (tree != null) {
            try {
                return decodeV2(bytes, offset, length, tree);
            } catch (EnvelopeFormatException e) {
                // A body the writer judged embeddable that the tree builder refuses (a number out of range, say):
                // the line is still read, and the mapping meets the body as live ingest does, from its bytes.
            }
        }
        return decodeV2(bytes, offset, length, null);
    }

    private static Line decodeV2(byte[] bytes, int offset, int length, TreeSubset tree) {
        try (JsonParser p = Json.factory().createParser(bytes, offset, length)) {
            Fields f = read(p, true, LINE_VERSION, tree);
            if (p.nextToken() != null) {
                throw new EnvelopeFormatException("trailing content after the envelope", null);
            }
            if (f.bodyStart >= 0) {
                if (f.bodyEnd != length - 1 || f.end != length - 1) {
                    throw new EnvelopeFormatException(
                            "an unescaped body must end the line but for its closing brace", null);
                }
                f.body = Arrays.copyOfRange(bytes, offset + f.bodyStart, offset + length - 1);
            }
            return new Line(envelope(f), f.json);
        } catch (EnvelopeFormatException e) {
            throw e;
        } catch (IOException | RuntimeException e) {
            throw new EnvelopeFormatException("not a Bronze line: " + e.getMessage(), e);
        }
    }

    private static void writeOptional(JsonGenerator g, String name, String value) throws IOException {
        if (value != null) {
            g.writeStringField(name, value);
        }
    }

    /**
     * Decodes an envelope.
     *
     * @param bytes the JSON bytes
     * @return the envelope
     * @throws EnvelopeFormatException if the bytes are not a version-1 envelope
     */
    public static RawEnvelope decode(byte[] bytes) {
        return decode(bytes, 0, bytes.length);
    }

    /**
     * Decodes an envelope from part of an array.
     *
     * @param bytes the array
     * @param offset first byte of the JSON
     * @param length length of the JSON
     * @return the envelope
     * @throws EnvelopeFormatException if the bytes are not a version-1 envelope
     */
    public static RawEnvelope decode(byte[] bytes, int offset, int length) {
        try (JsonParser p = Json.factory().createParser(bytes, offset, length)) {
            RawEnvelope envelope = read(p);
            if (p.nextToken() != null) {
                throw new EnvelopeFormatException("trailing content after the envelope", null);
            }
            return envelope;
        } catch (EnvelopeFormatException e) {
            throw e;
        } catch (IOException | RuntimeException e) {
            throw new EnvelopeFormatException("not a raw event envelope: " + e.getMessage(), e);
        }
    }

    /**
     * What the Bronze archiver needs of an encoded envelope: its identity, its pipeline and hour, and the
     * line to store (whole, or in parts that {@link #writeLine} writes without joining them).
     */
    public static final class Head {
        private final UUID pipelineId;
        private final Instant receivedAt;
        private UUID eventId;
        private byte[] line;
        /** A format-3 record's checked metadata and its embeddable body, the line's parts; null for a whole line. */
        private final RawMeta meta;

        private final byte[] body;

        /**
         * A head whose line is given whole.
         *
         * @param eventId the event id
         * @param pipelineId the pipeline
         * @param receivedAt when Dash received it
         * @param line the envelope as one JSON line without its newline: the given bytes themselves when they hold
         *     no line break (always so for what {@link #encode} wrote), else the envelope encoded again
         */
        public Head(UUID eventId, UUID pipelineId, Instant receivedAt, byte[] line) {
            this.eventId = eventId;
            this.pipelineId = pipelineId;
            this.receivedAt = receivedAt;
            this.line = line;
            this.meta = null;
            this.body = null;
        }

        /**
         * A format-3 record's head: its line is the metadata, the body field, the body and a brace ({@link
         * #embeddedLine}), written in those parts ({@link #writeLine}) rather than joined into one array first; the
         * event id is read from the metadata only when asked (the archiver never asks).
         */
        Head(RawMeta meta, byte[] body) {
            this.meta = meta;
            this.body = body;
            this.pipelineId = meta.pipelineId();
            this.receivedAt = meta.receivedAt;
        }

        /** The event id. */
        public UUID eventId() {
            if (eventId == null) {
                eventId = meta.eventId();
            }
            return eventId;
        }

        /** The pipeline. */
        public UUID pipelineId() {
            return pipelineId;
        }

        /** When Dash received the event. */
        public Instant receivedAt() {
            return receivedAt;
        }

        /** The line without its newline, as one array (joined from its parts on the first call, if it has parts). */
        public byte[] line() {
            if (line == null) {
                line = embeddedLine(meta.bytes(), body);
            }
            return line;
        }

        /** The line's length in bytes, without its newline. */
        public int length() {
            return line != null ? line.length : meta.bytes().length + BODY_FIELD.length + body.length + 1;
        }

        /**
         * Writes the line, without its newline: the same bytes as {@link #line()}, in parts when it has them.
         *
         * @param out where to
         * @throws IOException if the stream fails
         */
        public void writeLine(OutputStream out) throws IOException {
            if (line != null) {
                out.write(line);
                return;
            }
            byte[] m = meta.bytes();
            out.write(m, 0, m.length);
            out.write(BODY_FIELD, 0, BODY_FIELD.length);
            out.write(body, 0, body.length);
            out.write('}');
        }

        @Override
        public String toString() {
            return "Head[pipelineId=" + pipelineId + ", receivedAt=" + receivedAt + ", length=" + length() + "]";
        }
    }

    /**
     * Checks an encoded envelope exactly as {@link #decode(byte[])} does (it succeeds if and only if decode
     * would) but builds no envelope: the headers, the body and its copy to bytes are only checked, not kept.
     * For the archiver, which stores the very bytes it read; about half the cost of decoding them.
     *
     * @param bytes the JSON bytes
     * @return the head
     * @throws EnvelopeFormatException if the bytes are not a version-1 envelope
     */
    public static Head head(byte[] bytes) {
        for (byte b : bytes) {
            if (b == '\n' || b == '\r') {
                // Valid JSON may hold line breaks between tokens; a Bronze line may not.
                RawEnvelope e = decode(bytes);
                return new Head(e.eventId(), e.pipelineId(), e.receivedAt(), encode(e));
            }
        }
        try (JsonParser p = Json.factory().createParser(bytes)) {
            Fields f = read(p, false, VERSION, null);
            if (p.nextToken() != null) {
                throw new EnvelopeFormatException("trailing content after the envelope", null);
            }
            return new Head(f.eventId, f.pipelineId, f.receivedAt, bytes);
        } catch (EnvelopeFormatException e) {
            throw e;
        } catch (IOException | RuntimeException e) {
            throw new EnvelopeFormatException("not a raw event envelope: " + e.getMessage(), e);
        }
    }

    /** The fields read so far; {@code headers} and {@code body} stay null when they are only checked. */
    private static final class Fields {
        UUID eventId;
        UUID pipelineId;
        UUID teamId;
        Instant receivedAt;
        Source source;
        String deliveryId;
        String contentType;
        Map<String, String> headers;
        VerificationResult verification;
        byte[] body;
        boolean hasBody;
        /** Where an embedded body starts, relative to the line's first byte; -1 when not embedded. */
        int bodyStart = -1;
        /** Where an embedded body ends (exclusive), relative to the line's first byte. */
        int bodyEnd;
        /** Where the closing brace is, relative to the line's first byte. */
        int end;

        JsonNode json;
    }

    private static RawEnvelope read(JsonParser p) throws IOException {
        return envelope(read(p, true, VERSION, null));
    }

    private static RawEnvelope envelope(Fields f) {
        return new RawEnvelope(
                f.eventId,
                f.pipelineId,
                f.teamId,
                f.receivedAt,
                f.source,
                f.deliveryId,
                f.contentType,
                f.headers,
                f.body,
                f.verification);
    }

    /**
     * Reads and checks every field of a version-{@code expected} object; {@code keep} false only checks the headers
     * and the body. Version 2 ({@code keep} true only) reads the part {@code tree} keeps of an embedded body's tree
     * when {@code tree} is not null and otherwise only its position ({@link Fields#bodyStart}), the caller copying its bytes.
     */
    private static Fields read(JsonParser p, boolean keep, int expected, TreeSubset tree) throws IOException {
        expect(p.nextToken(), JsonToken.START_OBJECT, "the envelope");
        long base = p.currentTokenLocation().getByteOffset();
        Integer version = null;
        Fields f = new Fields();
        Set<String> seen = new HashSet<>(16);
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String name = p.currentName();
            JsonToken t = p.nextToken();
            if (!seen.add(name)) {
                throw new EnvelopeFormatException("field '" + name + "' appears twice", null);
            }
            if (f.bodyStart >= 0) {
                throw new EnvelopeFormatException("an unescaped body must be the line's last field", null);
            }
            if (expected == LINE_VERSION && name.equals("body")) {
                if (f.hasBody) {
                    throw new EnvelopeFormatException("more than one of body, body_text, body_b64", null);
                }
                f.hasBody = true;
                f.bodyStart = (int) (p.currentTokenLocation().getByteOffset() - base);
                if (tree != null) {
                    f.json = tree.read(p);
                } else {
                    p.skipChildren();
                    if (t.isScalarValue()) {
                        // Makes the parser read (and check) a string or number before the next token.
                        p.getTextLength();
                    }
                }
                f.bodyEnd = (int) (p.currentLocation().getByteOffset() - base);
                continue;
            }
            if (expected == LINE_VERSION && name.equals("body_text")) {
                // Read as version 1's body: a JSON string of the body's UTF-8 text.
                name = "body";
            }
            switch (name) {
                case "v" -> {
                    expect(t, JsonToken.VALUE_NUMBER_INT, name);
                    version = p.getIntValue();
                }
                case "event_id" -> f.eventId = uuid(p, t, name);
                case "pipeline_id" -> f.pipelineId = uuid(p, t, name);
                case "team_id" -> f.teamId = uuid(p, t, name);
                case "received_at" -> f.receivedAt = RawRecordCodec.instant(text(p, t, name));
                case "source" -> f.source = Source.fromJsonName(text(p, t, name));
                case "delivery_id" -> f.deliveryId = optionalText(p, t, name);
                case "content_type" -> f.contentType = optionalText(p, t, name);
                case "headers" -> f.headers = readHeaders(p, t, keep);
                case "verification" -> f.verification = readVerification(p, t);
                case "body" -> {
                    if (f.hasBody) {
                        throw new EnvelopeFormatException("both body and body_b64 are present", null);
                    }
                    f.hasBody = true;
                    if (keep) {
                        f.body = text(p, t, name).getBytes(StandardCharsets.UTF_8);
                    } else {
                        // Decoded into the parser's buffer, not copied: skipping it would check its UTF-8 less
                        // strictly than getText does.
                        expect(t, JsonToken.VALUE_STRING, name);
                        p.getTextLength();
                    }
                }
                case "body_b64" -> {
                    if (f.hasBody) {
                        throw new EnvelopeFormatException("both body and body_b64 are present", null);
                    }
                    f.hasBody = true;
                    byte[] decoded = Base64.getDecoder().decode(text(p, t, name));
                    if (keep) {
                        f.body = decoded;
                    }
                }
                default -> p.skipChildren();
            }
        }
        expect(p.currentToken(), JsonToken.END_OBJECT, "the end of the envelope");
        if (version == null || version != expected) {
            throw new EnvelopeFormatException("unsupported envelope version " + version, null);
        }
        f.end = (int) (p.currentTokenLocation().getByteOffset() - base);
        require(f.eventId, "event_id");
        require(f.pipelineId, "pipeline_id");
        require(f.teamId, "team_id");
        require(f.receivedAt, "received_at");
        require(f.source, "source");
        require(f.verification, "verification");
        require(f.hasBody ? Boolean.TRUE : null, "body or body_b64");
        return f;
    }

    private static Map<String, String> readHeaders(JsonParser p, JsonToken t, boolean keep) throws IOException {
        expect(t, JsonToken.START_OBJECT, "headers");
        Map<String, String> headers = keep ? new HashMap<>() : null;
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String name = p.currentName();
            JsonToken v = p.nextToken();
            if (keep) {
                headers.put(name, text(p, v, "header " + name));
            } else {
                expect(v, JsonToken.VALUE_STRING, "header " + name);
                p.getTextLength();
            }
        }
        return headers;
    }

    private static VerificationResult readVerification(JsonParser p, JsonToken t) throws IOException {
        expect(t, JsonToken.START_OBJECT, "verification");
        String status = null;
        String preset = null;
        String reason = null;
        String detail = null;
        String deliveryId = null;
        String secretId = null;
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String name = p.currentName();
            JsonToken v = p.nextToken();
            switch (name) {
                case "status" -> status = text(p, v, "verification.status");
                case "preset" -> preset = optionalText(p, v, "verification.preset");
                case "reason" -> reason = optionalText(p, v, "verification.reason");
                case "detail" -> detail = optionalText(p, v, "verification.detail");
                case "delivery_id" -> deliveryId = optionalText(p, v, "verification.delivery_id");
                case "secret_id" -> secretId = optionalText(p, v, "verification.secret_id");
                default -> p.skipChildren();
            }
        }
        require(status, "verification.status");
        return new VerificationResult(
                VerificationResult.Status.fromJsonName(status),
                preset == null ? null : Preset.fromJsonName(preset),
                reason == null ? null : VerificationResult.Reason.fromJsonName(reason),
                detail,
                deliveryId,
                secretId);
    }

    private static UUID uuid(JsonParser p, JsonToken t, String name) throws IOException {
        String s = text(p, t, name);
        if (s.length() != 36) {
            throw new EnvelopeFormatException(name + " is not a UUID", null);
        }
        return UUID.fromString(s);
    }

    private static String text(JsonParser p, JsonToken t, String name) throws IOException {
        expect(t, JsonToken.VALUE_STRING, name);
        return p.getText();
    }

    private static String optionalText(JsonParser p, JsonToken t, String name) throws IOException {
        return t == JsonToken.VALUE_NULL ? null : text(p, t, name);
    }

    private static void expect(JsonToken actual, JsonToken expected, String what) {
        if (actual != expected) {
            throw new EnvelopeFormatException("expected " + what + " to be " + expected + " but found " + actual, null);
        }
    }

    private static void require(Object value, String name) {
        if (value == null) {
            throw new EnvelopeFormatException("missing field " + name, null);
        }
    }
}
