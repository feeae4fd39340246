package dev.dash.web.replay;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.dash.model.kafka.Topics;
import io.quarkus.logging.Log;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Properties;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.InterruptException;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * Reads {@code dash.replays} on every web node and hands each message to the watchers of its team. Every
 * node must see every message, so this is a plain consumer with all partitions assigned, from their end at
 * start-up, without a consumer group (nothing committed, no rebalancing with other nodes, no group left
 * behind on the broker), on a thread of its own.
 */
@ApplicationScoped
public class ReplayFeed {
    private static final Duration RETRY = Duration.ofSeconds(2);

    private final String bootstrapServers;
    private final ReplayWatchers watchers;
    private final ObjectMapper json;
    private volatile boolean running;
    private volatile boolean reading;
    private volatile KafkaConsumer<String, byte[]> consumer;
    private final Object pauses = new Object();
    private Thread thread;

    public ReplayFeed(
            @ConfigProperty(name = "kafka.bootstrap.servers") String bootstrapServers,
            ReplayWatchers watchers,
            ObjectMapper json) {
        this.bootstrapServers = bootstrapServers;
        this.watchers = watchers;
        this.json = json;
    }

    void onStart(@Observes StartupEvent event) {
        running = true;
        thread = new Thread(this::run, "dash-replays-feed");
        thread.setDaemon(true);
        thread.start();
    }

    void onStop(@Observes ShutdownEvent event) throws InterruptedException {
        running = false;
        // Woken up rather than interrupted: an interrupted consumer cannot close cleanly.
        KafkaConsumer<String, byte[]> c = consumer;
        if (c != null) {
            c.wakeup();
        }
        synchronized (pauses) {
            pauses.notifyAll();
        }
        if (thread != null) {
            thread.join(5_000);
        }
    }

    /** Whether every partition of {@code dash.replays} is assigned and positioned: new messages are seen. */
    public boolean reading() {
        return reading;
    }

    private void run() {
        while (running) {
            try (KafkaConsumer<String, byte[]> c = new KafkaConsumer<>(properties())) {
                consumer = c;
                List<TopicPartition> partitions = partitions(c);
                if (partitions.isEmpty()) {
                    // The topic is created by the start-up steps; until then there is nothing to read.
                    pause();
                    continue;
                }
                c.assign(partitions);
                c.seekToEnd(partitions);
                partitions.forEach(c::position);
                reading = true;
                Log.infof("Reading %s (%d partitions) for replay watchers", Topics.REPLAYS, partitions.size());
                while (running) {
                    for (ConsumerRecord<String, byte[]> r : c.poll(Duration.ofSeconds(1))) {
                        dispatch(r);
                    }
                }
            } catch (WakeupException | InterruptException e) {
                // Stopping.
            } catch (RuntimeException e) {
                Log.warnf("Reading %s failed, starting again from its end: %s", Topics.REPLAYS, e.toString());
                pause();
            } finally {
                reading = false;
                consumer = null;
            }
        }
    }

    private static List<TopicPartition> partitions(KafkaConsumer<String, byte[]> c) {
        return c.partitionsFor(Topics.REPLAYS, Duration.ofSeconds(10)).stream()
                .map(i -> new TopicPartition(i.topic(), i.partition()))
                .toList();
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
            Log.debugf("Skipping a %s record without a team at %d@%d", Topics.REPLAYS, r.partition(), r.offset());
            return;
        }
        watchers.publish(teamId, new String(r.value(), StandardCharsets.UTF_8));
    }

    private void pause() {
        synchronized (pauses) {
            try {
                if (running) {
                    pauses.wait(RETRY.toMillis());
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                running = false;
            }
        }
    }

    private Properties properties() {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        p.put(ConsumerConfig.CLIENT_ID_CONFIG, "dash-web-replays-" + UUID.randomUUID());
        p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "latest");
        // The start-up steps create the topic with its partition count; asking for it must not create it.
        p.put(ConsumerConfig.ALLOW_AUTO_CREATE_TOPICS_CONFIG, "false");
        return p;
    }
}
