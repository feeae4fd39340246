package dev.dash.web.live.access;

import io.smallrye.mutiny.Uni;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

/**
 * What a live connect needs from the database (a public link's dashboard, a member's role), remembered for a
 * short time and loaded once however many connects ask for it at the same moment (docs/live.md, "Connects"):
 * a reconnect storm of thousands of viewers of one dashboard costs one query, not one (or four) per viewer,
 * and does not wait for pool connections. Only answers are remembered: a failed or empty load is not, so a
 * link made public, or a member added, is seen by the next connect. Revocations are not waited for: open
 * connections are checked every {@code dash.live.access-check}, and that check forgets what it found revoked.
 *
 * @param <K> the key (a token hash, a subject and dashboard)
 * @param <V> the answer
 */
final class AccessCache<K, V> {
    private record Held<V>(CompletableFuture<V> value, long loadedNanos) {}

    private final Map<K, Held<V>> held = new ConcurrentHashMap<>();
    private final Function<K, Uni<V>> loader;
    private final long ttlNanos;
    private final int maxEntries;

    AccessCache(Function<K, Uni<V>> loader, long ttlNanos, int maxEntries) {
        this.loader = loader;
        this.ttlNanos = ttlNanos;
        this.maxEntries = maxEntries;
    }

    /** The answer for {@code key}: remembered if fresh, else loaded (once for every caller asking meanwhile). */
    Uni<V> get(K key) {
        long now = System.nanoTime();
        Held<V> h = held.get(key);
        if (h != null && (!h.value.isDone() || now - h.loadedNanos < ttlNanos)) {
            return Uni.createFrom().completionStage(h.value);
        }
        if (ttlNanos <= 0) {
            return loader.apply(key);
        }
        Held<V> mine = new Held<>(new CompletableFuture<>(), now);
        Held<V> got = held.compute(key, (k, old) -> old != null && old != h ? old : mine);
        if (got == mine) {
            trim(now);
            loader.apply(key)
                    .subscribe()
                    .with(
                            v -> {
                                if (v == null) {
                                    held.remove(key, mine);
                                }
                                mine.value.complete(v);
                            },
                            e -> {
                                held.remove(key, mine);
                                mine.value.completeExceptionally(e);
                            });
        }
        return Uni.createFrom().completionStage(got.value);
    }

    /** Forgets {@code key} (found revoked or ended): the next connect asks the database. */
    void forget(K key) {
        held.remove(key);
    }

    int size() {
        return held.size();
    }

    private void trim(long now) {
        if (held.size() <= maxEntries) {
            return;
        }
        held.values().removeIf(h -> h.value.isDone() && now - h.loadedNanos >= ttlNanos);
        if (held.size() > maxEntries) {
            held.clear();
        }
    }
}
