package dev.dash.replay.control;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.dash.model.db.PipelineSnapshots;
import dev.dash.model.kafka.ControlCodec;
import dev.dash.model.kafka.KafkaSettings;
import dev.dash.model.kafka.PipelineConfig;
import dev.dash.model.kafka.TopicNames;
import dev.dash.model.replay.Replay;
import dev.dash.replay.config.ReplayConfig;
import io.agroal.api.AgroalDataSource;
import io.quarkus.logging.Log;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * What replay-service tells the cluster: a pipeline's whole snapshot on {@code dash.control} after a version
 * changed state here (cut-over, failure, cancel), in the shape web-service publishes, so Silver writers
 * stop or start writing a version; and a replay's progress on {@code dash.replays} for web nodes. A snapshot
 * Kafka does not acknowledge is kept and sent again by {@link #retryPending()} (the ingestors' periodic
 * reconcile with the database is the last resort).
 */
@ApplicationScoped
public class ControlPublisher {
    private final KafkaProducer<String, byte[]> producer;
    private final PipelineSnapshots snapshots;
    private final ObjectMapper json;
    private final TopicNames topics;
    private final Set<UUID> unsent = ConcurrentHashMap.newKeySet();

    public ControlPublisher(
            AgroalDataSource dataSource,
            ObjectMapper json,
            ReplayConfig config,
            TopicNames topics,
            @ConfigProperty(name = "kafka.bootstrap.servers") String bootstrapServers) {
        this.topics = topics;
        // acks, idempotence and timeouts: dash.kafka.producer.* and dash.kafka.client.control.*
        // (application.properties).
        this.producer = new KafkaProducer<>(
                KafkaSettings.layered(
                        Map.of(ProducerConfig.CLIENT_ID_CONFIG, "dash-replay"),
                        bootstrapServers,
                        config.kafka().producer(),
                        config.kafka().client().get("control")),
                new StringSerializer(),
                new ByteArraySerializer());
        this.snapshots = new PipelineSnapshots(dataSource);
        this.json = json;
    }

    /** Publishes the pipeline's current snapshot; on failure it is kept for {@link #retryPending()}. */
    public void pipelineChanged(UUID pipelineId) {
        try {
            PipelineConfig config = snapshots.load(pipelineId);
            byte[] value = config == null ? null : ControlCodec.encode(config);
            producer.send(new ProducerRecord<>(topics.control(), pipelineId.toString(), value))
                    .get(15, TimeUnit.SECONDS);
            unsent.remove(pipelineId);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            unsent.add(pipelineId);
        } catch (Exception e) {
            Log.warnf("Snapshot of pipeline %s not published, will retry: %s", pipelineId, e.getMessage());
            unsent.add(pipelineId);
        }
    }

    /** Sends again the snapshots Kafka did not acknowledge. */
    public void retryPending() {
        for (UUID id : Set.copyOf(unsent)) {
            pipelineChanged(id);
        }
    }

    /** Reports a replay's state and counters on {@code dash.replays} (best effort: the table is the truth). */
    public void progress(Replay replay) {
        byte[] value;
        try {
            value = json.writeValueAsBytes(replay);
        } catch (Exception e) {
            Log.warnf("Replay %s progress not encoded: %s", replay.id(), e.getMessage());
            return;
        }
        producer.send(new ProducerRecord<>(topics.replays(), replay.id().toString(), value), (meta, error) -> {
            if (error != null) {
                Log.debugf("Replay %s progress not published: %s", replay.id(), error.getMessage());
            }
        });
    }

    @PreDestroy
    void close() {
        producer.close(java.time.Duration.ofSeconds(5));
    }
}
