package dev.dash.model.bronze;

import dev.dash.model.envelope.EnvelopeCodec;
import dev.dash.model.envelope.RawEnvelope;
import java.io.Closeable;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.time.Instant;
import java.util.Objects;
import java.util.UUID;
import java.util.zip.Deflater;
import java.util.zip.GZIPOutputStream;

/**
 * Writes one Bronze object: gzip-compressed JSON Lines, one envelope per line (version 2 of {@link
 * EnvelopeCodec#encodeLine}, or lines already encoded as the archiver hands them over), to an output stream, in constant memory whatever the object's size. It counts what the manifest needs.
 *
 * <pre>{@code
 * try (BronzeWriter w = new BronzeWriter(Files.newOutputStream(tmp))) {
 *     for (record : batch) w.write(record.envelope());
 *     ManifestEntry entry = ManifestEntry.of(key, w.finish(), lastOffset);
 * }
 * }</pre>
 *
 * <p>Not thread-safe. {@link #close()} closes the underlying stream.
 */
public final class BronzeWriter implements Closeable {
    private static final int BUFFER = 64 * 1024;

    /** Bytes of lines gathered before they go into gzip ({@link Lines}). */
    private static final int LINES = 16 * 1024;

    /**
     * What a finished writer wrote.
     *
     * @param pipelineId the pipeline of the events (all events of an object belong to one pipeline)
     * @param events number of envelopes
     * @param bytes compressed size, as stored
     * @param uncompressedBytes size of the JSON Lines before compression
     * @param firstReceivedAt received time of the first event, which chooses the object's hour
     * @param minReceivedAt earliest received time
     * @param maxReceivedAt latest received time
     */
    public record Stats(
            UUID pipelineId,
            long events,
            long bytes,
            long uncompressedBytes,
            Instant firstReceivedAt,
            Instant minReceivedAt,
            Instant maxReceivedAt) {}

    private final Counting compressed;
    private final GZIPOutputStream gzip;
    private final Lines lines = new Lines();
    private UUID pipelineId;
    private long events;
    private long uncompressed;
    private Instant first;
    private Instant min;
    private Instant max;
    private Stats stats;
    private boolean closed;

    /**
     * A writer with the default compression level.
     *
     * @param out where the object's bytes go
     * @throws IOException if the gzip header cannot be written
     */
    public BronzeWriter(OutputStream out) throws IOException {
        this(out, Deflater.DEFAULT_COMPRESSION);
    }

    /**
     * A writer with a chosen compression level.
     *
     * @param out where the object's bytes go
     * @param level a {@link Deflater} level, 1 (fastest) to 9 (smallest), or -1 for the default
     * @throws IOException if the gzip header cannot be written
     */
    public BronzeWriter(OutputStream out, int level) throws IOException {
        this.compressed = new Counting(Objects.requireNonNull(out, "out"));
        this.gzip = new GZIPOutputStream(compressed, BUFFER) {
            {
                def.setLevel(level);
            }
        };
    }

    /**
     * Appends one envelope as one line.
     *
     * @param envelope the envelope, of the same pipeline as the others
     * @throws IOException if the stream fails
     * @throws IllegalArgumentException if the envelope belongs to another pipeline
     * @throws IllegalStateException if the writer is finished
     */
    public void write(RawEnvelope envelope) throws IOException {
        write(envelope, EnvelopeCodec.LINE_VERSION);
    }

    /**
     * Appends one envelope as one line of the given version: 2 ({@link EnvelopeCodec#encodeLine}) or 1 ({@link
     * EnvelopeCodec#encode}, what objects held before version 2; for tests and benchmarks of old objects).
     *
     * @param envelope the envelope, of the same pipeline as the others
     * @param lineVersion 1 or 2
     * @throws IOException if the stream fails
     * @throws IllegalArgumentException if the envelope belongs to another pipeline, or for another version
     * @throws IllegalStateException if the writer is finished
     */
    public void write(RawEnvelope envelope, int lineVersion) throws IOException {
        byte[] line = switch (lineVersion) {
            case 1 -> EnvelopeCodec.encode(envelope);
            case EnvelopeCodec.LINE_VERSION -> EnvelopeCodec.encodeLine(envelope);
            default -> throw new IllegalArgumentException("no Bronze line version " + lineVersion);
        };
        start(envelope.pipelineId(), envelope.receivedAt());
        lines.write(line, 0, line.length);
        end(line.length);
    }

    /**
     * Appends one envelope already encoded, as the archiver reads it from Kafka, without decoding it again.
     *
     * @param head the envelope's head, from {@link EnvelopeCodec#head(byte[])}; its line is written as is
     * @throws IOException if the stream fails
     * @throws IllegalArgumentException if the envelope belongs to another pipeline
     * @throws IllegalStateException if the writer is finished
     */
    public void write(EnvelopeCodec.Head head) throws IOException {
        start(head.pipelineId(), head.receivedAt());
        head.writeLine(lines);
        end(head.length());
    }

    private void start(UUID pipeline, Instant t) {
        if (stats != null || closed) {
            throw new IllegalStateException("the writer is finished");
        }
        if (pipelineId == null) {
            pipelineId = pipeline;
        } else if (!pipelineId.equals(pipeline)) {
            // Keys are per pipeline: an event written under another pipeline's key would be invisible to its replay.
            throw new IllegalArgumentException("envelope of pipeline " + pipeline + " in an object of " + pipelineId);
        }
        if (first == null) {
            first = t;
            min = t;
            max = t;
        } else {
            if (t.isBefore(min)) {
                min = t;
            }
            if (t.isAfter(max)) {
                max = t;
            }
        }
    }

    private void end(int length) throws IOException {
        lines.write('\n');
        uncompressed += length + 1;
        events++;
    }

    /**
     * Events written so far.
     *
     * @return the count
     */
    public long events() {
        return events;
    }

    /**
     * Uncompressed bytes written so far, for rotation by size.
     *
     * @return the count
     */
    public long uncompressedBytes() {
        return uncompressed;
    }

    /**
     * Received time of the first event, or null before any.
     *
     * @return the time
     */
    public Instant firstReceivedAt() {
        return first;
    }

    /**
     * Completes the gzip stream (without closing the underlying stream) and returns the counts.
     *
     * @return the stats; also returned by later calls
     * @throws IOException if the stream fails
     * @throws IllegalStateException if nothing was written (an empty object has no manifest entry)
     */
    public Stats finish() throws IOException {
        if (stats == null) {
            if (events == 0) {
                throw new IllegalStateException("no envelope was written");
            }
            lines.drain();
            gzip.finish();
            gzip.flush();
            stats = new Stats(pipelineId, events, compressed.count, uncompressed, first, min, max);
        }
        return stats;
    }

    /** Finishes the gzip stream if needed, then closes the underlying stream. */
    @Override
    public void close() throws IOException {
        if (closed) {
            return;
        }
        closed = true;
        if (stats == null) {
            lines.drain();
        }
        gzip.close();
    }

    /**
     * The lines on their way into gzip, gathered first: the deflater is called once per {@value #LINES} bytes rather
     * than twice per line (the line, then its newline, each a native call that also updates the CRC), which cost more
     * than a sixth of the compression for lines of about 800 bytes (docs/benchmarks.md, issue-archiver). The
     * compressed bytes are the same: zlib's output does not depend on how its input is cut.
     */
    private final class Lines extends OutputStream {
        private final byte[] buffer = new byte[LINES];
        private int length;

        @Override
        public void write(int b) throws IOException {
            if (length == buffer.length) {
                drain();
            }
            buffer[length++] = (byte) b;
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            if (len > buffer.length - length) {
                drain();
                if (len > buffer.length) {
                    gzip.write(b, off, len);
                    return;
                }
            }
            System.arraycopy(b, off, buffer, length, len);
            length += len;
        }

        void drain() throws IOException {
            if (length > 0) {
                gzip.write(buffer, 0, length);
                length = 0;
            }
        }
    }

    /** Counts bytes on their way to the underlying stream. */
    private static final class Counting extends FilterOutputStream {
        long count;

        Counting(OutputStream out) {
            super(out);
        }

        @Override
        public void write(int b) throws IOException {
            out.write(b);
            count++;
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            out.write(b, off, len);
            count += len;
        }
    }
}
