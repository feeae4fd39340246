package dev.dash.web.dashboard;

import dev.dash.web.api.Sql;
import dev.dash.web.config.WebConfig;
import io.quarkus.logging.Log;
import io.quarkus.scheduler.Scheduled;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Clock;
import java.util.HexFormat;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The rate limit of public dashboard links, for the whole cluster: requests per token per UTC minute are
 * counted in PostgreSQL ({@code public_link_usage}, migration V82), one upsert per request, which is small
 * beside the queries the request makes anyway. Once a node has seen a link over its limit it refuses it in
 * memory for the rest of the minute, so a flood on a leaked link stops costing database writes. While the
 * database cannot count, each node counts for itself (the limit then holds per node).
 */
@ApplicationScoped
public class PublicLinkLimiter {
    /** The answer for one request: allowed, or refused with the seconds until the next minute. */
    public record Decision(boolean allowed, long retryAfterSeconds) {}

    private record Window(long minute, AtomicInteger count) {}

    private final Pool pool;
    private final int perMinute;
    private final Clock clock;
    private final Map<String, Long> exhausted = new ConcurrentHashMap<>();
    private final Map<String, Window> fallback = new ConcurrentHashMap<>();

    public PublicLinkLimiter(Pool pool, WebConfig config) {
        this.pool = pool;
        this.perMinute = config.publicLinks().rateLimitPerMinute();
        this.clock = Clock.systemUTC();
    }

    public int perMinute() {
        return perMinute;
    }

    /** Counts one request of the link with this token hash. */
    public Uni<Decision> take(byte[] tokenHash) {
        long second = clock.instant().getEpochSecond();
        long minute = second / 60;
        long retry = 60 - second % 60;
        String key = HexFormat.of().formatHex(tokenHash);
        Long full = exhausted.get(key);
        if (full != null && full == minute) {
            return Uni.createFrom().item(new Decision(false, retry));
        }
        return Sql.one(pool, r -> r.getInteger("requests"), """
                        INSERT INTO public_link_usage (token_hash, minute, requests) VALUES ($1, $2, 1)
                        ON CONFLICT (token_hash, minute) DO UPDATE SET requests = public_link_usage.requests + 1
                        RETURNING requests
                        """, tokenHash, minute)
                .map(n -> {
                    if (n <= perMinute) {
                        return new Decision(true, 0);
                    }
                    exhausted.put(key, minute);
                    return new Decision(false, retry);
                })
                .onFailure()
                .recoverWithItem(e -> {
                    Log.debugf(
                            "Public link usage not counted in the database, counting on this node: %s", e.getMessage());
                    Window w = fallback.compute(
                            key,
                            (k, old) -> old == null || old.minute() != minute
                                    ? new Window(minute, new AtomicInteger())
                                    : old);
                    return w.count().incrementAndGet() <= perMinute
                            ? new Decision(true, 0)
                            : new Decision(false, retry);
                });
    }

    /** Forgets minutes that are over, in the database and here. */
    @Scheduled(every = "60s", delayed = "30s", concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    Uni<Void> cleanUp() {
        long minute = clock.instant().getEpochSecond() / 60;
        exhausted.values().removeIf(m -> m < minute);
        fallback.values().removeIf(w -> w.minute() < minute);
        return Sql.run(pool, "DELETE FROM public_link_usage WHERE minute < $1", minute - 1)
                .replaceWithVoid()
                .onFailure()
                .recoverWithItem(e -> {
                    Log.debugf("public_link_usage not cleaned up: %s", e.getMessage());
                    return null;
                });
    }
}
