package dev.dash.ingestor.p2p;

import dev.dash.ingestor.pipeline.CachedPipeline;
import dev.dash.ingestor.pipeline.PipelineCache;
import dev.dash.ingestor.poll.PollConfig;
import dev.dash.ingestor.poll.RecordPublisher;
import dev.dash.ingestor.support.KafkaClients;
import dev.dash.model.envelope.Source;
import dev.dash.model.kafka.PointsBatch;
import dev.dash.model.kafka.PointsCodec;
import io.quarkus.logging.Log;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;

/**
 * Consumer group {@code <prefix>p2p} on {@code dash.points}: each batch of a pipeline that feeds p2p
 * pipelines is forwarded ({@link P2pForwarder}) as input events onto {@code dash.raw}, so they are archived in
 * Bronze and mapped by the p2p pipeline's own mapping like any webhook. Offsets are committed after the
 * events were acknowledged; a batch read again after a crash dedupes by delivery id. The routes are re-read
 * whenever a batch is newer than them, so a p2p pipeline gets every point committed after it was created.
 */
@ApplicationScoped
public class P2pConsumer {
    private final P2pConfig config;
    private final P2pRepository repository;
    private final RecordPublisher records;
    private final PipelineCache cache;
    private final PollConfig poll;
    private final KafkaClients kafka;
    private volatile boolean running = true;
    private volatile KafkaConsumer<String, byte[]> consumer;
    private Map<UUID, List<P2pRepository.Timed>> routes;
    private Instant routesAsOf = Instant.EPOCH;
    private long refreshedNanos;
    private Thread thread;

    public P2pConsumer(
            P2pConfig config,
            P2pRepository repository,
            RecordPublisher records,
            PipelineCache cache,
            PollConfig poll,
            KafkaClients kafka) {
        this.config = config;
        this.repository = repository;
        this.records = records;
        this.cache = cache;
        this.poll = poll;
        this.kafka = kafka;
    }

    void onStart(@Observes StartupEvent event) {
        if (!config.enabled()) {
            return;
        }
        thread = new Thread(this::run, "dash-p2p");
        thread.setDaemon(true);
        thread.start();
    }

    void onStop(@Observes ShutdownEvent event) {
        running = false;
        KafkaConsumer<String, byte[]> c = consumer;
        if (c != null) {
            c.wakeup();
        }
    }

    /** The consumer group id. */
    public String groupId() {
        return kafka.group("p2p");
    }

    private void run() {
        long backoff = 250;
        while (running) {
            try {
                consume();
                backoff = 250;
            } catch (WakeupException e) {
                return;
            } catch (Exception e) {
                Log.warnf("p2p forwarding failed, starting again from the committed offsets: %s", e.toString());
                try {
                    Thread.sleep(backoff);
                } catch (InterruptedException ie) {
                    Thread.currentThread().interrupt();
                    return;
                }
                backoff = Math.min(backoff * 2, config.retryMax().toMillis());
            }
        }
    }

    private void consume() throws Exception {
        // Batch size: dash.kafka.consumer.* and dash.kafka.client.p2p.* (application.properties).
        Map<String, Object> p = kafka.consumer(
                "p2p",
                Map.of(
                        ConsumerConfig.GROUP_ID_CONFIG, groupId(),
                        ConsumerConfig.CLIENT_ID_CONFIG, "dash-p2p",
                        ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false",
                        ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest"));
        try (KafkaConsumer<String, byte[]> c =
                new KafkaConsumer<>(p, new StringDeserializer(), new ByteArrayDeserializer())) {
            consumer = c;
            c.subscribe(List.of(kafka.topics().points()));
            while (running) {
                ConsumerRecords<String, byte[]> polled = c.poll(Duration.ofMillis(500));
                if (polled.isEmpty()) {
                    continue;
                }
                // The record's timestamp (the writer's send time, just after its commit) tells whether the
                // routes read so far can know every p2p pipeline created before the batch.
                long newest = 0;
                for (ConsumerRecord<String, byte[]> r : polled) {
                    newest = Math.max(newest, r.timestamp());
                }
                if (routes == null
                        || newest > routesAsOf.toEpochMilli()
                        || System.nanoTime() - refreshedNanos
                                > config.refreshInterval().toNanos()) {
                    refresh();
                }
                for (ConsumerRecord<String, byte[]> r : polled) {
                    UUID source;
                    try {
                        source = UUID.fromString(r.key());
                    } catch (RuntimeException e) {
                        continue;
                    }
                    if (!routes.containsKey(source)) {
                        // Most batches feed no p2p pipeline: skipped without being decoded.
                        continue;
                    }
                    PointsBatch b;
                    try {
                        b = PointsCodec.decode(r.value());
                    } catch (RuntimeException e) {
                        Log.debugf("Skipping a dash.points record that is not a batch: %s", e.getMessage());
                        continue;
                    }
                    handle(b);
                }
                c.commitSync();
            }
        } finally {
            consumer = null;
        }
    }

    private void refresh() throws java.sql.SQLException {
        P2pRepository.Routes loaded = repository.load();
        Map<UUID, List<P2pRepository.Timed>> bySource = new java.util.HashMap<>();
        for (P2pRepository.Timed t : loaded.routes()) {
            bySource.computeIfAbsent(t.route().sourcePipelineId(), k -> new ArrayList<>())
                    .add(t);
        }
        routes = bySource;
        routesAsOf = loaded.asOf();
        refreshedNanos = System.nanoTime();
    }

    private void handle(PointsBatch b) throws Exception {
        List<P2pRepository.Timed> timed = routes.get(b.pipelineId());
        if (timed == null) {
            return;
        }
        List<P2pRoute> open = new ArrayList<>();
        for (P2pRepository.Timed t : timed) {
            if (!b.committedAt().isBefore(t.since())) {
                open.add(t.route());
            }
        }
        CachedPipeline source = cache.getOrLoad(b.pipelineId());
        Integer active = source == null ? null : source.config().activeMappingVersion();
        for (P2pForwarder.Forward f : P2pForwarder.forward(b, open, active)) {
            records.publish(
                    f.route().pipelineId(),
                    f.route().teamId(),
                    Source.P2P,
                    f.items(),
                    Duration.ofSeconds(Math.max(0, f.route().dedupeWindowSeconds())),
                    poll.dedupeLease(),
                    Duration.ofSeconds(30));
        }
    }
}
