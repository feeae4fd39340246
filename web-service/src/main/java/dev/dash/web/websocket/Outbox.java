package dev.dash.web.websocket;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Function;

/**
 * What one WebSocket connection still has to be sent (used by the replay watchers and the live dashboards), in order, with one message in flight at a time. Live
 * messages offered before {@link #start} are held, so the snapshot of the open replays goes out first and a
 * newer live message is never overtaken by an older snapshot row. Offering never blocks: a connection that
 * does not keep up (more than {@code limit} messages waiting) is given up, so it cannot hold back the others
 * or fill the node's memory; its client reconnects and gets the snapshot again.
 *
 * <p>Moved here from {@code dev.dash.web.replay} so the live dashboards share it.
 */
public final class Outbox {
    private final Function<String, CompletionStage<?>> send;
    private final Runnable onOverflow;
    private final int limit;
    private final Deque<String> queue = new ArrayDeque<>();
    private boolean started;
    private boolean sending;
    private boolean closed;

    /**
     * @param send writes one message; its stage completes once written (or fails)
     * @param onOverflow called once when the connection is given up for being too slow
     * @param limit most messages waiting
     */
    public Outbox(Function<String, CompletionStage<?>> send, Runnable onOverflow, int limit) {
        this.send = send;
        this.onOverflow = onOverflow;
        this.limit = limit;
    }

    /** Queues a live message; false when the outbox is closed (now or before). */
    public boolean offer(String message) {
        boolean overflow;
        synchronized (this) {
            if (closed) {
                return false;
            }
            overflow = queue.size() >= limit;
            if (overflow) {
                closed = true;
                queue.clear();
            } else {
                queue.addLast(message);
            }
        }
        if (overflow) {
            onOverflow.run();
            return false;
        }
        drain();
        return true;
    }

    /** Sends {@code snapshot} first, then what was offered meanwhile and everything after. */
    public void start(List<String> snapshot) {
        synchronized (this) {
            if (closed || started) {
                return;
            }
            for (int i = snapshot.size() - 1; i >= 0; i--) {
                queue.addFirst(snapshot.get(i));
            }
            started = true;
        }
        drain();
    }

    /** Drops what is waiting and sends nothing more. */
    public void close() {
        synchronized (this) {
            closed = true;
            queue.clear();
        }
    }

    public synchronized boolean isClosed() {
        return closed;
    }

    /** Messages waiting (not counting the one in flight). */
    public synchronized int waiting() {
        return queue.size();
    }

    // A loop rather than recursion, so that sends completing at once cannot grow the stack.
    private void drain() {
        while (true) {
            String next;
            synchronized (this) {
                if (!started || sending || closed || queue.isEmpty()) {
                    return;
                }
                next = queue.pollFirst();
                sending = true;
            }
            CompletableFuture<?> written;
            try {
                written = send.apply(next).toCompletableFuture();
            } catch (RuntimeException e) {
                written = CompletableFuture.failedFuture(e);
            }
            if (written.isDone() && !written.isCompletedExceptionally()) {
                synchronized (this) {
                    sending = false;
                }
                continue;
            }
            written.whenComplete((ok, failure) -> {
                synchronized (this) {
                    sending = false;
                    if (failure != null) {
                        // The connection is gone; its close callback unregisters it.
                        closed = true;
                        queue.clear();
                    }
                }
                drain();
            });
            return;
        }
    }
}
