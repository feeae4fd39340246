package dev.dash.ingestor.bronze;

import dev.dash.ingestor.config.IngestorConfig;
import dev.dash.ingestor.support.RawConsumers;
import dev.dash.model.envelope.EnvelopeCodec;
import dev.dash.model.kafka.Topics;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.logging.Log;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.time.Clock;
import java.time.Duration;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * Consumer group {@code dash-bronze}: writes every raw event to gzip JSON Lines objects in S3 under the
 * deterministic keys of DESIGN.md, one manifest row per object, and commits a partition's offset only up to
 * the oldest event not yet uploaded (Kafka Connect's S3 sink {@code preCommit}). While S3 or PostgreSQL fails
 * it pauses consumption and retries the same upload with backoff: the lag grows, nothing is lost, and a
 * retried upload rewrites the same key.
 */
@ApplicationScoped
public class BronzeArchiver {
    private final S3Client s3;
    private final ManifestRepository manifest;
    private final IngestorConfig.Bronze config;
    private final Clock clock;
    private final String bootstrapServers;
    private final Map<TopicPartition, PartitionWriter> writers = new HashMap<>();
    private final Map<TopicPartition, Long> committed = new HashMap<>();
    private final Counter objects;
    private final Counter bytes;
    private final Counter events;
    private final AtomicLong lag = new AtomicLong();
    private volatile boolean running = true;
    private volatile KafkaConsumer<String, byte[]> consumer;
    private volatile boolean stuck;
    private Thread thread;

    public BronzeArchiver(
            S3Client s3,
            ManifestRepository manifest,
            IngestorConfig config,
            Clock clock,
            MeterRegistry registry,
            @ConfigProperty(name = "kafka.bootstrap.servers") String bootstrapServers) {
        this.s3 = s3;
        this.manifest = manifest;
        this.config = config.bronze();
        if (this.config.compressionLevel() < 1 || this.config.compressionLevel() > 9) {
            throw new IllegalArgumentException("dash.bronze.compression-level must be 1 (fastest) to 9 (smallest), not "
                    + this.config.compressionLevel());
        }
        this.clock = clock;
        this.bootstrapServers = bootstrapServers;
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
        Gauge.builder("dash.bronze.lag", lag, AtomicLong::get)
                .description("dash.raw records not yet archived, over the partitions this node holds")
                .register(registry);
    }

    void onStart(@Observes StartupEvent event) {
        if (!config.archiverEnabled()) {
            return;
        }
        thread = new Thread(this::run, "dash-bronze-archiver");
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
                thread.join(20_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** Whether uploads are failing right now (S3 or PostgreSQL down). */
    public boolean stuck() {
        return stuck;
    }

    /** Records not yet archived on this node's partitions. */
    public long lag() {
        return lag.get();
    }

    private void run() {
        long backoff = 250;
        while (running) {
            try {
                consume();
            } catch (WakeupException e) {
                break;
            } catch (Exception e) {
                Log.warnf("Bronze archiver restarting after: %s", e.toString());
                writers.clear();
                committed.clear();
                backoff = sleep(backoff);
            }
        }
    }

    private void consume() {
        Properties p = RawConsumers.properties(bootstrapServers, "dash-bronze", "dash-bronze-archiver", 5000);
        try (KafkaConsumer<String, byte[]> c = new KafkaConsumer<>(p)) {
            consumer = c;
            c.subscribe(List.of(Topics.RAW), new ConsumerRebalanceListener() {
                @Override
                public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
                    for (TopicPartition tp : partitions) {
                        PartitionWriter w = writers.get(tp);
                        if (w != null) {
                            w.closeAll();
                        }
                    }
                    try {
                        uploadAndCommit(c);
                    } catch (Exception e) {
                        // Not committed: the next owner re-reads from the last committed offset and rewrites the keys.
                        Log.warnf(
                                "Bronze objects not uploaded before a rebalance (they will be rebuilt): %s",
                                e.getMessage());
                    }
                    partitions.forEach(tp -> {
                        writers.remove(tp);
                        committed.remove(tp);
                    });
                }

                @Override
                public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
                    Map<TopicPartition, OffsetAndMetadata> offsets = c.committed(new java.util.HashSet<>(partitions));
                    for (TopicPartition tp : partitions) {
                        OffsetAndMetadata o = offsets.get(tp);
                        long from = o == null ? 0 : o.offset();
                        try {
                            writers.put(
                                    tp,
                                    new PartitionWriter(
                                            tp.partition(),
                                            clock,
                                            config.rotateEvents(),
                                            config.rotateBytes().asLongValue(),
                                            config.rotateAge(),
                                            config.compressionLevel(),
                                            manifest.archivedAfter(tp.partition(), from)));
                        } catch (java.sql.SQLException e) {
                            throw new IllegalStateException("cannot read the Bronze manifest: " + e.getMessage(), e);
                        }
                        committed.put(tp, from);
                    }
                    c.resume(c.assignment());
                }
            });
            long backoff = 250;
            long lastLag = 0;
            while (running) {
                if (stuck) {
                    c.poll(Duration.ZERO);
                    try {
                        uploadAndCommit(c);
                        stuck = false;
                        c.resume(c.paused());
                        backoff = 250;
                        Log.info("Bronze uploads succeed again; archiving resumes");
                    } catch (Exception e) {
                        backoff = sleep(backoff);
                    }
                    continue;
                }
                for (ConsumerRecord<String, byte[]> r : c.poll(Duration.ofMillis(200))) {
                    PartitionWriter w = writers.get(new TopicPartition(r.topic(), r.partition()));
                    if (w == null) {
                        continue;
                    }
                    EnvelopeCodec.Head e;
                    try {
                        // Checked as a decode would, but its bytes are stored as read: no decode and encode again.
                        e = EnvelopeCodec.head(r.value());
                    } catch (RuntimeException ex) {
                        Log.warnf(
                                "Not archiving unreadable dash.raw record %d@%d: %s",
                                r.partition(), r.offset(), ex.getMessage());
                        w.skip(r.offset());
                        continue;
                    }
                    w.add(r.offset(), e);
                    events.increment();
                }
                writers.values().forEach(PartitionWriter::rotateDue);
                try {
                    uploadAndCommit(c);
                } catch (Exception e) {
                    Log.warnf("Bronze upload failed; pausing consumption and retrying: %s", e.getMessage());
                    stuck = true;
                    c.pause(c.assignment());
                    backoff = sleep(backoff);
                }
                if (System.nanoTime() - lastLag > 1_000_000_000L) {
                    lastLag = System.nanoTime();
                    updateLag(c);
                }
            }
            for (PartitionWriter w : writers.values()) {
                w.closeAll();
            }
            try {
                uploadAndCommit(c);
            } catch (Exception e) {
                Log.warnf("Bronze objects not uploaded at shutdown (they will be rebuilt): %s", e.getMessage());
            }
        } finally {
            consumer = null;
        }
    }

    /** Uploads every finished object in order, records it, and commits what is now fully archived. */
    private void uploadAndCommit(KafkaConsumer<String, byte[]> c) throws Exception {
        Map<TopicPartition, OffsetAndMetadata> commit = new HashMap<>();
        Exception failure = null;
        for (Map.Entry<TopicPartition, PartitionWriter> entry : writers.entrySet()) {
            PartitionWriter w = entry.getValue();
            try {
                PartitionWriter.Finished f;
                while ((f = w.peek()) != null) {
                    PartitionWriter.Finished obj = f;
                    s3.putObject(
                            b -> b.bucket(config.bucket())
                                    .key(obj.key().format())
                                    .contentType("application/x-ndjson")
                                    .contentEncoding("gzip"),
                            RequestBody.fromBytes(obj.bytes()));
                    manifest.record(obj.entry());
                    w.uploaded();
                    objects.increment();
                    bytes.increment(obj.bytes().length);
                }
            } catch (Exception e) {
                failure = e;
            }
            long next = w.committableOffset();
            Long done = committed.get(entry.getKey());
            if (next >= 0 && (done == null || next > done)) {
                commit.put(entry.getKey(), new OffsetAndMetadata(next));
            }
        }
        if (!commit.isEmpty()) {
            c.commitSync(commit);
            Map<Integer, Long> progress = new HashMap<>();
            commit.forEach((tp, o) -> {
                committed.put(tp, o.offset());
                progress.put(tp.partition(), o.offset());
                writers.get(tp).forgetBefore(o.offset());
            });
            try {
                manifest.progress(progress);
            } catch (Exception e) {
                // Informational for replays; the next commit writes it again.
                Log.debugf("bronze_progress not updated: %s", e.getMessage());
            }
        }
        if (failure != null) {
            throw failure;
        }
    }

    private void updateLag(KafkaConsumer<String, byte[]> c) {
        try {
            var end = c.endOffsets(c.assignment(), Duration.ofSeconds(1));
            long total = 0;
            for (var e : end.entrySet()) {
                Long done = committed.get(e.getKey());
                total += Math.max(0, e.getValue() - (done == null ? 0 : done));
            }
            lag.set(total);
        } catch (RuntimeException e) {
            Log.debugf("Bronze lag not measured: %s", e.getMessage());
        }
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
