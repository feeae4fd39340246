package dev.dash.model.kafka;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.SerializableString;
import com.fasterxml.jackson.core.io.SerializedString;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import dev.dash.model.json.Json;
import dev.dash.model.json.Utf8;
import dev.dash.model.mapping.Labels;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.DateTimeException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;

/**
 * The {@link Topics#POINTS} values, in two formats that {@link #decode} tells apart by their first byte.
 *
 * <p><b>Format 2</b> (binary, written since issue 19): {@code 0x00 'P' 0x02}, the pipeline and team ids (16 bytes
 * each), the commit time (epoch second as 8 bytes, nanosecond as 4), the number of points (4 bytes), then per point a
 * flags byte and its fields:
 *
 * <pre>{@code
 * flags: 1 new event (its id, 16 bytes, or none when flag 2; its receipt time, 12 bytes, or none when flag 4),
 *        8 the same labels as the previous point, 16 no labels (null), 32 no time (null)
 * time (12 bytes, unless flag 32), metric (string), labels (unless flag 8 or 16: a count, then name and value
 * strings), value (8 bytes, IEEE 754), seq and mapping version (zig-zag varints)
 * }</pre>
 *
 * A string is a varint: 0 for null, {@code k} for the record's {@code k}-th string so far, one more than the strings
 * so far for a new one, followed by its UTF-8 length (varint) and bytes. Numbers are big-endian. A record is
 * self-contained (its strings and its previous point start anew), so a batch cut into records reads record by
 * record. Points of one event are written one after the other by the Silver writer, so an event's id and receipt
 * time are written once, and its points share one labels map; a batch of the ingest benchmark's readings takes 42
 * bytes a point against 226 in format 1.
 *
 * <p><b>Format 1</b> (JSON, snake_case), what the Silver writer wrote before; still read, so that records written
 * before an upgrade are read after it, and written by {@link #encode(PointsBatch, int)} for tests:
 *
 * <pre>{@code
 * {"pipeline_id":"...","team_id":"...","committed_at":"2026-11-21T06:00:00.250Z",
 *  "points":[{"time":"2026-11-21T06:00:00Z","metric":"temp","labels":{"site":"a"},"value":21.5,
 *             "event_id":"...","seq":0,"mapping_version":1,"received_at":"2026-11-21T06:00:00.012Z"}]}
 * }</pre>
 *
 * <p>Instants are ISO-8601 as {@link Instant#toString()} writes them (fractions in groups of three digits,
 * none when whole). Its encoding streams the fields in this order without data binding; its bytes are those the
 * databind mapper of {@link #decode} writes for a {@link PointsBatch}, as {@code PointsCodecTest} checks.
 */
public final class PointsCodec {
    /** The format the Silver writer writes. */
    public static final int CURRENT_FORMAT = 2;

    private static final ObjectMapper MAPPER =
            Json.newMapper().setPropertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE);

    private static final SerializableString PIPELINE_ID = new SerializedString("pipeline_id");
    private static final SerializableString TEAM_ID = new SerializedString("team_id");
    private static final SerializableString COMMITTED_AT = new SerializedString("committed_at");
    private static final SerializableString POINTS = new SerializedString("points");
    private static final SerializableString TIME = new SerializedString("time");
    private static final SerializableString METRIC = new SerializedString("metric");
    private static final SerializableString LABELS = new SerializedString("labels");
    private static final SerializableString VALUE = new SerializedString("value");
    private static final SerializableString EVENT_ID = new SerializedString("event_id");
    private static final SerializableString SEQ = new SerializedString("seq");
    private static final SerializableString MAPPING_VERSION = new SerializedString("mapping_version");
    private static final SerializableString RECEIVED_AT = new SerializedString("received_at");

    /** {@code "]}"}, which closes the points array and the batch. */
    private static final int CLOSING_BYTES = 2;

    /** First second of 10000-01-01: from there on {@link Instant#toString()} writes a sign and more digits. */
    private static final long YEAR_10000 = 253_402_300_800L;

    private static final byte MAGIC_0 = 0;
    private static final byte MAGIC_1 = 'P';
    /** Magic, pipeline, team, commit time, point count. */
    private static final int HEAD_BYTES = 3 + 16 + 16 + 12 + 4;
    /** Where the point count sits in a format-2 record. */
    private static final int COUNT_AT = HEAD_BYTES - 4;

    private static final int NEW_EVENT = 1;
    private static final int NO_EVENT_ID = 2;
    private static final int NO_RECEIVED_AT = 4;
    private static final int SAME_LABELS = 8;
    private static final int NO_LABELS = 16;
    private static final int NO_TIME = 32;
    private static final int KNOWN_FLAGS = 63;

    private PointsCodec() {}

    /**
     * Serialises a batch in the current format.
     *
     * @param batch the batch
     * @return the record value
     * @throws UncheckedIOException if the JSON generator fails (not expected when writing to memory)
     */
    public static byte[] encode(PointsBatch batch) {
        return encode(batch, CURRENT_FORMAT);
    }

    /**
     * Serialises a batch in a given format (1 is for tests of readers that must still read it).
     *
     * @param batch the batch
     * @param format 1 (JSON) or 2 (binary)
     * @return the record value
     */
    public static byte[] encode(PointsBatch batch, int format) {
        return encodeSplit(batch, Integer.MAX_VALUE, format).get(0);
    }

    /**
     * Serialises a batch in the current format as consecutive parts of at most {@code maxBytes} each, for a transport
     * with a size limit: every part is a batch with the same pipeline, team and commit time holding the next points in
     * order, as many as fit, exactly as {@link #encode} writes that batch. A point too large for the bound on its own
     * gets a part of its own (larger than the bound); a batch without points gives one part.
     *
     * @param batch the batch
     * @param maxBytes the largest part wanted, in bytes
     * @return the parts, at least one
     */
    public static List<byte[]> encodeSplit(PointsBatch batch, int maxBytes) {
        return encodeSplit(batch, maxBytes, CURRENT_FORMAT);
    }

    /**
     * {@link #encodeSplit(PointsBatch, int)} in a given format.
     *
     * @param batch the batch
     * @param maxBytes the largest part wanted, in bytes
     * @param format 1 (JSON) or 2 (binary)
     * @return the parts, at least one
     * @throws IllegalArgumentException for another format
     */
    public static List<byte[]> encodeSplit(PointsBatch batch, int maxBytes, int format) {
        return switch (format) {
            case 1 -> encodeJson(batch, maxBytes);
            case 2 -> new Binary(batch, maxBytes).encode();
            default -> throw new IllegalArgumentException("no dash.points format " + format);
        };
    }

    private static List<byte[]> encodeJson(PointsBatch batch, int maxBytes) {
        List<PointsBatch.Point> points = batch.points();
        Buffer out = new Buffer((int) Math.min(256 + 256L * points.size(), maxBytes + 4096L));
        List<byte[]> parts = new ArrayList<>(1);
        char[] instant = new char[30];
        try (JsonGenerator g = Json.factory().createGenerator(out)) {
            g.writeStartObject();
            g.writeFieldName(PIPELINE_ID);
            writeUuid(g, batch.pipelineId());
            g.writeFieldName(TEAM_ID);
            writeUuid(g, batch.teamId());
            g.writeFieldName(COMMITTED_AT);
            writeInstant(g, batch.committedAt(), instant);
            g.writeFieldName(POINTS);
            g.writeStartArray();
            g.flush();
            // The head is the start of every part; a part is cut after its last whole point.
            int head = out.count;
            int lastEnd = head;
            boolean empty = true;
            for (PointsBatch.Point p : points) {
                writePoint(g, p, instant);
                int end = out.count + g.getOutputBuffered();
                if (!empty && (long) end + CLOSING_BYTES > maxBytes) {
                    g.flush();
                    parts.add(out.close(lastEnd));
                    // The point just written (after its separating comma) starts the next part.
                    int carried = end - lastEnd - 1;
                    System.arraycopy(out.bytes, lastEnd + 1, out.bytes, head, carried);
                    out.count = head + carried;
                    end = out.count;
                }
                lastEnd = end;
                empty = false;
            }
            g.writeEndArray();
            g.writeEndObject();
            g.flush();
            parts.add(Arrays.copyOf(out.bytes, out.count));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return parts;
    }

    private static void writePoint(JsonGenerator g, PointsBatch.Point p, char[] instant) throws IOException {
        g.writeStartObject();
        g.writeFieldName(TIME);
        writeInstant(g, p.time(), instant);
        g.writeFieldName(METRIC);
        g.writeString(p.metric());
        g.writeFieldName(LABELS);
        Map<String, String> labels = p.labels();
        if (labels == null) {
            g.writeNull();
        } else {
            g.writeStartObject();
            for (Map.Entry<String, String> l : labels.entrySet()) {
                g.writeFieldName(l.getKey());
                g.writeString(l.getValue());
            }
            g.writeEndObject();
        }
        g.writeFieldName(VALUE);
        g.writeNumber(p.value());
        g.writeFieldName(EVENT_ID);
        writeUuid(g, p.eventId());
        g.writeFieldName(SEQ);
        g.writeNumber(p.seq());
        g.writeFieldName(MAPPING_VERSION);
        g.writeNumber(p.mappingVersion());
        g.writeFieldName(RECEIVED_AT);
        writeInstant(g, p.receivedAt(), instant);
        g.writeEndObject();
    }

    private static void writeUuid(JsonGenerator g, UUID id) throws IOException {
        if (id == null) {
            g.writeNull();
        } else {
            g.writeString(id.toString());
        }
    }

    /**
     * Writes what {@link Instant#toString()} gives; the years 1970 to 9999, every instant in practice, without
     * the cost of {@code DateTimeFormatter} (two instants a point).
     */
    private static void writeInstant(JsonGenerator g, Instant t, char[] buf) throws IOException {
        if (t == null) {
            g.writeNull();
            return;
        }
        long seconds = t.getEpochSecond();
        if (seconds < 0 || seconds >= YEAR_10000) {
            g.writeString(t.toString());
            return;
        }
        long days = seconds / 86_400;
        int secondOfDay = (int) (seconds % 86_400);
        // Civil date from days since 1970-01-01 (H. Hinnant's algorithm, non-negative days only).
        long z = days + 719_468;
        long era = z / 146_097;
        int dayOfEra = (int) (z - era * 146_097);
        int yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365;
        int dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100);
        int mp = (5 * dayOfYear + 2) / 153;
        int day = dayOfYear - (153 * mp + 2) / 5 + 1;
        int month = mp < 10 ? mp + 3 : mp - 9;
        int year = (int) (yearOfEra + era * 400) + (month <= 2 ? 1 : 0);
        digits(buf, 0, year, 4);
        buf[4] = '-';
        digits(buf, 5, month, 2);
        buf[7] = '-';
        digits(buf, 8, day, 2);
        buf[10] = 'T';
        digits(buf, 11, secondOfDay / 3600, 2);
        buf[13] = ':';
        digits(buf, 14, secondOfDay / 60 % 60, 2);
        buf[16] = ':';
        digits(buf, 17, secondOfDay % 60, 2);
        int n = 19;
        int nanos = t.getNano();
        if (nanos != 0) {
            buf[n++] = '.';
            if (nanos % 1_000_000 == 0) {
                digits(buf, n, nanos / 1_000_000, 3);
                n += 3;
            } else if (nanos % 1000 == 0) {
                digits(buf, n, nanos / 1000, 6);
                n += 6;
            } else {
                digits(buf, n, nanos, 9);
                n += 9;
            }
        }
        buf[n++] = 'Z';
        g.writeString(buf, 0, n);
    }

    /** Writes {@code value} as exactly {@code width} decimal digits, zero-padded. */
    private static void digits(char[] buf, int at, int value, int width) {
        for (int i = at + width - 1; i >= at; i--) {
            buf[i] = (char) ('0' + value % 10);
            value /= 10;
        }
    }

    /**
     * Reads a batch in either format.
     *
     * @param value the bytes of a {@link Topics#POINTS} value
     * @return the batch
     * @throws IllegalArgumentException when the bytes are not a points batch
     */
    public static PointsBatch decode(byte[] value) {
        if (value.length > 0 && value[0] == MAGIC_0) {
            return new Reader(value).batch();
        }
        try {
            return MAPPER.readValue(value, PointsBatch.class);
        } catch (IOException e) {
            throw new IllegalArgumentException("not a points batch: " + e.getMessage(), e);
        }
    }

    /**
     * The format of a {@link Topics#POINTS} value, from its first bytes (not checked further).
     *
     * @param value the bytes
     * @return 2 for a binary record, else 1
     */
    public static int format(byte[] value) {
        return value.length >= 3 && value[0] == MAGIC_0 && value[1] == MAGIC_1 ? value[2] : 1;
    }

    /** Writes format 2: one batch, cut into parts of at most the bound. */
    private static final class Binary {
        private final PointsBatch batch;
        private final int maxBytes;
        private final Buffer out;
        private final List<byte[]> parts = new ArrayList<>(1);
        /** The part's strings, in the order first written: index + 1 is a string's reference. */
        private final Map<String, Integer> strings = new HashMap<>();

        private final List<String> order = new ArrayList<>();
        /** The part's previous point, or null at its start. */
        private PointsBatch.Point previous;

        private int pointsInPart;

        Binary(PointsBatch batch, int maxBytes) {
            this.batch = batch;
            this.maxBytes = maxBytes;
            // About 50 bytes a point when its event and labels are shared, more when not: grown if needed.
            this.out =
                    new Buffer((int) Math.min(HEAD_BYTES + 64L * batch.points().size(), maxBytes + 4096L));
        }

        List<byte[]> encode() {
            head();
            for (PointsBatch.Point p : batch.points()) {
                int start = out.count;
                int known = order.size();
                PointsBatch.Point before = previous;
                point(p);
                if (pointsInPart > 0 && out.count > maxBytes) {
                    // Undo the point and write it again at the start of a new part, where it defines its strings.
                    out.count = start;
                    for (int i = order.size() - 1; i >= known; i--) {
                        strings.remove(order.remove(i));
                    }
                    previous = before;
                    cut();
                    head();
                    point(p);
                }
                pointsInPart++;
            }
            cut();
            return parts;
        }

        private void head() {
            out.count = 0;
            strings.clear();
            order.clear();
            previous = null;
            pointsInPart = 0;
            out.ensure(HEAD_BYTES);
            out.bytes[0] = MAGIC_0;
            out.bytes[1] = MAGIC_1;
            out.bytes[2] = 2;
            out.count = 3;
            out.uuid(batch.pipelineId());
            out.uuid(batch.teamId());
            out.instant(batch.committedAt());
            out.int32(0);
        }

        private void cut() {
            byte[] part = Arrays.copyOf(out.bytes, out.count);
            int n = pointsInPart;
            part[COUNT_AT] = (byte) (n >>> 24);
            part[COUNT_AT + 1] = (byte) (n >>> 16);
            part[COUNT_AT + 2] = (byte) (n >>> 8);
            part[COUNT_AT + 3] = (byte) n;
            parts.add(part);
        }

        private void point(PointsBatch.Point p) {
            int flags = 0;
            PointsBatch.Point prev = previous;
            boolean newEvent = prev == null
                    || !Objects.equals(prev.eventId(), p.eventId())
                    || !Objects.equals(prev.receivedAt(), p.receivedAt());
            if (newEvent) {
                flags |= NEW_EVENT;
                if (p.eventId() == null) {
                    flags |= NO_EVENT_ID;
                }
                if (p.receivedAt() == null) {
                    flags |= NO_RECEIVED_AT;
                }
            }
            Map<String, String> labels = p.labels();
            if (labels == null) {
                flags |= NO_LABELS;
            } else if (prev != null && prev.labels() == labels) {
                flags |= SAME_LABELS;
            }
            if (p.time() == null) {
                flags |= NO_TIME;
            }
            out.ensure(1);
            out.bytes[out.count++] = (byte) flags;
            if (newEvent) {
                if (p.eventId() != null) {
                    out.uuid(p.eventId());
                }
                if (p.receivedAt() != null) {
                    out.instant(p.receivedAt());
                }
            }
            if (p.time() != null) {
                out.instant(p.time());
            }
            string(p.metric());
            if ((flags & (NO_LABELS | SAME_LABELS)) == 0) {
                out.varint(labels.size());
                if (labels instanceof Labels l) {
                    for (int i = 0; i < l.size(); i++) {
                        string(l.key(i));
                        string(l.value(i));
                    }
                } else {
                    for (Map.Entry<String, String> e : labels.entrySet()) {
                        string(e.getKey());
                        string(e.getValue());
                    }
                }
            }
            out.int64(Double.doubleToRawLongBits(p.value()));
            out.varint((p.seq() << 1) ^ (p.seq() >> 31));
            out.varint((p.mappingVersion() << 1) ^ (p.mappingVersion() >> 31));
            previous = p;
        }

        private void string(String s) {
            if (s == null) {
                out.varint(0);
                return;
            }
            Integer known = strings.get(s);
            if (known != null) {
                out.varint(known);
                return;
            }
            int ref = order.size() + 1;
            strings.put(s, ref);
            order.add(s);
            out.varint(ref);
            out.utf8(s);
        }
    }

    /** Reads format 2. */
    private static final class Reader {
        private final byte[] b;
        private int at;
        private final List<String> strings = new ArrayList<>();

        Reader(byte[] b) {
            this.b = b;
        }

        PointsBatch batch() {
            try {
                if (b.length < HEAD_BYTES || b[1] != MAGIC_1 || b[2] != 2) {
                    throw new IllegalArgumentException("unknown dash.points format");
                }
                at = 3;
                UUID pipeline = uuid();
                UUID team = uuid();
                Instant committed = instant();
                int n = int32();
                // A point takes at least 11 bytes (flags, metric, value, seq, version).
                if (n < 0 || n > (b.length - at) / 11) {
                    throw new IllegalArgumentException("a count of " + n + " points in " + b.length + " bytes");
                }
                List<PointsBatch.Point> points = new ArrayList<>(n);
                UUID event = null;
                Instant received = null;
                Map<String, String> labels = null;
                for (int i = 0; i < n; i++) {
                    int flags = u8();
                    if ((flags & ~KNOWN_FLAGS) != 0
                            || (i == 0 && (flags & (NEW_EVENT)) == 0)
                            || (i == 0 && (flags & SAME_LABELS) != 0)) {
                        throw new IllegalArgumentException("point " + i + " has flags " + flags);
                    }
                    if ((flags & NEW_EVENT) != 0) {
                        event = (flags & NO_EVENT_ID) != 0 ? null : uuid();
                        received = (flags & NO_RECEIVED_AT) != 0 ? null : instant();
                    }
                    Instant time = (flags & NO_TIME) != 0 ? null : instant();
                    String metric = string();
                    if ((flags & NO_LABELS) != 0) {
                        labels = null;
                    } else if ((flags & SAME_LABELS) == 0) {
                        labels = labels();
                    }
                    double value = Double.longBitsToDouble(int64());
                    int seq = zigzag(varint());
                    int version = zigzag(varint());
                    points.add(new PointsBatch.Point(time, metric, labels, value, event, seq, version, received));
                }
                if (at != b.length) {
                    throw new IllegalArgumentException((b.length - at) + " bytes after the last point");
                }
                return new PointsBatch(pipeline, team, committed, points);
            } catch (ArrayIndexOutOfBoundsException e) {
                throw new IllegalArgumentException("not a points batch: truncated or malformed at byte " + at, e);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("not a points batch: " + e.getMessage(), e);
            }
        }

        private Map<String, String> labels() {
            int n = varint();
            if (n < 0 || n > b.length - at) {
                throw new IllegalArgumentException("a count of " + n + " labels");
            }
            String[] keys = new String[n];
            String[] values = new String[n];
            for (int i = 0; i < n; i++) {
                keys[i] = string();
                values[i] = string();
            }
            Labels sorted = Labels.ofSorted(keys, values);
            if (sorted != null) {
                return sorted;
            }
            Map<String, String> m = new LinkedHashMap<>();
            for (int i = 0; i < n; i++) {
                m.put(keys[i], values[i]);
            }
            return m;
        }

        private String string() {
            int ref = varint();
            if (ref == 0) {
                return null;
            }
            if (ref <= strings.size()) {
                return strings.get(ref - 1);
            }
            if (ref != strings.size() + 1) {
                throw new IllegalArgumentException("string " + ref + " of " + strings.size());
            }
            int len = varint();
            if (len < 0 || len > b.length - at) {
                throw new IllegalArgumentException("a string of " + len + " bytes");
            }
            String s = new String(b, at, len, StandardCharsets.UTF_8);
            at += len;
            strings.add(s);
            return s;
        }

        private int u8() {
            return b[at++] & 0xff;
        }

        private int int32() {
            int v = ((b[at] & 0xff) << 24)
                    | ((b[at + 1] & 0xff) << 16)
                    | ((b[at + 2] & 0xff) << 8)
                    | (b[at + 3] & 0xff);
            at += 4;
            return v;
        }

        private long int64() {
            return ((long) int32() << 32) | (int32() & 0xffffffffL);
        }

        private int varint() {
            int v = 0;
            for (int shift = 0; shift < 35; shift += 7) {
                int x = u8();
                v |= (x & 0x7f) << shift;
                if ((x & 0x80) == 0) {
                    return v;
                }
            }
            throw new IllegalArgumentException("a varint over 5 bytes");
        }

        private static int zigzag(int v) {
            return (v >>> 1) ^ -(v & 1);
        }

        private UUID uuid() {
            return new UUID(int64(), int64());
        }

        private Instant instant() {
            long seconds = int64();
            int nanos = int32();
            try {
                return Instant.ofEpochSecond(seconds, nanos);
            } catch (DateTimeException | ArithmeticException e) {
                throw new IllegalArgumentException("an instant out of range", e);
            }
        }
    }

    /** An unsynchronised byte sink whose content a part is cut from. */
    private static final class Buffer extends OutputStream {
        byte[] bytes;
        int count;

        Buffer(int capacity) {
            bytes = new byte[capacity];
        }

        @Override
        public void write(int b) {
            ensure(1);
            bytes[count++] = (byte) b;
        }

        @Override
        public void write(byte[] b, int off, int len) {
            ensure(len);
            System.arraycopy(b, off, bytes, count, len);
            count += len;
        }

        void ensure(int more) {
            if (count + more > bytes.length) {
                bytes = Arrays.copyOf(bytes, Math.max(bytes.length * 2, count + more));
            }
        }

        void int32(int v) {
            ensure(4);
            bytes[count] = (byte) (v >>> 24);
            bytes[count + 1] = (byte) (v >>> 16);
            bytes[count + 2] = (byte) (v >>> 8);
            bytes[count + 3] = (byte) v;
            count += 4;
        }

        void int64(long v) {
            int32((int) (v >>> 32));
            int32((int) v);
        }

        void varint(int v) {
            ensure(5);
            while ((v & ~0x7f) != 0) {
                bytes[count++] = (byte) ((v & 0x7f) | 0x80);
                v >>>= 7;
            }
            bytes[count++] = (byte) v;
        }

        void uuid(UUID id) {
            int64(id.getMostSignificantBits());
            int64(id.getLeastSignificantBits());
        }

        void instant(Instant t) {
            int64(t.getEpochSecond());
            int32(t.getNano());
        }

        /** The string's UTF-8 length (varint), then its bytes; an unpaired surrogate as {@code ?}, as getBytes does. */
        void utf8(String s) {
            int len = Utf8.length(s);
            varint(len);
            ensure(len);
            count = Utf8.encode(s, 0, s.length(), bytes, count);
        }

        /** The first {@code length} bytes followed by {@code "]}"}. */
        byte[] close(int length) {
            byte[] part = Arrays.copyOf(bytes, length + CLOSING_BYTES);
            part[length] = ']';
            part[length + 1] = '}';
            return part;
        }
    }
}
