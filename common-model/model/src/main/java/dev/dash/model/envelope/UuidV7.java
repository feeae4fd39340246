package dev.dash.model.envelope;

import java.time.Instant;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

/**
 * Time-ordered UUIDs, version 7 of RFC 9562: 48 bits of Unix milliseconds, then a 12-bit counter
 * (RFC 9562 section 6.2, method 1), then 62 random bits. Ids from one generator are strictly increasing,
 * even across threads, within one millisecond, and when the clock steps back (the generator then keeps
 * counting from its last value). Their lower-case string forms sort in the same order.
 *
 * <p>The JDK has no UUIDv7 generator; this one is small enough to keep here.
 */
public final class UuidV7 {
    private static final UuidV7 SYSTEM = new UuidV7(System::currentTimeMillis);
    private static final long MAX_MILLIS = (1L << 48) - 1;

    private final LongSupplier millis;
    /** The last (milliseconds << 12 | counter) handed out; strictly increasing. */
    private final AtomicLong last = new AtomicLong();

    /**
     * A generator over a custom clock, for tests.
     *
     * @param millis current Unix time in milliseconds
     */
    public UuidV7(LongSupplier millis) {
        this.millis = millis;
    }

    /**
     * The next id from the process-wide generator on the system clock.
     *
     * @return a new UUIDv7
     */
    public static UUID next() {
        return SYSTEM.generate();
    }

    /**
     * The next id from this generator.
     *
     * @return a new UUIDv7, greater than every id this generator returned before
     */
    public UUID generate() {
        long now = Math.min(Math.max(millis.getAsLong(), 0), MAX_MILLIS);
        long candidate;
        long prev;
        do {
            prev = last.get();
            long fresh = now << 12 | ThreadLocalRandom.current().nextInt(1 << 10);
            // A fresh millisecond starts the counter low and random, leaving room to count within it.
            candidate = fresh > prev ? fresh : prev + 1;
        } while (!last.compareAndSet(prev, candidate));
        long msb = (candidate >>> 12) << 16 | 0x7000L | (candidate & 0xFFF);
        long lsb = ThreadLocalRandom.current().nextLong() & 0x3FFFFFFFFFFFFFFFL | 0x8000000000000000L;
        return new UUID(msb, lsb);
    }

    /**
     * The creation time encoded in a UUIDv7.
     *
     * @param id a version-7 UUID
     * @return its millisecond timestamp
     * @throws IllegalArgumentException if the id is not version 7
     */
    public static Instant timestamp(UUID id) {
        if (id.version() != 7) {
            throw new IllegalArgumentException("not a UUIDv7: " + id);
        }
        return Instant.ofEpochMilli(id.getMostSignificantBits() >>> 16);
    }

    /** Characters of a UUID's text form (8-4-4-4-12 hex digits). */
    public static final int TEXT_LENGTH = 36;

    private static final byte[] HEX = {'0', '1', '2', '3', '4', '5', '6', '7', '8', '9', 'a', 'b', 'c', 'd', 'e', 'f'};

    /**
     * Writes a UUID as {@link UUID#toString()} writes it (lower-case hex, 8-4-4-4-12) into an ASCII byte array,
     * without a string: the ingest answer, the dedupe claim's ids and the {@code dash.meta} header use it.
     *
     * @return the index after the {@value #TEXT_LENGTH} bytes written at {@code at}
     */
    public static int writeAscii(byte[] out, int at, UUID id) {
        long msb = id.getMostSignificantBits();
        long lsb = id.getLeastSignificantBits();
        at = hex(out, at, msb >>> 32, 8);
        out[at++] = '-';
        at = hex(out, at, msb >>> 16, 4);
        out[at++] = '-';
        at = hex(out, at, msb, 4);
        out[at++] = '-';
        at = hex(out, at, lsb >>> 48, 4);
        out[at++] = '-';
        return hex(out, at, lsb, 12);
    }

    /** The low {@code digits} hex digits of {@code v}, most significant first, at {@code at}; returns the end. */
    private static int hex(byte[] out, int at, long v, int digits) {
        for (int i = digits - 1; i >= 0; i--) {
            out[at + i] = HEX[(int) (v & 0xf)];
            v >>>= 4;
        }
        return at + digits;
    }
}
