package dev.dash.web.live.cache;

import static org.assertj.core.api.Assertions.assertThat;

import dev.dash.model.kafka.PointsBatch;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * The hot cache's entries as streams attach to them and its cleanup drops unused ones, without a database (no read
 * is started here: a read's rows are handed to the entry by hand, as in {@link CacheEntryTest}).
 */
class HotCacheTest {
    private static final UUID PIPELINE = UUID.randomUUID();
    private static final UUID TEAM = UUID.randomUUID();

    private final HotCache cache = new HotCache(LiveConfigs.defaults(), null);
    private final WidgetQuery query = new WidgetQuery(PIPELINE, "temp", Map.of(), 10);

    /**
     * The cleanup removes an unused entry just as a stream attaches to it: between the attach finding the entry and
     * taking it (the racy order, driven through the cache's hook). Before, the stream got the removed entry, which no
     * batch of {@code dash.points} reaches any more: its widget had no delta again.
     */
    @Test
    void anEntryDroppedAsUnusedWhileAStreamAttachesIsNotHandedToItAndPointsReachTheOneItGets() {
        Instant from = Instant.now().minusSeconds(300);
        Object before = new Object();
        CacheEntry unused = cache.attach(query, from, before);
        cache.detach(unused, before);
        AtomicInteger cleanups = new AtomicInteger();
        cache.afterLookup = () -> {
            if (cleanups.getAndIncrement() == 0) {
                cache.tick(Duration.ZERO); // the entry has had no reader for longer than that: dropped
            }
        };

        Object stream = new Object();
        CacheEntry e = cache.attach(query, from, stream);

        assertThat(cleanups.get()).isPositive();
        assertThat(cache.entries()).isEqualTo(1);
        assertThat(cache.holds(PIPELINE)).isTrue();
        // The stream's entry is read, then a point committed after the read comes from dash.points: it is merged.
        long now = System.currentTimeMillis();
        long cursor;
        synchronized (e) {
            CacheEntry.Read read = e.nextRead(now - 10_000);
            e.readDone(read, 1, List.of(), now - 9_000);
            cursor = e.cursor();
        }
        Instant t = Instant.now().minusSeconds(5);
        cache.accept(new PointsBatch(
                PIPELINE,
                TEAM,
                Instant.now(),
                List.of(new PointsBatch.Point(t, "temp", Map.of("room", "a"), 21.5, UUID.randomUUID(), 0, 1, t))));
        synchronized (e) {
            assertThat(e.changes(cursor, from, Instant.now().plusSeconds(60), "sum"))
                    .singleElement()
                    .satisfies(s -> assertThat(s.points())
                            .singleElement()
                            .satisfies(p -> assertThat(p.v()).isEqualTo(21.5)));
        }
    }
}
