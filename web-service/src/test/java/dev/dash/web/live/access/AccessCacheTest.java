package dev.dash.web.live.access;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.smallrye.mutiny.Uni;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** What a live connect needs from the database is read once for all connects asking at the same moment. */
class AccessCacheTest {
    private final AtomicInteger loads = new AtomicInteger();
    private final List<CompletableFuture<String>> pending = new ArrayList<>();

    private AccessCache<String, String> cache(Duration ttl) {
        return new AccessCache<>(
                k -> {
                    loads.incrementAndGet();
                    CompletableFuture<String> f = new CompletableFuture<>();
                    pending.add(f);
                    return Uni.createFrom().completionStage(f);
                },
                ttl.toNanos(),
                100);
    }

    @Test
    void aStormOfConnectsWaitsForOneLoadAndReusesItsAnswer() {
        AccessCache<String, String> c = cache(Duration.ofMinutes(1));
        List<CompletableFuture<String>> answers = new ArrayList<>();
        for (int i = 0; i < 1000; i++) {
            answers.add(c.get("link").subscribeAsCompletionStage());
        }
        assertThat(loads).hasValue(1);
        assertThat(answers).noneMatch(CompletableFuture::isDone);
        pending.get(0).complete("dashboard");
        assertThat(answers).allMatch(a -> "dashboard".equals(a.join()));
        assertThat(c.get("link").await().indefinitely()).isEqualTo("dashboard");
        assertThat(loads).hasValue(1);
    }

    @Test
    void noAnswerAndFailuresAreNotRemembered() {
        AccessCache<String, String> c = cache(Duration.ofMinutes(1));
        CompletableFuture<String> first = c.get("unknown").subscribeAsCompletionStage();
        pending.get(0).complete(null);
        assertThat(first.join()).isNull();
        c.get("unknown").subscribeAsCompletionStage();
        assertThat(loads).hasValue(2);
        pending.get(1).completeExceptionally(new IllegalStateException("pool exhausted"));
        c.get("unknown").subscribeAsCompletionStage();
        assertThat(loads).hasValue(3);
    }

    @Test
    void aForgottenOrExpiredAnswerIsLoadedAgain() {
        AccessCache<String, String> c = cache(Duration.ofMinutes(1));
        c.get("link").subscribeAsCompletionStage();
        pending.get(0).complete("dashboard");
        c.forget("link");
        c.get("link").subscribeAsCompletionStage();
        assertThat(loads).hasValue(2);

        AccessCache<String, String> none = cache(Duration.ZERO);
        none.get("link").subscribeAsCompletionStage();
        none.get("link").subscribeAsCompletionStage();
        assertThat(loads).hasValue(4);
        assertThat(none.size()).isZero();
    }

    @Test
    void aFailedLoadFailsEveryoneWaitingForIt() {
        AccessCache<String, String> c = cache(Duration.ofMinutes(1));
        CompletableFuture<String> a = c.get("link").subscribeAsCompletionStage();
        CompletableFuture<String> b = c.get("link").subscribeAsCompletionStage();
        pending.get(0).completeExceptionally(new IllegalStateException("down"));
        assertThatThrownBy(a::join).hasRootCauseMessage("down");
        assertThatThrownBy(b::join).hasRootCauseMessage("down");
        assertThat(c.size()).isZero();
    }
}
