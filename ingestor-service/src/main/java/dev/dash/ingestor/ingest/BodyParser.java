package dev.dash.ingestor.ingest;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.base.ParserBase;
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
        List<byte[]> events = oneParse(body);
        return events != null ? events : ndjsonPerLine(body);
    }

    /**
     * The events of a body whose every non-blank line holds exactly one JSON object or array, found by one parser
     * over the whole body (a parser per line cost about as much as the line's checks themselves); null when the body
     * is anything else, or anything is unusual (a byte order mark, a document over two lines, two on one line, a
     * scalar document, a blank body), and then {@link #ndjsonPerLine} decides, so refusals and their messages are its
     * own. A body accepted here is accepted there with the same events: each document starts and ends within one
     * line, with nothing but the blanks both count as blank around it, and Jackson reads a document's bytes the same
     * with or without the other lines around it.
     */
    static List<byte[]> oneParse(byte[] body) {
        if (Utf8.invalidAt(body, 0, body.length) >= 0) {
            return null;
        }
        List<byte[]> events = new ArrayList<>();
        try (JsonParser p = Json.factory().createParser(body, 0, body.length)) {
            if (!(p instanceof ParserBase at)) {
                return null;
            }
            int from = 0; // where the line of the next document may start (the line after the last document)
            int lineStart = 0;
            int lineEnd = 0; // the current document's line, less a final CR
            int next = 0; // the start of the line after it (body.length + 1 after the last line)
            int depth = 0;
            JsonToken t;
            while ((t = p.nextToken()) != null) {
                if (depth == 0) {
                    // A document starts: an object or an array (a scalar event is left to the parser per line), on
                    // the first non-blank line from `from`, after blanks only. Jackson's token offset is the index
                    // just after the token's first byte (checked against the bytes: any other reading goes the slow
                    // way).
                    if (!t.isStructStart()) {
                        return null;
                    }
                    long offset = at.getTokenCharacterOffset() - 1;
                    int s = from;
                    while (true) {
                        int nl = indexOf(body, (byte) '\n', s);
                        int end = nl < 0 ? body.length : nl;
                        if (offset < end) {
                            lineStart = s;
                            lineEnd = end > s && body[end - 1] == '\r' ? end - 1 : end;
                            next = nl < 0 ? body.length + 1 : nl + 1;
                            break;
                        }
                        if (nl < 0 || !blank(body, s, end)) {
                            return null;
                        }
                        s = nl + 1;
                    }
                    if (offset < lineStart
                            || offset >= lineEnd
                            || !blank(body, lineStart, (int) offset)
                            || body[(int) offset] != (t == JsonToken.START_OBJECT ? '{' : '[')) {
                        return null;
                    }
                }
                if (t.isStructStart()) {
                    depth++;
                } else if (t.isStructEnd()) {
                    depth--;
                    if (depth == 0) {
                        // The document ends on its line: the offset of its last byte, '}' or ']', plus one.
                        long end = at.getTokenCharacterOffset();
                        if (end > lineEnd
                                || end < 1
                                || body[(int) end - 1] != (t == JsonToken.END_OBJECT ? '}' : ']')) {
                            return null;
                        }
                        events.add(Arrays.copyOfRange(body, lineStart, lineEnd));
                        from = next;
                    }
                }
            }
            for (int i = from; i < body.length; i++) {
                if (!blank(body, i, i + 1) && body[i] != '\n') {
                    return null;
                }
            }
            return depth != 0 || events.isEmpty() ? null : events;
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    /**
     * {@link #ndjson}'s reference: each line checked by a parser of its own. Gives every refusal, with its line and
     * column, and the events whenever {@link #oneParse} cannot.
     */
    static List<byte[]> ndjsonPerLine(byte[] body) {
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
