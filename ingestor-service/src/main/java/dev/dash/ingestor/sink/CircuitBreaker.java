package dev.dash.ingestor.sink;

/**
 * One sink's circuit breaker on this node: closed while attempts succeed; open after {@code threshold}
 * consecutive failures, when no attempt is made for {@code openMillis}; then half-open, when one trial
 * attempt decides: success closes it, failure opens it again. Not thread-safe: a sink is delivered by one
 * worker at a time.
 */
public final class CircuitBreaker {
    /** The breaker's states. */
    public enum State {
        CLOSED,
        OPEN,
        HALF_OPEN
    }

    private final int threshold;
    private final long openMillis;
    private int failures;
    private long openedAt;
    private State state = State.CLOSED;

    public CircuitBreaker(int threshold, long openMillis) {
        this.threshold = Math.max(1, threshold);
        this.openMillis = openMillis;
    }

    /** Whether an attempt may be made now (an open breaker past its wait turns half-open and allows one). */
    public synchronized boolean allows(long nowMillis) {
        if (state == State.OPEN && nowMillis - openedAt >= openMillis) {
            state = State.HALF_OPEN;
        }
        return state != State.OPEN;
    }

    /** When an open breaker lets the next trial through. */
    public synchronized long reopensAt() {
        return state == State.OPEN ? openedAt + openMillis : 0;
    }

    /** Records a successful attempt. */
    public synchronized void success() {
        failures = 0;
        state = State.CLOSED;
    }

    /** Records a failed attempt. */
    public synchronized void failure(long nowMillis) {
        failures++;
        if (state == State.HALF_OPEN || failures >= threshold) {
            state = State.OPEN;
            openedAt = nowMillis;
        }
    }

    public synchronized State state() {
        return state;
    }
}
