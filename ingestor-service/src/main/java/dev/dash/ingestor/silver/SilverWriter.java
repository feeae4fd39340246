package dev.dash.ingestor.silver;

import com.fasterxml.jackson.databind.JsonNode;
import dev.dash.ingestor.config.IngestorConfig;
import dev.dash.ingestor.pipeline.CachedPipeline;
import dev.dash.ingestor.pipeline.PipelineCache;
import dev.dash.ingestor.support.RawConsumers;
import dev.dash.model.envelope.EnvelopeCodec;
import dev.dash.model.envelope.RawEnvelope;
import dev.dash.model.json.Json;
import dev.dash.model.kafka.PointsBatch;
import dev.dash.model.kafka.PointsCodec;
import dev.dash.model.kafka.Topics;
import dev.dash.model.mapping.EventInput;
import dev.dash.model.mapping.MappingError;
import dev.dash.model.mapping.MappingResult;
import dev.dash.model.silver.SilverBatch;
import dev.dash.model.silver.SilverStore;
import io.agroal.api.AgroalDataSource;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.quarkus.logging.Log;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * Consumer group {@code dash-silver}: maps every raw event with the pipeline's active mapping version (and
 * its pending one during a replay) using the common-model engine, writes the points in batches (by row
 * count or age, whichever first), commits the Kafka offsets only after the database transaction, and then
 * publishes the batch's points on {@code dash.points}. A plain consumer loop on its own thread: while
 * PostgreSQL fails it pauses every partition, keeps the batch, and retries with backoff, so nothing is lost
 * and, writes being idempotent, nothing is doubled.
 */
@ApplicationScoped
public class SilverWriter {
    private final PipelineCache cache;
    private final SilverStore store;
    private final IngestorConfig.Silver config;
    private final String bootstrapServers;
    private final boolean enabled;
    private final Counter rowsWritten;
    private final Counter eventsMapped;
    private final Counter quarantinedEvents;
    private final Counter skippedEvents;
    private final Timer batchLatency;
    private final Timer receiptToCommit;
    private final java.util.concurrent.atomic.AtomicLong lag = new java.util.concurrent.atomic.AtomicLong();
    private final SilverBatch batch = new SilverBatch();
    private final Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>();
    /**
     * Pending versions and partitions whose dual-write boundary this node has recorded in its current
     * assignment (offset 0 in the key).
     */
    private final Set<SilverBatch.Boundary> recordedBoundaries = new HashSet<>();
    /** Partitions assigned while the pipeline cache could not be reloaded: paused until it can. */
    private final Set<TopicPartition> awaitingReload = new HashSet<>();
    /** The last write failed: the batch is kept and every partition paused until it succeeds. */
    private boolean writeFailed;
    /** Whether the next poll must look for pending versions without a boundary (after an assignment). */
    private boolean boundaryCheckDue;

    private long lastBoundaryCheck;

    private volatile boolean running = true;
    private volatile KafkaConsumer<String, byte[]> consumer;
    private volatile long lastCommitNanos = System.nanoTime();
    private KafkaProducer<String, byte[]> points;
    private long batchStart;
    private Thread thread;

    public SilverWriter(
            PipelineCache cache,
            AgroalDataSource dataSource,
            IngestorConfig config,
            MeterRegistry registry,
            @ConfigProperty(name = "kafka.bootstrap.servers") String bootstrapServers) {
        this.cache = cache;
        this.store = new SilverStore(dataSource);
        this.config = config.silver();
        this.enabled = config.silver().writerEnabled();
        this.bootstrapServers = bootstrapServers;
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
        io.micrometer.core.instrument.Gauge.builder("dash.silver.lag", lag, java.util.concurrent.atomic.AtomicLong::get)
                .description("dash.raw records not yet read by the Silver writer, over the partitions this node holds")
                .register(registry);
        this.receiptToCommit = Timer.builder("dash.silver.receipt.to.commit")
                .description("From the event's receipt by the ingest API to its Silver commit")
                .publishPercentiles(0.5, 0.99)
                .register(registry);
    }

    void onStart(@Observes StartupEvent event) {
        if (!enabled) {
            return;
        }
        thread = new Thread(this::run, "dash-silver-writer");
        thread.start();
    }

    void onStop(@Observes ShutdownEvent event) {
        running = false;
        KafkaConsumer<String, byte[]> c = consumer;
        if (c != null) {
            c.wakeup();
        }
        if (thread != null) {
            try {
                thread.join(15_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** Nanoseconds since the last successful commit (or the start), for tests and readiness. */
    public long nanosSinceLastCommit() {
        return System.nanoTime() - lastCommitNanos;
    }

    private void run() {
        long backoff = 250;
        while (running) {
            try {
                consume();
            } catch (WakeupException e) {
                break;
            } catch (Exception e) {
                Log.warnf("Silver writer restarting after: %s", e.toString());
                batch.clear();
                offsets.clear();
                backoff = sleep(backoff);
            }
        }
    }

    private void consume() {
        Properties p = RawConsumers.properties(bootstrapServers, "dash-silver", "dash-silver-writer", 2000);
        p.put(ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG, "50");
        Properties pp = new Properties();
        pp.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        pp.put(ProducerConfig.CLIENT_ID_CONFIG, "dash-silver-points");
        pp.put(ProducerConfig.ACKS_CONFIG, "all");
        pp.put(ProducerConfig.LINGER_MS_CONFIG, "5");
        pp.put(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, String.valueOf(16 * 1024 * 1024));
        pp.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        pp.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        recordedBoundaries.clear();
        awaitingReload.clear();
        writeFailed = false;
        boundaryCheckDue = true;
        try (KafkaConsumer<String, byte[]> c = new KafkaConsumer<>(p);
                KafkaProducer<String, byte[]> producer = new KafkaProducer<>(pp)) {
            consumer = c;
            points = producer;
            c.subscribe(List.of(Topics.RAW), new ConsumerRebalanceListener() {
                @Override
                public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
                    if (!batch.isEmpty() || !offsets.isEmpty()) {
                        if (!tryFlush(c)) {
                            // Not written and not committed: the next owner reads these events again.
                            batch.clear();
                            offsets.clear();
                        }
                    }
                    writeFailed = false;
                    forget(partitions);
                }

                @Override
                public void onPartitionsLost(Collection<TopicPartition> partitions) {
                    // Another member may own them already: this one neither writes (no boundary recorded
                    // for a partition it no longer holds) nor commits; the owner reads these events again.
                    batch.clear();
                    offsets.clear();
                    writeFailed = false;
                    forget(partitions);
                }

                @Override
                public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
                    c.resume(c.assignment());
                    if (partitions.isEmpty()) {
                        return;
                    }
                    // dash.control is asynchronous: the previous owner may have known of a pending version,
                    // and recorded its boundary, before this node heard of it. The web service commits a
                    // version before publishing it, so after a reload from the database this node knows
                    // every version the previous owner knew, before it reads a single event; until then the
                    // new partitions stay paused.
                    awaitingReload.addAll(partitions);
                    if (!reloadPipelines(c)) {
                        c.pause(awaitingReload);
                    }
                }
            });
            long backoff = 250;
            long lastLag = 0;
            while (running) {
                if (System.nanoTime() - lastLag > 1_000_000_000L) {
                    lastLag = System.nanoTime();
                    long total = 0;
                    for (TopicPartition tp : c.assignment()) {
                        total += c.currentLag(tp).orElse(0);
                    }
                    lag.set(total + batch.events());
                }
                if (writeFailed || !awaitingReload.isEmpty()) {
                    // PostgreSQL failed the last write or the reload for new partitions: keep the batch, stay
                    // in the group, try again later.
                    rewind(c, c.poll(Duration.ZERO));
                    if (retry(c)) {
                        backoff = 250;
                    } else {
                        backoff = sleep(backoff);
                    }
                    continue;
                }
                long wait = batch.isEmpty()
                        ? 100
                        : Math.max(0, config.flushInterval().toMillis() - (System.nanoTime() - batchStart) / 1_000_000);
                ConsumerRecords<String, byte[]> records = c.poll(Duration.ofMillis(wait));
                if (boundaryCheckDue
                        || System.nanoTime() - lastBoundaryCheck
                                >= config.flushInterval().toNanos()) {
                    addBoundaries(c, records);
                }
                for (ConsumerRecord<String, byte[]> r : records) {
                    add(r);
                    if (batch.size() >= config.batchRows() && !flushOrPause(c)) {
                        break;
                    }
                }
                if (!writeFailed
                        && (!batch.isEmpty() || !offsets.isEmpty())
                        && (batch.size() >= config.batchRows()
                                || System.nanoTime() - batchStart
                                        >= config.flushInterval().toNanos())) {
                    flushOrPause(c);
                }
            }
            if (!batch.isEmpty() || !offsets.isEmpty()) {
                tryFlush(c);
            }
        } finally {
            consumer = null;
            points = null;
        }
    }

    /**
     * After a failed write or reload: the reload first, so that resuming every partition after the write never
     * resumes one whose pipelines are not reloaded yet.
     */
    private boolean retry(KafkaConsumer<String, byte[]> c) {
        if (!awaitingReload.isEmpty() && !reloadPipelines(c)) {
            return false;
        }
        if (writeFailed) {
            if (!tryFlush(c)) {
                return false;
            }
            writeFailed = false;
            c.resume(c.assignment());
        }
        return true;
    }

    /**
     * Reloads the pipeline cache from the database; on success resumes the partitions that waited for it
     * (unless a failed write holds every partition) and has their boundaries looked for.
     */
    private boolean reloadPipelines(KafkaConsumer<String, byte[]> c) {
        try {
            cache.reloadFromDatabase();
        } catch (Exception e) {
            Log.warnf(
                    "Silver writer cannot reload the pipelines for partitions %s, they stay paused: %s",
                    awaitingReload, e.getMessage());
            return false;
        }
        awaitingReload.retainAll(c.assignment());
        if (!writeFailed) {
            c.resume(awaitingReload);
        }
        awaitingReload.clear();
        boundaryCheckDue = true;
        return true;
    }

    /** Forgets what this node knew of partitions it no longer holds. */
    private void forget(Collection<TopicPartition> partitions) {
        Set<Integer> gone = new HashSet<>();
        for (TopicPartition tp : partitions) {
            gone.add(tp.partition());
        }
        recordedBoundaries.removeIf(b -> gone.contains(b.partition()));
        awaitingReload.removeAll(partitions);
    }

    /** Records returned while nothing may be added to the batch are read again later. */
    private static void rewind(KafkaConsumer<String, byte[]> c, ConsumerRecords<String, byte[]> records) {
        for (TopicPartition tp : records.partitions()) {
            c.seek(tp, records.records(tp).get(0).offset());
        }
    }

    /**
     * For every pending version and every partition held without a boundary for it in this assignment, adds
     * one: the partition's next offset to process (its first record in {@code records}, which are about to
     * be processed, or its position). The cache knows the version now and only moves forward, so every event
     * from there on is written under it. Without this a pipeline that gets no traffic would never have one,
     * and its replay would wait for ever.
     */
    private void addBoundaries(KafkaConsumer<String, byte[]> c, ConsumerRecords<String, byte[]> records) {
        boundaryCheckDue = false;
        lastBoundaryCheck = System.nanoTime();
        List<PipelineCache.PendingVersion> pending = cache.pendingVersions();
        Set<PipelineCache.PendingVersion> live = new HashSet<>(pending);
        // Versions replaced, promoted or cancelled meanwhile need no boundary any more.
        recordedBoundaries.removeIf(b -> !live.contains(new PipelineCache.PendingVersion(b.pipelineId(), b.version())));
        if (pending.isEmpty()) {
            return;
        }
        for (TopicPartition tp : c.assignment()) {
            if (awaitingReload.contains(tp)) {
                continue;
            }
            long next = -1;
            for (PipelineCache.PendingVersion v : pending) {
                if (recorded(v.pipelineId(), v.version(), tp.partition())) {
                    continue;
                }
                if (next < 0) {
                    next = nextOffset(c, tp, records);
                    if (next < 0) {
                        break;
                    }
                }
                boundary(v.pipelineId(), v.version(), tp.partition(), next);
            }
        }
    }

    /** The partition's next offset to process, or -1 when the broker did not tell in time (tried again later). */
    private static long nextOffset(
            KafkaConsumer<String, byte[]> c, TopicPartition tp, ConsumerRecords<String, byte[]> records) {
        List<ConsumerRecord<String, byte[]>> polled = records.records(tp);
        if (!polled.isEmpty()) {
            return polled.get(0).offset();
        }
        try {
            return c.position(tp, Duration.ofSeconds(1));
        } catch (org.apache.kafka.common.errors.TimeoutException e) {
            return -1;
        }
    }

    private boolean recorded(UUID pipelineId, int version, int partition) {
        return recordedBoundaries.contains(new SilverBatch.Boundary(pipelineId, version, partition, 0));
    }

    /**
     * Adds a boundary to the batch unless one is recorded in this assignment; the batch keeps the smallest,
     * and is written (within the flush interval) even if it holds nothing else.
     */
    private void boundary(UUID pipelineId, int version, int partition, long offset) {
        if (recorded(pipelineId, version, partition)) {
            return;
        }
        startBatch();
        batch.boundary(pipelineId, version, partition, offset);
    }

    private void startBatch() {
        if (batch.isEmpty() && offsets.isEmpty()) {
            batchStart = System.nanoTime();
        }
    }

    private boolean flushOrPause(KafkaConsumer<String, byte[]> c) {
        if (tryFlush(c)) {
            return true;
        }
        writeFailed = true;
        // Records polled after the failed batch must not be added to it (their offsets would be committed
        // with it); the consumer is paused and rewound to just after the batch.
        c.pause(c.assignment());
        for (TopicPartition tp : c.assignment()) {
            OffsetAndMetadata next = offsets.get(tp);
            if (next != null) {
                c.seek(tp, next.offset());
            } else {
                OffsetAndMetadata committed = c.committed(Set.of(tp)).get(tp);
                if (committed != null) {
                    c.seek(tp, committed.offset());
                } else {
                    c.seekToBeginning(List.of(tp));
                }
            }
        }
        return false;
    }

    private void add(ConsumerRecord<String, byte[]> r) {
        startBatch();
        process(r);
        // Only once the record is in the batch: a failure above must not let its offset be committed.
        offsets.put(new TopicPartition(r.topic(), r.partition()), new OffsetAndMetadata(r.offset() + 1));
    }

    private void process(ConsumerRecord<String, byte[]> r) {
        if (r.key() != null && unknownPipeline(r.key())) {
            // The key is the pipeline id: a deleted pipeline's backlog is skipped without decoding it.
            skippedEvents.increment();
            return;
        }
        RawEnvelope e;
        try {
            e = EnvelopeCodec.decode(r.value());
        } catch (RuntimeException ex) {
            Log.warnf("Skipping unreadable dash.raw record %d@%d: %s", r.partition(), r.offset(), ex.getMessage());
            skippedEvents.increment();
            return;
        }
        CachedPipeline p;
        try {
            p = cache.getOrLoad(e.pipelineId());
        } catch (Exception ex) {
            throw new IllegalStateException("cannot look pipeline " + e.pipelineId() + " up: " + ex.getMessage(), ex);
        }
        if (p == null) {
            skippedEvents.increment();
            return;
        }
        batch.countEvent(e.receivedAt());
        batch.origin(e.eventId(), e.receivedAt(), r.partition(), r.offset(), null);
        CachedPipeline.Version active = p.active();
        CachedPipeline.Version pending = p.pending();
        if (active == null && pending == null) {
            return;
        }
        EventInput input = EventInput.of(e);
        if (active != null && pending != null) {
            // Parsed once for both versions; a body that does not parse goes the ordinary way, for identical errors.
            try {
                JsonNode tree = Json.parse(e.body());
                if (!tree.isMissingNode()) {
                    input = EventInput.ofJson(e.eventId(), e.receivedAt(), tree);
                }
            } catch (IOException ignored) {
                // mapped from bytes below
            }
        }
        if (active != null) {
            map(p, active, e, input, r);
        }
        if (pending != null) {
            map(p, pending, e, input, r);
            // The event-driven case of addBoundaries: this node knows the version from this event on.
            boundary(p.id(), pending.version(), r.partition(), r.offset());
        }
        eventsMapped.increment();
    }

    private void map(
            CachedPipeline p,
            CachedPipeline.Version v,
            RawEnvelope e,
            EventInput input,
            ConsumerRecord<String, byte[]> r) {
        if (v.mapping() == null) {
            batch.quarantine(new SilverBatch.Quarantined(
                    p.id(),
                    p.teamId(),
                    e.eventId(),
                    v.version(),
                    e.receivedAt(),
                    List.of(new MappingError("$mapping", MappingError.Code.INTERNAL, v.problem(), -1)),
                    r.partition(),
                    r.offset(),
                    null));
            quarantinedEvents.increment();
            return;
        }
        MappingResult result = v.mapping().apply(input);
        if (!result.ok()) {
            batch.quarantine(new SilverBatch.Quarantined(
                    p.id(),
                    p.teamId(),
                    e.eventId(),
                    v.version(),
                    e.receivedAt(),
                    result.errors(),
                    r.partition(),
                    r.offset(),
                    null));
            quarantinedEvents.increment();
            return;
        }
        batch.addPoints(p.id(), p.teamId(), e.eventId(), v.version(), e.receivedAt(), result.points());
        if (p.config().persistData()) {
            batch.addRecords(p.id(), p.teamId(), e.eventId(), v.version(), result.records());
        }
    }

    private boolean unknownPipeline(String key) {
        UUID id;
        try {
            id = UUID.fromString(key);
        } catch (IllegalArgumentException ex) {
            return false;
        }
        try {
            return cache.getOrLoad(id) == null;
        } catch (Exception ex) {
            throw new IllegalStateException("cannot look pipeline " + id + " up: " + ex.getMessage(), ex);
        }
    }

    /** Writes the batch, commits its offsets, publishes its points; false (batch kept) when PostgreSQL failed. */
    private boolean tryFlush(KafkaConsumer<String, byte[]> c) {
        long start = System.nanoTime();
        try {
            if (!batch.isEmpty()) {
                store.write(batch);
                // Events whose values PostgreSQL refused are in the quarantine now, not among the rows.
                quarantinedEvents.increment(batch.refused().size());
            }
        } catch (Exception e) {
            Log.warnf("Silver write of %d rows failed, will retry: %s", batch.size(), e.getMessage());
            return false;
        }
        if (!batch.boundaries().isEmpty()) {
            // The commit proves this node still holds the partitions: only then are boundaries recorded. A
            // partition with nothing in the batch has its committed offset committed again, which moves nothing.
            Map<TopicPartition, OffsetAndMetadata> proof = new HashMap<>(offsets);
            Set<TopicPartition> missing = new HashSet<>();
            for (SilverBatch.Boundary b : batch.boundaries()) {
                TopicPartition tp = new TopicPartition(Topics.RAW, b.partition());
                if (!proof.containsKey(tp)) {
                    missing.add(tp);
                }
            }
            if (!missing.isEmpty()) {
                c.committed(missing).forEach((tp, o) -> proof.put(tp, o == null ? new OffsetAndMetadata(0) : o));
            }
            c.commitSync(proof);
            try {
                store.recordBoundaries(batch.boundaries());
                for (SilverBatch.Boundary b : batch.boundaries()) {
                    recordedBoundaries.add(new SilverBatch.Boundary(b.pipelineId(), b.version(), b.partition(), 0));
                }
            } catch (Exception e) {
                // Not recorded: found again (at a later, still safe offset) by the next check.
                Log.warnf("Dual-write boundaries not recorded, will retry: %s", e.getMessage());
            }
        } else if (!offsets.isEmpty()) {
            c.commitSync(offsets);
        }
        Instant committed = Instant.now();
        long nowMillis = committed.toEpochMilli();
        batchLatency.record(System.nanoTime() - start, TimeUnit.NANOSECONDS);
        rowsWritten.increment(batch.rows().size());
        for (Instant received : batch.received()) {
            receiptToCommit.record(Math.max(0, nowMillis - received.toEpochMilli()), TimeUnit.MILLISECONDS);
        }
        publishPoints(committed);
        lastCommitNanos = System.nanoTime();
        batch.clear();
        offsets.clear();
        return true;
    }

    /**
     * Largest {@code dash.points} record value published, in bytes: half of Kafka's default {@code
     * max.message.bytes} (1 MiB), which {@code dash.points} keeps, so a record is accepted with room to spare
     * for its key and the batch overhead. A pipeline's points of one batch ({@code batch-rows} rows of about
     * 250 bytes of JSON each, more with many labels) often exceed 1 MiB and go out as several records.
     */
    static final int POINTS_RECORD_MAX_BYTES = 512 * 1024;

    /**
     * Publishes the batch's points, per pipeline in records of at most {@link #POINTS_RECORD_MAX_BYTES}, each a
     * {@link PointsBatch} with the next points in the order written ({@link PointsCodec#encodeSplit}). All
     * carry the pipeline id as key, so they land in one partition in send order, which the (idempotent)
     * producer keeps through retries. Only a single point over the bound (a label of half a megabyte) gets a
     * larger record of its own, which the broker may refuse; a refused record is logged, the others still go.
     */
    private void publishPoints(Instant committed) {
        if (batch.rows().isEmpty() || points == null) {
            return;
        }
        Map<UUID, List<PointsBatch.Point>> byPipeline = new HashMap<>();
        Map<UUID, UUID> teams = new HashMap<>();
        for (SilverBatch.Row r : batch.rows()) {
            byPipeline
                    .computeIfAbsent(r.pipelineId(), k -> new ArrayList<>())
                    .add(new PointsBatch.Point(
                            r.time(),
                            r.metric(),
                            r.labels(),
                            r.value(),
                            r.eventId(),
                            r.seq(),
                            r.mappingVersion(),
                            r.receivedAt()));
            teams.put(r.pipelineId(), r.teamId());
        }
        byPipeline.forEach((pipeline, list) -> {
            String key = pipeline.toString();
            for (byte[] part : PointsCodec.encodeSplit(
                    new PointsBatch(pipeline, teams.get(pipeline), committed, list), POINTS_RECORD_MAX_BYTES)) {
                points.send(new ProducerRecord<>(Topics.POINTS, key, part), (meta, error) -> {
                    if (error != null) {
                        Log.warnf(
                                "Publishing points of pipeline %s (a record of %d bytes) failed: %s",
                                pipeline, part.length, error.getMessage());
                    }
                });
            }
        });
    }

    private long sleep(long backoff) {
        try {
            Thread.sleep(backoff);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            running = false;
        }
        return Math.min(backoff * 2, config.retryMax().toMillis());
    }
}
