package dev.dash.ingestor.ingest;

import io.quarkus.logging.Log;
import io.vertx.core.Vertx;
import io.vertx.ext.web.RoutingContext;
import java.util.function.Consumer;
import java.util.function.LongSupplier;

/**
 * The body deadlines ({@code dash.ingest.body-timeout}) of the requests of one event loop, with one Vert.x timer
 * for all of them where each request used to set and cancel a timer of its own (2 % of the node's samples under
 * single events, docs/benchmarks.md). Every request has the same timeout, so deadlines come in the order requests
 * do: a list in arrival order, a request taken out when its body is complete, and one timer set for the oldest
 * deadline; when it fires, the requests past their deadline are handed to {@code onExpiry} (which checks, as the
 * per-request timer did, that the body is still missing) and the timer is set for the next one. A request leaving
 * the list does not move the timer: it fires at the old deadline, finds nothing due, and is set again.
 *
 * <p>Confined to its event loop's thread: {@link #add} and {@link #remove} are called there (the route's handlers
 * run on the connection's event loop), and the timer, set from there, fires there.
 */
final class BodyDeadlines {
    /** A request waiting for its body. */
    static final class Entry {
        final BodyDeadlines owner;
        final RoutingContext ctx;
        final long deadline;
        Entry prev;
        Entry next;
        boolean linked;

        Entry(BodyDeadlines owner, RoutingContext ctx, long deadline) {
            this.owner = owner;
            this.ctx = ctx;
            this.deadline = deadline;
        }
    }

    private final Thread thread = Thread.currentThread();
    private final Vertx vertx;
    private final long timeoutNanos;
    private final LongSupplier nanos;
    private final Consumer<RoutingContext> onExpiry;
    private Entry head;
    private Entry tail;
    private boolean armed;

    BodyDeadlines(Vertx vertx, long timeoutMillis, LongSupplier nanos, Consumer<RoutingContext> onExpiry) {
        this.vertx = vertx;
        this.timeoutNanos = timeoutMillis * 1_000_000L;
        this.nanos = nanos;
        this.onExpiry = onExpiry;
    }

    /** Whether the calling thread is this list's. */
    boolean owned() {
        return Thread.currentThread() == thread;
    }

    /** Starts a request's deadline, {@code body-timeout} from now. */
    Entry add(RoutingContext ctx) {
        Entry e = new Entry(this, ctx, nanos.getAsLong() + timeoutNanos);
        e.linked = true;
        if (tail == null) {
            head = e;
        } else {
            tail.next = e;
            e.prev = tail;
        }
        tail = e;
        if (!armed) {
            arm(e.deadline);
        }
        return e;
    }

    /** Ends a request's deadline (its body arrived, or it failed); nothing if it ended already. */
    void remove(Entry e) {
        if (!e.linked) {
            return;
        }
        e.linked = false;
        if (e.prev == null) {
            head = e.next;
        } else {
            e.prev.next = e.next;
        }
        if (e.next == null) {
            tail = e.prev;
        } else {
            e.next.prev = e.prev;
        }
        e.prev = null;
        e.next = null;
    }

    /** Requests waiting for their body (tests). */
    int size() {
        int n = 0;
        for (Entry e = head; e != null; e = e.next) {
            n++;
        }
        return n;
    }

    private void arm(long deadline) {
        armed = true;
        long millis = Math.max(1, (deadline - nanos.getAsLong() + 999_999) / 1_000_000);
        vertx.setTimer(millis, id -> fire());
    }

    /** The timer: every request past its deadline to {@code onExpiry}, then the timer for the next. */
    void fire() {
        armed = false;
        long now = nanos.getAsLong();
        while (head != null && head.deadline - now <= 0) {
            Entry e = head;
            remove(e);
            try {
                onExpiry.accept(e.ctx);
            } catch (RuntimeException ex) {
                Log.errorf(ex, "The body deadline of %s failed", e.ctx.request().path());
            }
        }
        if (head != null) {
            arm(head.deadline);
        }
    }
}
