package dev.dash.ingestor.silver;

import dev.dash.ingestor.config.IngestorConfig;
import dev.dash.ingestor.pipeline.PipelineCache;
import dev.dash.ingestor.support.KafkaClients;
import dev.dash.model.kafka.runtime.ConsumerRuntime;
import dev.dash.model.kafka.runtime.RetryLater;
import dev.dash.model.kafka.runtime.SinkTask;
import dev.dash.model.kafka.runtime.Subscription;
import dev.dash.model.kafka.runtime.TaskContext;
import dev.dash.model.silver.IngestStats;
import dev.dash.model.silver.SilverBatch;
import dev.dash.model.silver.SilverStore;
import dev.dash.model.support.Backoff;
import io.agroal.api.AgroalDataSource;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.quarkus.arc.ClientProxy;
import io.quarkus.logging.Log;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;

/**
 * Consumer group {@code <group-prefix>-silver}, a {@link SinkTask} on the {@link ConsumerRuntime}: maps every
 * raw event with the pipeline's active mapping version (and its pending one during a replay) ({@link
 * SilverMapper}), writes the points in batches (by row count or age, whichever first), lets the offsets be
 * committed only after the database transaction and after Kafka acknowledged the batch's points on {@code
 * dash.points} ({@link PointsPublisher}; a crash in between publishes them again, never loses them), and records
 * the dual-write boundaries ({@link DualWriteBoundaries}) once the commit proved this node holds the partitions.
 * While PostgreSQL or the points topic fails the runtime pauses every
 * partition and the same batch is retried with back-off, so nothing is lost and, writes being idempotent,
 * nothing is doubled. Rebalancing is eager: every partition is closed, so the batch is dropped as a whole.
 *
 * <p>Pipelined: a due batch is written (COPY, commit, points) on a thread of its own ({@code dash-silver-store})
 * while the consumer's thread polls and maps the next one; at most one batch is written at a time, in order, and
 * its offsets are returned by {@link #preCommit} only once it is written and its points acknowledged, at most once
 * per {@code dash.silver.commit-interval} for the batches written meanwhile ({@link WrittenBatches}). The next
 * batch waits for the one being written when it is due itself (full or old), so memory stays bounded by two
 * batches; before partitions close ({@link #flush}) both are written and committed.
 */
@ApplicationScoped
public class SilverWriter implements SinkTask<String, byte[]> {
    /** How long a batch's points may take to be acknowledged on dash.points before the batch is retried. */
    private static final Duration PUBLISH_TIMEOUT = Duration.ofSeconds(30);
    /**
     * Committed batches' ingest counts are added to {@code pipeline_ingest_stats} at most this often: one upsert a
     * second rather than one a batch (a round trip on the consumer's thread; at low rates batches are small and
     * many). The pipelines list shows events per minute, so a second's delay does not show.
     */
    private static final long STATS_EVERY_NANOS = Duration.ofSeconds(1).toNanos();

    private final PipelineCache cache;
    private final SilverStore store;
    private final IngestorConfig.Silver config;
    private final SilverMapper mapper;
    private final DualWriteBoundaries boundaries;
    private final PointsPublisher points;
    /** This installation's raw topic. */
    private final String raw;

    private final ConsumerRuntime<String, byte[]> runtime;
    private final Counter rowsWritten;
    private final Counter eventsMapped;
    private final Counter quarantinedEvents;
    private final Counter skippedEvents;
    private final Timer batchLatency;
    private final Timer receiptToCommit;
    private final AgroalDataSource dataSource;
    /** Partitions opened (the pipelines reloaded for them). */
    private final Set<TopicPartition> held = new LinkedHashSet<>();
    /** Writes batches one at a time, in order, while this task's thread maps the next. */
    private final ExecutorService writes = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "dash-silver-store");
        t.setDaemon(true);
        return t;
    });

    /** The batch {@link #put} fills. */
    private Batch filling = new Batch();
    /** The batch being written on the store thread, or written and not yet handed to Kafka; null if none. */
    private Batch writing;
    /** What written batches leave for the next offset commit (at most one per commit interval). */
    private final WrittenBatches written;
    /** A cleared batch to fill next (two batches alternate). */
    private Batch spare;
    /** Counts of committed batches not yet in {@code pipeline_ingest_stats}. */
    private final IngestStats committedStats = new IngestStats();
    /** When {@link #committedStats} was last written. */
    private long statsWritten = System.nanoTime();
    /** When the last batch was handed to the store (System.nanoTime); long ago at first. */
    private long lastWriteStart = System.nanoTime() - Duration.ofDays(1).toNanos();

    private TaskContext context;
    /** Partitions are about to close: the next preCommit writes whatever the batches hold. */
    private boolean flushNow;

    /** One batch: its rows, the offsets after its records, its ingest counts, and its write on the store thread. */
    private static final class Batch {
        final SilverBatch rows = new SilverBatch();
        /** The batch's events per pipeline and received minute, for the pipelines list's rate (IngestStats). */
        final IngestStats stats = new IngestStats();

        /**
         * By {@code dash.raw} partition, the offset after the batch's last record of it; 0 for none (an offset after
         * a record is at least 1). An array rather than a map of Kafka's objects: a record costs no allocation here.
         */
        long[] next = new long[16];

        boolean anyOffset;
        long start;
        long writeStart;
        /** The write on the store thread; null while not started, or to be done again (it failed). */
        Future<?> write;

        boolean isEmpty() {
            return rows.isEmpty() && !anyOffset;
        }

        /** The record at {@code offset} of {@code partition} is in the batch. */
        void read(int partition, long offset) {
            if (partition >= next.length) {
                next = Arrays.copyOf(next, Math.max(partition + 1, next.length * 2));
            }
            next[partition] = offset + 1;
            anyOffset = true;
        }

        /** Whether {@link #finish} would not wait for the store thread. */
        boolean finished() {
            return write == null || write.isDone();
        }

        void clear() {
            rows.clear();
            stats.clear();
            Arrays.fill(next, 0);
            anyOffset = false;
            write = null;
        }
    }

    public SilverWriter(
            PipelineCache cache,
            AgroalDataSource dataSource,
            IngestorConfig config,
            MeterRegistry registry,
            KafkaClients kafka) {
        this.cache = cache;
        this.store = new SilverStore(dataSource);
        this.config = config.silver();
        this.dataSource = dataSource;
        // The cache itself rather than its client proxy: the mapper looks a pipeline up twice a record, and the proxy
        // checks the bean's scope on every call (5 % of this thread under batches). An application-scoped bean is one
        // instance for the application's life, so this is the instance every call reaches anyway.
        PipelineCache pipelines = ClientProxy.unwrap(cache);
        this.mapper = new SilverMapper(pipelines::getOrLoad, (p, t) -> filling.stats.count(p, t));
        this.boundaries = new DualWriteBoundaries(this.config.flushInterval().toNanos());
        this.written = new WrittenBatches(this.config.commitInterval().toNanos(), System.nanoTime());
        this.raw = kafka.topics().raw();
        this.points = new PointsPublisher(
                kafka.producer("points", Map.of("client.id", "dash-silver-points")),
                kafka.topics().points(),
                this.config.pointsFormat());
        this.runtime = ConsumerRuntime.bytes(
                new ConsumerRuntime.Options(
                        "dash-silver-writer",
                        new Subscription.Group(kafka.group("silver"), List.of(raw)),
                        kafka.consumer("silver", Map.of()),
                        Backoff.upTo(this.config.retryMax()),
                        Duration.ofMillis(Math.max(
                                10, Math.min(100, this.config.flushInterval().toMillis() / 5)))),
                this);
        this.rowsWritten = Counter.builder("dash.silver.rows")
                .description("Metric rows written to Silver")
                .register(registry);
        this.eventsMapped = Counter.builder("dash.silver.events")
                .description("Raw events mapped by the Silver writer")
                .register(registry);
        this.quarantinedEvents = Counter.builder("dash.silver.quarantined")
                .description("Events that failed mapping and went to quarantine")
                .register(registry);
        this.skippedEvents = Counter.builder("dash.silver.skipped")
                .description("Raw records skipped: unreadable envelope, or pipeline deleted")
                .register(registry);
        this.batchLatency = Timer.builder("dash.silver.batch.latency")
                .description("Time to write and commit one Silver batch")
                .publishPercentiles(0.5, 0.99)
                .register(registry);
        Gauge.builder("dash.silver.lag", runtime, ConsumerRuntime::lag)
                .description("dash.raw records not yet written to Silver, over the partitions this node holds")
                .register(registry);
        this.receiptToCommit = Timer.builder("dash.silver.receipt.to.commit")
                .description("From the event's receipt by the ingest API to its Silver commit")
                .publishPercentiles(0.5, 0.99)
                .register(registry);
    }

    void onStart(@Observes StartupEvent event) {
        if (config.writerEnabled()) {
            runtime.start();
        }
    }

    void onStop(@Observes ShutdownEvent event) {
        runtime.close(Duration.ofSeconds(15));
        writes.shutdown();
        try {
            writes.awaitTermination(15, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        points.close();
    }

    @Override
    public void start(TaskContext context) {
        this.context = context;
        clear();
        held.clear();
        boundaries.reset();
    }

    /**
     * dash.control is asynchronous: the previous owner may have known of a pending version, and recorded its
     * boundary, before this node heard of it. The web service commits a version before publishing it, so after
     * a reload from the database this node knows every version the previous owner knew, before it reads a
     * single event; until then the runtime keeps the partitions paused and retries.
     */
    @Override
    public void open(Collection<TopicPartition> partitions) {
        try {
            cache.reloadFromDatabase();
        } catch (Exception e) {
            throw new RetryLater("cannot reload the pipelines for partitions " + partitions + ": " + e.getMessage(), e);
        }
        held.addAll(partitions);
        boundaries.checkSoon();
    }

    @Override
    public void put(List<ConsumerRecord<String, byte[]>> records) {
        if (boundaries.due(System.nanoTime())) {
            addMissingBoundaries(records);
        }
        for (ConsumerRecord<String, byte[]> r : records) {
            startBatch();
            SilverMapper.Outcome outcome = mapper.map(r, filling.rows);
            switch (outcome.status()) {
                case SKIPPED -> skippedEvents.increment();
                case MAPPED -> eventsMapped.increment();
                case UNMAPPED -> {}
            }
            quarantinedEvents.increment(outcome.quarantined());
            if (outcome.pending() != null) {
                // The event-driven case of addMissingBoundaries: this node knows the version from this event on.
                boundary(outcome.pending().pipelineId(), outcome.pending().version(), r.partition(), r.offset());
            }
            // Only once the record is in the batch: a failure above must not let its offset be committed.
            filling.read(r.partition(), r.offset());
        }
    }

    /** Boundaries at the next offset to process: the partition's first record in {@code records}, or its position. */
    private void addMissingBoundaries(List<ConsumerRecord<String, byte[]>> records) {
        Map<Integer, Long> first = new HashMap<>();
        for (ConsumerRecord<String, byte[]> r : records) {
            first.putIfAbsent(r.partition(), r.offset());
        }
        List<Integer> partitions = held.stream().map(TopicPartition::partition).toList();
        for (SilverBatch.Boundary b : boundaries.missing(
                System.nanoTime(),
                cache.pendingVersions(),
                partitions,
                p -> first.computeIfAbsent(
                        p, k -> context.position(new TopicPartition(raw, k), Duration.ofSeconds(1))))) {
            boundary(b.pipelineId(), b.version(), b.partition(), b.offset());
        }
    }

    /**
     * Adds a boundary to the batch unless one is recorded in this assignment or held by a batch written before
     * this one (its smaller offset is the one to record); the batch keeps the smallest, and is written (within
     * the flush interval) even if it holds nothing else.
     */
    private void boundary(UUID pipelineId, int version, int partition, long offset) {
        if (boundaries.recorded(pipelineId, version, partition)
                || holds(writing, pipelineId, version, partition)
                || written.holds(pipelineId, version, partition)) {
            return;
        }
        startBatch();
        filling.rows.boundary(pipelineId, version, partition, offset);
    }

    private static boolean holds(Batch b, UUID pipelineId, int version, int partition) {
        if (b == null) {
            return false;
        }
        for (SilverBatch.Boundary x : b.rows.boundaries()) {
            if (x.partition() == partition
                    && x.version() == version
                    && x.pipelineId().equals(pipelineId)) {
                return true;
            }
        }
        return false;
    }

    private void startBatch() {
        if (filling.isEmpty()) {
            filling.start = System.nanoTime();
        }
    }

    /**
     * Starts writing the batch on the store thread when it is full, old enough, or its partitions are closing,
     * and returns the offsets of the batches written since the last commit. A full or old batch first waits for
     * the one being written (one write at a time, in order); before partitions close both are written here. The
     * commit also proves this node still holds the partitions of the batches' boundaries: a partition with
     * nothing in them has its committed offset committed again, which moves nothing.
     */
    @Override
    public Map<TopicPartition, OffsetAndMetadata> preCommit(Map<TopicPartition, OffsetAndMetadata> consumed) {
        boolean closing = flushNow;
        boolean empty = filling.isEmpty();
        long age = System.nanoTime() - filling.start;
        boolean full = !empty
                && (filling.rows.size() >= config.batchRows()
                        || age >= config.flushInterval().toNanos());
        // Adaptive: nothing more is waiting, so a longer wait would only delay these rows (docs/architecture.md).
        // Leading edge: the first batch after a quiet idle-flush goes at once; under a steady light load the next
        // ones wait until idle-flush after the last write started, so they hold that long's events, not a handful.
        long idleFlush = config.idleFlush().toNanos();
        boolean idle =
                !empty && (age >= idleFlush || System.nanoTime() - lastWriteStart >= idleFlush) && context.caughtUp();
        if (writing != null && (closing || full || writing.finished())) {
            finish(writing);
            written(writing);
            writing = null;
        }
        if (writing == null && !empty && (closing || full || idle)) {
            writing = filling;
            filling = spare != null ? spare : new Batch();
            spare = null;
            writing.writeStart = System.nanoTime();
            lastWriteStart = writing.writeStart;
            if (closing) {
                finish(writing);
                written(writing);
                writing = null;
            } else {
                Batch b = writing;
                b.write = writes.submit(() -> store(b));
            }
        }
        if (!written.due(System.nanoTime(), closing)) {
            writeStatsIfDue();
            return Map.of();
        }
        Map<TopicPartition, OffsetAndMetadata> commit = new HashMap<>();
        written.offsets(raw, commit);
        // Partitions with a boundary and no records in these batches, with their smallest boundary offset.
        Map<TopicPartition, Long> missing = new HashMap<>();
        for (SilverBatch.Boundary x : written.boundaries()) {
            TopicPartition tp = new TopicPartition(raw, x.partition());
            if (!commit.containsKey(tp)) {
                missing.merge(tp, x.offset(), Math::min);
            }
        }
        if (!missing.isEmpty()) {
            // Committed again; a partition the group never committed gets its boundary, the next offset to process
            // when it was found (everything before it was read into these batches or earlier ones, so is written).
            // Not 0: that moved a new group's committed offset to the start of dash.raw, so its lag counted the
            // whole partition and a restart read it all again (auto.offset.reset=latest).
            context.committed(missing.keySet())
                    .forEach((tp, o) -> commit.put(tp, o != null ? o : new OffsetAndMetadata(missing.get(tp))));
        }
        if (commit.isEmpty()) {
            committed(commit);
        }
        return commit;
    }

    /**
     * Waits for the batch's write on the store thread, or writes it here when it was not started or failed
     * before; {@link RetryLater} when it failed (kept, and written again on the next call).
     */
    private void finish(Batch b) {
        if (b.write == null) {
            store(b);
            return;
        }
        try {
            b.write.get();
        } catch (ExecutionException e) {
            b.write = null;
            if (e.getCause() instanceof RetryLater r) {
                throw r;
            }
            throw new RetryLater("Silver write failed: " + e.getCause(), e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new RetryLater("interrupted while a Silver batch was written", e);
        }
    }

    /** Writes the batch in one transaction, then publishes its points (on the store thread, or in finish). */
    private void store(Batch b) {
        SilverBatch batch = b.rows;
        try {
            if (!batch.isEmpty()) {
                store.write(batch);
                // Events whose values PostgreSQL refused are in the quarantine now, not among the rows.
                quarantinedEvents.increment(batch.refused().size());
            }
        } catch (Exception e) {
            Log.warnf("Silver write of %d rows failed, will retry: %s", batch.size(), e.getMessage());
            throw new RetryLater("Silver write failed: " + e.getMessage(), e);
        }
        try {
            // Before the offsets are committed: a crash between the two publishes the points again rather than
            // losing them for live dashboards, sinks and p2p pipelines (they tolerate a repeat by event id).
            points.publish(batch, Instant.now(), PUBLISH_TIMEOUT);
        } catch (Exception e) {
            Log.warnf("Publishing %d points on dash.points failed, will retry: %s", batch.size(), e.getMessage());
            throw new RetryLater("dash.points publish failed: " + e.getMessage(), e);
        }
    }

    /**
     * The batch is in Silver and its points acknowledged: measured, its offsets, boundaries and counts left for the
     * next offset commit ({@link WrittenBatches}), and the batch cleared for reuse.
     */
    private void written(Batch b) {
        SilverBatch batch = b.rows;
        written.add(b.next, batch.boundaries(), b.stats);
        long nowMillis = System.currentTimeMillis();
        batchLatency.record(System.nanoTime() - b.writeStart, TimeUnit.NANOSECONDS);
        rowsWritten.increment(batch.rows().size());
        for (Instant received : batch.received()) {
            receiptToCommit.record(Math.max(0, nowMillis - received.toEpochMilli()), TimeUnit.MILLISECONDS);
        }
        b.clear();
        spare = b;
    }

    /** Kafka has the written batches' offsets: their boundaries are recorded, their counts kept for the rate. */
    @Override
    public void committed(Map<TopicPartition, OffsetAndMetadata> committedOffsets) {
        List<SilverBatch.Boundary> found = written.boundaries();
        if (!found.isEmpty()) {
            try {
                store.recordBoundaries(found);
                boundaries.recorded(found);
            } catch (Exception e) {
                // Not recorded: found again (at a later, still safe offset) by the next check.
                Log.warnf("Dual-write boundaries not recorded, will retry: %s", e.getMessage());
            }
        }
        // After the offsets' commit, so a batch read again never counts twice (a crash before the next write counts
        // too few: at most a second's worth).
        committedStats.add(written.stats());
        written.committed(System.nanoTime());
        writeStatsIfDue();
    }

    /** {@link #writeStats} when there are counts and the last write is {@link #STATS_EVERY_NANOS} old. */
    private void writeStatsIfDue() {
        if (!committedStats.isEmpty() && System.nanoTime() - statsWritten >= STATS_EVERY_NANOS) {
            writeStats();
        }
    }

    /** Adds the committed batches' counts to {@code pipeline_ingest_stats}; best effort (dropped on a failure). */
    private void writeStats() {
        statsWritten = System.nanoTime();
        try {
            committedStats.write(dataSource);
        } catch (Exception e) {
            Log.warnf("Ingest rate of committed batches not recorded: %s", e.getMessage());
        } finally {
            committedStats.clear();
        }
    }

    @Override
    public void flush(Collection<TopicPartition> partitions) {
        flushNow = true;
    }

    /** Not written or not committed: the next owner reads these events again. */
    @Override
    public void close(Collection<TopicPartition> partitions) {
        clear();
        writeStats();
        held.removeAll(partitions);
        boundaries.forget(partitions.stream().map(TopicPartition::partition).toList());
    }

    /** Drops every batch; one being written is waited for first (its rows may land: writes are idempotent). */
    private void clear() {
        if (writing != null && writing.write != null) {
            try {
                writing.write.get();
            } catch (ExecutionException e) {
                // Not written: the next owner reads these events again.
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        writing = null;
        written.drop();
        filling.clear();
        flushNow = false;
    }
}
