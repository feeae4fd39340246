package dev.dash.ingestor.bronze;

import java.io.OutputStream;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;

/**
 * The compressed bytes of one Bronze object on their way to S3, cut into parts of exactly {@code partSize}
 * bytes (the last part of an object may be shorter). A full part waits here only until {@link BronzeUploader}
 * sends it as a part of the object's multipart upload, which the archiver does right after the event that
 * filled it: an object holds one part in memory (plus a part just filled, for the moment of its upload),
 * whatever its size. Only while S3 fails do full parts pile up, for at most one poll, since the archiver
 * then stops consuming. An object that never fills a part is uploaded with one plain PUT.
 *
 * <p>The buffer being filled starts small and doubles up to the part size, so the many small objects of
 * quiet pipelines do not each hold a whole part. Not thread-safe: owned by the archiver's consumer thread.
 */
final class ObjectParts extends OutputStream {
    private static final int INITIAL = 64 * 1024;

    private final int partSize;
    private final Deque<byte[]> full = new ArrayDeque<>();
    private final List<String> etags = new ArrayList<>();
    private byte[] buffer;
    private int length;
    private String uploadId;

    ObjectParts(int partSize) {
        if (partSize < 1) {
            throw new IllegalArgumentException("part size must be positive");
        }
        this.partSize = partSize;
        this.buffer = new byte[Math.min(INITIAL, partSize)];
    }

    @Override
    public void write(int b) {
        write(new byte[] {(byte) b}, 0, 1);
    }

    @Override
    public void write(byte[] b, int off, int len) {
        while (len > 0) {
            int n = Math.min(len, partSize - length);
            if (length + n > buffer.length) {
                int capacity = buffer.length;
                while (capacity < length + n) {
                    capacity = Math.min(partSize, capacity * 2);
                }
                buffer = java.util.Arrays.copyOf(buffer, capacity);
            }
            System.arraycopy(b, off, buffer, length, n);
            length += n;
            off += n;
            len -= n;
            if (length == partSize) {
                full.add(buffer);
                buffer = new byte[Math.min(INITIAL, partSize)];
                length = 0;
            }
        }
    }

    /** Full parts not uploaded yet, oldest first. */
    Deque<byte[]> fullParts() {
        return full;
    }

    /** Whether a full part waits for its upload. */
    boolean hasFullParts() {
        return !full.isEmpty();
    }

    /** The part being filled (the object's last part once it is finished). */
    byte[] tail() {
        return buffer;
    }

    /** Bytes in {@link #tail()}. */
    int tailLength() {
        return length;
    }

    /** The multipart upload holding the parts sent so far, or null while none was needed. */
    String uploadId() {
        return uploadId;
    }

    void uploadStarted(String id) {
        this.uploadId = id;
    }

    /** The head full part was uploaded with this ETag. */
    void partUploaded(String etag) {
        full.poll();
        etags.add(etag);
    }

    /** The tail was uploaded as the last part with this ETag; its buffer is released. */
    void tailUploaded(String etag) {
        etags.add(etag);
        buffer = new byte[0];
        length = 0;
    }

    /** ETags of the uploaded parts, in part order (part numbers are index + 1). */
    List<String> etags() {
        return etags;
    }

    /** Bytes this object holds in memory now: its buffers as allocated, full parts and the tail. */
    long heldBytes() {
        long held = buffer.length;
        for (byte[] p : full) {
            held += p.length;
        }
        return held;
    }

    int partSize() {
        return partSize;
    }
}
