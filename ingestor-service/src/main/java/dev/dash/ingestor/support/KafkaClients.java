package dev.dash.ingestor.support;

import dev.dash.ingestor.config.IngestorConfig;
import dev.dash.model.kafka.KafkaSettings;
import dev.dash.model.kafka.TopicNames;
import dev.dash.platform.config.KafkaConfig;
import dev.dash.platform.kafka.KafkaTopics;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.Map;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * The Kafka client properties of this service's consumers and producers, from configuration ({@code
 * dash.kafka.consumer.*}, {@code dash.kafka.producer.*}, {@code dash.kafka.client.<client>.*}), and its consumer
 * group names under {@code dash.kafka.group-prefix} and its topic names under {@code dash.kafka.topic-prefix}.
 */
@ApplicationScoped
public class KafkaClients {
    private final KafkaConfig config;
    private final String bootstrapServers;
    private final TopicNames topics;

    public KafkaClients(
            IngestorConfig config, @ConfigProperty(name = "kafka.bootstrap.servers") String bootstrapServers) {
        this.config = config.kafka();
        this.bootstrapServers = bootstrapServers;
        this.topics = KafkaTopics.names(this.config);
    }

    /** This installation's topic names, e.g. {@code topics().raw()} is {@code dash.raw} without a prefix. */
    public TopicNames topics() {
        return topics;
    }

    /** This installation's consumer group for a role: {@code <prefix>-<role>}, e.g. {@code dash-silver}. */
    public String group(String role) {
        return config.groupPrefix() + "-" + role;
    }

    /** A consumer's properties: {@code defaults}, then configuration. */
    public Map<String, Object> consumer(String client, Map<String, ?> defaults) {
        return KafkaSettings.layered(
                defaults, bootstrapServers, config.consumer(), config.client().get(client));
    }

    /** A producer's properties: {@code defaults}, then configuration. */
    public Map<String, Object> producer(String client, Map<String, ?> defaults) {
        return KafkaSettings.layered(
                defaults, bootstrapServers, config.producer(), config.client().get(client));
    }
}
