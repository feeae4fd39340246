package dev.dash.model.envelope;

import com.fasterxml.jackson.core.JsonEncoding;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.util.ByteArrayBuilder;
import dev.dash.model.json.Json;
import dev.dash.model.json.Utf8;
import dev.dash.model.signature.Preset;
import dev.dash.model.signature.VerificationResult;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
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
 */
public final class EnvelopeCodec {
    /** The format version written and the only one read. */
    public static final int VERSION = 1;

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
        g.writeStartObject();
        g.writeNumberField("v", VERSION);
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
     * line to store.
     *
     * @param eventId the event id
     * @param pipelineId the pipeline
     * @param receivedAt when Dash received it
     * @param line the envelope as one JSON line without its newline: the given bytes themselves when they hold
     *     no line break (always so for what {@link #encode} wrote), else the envelope encoded again
     */
    public record Head(UUID eventId, UUID pipelineId, Instant receivedAt, byte[] line) {}

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
            Fields f = read(p, false);
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
    }

    private static RawEnvelope read(JsonParser p) throws IOException {
        Fields f = read(p, true);
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

    /** Reads and checks every field; {@code keep} false only checks the headers and the body. */
    private static Fields read(JsonParser p, boolean keep) throws IOException {
        expect(p.nextToken(), JsonToken.START_OBJECT, "the envelope");
        Integer version = null;
        Fields f = new Fields();
        Set<String> seen = new HashSet<>(16);
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String name = p.currentName();
            JsonToken t = p.nextToken();
            if (!seen.add(name)) {
                throw new EnvelopeFormatException("field '" + name + "' appears twice", null);
            }
            switch (name) {
                case "v" -> {
                    expect(t, JsonToken.VALUE_NUMBER_INT, name);
                    version = p.getIntValue();
                }
                case "event_id" -> f.eventId = uuid(p, t, name);
                case "pipeline_id" -> f.pipelineId = uuid(p, t, name);
                case "team_id" -> f.teamId = uuid(p, t, name);
                case "received_at" -> f.receivedAt = Instant.parse(text(p, t, name));
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
        if (version == null || version != VERSION) {
            throw new EnvelopeFormatException("unsupported envelope version " + version, null);
        }
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
