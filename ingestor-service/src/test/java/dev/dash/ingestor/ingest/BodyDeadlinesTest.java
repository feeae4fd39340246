package dev.dash.ingestor.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.ext.web.RoutingContext;
import java.lang.reflect.Proxy;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * One event loop's body deadlines ({@link BodyDeadlines}): a request past its deadline is handed over once, in
 * order; one whose body arrived (removed) never is; one timer serves them all.
 */
class BodyDeadlinesTest {
    final Vertx vertx = Vertx.vertx();
    /** One event loop, as the list is confined to one. */
    final Context loop = vertx.getOrCreateContext();

    @AfterEach
    void close() throws Exception {
        vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }

    /** A routing context standing for a request (only its identity is used here). */
    static RoutingContext request(int n) {
        return (RoutingContext) Proxy.newProxyInstance(
                BodyDeadlinesTest.class.getClassLoader(),
                new Class<?>[] {RoutingContext.class},
                (proxy, method, args) -> switch (method.getName()) {
                    case "toString" -> "request " + n;
                    case "hashCode" -> n;
                    case "equals" -> proxy == args[0];
                    default -> throw new UnsupportedOperationException(method.getName());
                });
    }

    /** Runs on an event loop of {@link #vertx} and waits for it. */
    <T> T onLoop(java.util.concurrent.Callable<T> c) throws Exception {
        CompletableFuture<T> f = new CompletableFuture<>();
        loop.runOnContext(v -> {
            try {
                f.complete(c.call());
            } catch (Throwable e) {
                f.completeExceptionally(e);
            }
        });
        return f.get(10, TimeUnit.SECONDS);
    }

    @Test
    void onlyRequestsPastTheirDeadlineAndStillWaitingExpireInOrder() throws Exception {
        AtomicLong clock = new AtomicLong();
        List<RoutingContext> expired = new ArrayList<>();
        // A timeout of an hour: the real timer never fires during the test, fire() is called by hand.
        BodyDeadlines d = onLoop(() -> new BodyDeadlines(vertx, 3_600_000, clock::get, expired::add));
        RoutingContext a = request(1);
        RoutingContext b = request(2);
        RoutingContext c = request(3);
        List<BodyDeadlines.Entry> entries = onLoop(() -> {
            List<BodyDeadlines.Entry> l = new ArrayList<>();
            l.add(d.add(a));
            clock.addAndGet(1_000_000_000L);
            l.add(d.add(b));
            clock.addAndGet(1_000_000_000L);
            l.add(d.add(c));
            return l;
        });
        onLoop(() -> {
            d.remove(entries.get(1)); // b's body arrived
            d.remove(entries.get(1)); // twice is nothing
            assertThat(d.size()).isEqualTo(2);
            clock.set(3_600_000_000_000L + 1_500_000_000L); // past a's and b's deadlines, not c's
            d.fire();
            return null;
        });
        assertThat(expired).containsExactly(a);
        onLoop(() -> {
            clock.addAndGet(1_000_000_000L);
            d.fire();
            d.remove(entries.get(2)); // already out: nothing
            return null;
        });
        assertThat(expired).containsExactly(a, c);
        assertThat(onLoop(d::size)).isZero();
    }

    @Test
    void oneTimerExpiresManyRequests() throws Exception {
        AtomicInteger expired = new AtomicInteger();
        CompletableFuture<Void> all = new CompletableFuture<>();
        BodyDeadlines d = onLoop(() -> new BodyDeadlines(vertx, 50, System::nanoTime, ctx -> {
            if (expired.incrementAndGet() == 500) {
                all.complete(null);
            }
        }));
        onLoop(() -> {
            for (int i = 0; i < 1000; i++) {
                BodyDeadlines.Entry e = d.add(request(i));
                if (i % 2 == 1) {
                    d.remove(e); // half of the bodies arrive
                }
            }
            return null;
        });
        all.get(10, TimeUnit.SECONDS);
        assertThat(onLoop(d::size)).isZero();
        assertThat(expired).hasValue(500);
    }
}
