package dev.dash.ingestor.pipeline;

import dev.dash.ingestor.config.IngestorConfig;
import dev.dash.ingestor.support.KafkaClients;
import dev.dash.model.kafka.ControlCodec;
import dev.dash.model.kafka.runtime.ConsumerRuntime;
import dev.dash.model.kafka.runtime.RetryLater;
import dev.dash.model.kafka.runtime.SinkTask;
import dev.dash.model.kafka.runtime.Subscription;
import dev.dash.model.kafka.runtime.TaskContext;
import dev.dash.model.support.Backoff;
import io.quarkus.logging.Log;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.quarkus.scheduler.Scheduled;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.TopicPartition;

/**
 * Keeps the {@link PipelineCache} current: loads every pipeline from the database, then reads the
 * compacted {@code dash.control} topic from its beginning and follows it. A {@link SinkTask} on a {@link
 * ConsumerRuntime} with every partition assigned and no group (nothing committed), because every node needs
 * every pipeline. A periodic reconcile from the database covers a snapshot that was never published.
 */
@ApplicationScoped
public class ControlFollower implements SinkTask<String, byte[]> {
    private final PipelineCache cache;
    private final ConsumerRuntime<String, byte[]> runtime;
    private volatile boolean caughtUp;
    private TaskContext context;
    private Map<TopicPartition, Long> end;

    public ControlFollower(PipelineCache cache, IngestorConfig config, KafkaClients kafka) {
        this.cache = cache;
        this.runtime = ConsumerRuntime.bytes(
                new ConsumerRuntime.Options(
                        "dash-control-follower",
                        new Subscription.AllPartitions(kafka.topics().control(), true),
                        kafka.consumer("control", Map.of()),
                        Backoff.upTo(config.schema().retryMax()),
                        Duration.ofMillis(100)),
                this);
    }

    void onStart(@Observes StartupEvent event) {
        runtime.start();
    }

    void onStop(@Observes ShutdownEvent event) {
        runtime.close(Duration.ofSeconds(5));
    }

    /** Whether the cache holds the database's pipelines and every snapshot published before start-up. */
    public boolean ready() {
        return cache.loaded() && caughtUp;
    }

    @Scheduled(
            every = "${dash.pipelines.reconcile-interval:60s}",
            delayed = "${dash.pipelines.reconcile-interval:60s}",
            concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    void reconcile() {
        if (cache.loaded()) {
            cache.reconcile();
        }
    }

    @Override
    public void start(TaskContext context) {
        this.context = context;
    }

    /** The database first (retried until it answers), then the topic's end as it is now: "caught up" is reaching it. */
    @Override
    public void open(Collection<TopicPartition> partitions) {
        if (!cache.loaded()) {
            try {
                int n = cache.reloadFromDatabase();
                Log.infof("Pipeline cache loaded %d pipelines from the database", n);
            } catch (Exception e) {
                Log.warnf("Pipeline cache cannot load from the database yet: %s", e.getMessage());
                throw new RetryLater("pipelines not loaded", e);
            }
        }
        if (!caughtUp) {
            end = context.endOffsets(partitions, Duration.ofSeconds(10));
        }
    }

    @Override
    public void put(List<ConsumerRecord<String, byte[]>> records) {
        for (ConsumerRecord<String, byte[]> r : records) {
            handle(r);
        }
        if (!caughtUp
                && end != null
                && end.entrySet().stream()
                        .allMatch(e -> context.position(e.getKey(), Duration.ofSeconds(1)) >= e.getValue())) {
            caughtUp = true;
            end = null;
            Log.infof("Pipeline cache caught up with dash.control (%d pipelines)", cache.size());
        }
    }

    private void handle(ConsumerRecord<String, byte[]> r) {
        UUID id;
        try {
            id = UUID.fromString(r.key());
        } catch (RuntimeException e) {
            // Other entities may share the topic; only pipeline snapshots concern the ingestor.
            return;
        }
        if (r.value() == null) {
            cache.remove(id);
            return;
        }
        try {
            cache.apply(ControlCodec.decode(r.value()));
        } catch (RuntimeException e) {
            Log.debugf("Ignoring dash.control record %s at offset %d: %s", r.key(), r.offset(), e.getMessage());
        }
    }
}
