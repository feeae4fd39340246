package dev.dash.replay.job;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * Paces the events this node reads from Bronze over all its jobs: each permit is scheduled {@code 1/rate}
 * seconds after the previous one, and a caller ahead of the schedule parks until its turn. A burst of at
 * most one second is allowed after idling, never more. Rate 0 means no limit.
 */
final class Throttle {
    private final long nanosPerEvent;
    private long next = System.nanoTime();

    Throttle(int eventsPerSecond) {
        this.nanosPerEvent = eventsPerSecond <= 0 ? 0 : TimeUnit.SECONDS.toNanos(1) / eventsPerSecond;
    }

    /** Takes {@code events} permits, parking the calling thread until they are due. */
    void acquire(int events) {
        if (nanosPerEvent == 0 || events <= 0) {
            return;
        }
        long due;
        synchronized (this) {
            long now = System.nanoTime();
            // Idle time earns at most one second of credit.
            next = Math.max(next, now - TimeUnit.SECONDS.toNanos(1));
            due = next;
            next += nanosPerEvent * events;
        }
        long wait;
        while ((wait = due - System.nanoTime()) > 0) {
            LockSupport.parkNanos(wait);
            if (Thread.currentThread().isInterrupted()) {
                return;
            }
        }
    }
}
