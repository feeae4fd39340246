package dev.dash.ingestor.ingest;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import dev.dash.model.json.Json;
import dev.dash.model.json.Utf8;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.zip.GZIPInputStream;
import java.util.zip.ZipException;

/**
 * Turns a request body into the event bodies it holds: gzip decoding under a size limit, then one JSON
 * document, or one per non-blank line for NDJSON. Validation streams tokens (no tree is built), with the
 * same parsing limits as the mapping engine, so a body accepted here parses there.
 */
final class BodyParser {
    private BodyParser() {}

    /** Removes a gzip content encoding, refusing bodies that expand beyond {@code limit} bytes. */
    static byte[] gunzip(byte[] body, long limit) {
        try (GZIPInputStream in = new GZIPInputStream(new ByteArrayInputStream(body), 16 * 1024)) {
            ByteArrayOutputStream out = new ByteArrayOutputStream(Math.max(1024, body.length * 4));
            byte[] buf = new byte[16 * 1024];
            long total = 0;
            int n;
            while ((n = in.read(buf)) > 0) {
                total += n;
                if (total > limit) {
                    throw new IngestRejection(
                            413, "body_too_large", "body", "the decompressed body exceeds " + limit + " bytes");
                }
                out.write(buf, 0, n);
            }
            return out.toByteArray();
        } catch (ZipException | java.io.EOFException e) {
            throw new IngestRejection(
                    400, "invalid_encoding", "content-encoding", "the body is not valid gzip: " + e.getMessage());
        } catch (IOException e) {
            throw new IngestRejection(
                    400, "invalid_encoding", "content-encoding", "the body cannot be decompressed: " + e.getMessage());
        }
    }

    /** The body as one event; rejects anything but exactly one JSON document. */
    static List<byte[]> single(byte[] body) {
        String problem = validate(body, 0, body.length);
        if (problem != null) {
            throw new IngestRejection(400, "invalid_json", "body", problem);
        }
        return List.of(body);
    }

    /** One event per non-blank line (LF or CRLF); rejects the whole batch at the first bad line. */
    static List<byte[]> ndjson(byte[] body) {
        List<byte[]> events = new ArrayList<>();
        int start = 0;
        int lineNo = 0;
        while (start <= body.length) {
            int nl = indexOf(body, (byte) '\n', start);
            int end = nl < 0 ? body.length : nl;
            lineNo++;
            int e = end;
            if (e > start && body[e - 1] == '\r') {
                e--;
            }
            if (!blank(body, start, e)) {
                String problem = validate(body, start, e - start);
                if (problem != null) {
                    throw new IngestRejection(
                            400, "invalid_json", "body", "line " + lineNo + ": " + problem, lineNo, null);
                }
                events.add(Arrays.copyOfRange(body, start, e));
            }
            if (nl < 0) {
                break;
            }
            start = nl + 1;
        }
        if (events.isEmpty()) {
            throw new IngestRejection(400, "invalid_json", "body", "the NDJSON body has no event");
        }
        return events;
    }

    private static int indexOf(byte[] b, byte v, int from) {
        for (int i = from; i < b.length; i++) {
            if (b[i] == v) {
                return i;
            }
        }
        return -1;
    }

    private static boolean blank(byte[] b, int from, int to) {
        for (int i = from; i < to; i++) {
            byte c = b[i];
            if (c != ' ' && c != '\t' && c != '\r') {
                return false;
            }
        }
        return true;
    }

    /** Null when the range is exactly one JSON document, otherwise why not. */
    static String validate(byte[] b, int offset, int length) {
        if (blank(b, offset, offset + length)) {
            return "the body is empty";
        }
        // Jackson decodes overlong forms and encoded surrogates without complaint; RFC 8259 text is UTF-8, and
        // such bytes would only be quarantined later by the mapper, after the producer was told 202.
        int bad = Utf8.invalidAt(b, offset, length);
        if (bad >= 0) {
            return "not valid UTF-8 at byte " + (bad - offset) + " (overlong, surrogate or malformed sequence)";
        }
        try (JsonParser p = Json.factory().createParser(b, offset, length)) {
            int depth = 0;
            JsonToken t;
            boolean rootDone = false;
            while ((t = p.nextToken()) != null) {
                if (rootDone) {
                    return "unexpected content after the JSON document" + where(p.currentLocation());
                }
                if (t.isStructStart()) {
                    depth++;
                } else if (t.isStructEnd()) {
                    depth--;
                }
                if (depth == 0) {
                    rootDone = true;
                }
            }
            return null;
        } catch (JsonProcessingException e) {
            return "not valid JSON" + where(e.getLocation()) + ": " + e.getOriginalMessage();
        } catch (IOException e) {
            return "not valid JSON: " + e.getMessage();
        }
    }

    private static String where(JsonLocation at) {
        return at == null
                ? ""
                : " at column " + at.getColumnNr() + (at.getLineNr() > 1 ? ", line " + at.getLineNr() : "");
    }
}
