package dev.dash.ingestor.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import dev.dash.ingestor.config.IngestorConfig;
import dev.dash.model.kafka.PipelineConfig;
import dev.dash.model.testing.PackagedService;
import io.quarkus.runtime.configuration.DurationConverter;
import io.quarkus.runtime.configuration.MemorySize;
import io.quarkus.runtime.configuration.MemorySizeConverter;
import io.smallrye.config.PropertiesConfigSource;
import io.smallrye.config.SmallRyeConfigBuilder;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

/**
 * The revision order of {@link PipelineCache} without a database or Kafka: its three sources (the start-up load,
 * {@code dash.control} snapshots and the periodic reconcile) may arrive in any order, and an older snapshot never
 * replaces a newer one. The database is a {@link PipelineRepository} that answers from memory.
 */
class PipelineCacheTest {
    /** The database: what {@code loadAll} and {@code load} answer, and how often they were asked. */
    static final class Database extends PipelineRepository {
        volatile List<PipelineConfig> all = List.of();
        volatile Runnable duringLoadAll = () -> {};
        int loads;

        Database() {
            super(null);
        }

        @Override
        public List<PipelineConfig> loadAll() {
            duringLoadAll.run();
            return all;
        }

        @Override
        public synchronized PipelineConfig load(UUID id) {
            loads++;
            return all.stream().filter(c -> c.id().equals(id)).findFirst().orElse(null);
        }
    }

    final Database db = new Database();
    final PipelineCache cache = new PipelineCache(db, config());

    static IngestorConfig config() {
        return new SmallRyeConfigBuilder()
                .withMapping(IngestorConfig.class)
                .withConverter(java.time.Duration.class, 200, new DurationConverter())
                .withConverter(MemorySize.class, 200, new MemorySizeConverter())
                .withSources(new PropertiesConfigSource(
                        Map.of("dash.crypto.keys", PackagedService.TEST_CRYPTO_KEYS), "test", 500))
                .build()
                .getConfigMapping(IngestorConfig.class);
    }

    static PipelineConfig snapshot(UUID id, String status, long revision) {
        return new PipelineConfig(
                id,
                UUID.randomUUID(),
                "p-" + revision,
                "realtime",
                status,
                "none",
                null,
                300,
                0,
                null,
                null,
                false,
                null,
                List.of(),
                List.of(),
                revision,
                true);
    }

    @Test
    void anOlderSnapshotNeverReplacesANewerOne() {
        UUID id = UUID.randomUUID();
        cache.apply(snapshot(id, "paused", 20));
        cache.apply(snapshot(id, "active", 10));
        assertThat(cache.get(id).config().revision()).isEqualTo(20);
        assertThat(cache.get(id).accepting()).isFalse();
        cache.apply(snapshot(id, "active", 30));
        assertThat(cache.get(id).config().revision()).isEqualTo(30);
        assertThat(cache.get(id).accepting()).isTrue();
    }

    /**
     * The same revision is taken again: the database's view of one revision can change without a write to the
     * pipeline's row (a secret past its expiry is left out of the next read), so the reconcile must be able to
     * replace it.
     */
    @Test
    void aSnapshotOfTheSameRevisionReplacesTheHeldOne() {
        UUID id = UUID.randomUUID();
        PipelineConfig first = snapshot(id, "active", 7);
        PipelineConfig again = snapshot(id, "active", 7);
        cache.apply(first);
        cache.apply(again);
        assertThat(cache.get(id).config()).isSameAs(again);
    }

    @Test
    void theNewestRevisionWinsWhateverOrderAndThreadsTheSnapshotsArriveOn() throws Exception {
        UUID id = UUID.randomUUID();
        List<PipelineConfig> snapshots = new ArrayList<>();
        for (long r = 1; r <= 400; r++) {
            snapshots.add(snapshot(id, r % 2 == 0 ? "active" : "paused", r));
        }
        Random random = new Random(13);
        for (int round = 0; round < 5; round++) {
            PipelineCache c = new PipelineCache(db, config());
            List<PipelineConfig> order = new ArrayList<>(snapshots);
            Collections.shuffle(order, random);
            // Three sources at once, as the follower, the reconcile and a writer's look-up race in production.
            int sources = 3;
            ExecutorService pool = Executors.newFixedThreadPool(sources);
            CountDownLatch start = new CountDownLatch(1);
            try {
                List<Future<?>> done = new ArrayList<>();
                for (int s = 0; s < sources; s++) {
                    List<PipelineConfig> mine = new ArrayList<>();
                    for (int i = s; i < order.size(); i += sources) {
                        mine.add(order.get(i));
                    }
                    done.add(pool.submit(() -> {
                        start.await();
                        mine.forEach(c::apply);
                        return null;
                    }));
                }
                start.countDown();
                for (Future<?> d : done) {
                    d.get(30, TimeUnit.SECONDS);
                }
            } finally {
                pool.shutdownNow();
            }
            assertThat(c.get(id).config().revision()).isEqualTo(400);
            assertThat(c.get(id).accepting()).isTrue();
        }
    }

    @Test
    void theReconcileTakesNoOlderSnapshotThanDashControlGave() throws Exception {
        UUID id = UUID.randomUUID();
        db.all = List.of(snapshot(id, "active", 1));
        cache.reloadFromDatabase();
        // dash.control brings a pause the database read below does not show yet (a read from before the write).
        cache.apply(snapshot(id, "paused", 2));
        cache.reloadFromDatabase();
        assertThat(cache.get(id).config().revision()).isEqualTo(2);
        assertThat(cache.get(id).accepting()).isFalse();
    }

    @Test
    void theReconcileDropsDeletedPipelinesButKeepsOnesThatArrivedDuringTheRead() throws Exception {
        UUID kept = UUID.randomUUID();
        UUID deleted = UUID.randomUUID();
        UUID created = UUID.randomUUID();
        db.all = List.of(snapshot(kept, "active", 1), snapshot(deleted, "active", 1));
        assertThat(cache.loaded()).isFalse();
        cache.reloadFromDatabase();
        assertThat(cache.loaded()).isTrue();
        assertThat(cache.size()).isEqualTo(2);

        db.all = List.of(snapshot(kept, "active", 1));
        // A pipeline created on another node arrives through dash.control while the database is being read, and
        // the read does not show it: it was held by no one before the read, so it is not taken for deleted.
        db.duringLoadAll = () -> cache.apply(snapshot(created, "active", 5));
        cache.reloadFromDatabase();
        assertThat(cache.get(kept)).isNotNull();
        assertThat(cache.get(deleted)).isNull();
        assertThat(cache.get(created)).isNotNull();
    }

    @Test
    void theStartUpLoadDropsNothingDashControlBroughtBeforeIt() throws Exception {
        UUID early = UUID.randomUUID();
        cache.apply(snapshot(early, "active", 3));
        db.all = List.of();
        cache.reloadFromDatabase();
        assertThat(cache.get(early)).isNotNull();
    }

    @Test
    void anUnknownIdIsAskedForOnceThenRememberedUntilASnapshotArrives() throws Exception {
        UUID id = UUID.randomUUID();
        Supplier<Integer> loads = () -> {
            synchronized (db) {
                return db.loads;
            }
        };
        assertThat(cache.getOrLoad(id)).isNull();
        assertThat(cache.getOrLoad(id)).isNull();
        assertThat(loads.get()).isEqualTo(1);
        // Created meanwhile and announced: known at once, without waiting for the 30 s of "unknown".
        cache.apply(snapshot(id, "active", 1));
        assertThat(cache.getOrLoad(id)).isNotNull();
        cache.remove(id);
        db.all = List.of(snapshot(id, "active", 2));
        assertThat(cache.getOrLoad(id).config().revision()).isEqualTo(2);
        assertThat(loads.get()).isEqualTo(2);
    }
}
