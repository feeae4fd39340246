package dev.dash.ingestor.pipeline;

import dev.dash.ingestor.config.IngestorConfig;
import dev.dash.model.kafka.ControlCodec;
import dev.dash.model.kafka.Topics;
import io.quarkus.logging.Log;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.quarkus.scheduler.Scheduled;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * Keeps the {@link PipelineCache} current: loads every pipeline from the database, then reads the
 * compacted {@code dash.control} topic from its beginning and follows it. Every node reads the whole topic
 * with its own consumer (assigned partitions, no group, nothing committed), because every node needs every
 * pipeline. A periodic reconcile from the database covers a snapshot that was never published.
 */
@ApplicationScoped
public class ControlFollower {
    private final PipelineCache cache;
    private final String bootstrapServers;
    private final Duration retryMax;
    private volatile boolean caughtUp;
    private volatile boolean running = true;
    private volatile KafkaConsumer<String, byte[]> consumer;
    private Thread thread;

    public ControlFollower(
            PipelineCache cache,
            IngestorConfig config,
            @ConfigProperty(name = "kafka.bootstrap.servers") String bootstrapServers) {
        this.cache = cache;
        this.bootstrapServers = bootstrapServers;
        this.retryMax = config.schema().retryMax();
    }

    void onStart(@Observes StartupEvent event) {
        thread = new Thread(this::run, "dash-control-follower");
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

    private void run() {
        long backoff = 250;
        while (running && !cache.loaded()) {
            try {
                int n = cache.reloadFromDatabase();
                Log.infof("Pipeline cache loaded %d pipelines from the database", n);
            } catch (Exception e) {
                Log.warnf("Pipeline cache cannot load from the database yet: %s", e.getMessage());
                backoff = pause(backoff);
            }
        }
        backoff = 250;
        while (running) {
            try {
                follow();
            } catch (WakeupException e) {
                return;
            } catch (Exception e) {
                Log.warnf("Following dash.control failed, starting again: %s", e.toString());
                backoff = pause(backoff);
            }
        }
    }

    private void follow() {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        p.put(ConsumerConfig.CLIENT_ID_CONFIG, "dash-ingestor-control");
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        p.put(ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG, "100");
        try (KafkaConsumer<String, byte[]> c = new KafkaConsumer<>(p)) {
            consumer = c;
            var infos = c.partitionsFor(Topics.CONTROL, Duration.ofSeconds(10));
            if (infos == null || infos.isEmpty()) {
                throw new IllegalStateException("topic " + Topics.CONTROL + " does not exist yet");
            }
            List<TopicPartition> partitions = infos.stream()
                    .map(i -> new TopicPartition(i.topic(), i.partition()))
                    .toList();
            c.assign(partitions);
            c.seekToBeginning(partitions);
            Map<TopicPartition, Long> end = c.endOffsets(partitions);
            while (running) {
                for (ConsumerRecord<String, byte[]> r : c.poll(Duration.ofMillis(100))) {
                    handle(r);
                }
                if (!caughtUp && end.entrySet().stream().allMatch(e -> c.position(e.getKey()) >= e.getValue())) {
                    caughtUp = true;
                    Log.infof("Pipeline cache caught up with dash.control (%d pipelines)", cache.size());
                }
            }
        } finally {
            consumer = null;
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

    private long pause(long backoff) {
        try {
            Thread.sleep(backoff);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            running = false;
        }
        return Math.min(backoff * 2, retryMax.toMillis());
    }
}
