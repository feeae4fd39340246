package dev.dash.web.websocket;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

class OutboxTest {
    /** A connection that writes at once. */
    static final class Fast implements Function<String, CompletionStage<?>> {
        final List<String> written = new ArrayList<>();

        @Override
        public CompletionStage<?> apply(String text) {
            written.add(text);
            return CompletableFuture.completedFuture(null);
        }
    }

    /** A connection whose writes complete only when the test says so. */
    static final class Slow implements Function<String, CompletionStage<?>> {
        final List<String> started = new ArrayList<>();
        final List<CompletableFuture<Void>> pending = new ArrayList<>();

        @Override
        public CompletionStage<?> apply(String text) {
            started.add(text);
            CompletableFuture<Void> f = new CompletableFuture<>();
            pending.add(f);
            return f;
        }
    }

    @Test
    void liveMessagesWaitForTheSnapshotWhichGoesOutFirstThenEverythingInOrder() {
        Fast fast = new Fast();
        Outbox outbox = new Outbox(fast, () -> {}, 10);
        outbox.offer("live-1");
        outbox.offer("live-2");
        assertThat(fast.written).isEmpty();

        outbox.start(List.of("snap-1", "snap-2"));
        outbox.offer("live-3");

        assertThat(fast.written).containsExactly("snap-1", "snap-2", "live-1", "live-2", "live-3");
    }

    @Test
    void oneMessageIsInFlightAtATimeAndTheNextGoesWhenItIsWritten() {
        Slow slow = new Slow();
        Outbox outbox = new Outbox(slow, () -> {}, 10);
        outbox.start(List.of());
        outbox.offer("a");
        outbox.offer("b");
        assertThat(slow.started).containsExactly("a");
        assertThat(outbox.waiting()).isEqualTo(1);

        slow.pending.get(0).complete(null);

        assertThat(slow.started).containsExactly("a", "b");
        assertThat(outbox.waiting()).isZero();
    }

    @Test
    void aConnectionThatDoesNotKeepUpIsGivenUpOnceWithoutHoldingBackAnother() {
        Slow slow = new Slow();
        Fast fast = new Fast();
        AtomicInteger overflows = new AtomicInteger();
        Outbox stuck = new Outbox(slow, overflows::incrementAndGet, 3);
        Outbox healthy = new Outbox(fast, () -> {}, 3);
        stuck.start(List.of());
        healthy.start(List.of());

        List<Boolean> accepted = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            accepted.add(stuck.offer("m" + i));
            healthy.offer("m" + i);
        }

        // m0 in flight, m1..m3 waiting, m4 overflows: the outbox closes and takes nothing more.
        assertThat(accepted).containsExactly(true, true, true, true, false, false, false, false, false, false);
        assertThat(overflows).hasValue(1);
        assertThat(stuck.isClosed()).isTrue();
        assertThat(stuck.waiting()).isZero();
        assertThat(healthy.isClosed()).isFalse();
        assertThat(fast.written).hasSize(10);

        slow.pending.get(0).complete(null);
        assertThat(slow.started).containsExactly("m0");
    }

    @Test
    void aFailedWriteClosesTheOutbox() {
        Slow slow = new Slow();
        Outbox outbox = new Outbox(slow, () -> {}, 10);
        outbox.start(List.of("snap"));
        outbox.offer("live");

        slow.pending.get(0).completeExceptionally(new IllegalStateException("connection closed"));

        assertThat(outbox.isClosed()).isTrue();
        assertThat(outbox.offer("later")).isFalse();
        assertThat(slow.started).containsExactly("snap");
    }

    @Test
    void manyWritesCompletingAtOnceDoNotRecurse() {
        Fast fast = new Fast();
        Outbox outbox = new Outbox(fast, () -> {}, 200_000);
        for (int i = 0; i < 100_000; i++) {
            outbox.offer("m" + i);
        }
        outbox.start(List.of());
        assertThat(fast.written).hasSize(100_000);
    }
}
