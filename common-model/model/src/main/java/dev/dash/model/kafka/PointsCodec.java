package dev.dash.model.kafka;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.SerializableString;
import com.fasterxml.jackson.core.io.SerializedString;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import dev.dash.model.json.Json;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * JSON (snake_case) of the {@link Topics#POINTS} values, for example:
 *
 * <pre>{@code
 * {"pipeline_id":"...","team_id":"...","committed_at":"2026-11-21T06:00:00.250Z",
 *  "points":[{"time":"2026-11-21T06:00:00Z","metric":"temp","labels":{"site":"a"},"value":21.5,
 *             "event_id":"...","seq":0,"mapping_version":1,"received_at":"2026-11-21T06:00:00.012Z"}]}
 * }</pre>
 *
 * <p>Instants are ISO-8601 as {@link Instant#toString()} writes them (fractions in groups of three digits,
 * none when whole). Encoding streams the fields in this order without data binding, since it runs for every
 * point the Silver writer commits; its bytes are those the databind mapper of {@link #decode} writes for a
 * {@link PointsBatch}, as {@code PointsCodecTest} checks.
 */
public final class PointsCodec {
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

    private PointsCodec() {}

    /**
     * Serialises a batch.
     *
     * @param batch the batch
     * @return UTF-8 JSON
     * @throws UncheckedIOException if the JSON generator fails (not expected when writing to memory)
     */
    public static byte[] encode(PointsBatch batch) {
        return encodeSplit(batch, Integer.MAX_VALUE).get(0);
    }

    /**
     * Serialises a batch as consecutive parts of at most {@code maxBytes} each, for a transport with a size
     * limit: every part is the JSON of a batch with the same pipeline, team and commit time holding the next
     * points in order, as many as fit, exactly as {@link #encode} writes that batch. A point too large for the
     * bound on its own gets a part of its own (larger than the bound); a batch without points gives one part.
     *
     * @param batch the batch
     * @param maxBytes the largest part wanted, in bytes
     * @return the parts, at least one
     * @throws UncheckedIOException if the JSON generator fails (not expected when writing to memory)
     */
    public static List<byte[]> encodeSplit(PointsBatch batch, int maxBytes) {
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
     * Reads a batch.
     *
     * @param json the bytes of a {@link Topics#POINTS} value
     * @return the batch
     * @throws IllegalArgumentException when the bytes are not a points batch
     */
    public static PointsBatch decode(byte[] json) {
        try {
            return MAPPER.readValue(json, PointsBatch.class);
        } catch (IOException e) {
            throw new IllegalArgumentException("not a points batch: " + e.getMessage(), e);
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

        private void ensure(int more) {
            if (count + more > bytes.length) {
                bytes = Arrays.copyOf(bytes, Math.max(bytes.length * 2, count + more));
            }
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
