package dev.dash.ingestor.bronze;

import dev.dash.ingestor.config.IngestorConfig;
import dev.dash.ingestor.support.KafkaClients;
import dev.dash.model.bronze.ManifestEntry;
import dev.dash.model.envelope.EnvelopeCodec;
import dev.dash.model.envelope.RawRecordCodec;
import dev.dash.model.kafka.runtime.ConsumerRuntime;
import dev.dash.model.kafka.runtime.RetryLater;
import dev.dash.model.kafka.runtime.SinkTask;
import dev.dash.model.kafka.runtime.Subscription;
import dev.dash.model.kafka.runtime.TaskContext;
import dev.dash.model.support.Backoff;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.logging.Log;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.nio.ByteBuffer;
import java.time.Clock;
import java.time.Duration;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.Deserializer;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * Consumer group {@code <group-prefix>-bronze}, a {@link SinkTask} on the {@link ConsumerRuntime}: writes every
 * raw event to gzip JSON Lines objects in S3 under the keys of DESIGN.md, which also name the writer (so that a
 * paused node that comes back after its partition moved cannot overwrite the new owner's objects, {@link
 * dev.dash.model.bronze.BronzeKey}), one manifest row per object ({@link ManifestRepository#record}), and lets a partition's offset be committed only up to the oldest event not yet uploaded (Kafka
 * Connect's S3 sink {@code preCommit}). While S3 or PostgreSQL fails the runtime pauses consumption and the
 * same upload is retried with back-off: the lag grows, nothing is lost, and a retried upload rewrites the same
 * key. Objects larger than {@code dash.bronze.part-size} are streamed as multipart uploads, a part as soon as
 * it is full, so memory per open object is about one part, not the object ({@link BronzeUploader}).
 */
@ApplicationScoped
public class BronzeArchiver implements SinkTask<String, byte[]> {
    static final long MIN_PART_SIZE = 5L * 1024 * 1024;

    /**
     * The archiver's record keys: never read (an event's pipeline is in its metadata, and Bronze stores the line), so
     * not copied out of the fetched bytes nor decoded into a string for every record.
     */
    static final Deserializer<String> KEYS = new Deserializer<>() {
        @Override
        public String deserialize(String topic, byte[] data) {
            return null;
        }

        @Override
        public String deserialize(String topic, Headers headers, ByteBuffer data) {
            return null;
        }
    };

    static final long MAX_PART_SIZE = 1024L * 1024 * 1024;

    private final BronzeUploader uploader;
    private final ManifestRepository manifest;
    private final IngestorConfig.Bronze config;
    private final Clock clock;
    private final Map<TopicPartition, PartitionWriter> writers = new HashMap<>();
    private final Map<TopicPartition, Long> committed = new HashMap<>();
    private final Counter objects;
    private final Counter bytes;
    private final Counter events;
    private final ConsumerRuntime<String, byte[]> runtime;
    private volatile boolean stuck;
    private volatile long heldBytes;
    private TaskContext context;

    public BronzeArchiver(
            S3Client s3,
            ManifestRepository manifest,
            IngestorConfig config,
            Clock clock,
            MeterRegistry registry,
            KafkaClients kafka) {
        this.manifest = manifest;
        this.config = config.bronze();
        if (this.config.compressionLevel() < 1 || this.config.compressionLevel() > 9) {
            throw new IllegalArgumentException("dash.bronze.compression-level must be 1 (fastest) to 9 (smallest), not "
                    + this.config.compressionLevel());
        }
        if (this.config.lineVersion() != 1 && this.config.lineVersion() != EnvelopeCodec.LINE_VERSION) {
            throw new IllegalArgumentException(
                    "dash.bronze.line-version must be 1 or 2, not " + this.config.lineVersion());
        }
        long partSize = this.config.partSize().asLongValue();
        if (partSize < MIN_PART_SIZE || partSize > MAX_PART_SIZE) {
            throw new IllegalArgumentException(
                    "dash.bronze.part-size must be 5M to 1G (S3's smallest part is 5 MiB), not " + partSize);
        }
        this.uploader = new BronzeUploader(s3, this.config.bucket());
        this.clock = clock;
        this.objects = Counter.builder("dash.bronze.objects")
                .description("Bronze objects uploaded")
                .register(registry);
        this.bytes = Counter.builder("dash.bronze.bytes")
                .description("Bronze bytes uploaded (gzip)")
                .baseUnit("bytes")
                .register(registry);
        this.events = Counter.builder("dash.bronze.events")
                .description("Events archived to Bronze")
                .register(registry);
        this.runtime = new ConsumerRuntime<>(
                new ConsumerRuntime.Options(
                        "dash-bronze-archiver",
                        new Subscription.Group(
                                kafka.group("bronze"), List.of(kafka.topics().raw())),
                        kafka.consumer("bronze", Map.of()),
                        Backoff.upTo(this.config.retryMax()),
                        Duration.ofMillis(200)),
                KEYS,
                new ByteArrayDeserializer(),
                this);
        Gauge.builder("dash.bronze.held.bytes", this, a -> a.heldBytes)
                .description("Bytes the open and finished Bronze objects of this node hold in memory")
                .baseUnit("bytes")
                .register(registry);
        Gauge.builder("dash.bronze.lag", runtime, ConsumerRuntime::lag)
                .description("dash.raw records not yet archived, over the partitions this node holds")
                .register(registry);
    }

    void onStart(@Observes StartupEvent event) {
        if (config.archiverEnabled()) {
            runtime.start();
        }
    }

    void onStop(@Observes ShutdownEvent event) {
        runtime.close(Duration.ofSeconds(20));
    }

    /** Whether uploads are failing right now (S3 or PostgreSQL down). */
    public boolean stuck() {
        return stuck;
    }

    /** Records not yet archived on this node's partitions. */
    public long lag() {
        return runtime.lag();
    }

    @Override
    public void start(TaskContext context) {
        this.context = context;
    }

    /**
     * A writer per partition, told by the manifest which events uploaded objects already hold. While the
     * manifest cannot be read (PostgreSQL down, or the schema not migrated yet at start-up) the runtime keeps
     * the partitions paused and asks again.
     */
    @Override
    public void open(Collection<TopicPartition> partitions) {
        Map<TopicPartition, OffsetAndMetadata> offsets = context.committed(partitions);
        Map<TopicPartition, PartitionWriter> opened = new HashMap<>();
        for (TopicPartition tp : partitions) {
            OffsetAndMetadata o = offsets.get(tp);
            long from = o == null ? 0 : o.offset();
            try {
                opened.put(
                        tp,
                        new PartitionWriter(
                                tp.partition(),
                                clock,
                                config.rotateEvents(),
                                config.rotateBytes().asLongValue(),
                                config.rotateAge(),
                                config.compressionLevel(),
                                (int) config.partSize().asLongValue(),
                                manifest.archivedAfter(tp.partition(), from)));
            } catch (java.sql.SQLException e) {
                throw new RetryLater("cannot read the Bronze manifest: " + e.getMessage(), e);
            }
            committed.put(tp, from);
        }
        writers.putAll(opened);
        // Everything before a committed offset is in Bronze (offsets are committed only after the upload), so
        // the progress replays wait on is known at once, even for a partition that gets no new event.
        Map<Integer, Long> progress = new HashMap<>();
        offsets.forEach((tp, o) -> {
            if (o != null) {
                progress.put(tp.partition(), o.offset());
            }
        });
        if (!progress.isEmpty()) {
            try {
                manifest.progress(progress);
            } catch (Exception e) {
                Log.debugf("bronze_progress not updated at assignment: %s", e.getMessage());
            }
        }
    }

    @Override
    public void put(List<ConsumerRecord<String, byte[]>> records) {
        // Parts go out as soon as they are full, which bounds the memory per object; a failure leaves them
        // for preCommit, which retries and pauses consumption (put itself must not fail once it kept records).
        boolean uploading = true;
        // A poll's records come in runs of one partition's: its writer is looked up once a run, and the events
        // counted once a put, not a map key and a counter update per record.
        PartitionWriter w = null;
        String topic = null;
        int partition = -1;
        long archived = 0;
        try {
            for (ConsumerRecord<String, byte[]> r : records) {
                if (r.partition() != partition || !r.topic().equals(topic)) {
                    topic = r.topic();
                    partition = r.partition();
                    w = writers.get(new TopicPartition(topic, partition));
                }
                if (w == null) {
                    continue;
                }
                EnvelopeCodec.Head e;
                try {
                    // Format 1 is checked as a decode would and stored as read (a version-1 line); format 3's metadata
                    // is checked in one pass and is the version-2 line's first bytes, format 2 is read from its headers
                    // and encoded as that line; the body is checked to be one JSON value in one pass over its bytes
                    // (the parser decides the rare body that pass does not accept), never parsed into a tree.
                    e = RawRecordCodec.head(r.headers(), r.value(), config.lineVersion());
                } catch (RuntimeException ex) {
                    Log.warnf(
                            "Not archiving unreadable dash.raw record %d@%d: %s",
                            r.partition(), r.offset(), ex.getMessage());
                    w.skip(r.offset());
                    continue;
                }
                w.add(r.offset(), e);
                archived++;
                if (uploading && w.hasFullParts()) {
                    try {
                        uploadParts(w);
                    } catch (RuntimeException ex) {
                        uploading = false;
                        Log.debugf("Bronze part upload failed, left for the commit: %s", ex.getMessage());
                    }
                }
            }
        } finally {
            if (archived > 0) {
                events.increment(archived);
            }
        }
        writers.values().forEach(PartitionWriter::rotateDue);
        measureHeld();
    }

    private void uploadParts(PartitionWriter w) {
        w.openParts().forEach(uploader::uploadFullParts);
    }

    private void measureHeld() {
        long held = 0;
        for (PartitionWriter w : writers.values()) {
            held += w.heldBytes();
        }
        heldBytes = held;
    }

    /** Uploads every finished object in order, records it, and returns what is now fully archived. */
    @Override
    public Map<TopicPartition, OffsetAndMetadata> preCommit(Map<TopicPartition, OffsetAndMetadata> consumed) {
        Map<TopicPartition, OffsetAndMetadata> commit = new HashMap<>();
        Exception failure = null;
        for (Map.Entry<TopicPartition, PartitionWriter> entry : writers.entrySet()) {
            PartitionWriter w = entry.getValue();
            if (failure == null) {
                try {
                    upload(w);
                } catch (Exception e) {
                    failure = e;
                }
            }
            long next = w.committableOffset();
            Long done = committed.get(entry.getKey());
            if (next >= 0 && (done == null || next > done)) {
                commit.put(entry.getKey(), new OffsetAndMetadata(next));
            }
        }
        measureHeld();
        if (failure instanceof BronzeUploader.UploadLost lost) {
            // The parts sent are gone: end the consumer session, so the object is read again from Kafka.
            throw lost;
        }
        if (failure != null) {
            if (!stuck) {
                Log.warnf("Bronze upload failed; pausing consumption and retrying: %s", failure.getMessage());
            }
            stuck = true;
            // What was uploaded before the failure is committed by the retry that succeeds.
            throw new RetryLater("Bronze upload failed: " + failure.getMessage(), failure);
        }
        if (stuck) {
            stuck = false;
            Log.info("Bronze uploads succeed again; archiving resumes");
        }
        return commit;
    }

    private void upload(PartitionWriter w) throws Exception {
        uploadFinished(w, uploader, manifest, e -> {
            objects.increment();
            bytes.increment(e.bytes());
        });
        uploadParts(w);
    }

    /**
     * Uploads a writer's finished objects in order and records each in the manifest; an object the manifest
     * already lists every event of (written by another writer of the partition meanwhile) is deleted again.
     * {@code uploaded} is told of each object uploaded, as soon as it is.
     */
    static void uploadFinished(
            PartitionWriter w,
            BronzeUploader uploader,
            ManifestRepository manifest,
            java.util.function.Consumer<ManifestEntry> uploaded)
            throws java.sql.SQLException {
        PartitionWriter.Finished f;
        while ((f = w.peek()) != null) {
            uploader.finish(f);
            ManifestRepository.Recorded r = manifest.record(f.entry());
            if (!r.listed()) {
                // Another writer of this partition (the new owner, if this node was paused past its session)
                // listed every event of it already: the object is read by nobody.
                Log.infof("Bronze object %s holds nothing the manifest lacks; deleting it", f.key());
                uploader.delete(f.key());
            } else if (!r.replaced().isEmpty()) {
                Log.infof(
                        "Bronze object %s replaces %s in the manifest (written by another writer)",
                        f.key(), r.replaced());
            }
            w.uploaded();
            uploaded.accept(f.entry());
        }
    }

    @Override
    public void committed(Map<TopicPartition, OffsetAndMetadata> offsets) {
        Map<Integer, Long> progress = new HashMap<>();
        offsets.forEach((tp, o) -> {
            committed.put(tp, o.offset());
            progress.put(tp.partition(), o.offset());
            PartitionWriter w = writers.get(tp);
            if (w != null) {
                w.forgetBefore(o.offset());
            }
        });
        try {
            manifest.progress(progress);
        } catch (Exception e) {
            // Informational for replays; the next commit writes it again.
            Log.debugf("bronze_progress not updated: %s", e.getMessage());
        }
    }

    /** Before a rebalance or at shutdown, the open objects are finished so that the next commit covers them. */
    @Override
    public void flush(Collection<TopicPartition> partitions) {
        for (TopicPartition tp : partitions) {
            PartitionWriter w = writers.get(tp);
            if (w != null) {
                w.closeAll();
            }
        }
    }

    @Override
    public void close(Collection<TopicPartition> partitions) {
        partitions.forEach(tp -> {
            PartitionWriter w = writers.remove(tp);
            if (w != null) {
                // Objects not uploaded are read again by the next owner; their started uploads are not needed.
                w.abandon().forEach(s -> uploader.abort(s.key(), s.uploadId()));
            }
            committed.remove(tp);
        });
        measureHeld();
        if (writers.isEmpty()) {
            stuck = false;
        }
    }
}
