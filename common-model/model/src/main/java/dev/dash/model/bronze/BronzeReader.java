package dev.dash.model.bronze;

import dev.dash.model.envelope.EnvelopeCodec;
import dev.dash.model.envelope.EnvelopeFormatException;
import dev.dash.model.envelope.RawEnvelope;
import dev.dash.model.json.TreeSubset;
import java.io.Closeable;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Iterator;
import java.util.NoSuchElementException;
import java.util.Objects;
import java.util.Spliterator;
import java.util.Spliterators;
import java.util.stream.Stream;
import java.util.stream.StreamSupport;
import java.util.zip.GZIPInputStream;

/**
 * Reads the envelopes of one Bronze object from a stream, one line at a time, in memory bounded by the
 * longest line (never the object's size). Lines of both versions are read, mixed in one object too ({@link
 * EnvelopeCodec#decodeLine}).
 *
 * <p>Errors are precise: a line that is not an envelope, or longer than the limit, raises a recoverable
 * {@link BronzeFormatException} with its line number, and the next call continues with the following line;
 * a corrupt or truncated gzip stream raises a non-recoverable one. A failure of the source stream itself (a
 * network read timing out) is rethrown as the source's own {@link IOException}, so callers can retry it.
 * Blank lines are skipped. Not thread-safe; {@link #close()} closes the source.
 */
public final class BronzeReader implements Closeable, Iterable<RawEnvelope> {
    /** Default longest line accepted: well above any body the ingest size limit lets through. */
    public static final int DEFAULT_MAX_LINE_BYTES = 64 * 1024 * 1024;

    private static final int BUFFER = 64 * 1024;

    private final Source source;
    private final int maxLineBytes;
    private GZIPInputStream gzip;
    private final byte[] buf = new byte[BUFFER];
    private int pos;
    private int limit;
    private byte[] line = new byte[8 * 1024];
    private int lineLength;
    private long lineNumber;
    private boolean eof;
    private BronzeFormatException broken;

    /**
     * A reader with the default line limit.
     *
     * @param in the object's bytes (gzip)
     */
    public BronzeReader(InputStream in) {
        this(in, DEFAULT_MAX_LINE_BYTES);
    }

    /**
     * A reader with a chosen line limit.
     *
     * @param in the object's bytes (gzip)
     * @param maxLineBytes longest line accepted, uncompressed
     */
    public BronzeReader(InputStream in, int maxLineBytes) {
        this.source = new Source(Objects.requireNonNull(in, "in"));
        if (maxLineBytes < 1) {
            throw new IllegalArgumentException("maxLineBytes must be positive");
        }
        this.maxLineBytes = maxLineBytes;
    }

    /**
     * The line number of the envelope last returned (or of the last error).
     *
     * @return the 1-based line number, 0 before the first line
     */
    public long lineNumber() {
        return lineNumber;
    }

    /**
     * The next envelope.
     *
     * @return the envelope, or null at the end of the object
     * @throws BronzeFormatException for a bad line (recoverable) or a corrupt stream (not recoverable)
     * @throws IOException if the source stream fails
     */
    public RawEnvelope next() throws IOException {
        EnvelopeCodec.Line l = nextLine((TreeSubset) null);
        return l == null ? null : l.envelope();
    }

    /**
     * The next line, with its body's tree when the line embeds the body as JSON (Bronze line version 2), so that
     * a replay maps the tree instead of parsing the body again.
     *
     * @return the line, or null at the end of the object
     * @throws BronzeFormatException for a bad line (recoverable) or a corrupt stream (not recoverable)
     * @throws IOException if the source stream fails
     */
    public EnvelopeCodec.Line nextLine() throws IOException {
        return nextLine(TreeSubset.ALL);
    }

    /**
     * The next line, with the part of its body's tree that {@code tree} keeps when the line embeds the body as JSON:
     * a replay asks for what its mapping reads ({@code CompiledMapping#bodySubset}), not the whole tree.
     *
     * @param tree the part of an embedded body's tree to build, or null for none
     * @return the line, or null at the end of the object
     * @throws BronzeFormatException for a bad line (recoverable) or a corrupt stream (not recoverable)
     * @throws IOException if the source stream fails
     */
    public EnvelopeCodec.Line nextLine(TreeSubset tree) throws IOException {
        if (broken != null) {
            throw broken;
        }
        while (true) {
            if (!readLine()) {
                return null;
            }
            if (lineLength == 0) {
                continue;
            }
            try {
                return EnvelopeCodec.decodeLine(line, 0, lineLength, tree);
            } catch (EnvelopeFormatException e) {
                throw new BronzeFormatException(lineNumber, true, e.getMessage(), e);
            }
        }
    }

    /** Reads the next line into {@link #line}; false at the end of the stream. */
    private boolean readLine() throws IOException {
        lineLength = 0;
        boolean any = false;
        boolean tooLong = false;
        while (true) {
            if (pos == limit) {
                if (eof || fill() < 0) {
                    if (!any) {
                        return false;
                    }
                    lineNumber++;
                    break;
                }
            }
            any = true;
            int newline = -1;
            for (int i = pos; i < limit; i++) {
                if (buf[i] == '\n') {
                    newline = i;
                    break;
                }
            }
            int end = newline < 0 ? limit : newline;
            int n = end - pos;
            if (!tooLong) {
                if ((long) lineLength + n > maxLineBytes) {
                    tooLong = true;
                } else {
                    append(pos, n);
                }
            }
            pos = newline < 0 ? limit : newline + 1;
            if (newline >= 0) {
                lineNumber++;
                break;
            }
        }
        if (tooLong) {
            lineLength = 0;
            throw new BronzeFormatException(lineNumber, true, "line longer than " + maxLineBytes + " bytes", null);
        }
        return true;
    }

    private void append(int from, int n) {
        if (lineLength + n > line.length) {
            int size = line.length;
            while (size < lineLength + n) {
                size = (int) Math.min((long) size * 2, Integer.MAX_VALUE - 8);
            }
            byte[] bigger = new byte[size];
            System.arraycopy(line, 0, bigger, 0, lineLength);
            line = bigger;
        }
        System.arraycopy(buf, from, line, lineLength, n);
        lineLength += n;
    }

    private int fill() throws IOException {
        try {
            if (gzip == null) {
                gzip = new GZIPInputStream(source, BUFFER);
            }
            int n = gzip.read(buf, 0, buf.length);
            if (n < 0) {
                eof = true;
                return -1;
            }
            pos = 0;
            limit = n;
            return n;
        } catch (IOException e) {
            if (e == source.failure) {
                throw e;
            }
            throw corrupt(e);
        } catch (RuntimeException e) {
            throw corrupt(e);
        }
    }

    private BronzeFormatException corrupt(Exception e) {
        broken = new BronzeFormatException(
                lineNumber + 1, false, "corrupt or truncated gzip stream: " + e.getMessage(), e);
        return broken;
    }

    /**
     * The remaining envelopes as an iterator; errors surface as {@link UncheckedIOException} wrapping a
     * {@link BronzeFormatException} or the source's {@link IOException}, and end the iteration.
     *
     * @return the iterator
     */
    @Override
    public Iterator<RawEnvelope> iterator() {
        return new Iterator<>() {
            private RawEnvelope next;
            private boolean done;

            @Override
            public boolean hasNext() {
                if (next == null && !done) {
                    try {
                        next = BronzeReader.this.next();
                    } catch (IOException e) {
                        done = true;
                        throw new UncheckedIOException(e);
                    }
                    done = next == null;
                }
                return next != null;
            }

            @Override
            public RawEnvelope next() {
                if (!hasNext()) {
                    throw new NoSuchElementException();
                }
                RawEnvelope e = next;
                next = null;
                return e;
            }
        };
    }

    /**
     * The remaining envelopes as a sequential stream, with the error behaviour of {@link #iterator()}.
     *
     * @return the stream
     */
    public Stream<RawEnvelope> stream() {
        return StreamSupport.stream(
                Spliterators.spliteratorUnknownSize(iterator(), Spliterator.ORDERED | Spliterator.NONNULL), false);
    }

    @Override
    public void close() throws IOException {
        if (gzip != null) {
            gzip.close();
        } else {
            source.close();
        }
    }

    /** Remembers the last exception the source itself threw, to tell I/O failures from corrupt content. */
    private static final class Source extends FilterInputStream {
        IOException failure;

        Source(InputStream in) {
            super(in);
        }

        @Override
        public int read() throws IOException {
            try {
                return in.read();
            } catch (IOException e) {
                failure = e;
                throw e;
            }
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            try {
                return in.read(b, off, len);
            } catch (IOException e) {
                failure = e;
                throw e;
            }
        }

        @Override
        public long skip(long n) throws IOException {
            try {
                return in.skip(n);
            } catch (IOException e) {
                failure = e;
                throw e;
            }
        }

        @Override
        public int available() throws IOException {
            try {
                return in.available();
            } catch (IOException e) {
                failure = e;
                throw e;
            }
        }
    }
}
