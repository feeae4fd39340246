package dev.dash.web.live.points;

import dev.dash.model.kafka.KafkaSettings;
import dev.dash.model.kafka.TopicNames;
import dev.dash.platform.config.KafkaConfig;
import dev.dash.web.config.WebConfig;
import dev.dash.web.live.stream.LiveStreams;
import io.quarkus.logging.Log;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.time.Duration;
import java.util.List;
import java.util.Map;
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
 * Reads {@code dash.points} on every web node for the live dashboards. Every node must see every point (any
 * node may serve any viewer), so, like the replay feed, this is a plain consumer with every partition assigned,
 * positioned at their end at start-up, without a consumer group (nothing committed, nothing left on a broker
 * that several installations share), on a thread of its own. A point published before the node started is in
 * Silver already and reaches viewers through their snapshot. Each record goes to {@link PointsRouter}. Consumer
 * client {@code live} in {@code dash.kafka.client.*}.
 */
@ApplicationScoped
public class PointsFeed {
    private static final Duration RETRY = Duration.ofSeconds(2);

    private final String bootstrapServers;
    private final KafkaConfig kafka;
    private final String topic;
    private final PointsRouter router;
    private volatile boolean running;
    private volatile boolean reading;
    private volatile KafkaConsumer<String, byte[]> consumer;
    private final Object pauses = new Object();
    private Thread thread;

    public PointsFeed(
            @ConfigProperty(name = "kafka.bootstrap.servers") String bootstrapServers,
            WebConfig config,
            TopicNames topics,
            LiveStreams streams) {
        this.bootstrapServers = bootstrapServers;
        this.kafka = config.kafka();
        this.topic = topics.points();
        this.router = new PointsRouter(streams::wants, streams::accept);
    }

    void onStart(@Observes StartupEvent event) {
        running = true;
        thread = new Thread(this::run, "dash-points-feed");
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

    /** Whether every partition of {@code dash.points} is assigned and positioned: new points are seen. */
    public boolean reading() {
        return reading;
    }

    private void run() {
        while (running) {
            try (KafkaConsumer<String, byte[]> c = new KafkaConsumer<>(properties())) {
                consumer = c;
                List<TopicPartition> partitions = c.partitionsFor(topic, Duration.ofSeconds(10)).stream()
                        .map(i -> new TopicPartition(i.topic(), i.partition()))
                        .toList();
                if (partitions.isEmpty()) {
                    pause();
                    continue;
                }
                c.assign(partitions);
                c.seekToEnd(partitions);
                partitions.forEach(c::position);
                reading = true;
                Log.infof("Reading %s (%d partitions) for live dashboards", topic, partitions.size());
                while (running) {
                    for (ConsumerRecord<String, byte[]> r : c.poll(Duration.ofSeconds(1))) {
                        router.accept(r);
                    }
                }
            } catch (WakeupException | InterruptException e) {
                // Stopping.
            } catch (RuntimeException e) {
                Log.warnf("Reading %s failed, starting again from its end: %s", topic, e.toString());
                pause();
            } finally {
                reading = false;
                consumer = null;
            }
        }
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

    /**
     * What the code needs (no group, nothing committed, from the end), then {@code dash.kafka.consumer.*} and
     * {@code dash.kafka.client.live.*} from configuration (application.properties: the short fetch wait).
     */
    private Map<String, Object> properties() {
        return KafkaSettings.layered(
                Map.of(
                        ConsumerConfig.CLIENT_ID_CONFIG,
                        "dash-web-points-" + UUID.randomUUID(),
                        ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG,
                        StringDeserializer.class.getName(),
                        ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG,
                        ByteArrayDeserializer.class.getName(),
                        ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG,
                        "false",
                        ConsumerConfig.AUTO_OFFSET_RESET_CONFIG,
                        "latest",
                        ConsumerConfig.ALLOW_AUTO_CREATE_TOPICS_CONFIG,
                        "false"),
                bootstrapServers,
                kafka.consumer(),
                kafka.client().get("live"));
    }
}
