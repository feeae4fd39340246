package dev.dash.web.replay;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.dash.model.kafka.KafkaSettings;
import dev.dash.model.kafka.TopicNames;
import dev.dash.model.kafka.runtime.ConsumerRuntime;
import dev.dash.model.kafka.runtime.SinkTask;
import dev.dash.model.kafka.runtime.Subscription;
import dev.dash.model.support.Backoff;
import dev.dash.web.config.WebConfig;
import io.quarkus.logging.Log;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.TopicPartition;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * Reads {@code dash.replays} on every web node and hands each message to the watchers of its team. Every
 * node must see every message, so this is a {@link SinkTask} on a {@link ConsumerRuntime} with all partitions
 * assigned, from their end at start-up, without a consumer group (nothing committed, no rebalancing with other
 * nodes, no group left behind on the broker). Consumer client {@code replays} in {@code dash.kafka.client.*}.
 */
@ApplicationScoped
public class ReplayFeed implements SinkTask<String, byte[]> {
    private final ReplayWatchers watchers;
    private final ObjectMapper json;
    private final ConsumerRuntime<String, byte[]> runtime;
    private final String topic;

    public ReplayFeed(
            @ConfigProperty(name = "kafka.bootstrap.servers") String bootstrapServers,
            WebConfig config,
            TopicNames topics,
            ReplayWatchers watchers,
            ObjectMapper json) {
        this.watchers = watchers;
        this.json = json;
        this.topic = topics.replays();
        this.runtime = ConsumerRuntime.bytes(
                new ConsumerRuntime.Options(
                        "dash-replays-feed",
                        new Subscription.AllPartitions(topic, false),
                        KafkaSettings.layered(
                                Map.of(ConsumerConfig.CLIENT_ID_CONFIG, "dash-web-replays-" + UUID.randomUUID()),
                                bootstrapServers,
                                config.kafka().consumer(),
                                config.kafka().client().get("replays")),
                        Backoff.fixed(Duration.ofSeconds(2)),
                        Duration.ofSeconds(1)),
                this);
    }

    void onStart(@Observes StartupEvent event) {
        runtime.start();
    }

    void onStop(@Observes ShutdownEvent event) {
        runtime.close(Duration.ofSeconds(5));
    }

    /** Whether every partition of {@code dash.replays} is assigned and positioned: new messages are seen. */
    public boolean reading() {
        return runtime.assigned();
    }

    @Override
    public void open(Collection<TopicPartition> partitions) {
        Log.infof("Reading %s (%d partitions) for replay watchers", topic, partitions.size());
    }

    @Override
    public void put(List<ConsumerRecord<String, byte[]>> records) {
        records.forEach(this::dispatch);
    }

    void dispatch(ConsumerRecord<String, byte[]> r) {
        if (r.value() == null) {
            return;
        }
        UUID teamId;
        try {
            JsonNode node = json.readTree(r.value());
            teamId = UUID.fromString(node.path("team_id").asText());
        } catch (Exception e) {
            Log.debugf("Skipping a %s record without a team at %d@%d", r.topic(), r.partition(), r.offset());
            return;
        }
        watchers.publish(teamId, new String(r.value(), StandardCharsets.UTF_8));
    }
}
