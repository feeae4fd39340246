package dev.dash.ingestor.support;

import dev.dash.ingestor.config.IngestorConfig;
import dev.dash.model.kafka.KafkaSettings;
import dev.dash.platform.config.KafkaConfig;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.Map;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * The Kafka client properties of this service's consumers and producers, from configuration ({@code
 * dash.kafka.consumer.*}, {@code dash.kafka.producer.*}, {@code dash.kafka.client.<client>.*}), and its consumer
 * group names under {@code dash.kafka.group-prefix}.
 */
@ApplicationScoped
public class KafkaClients {
    private final KafkaConfig config;
    private final String bootstrapServers;

    public KafkaClients(
            IngestorConfig config, @ConfigProperty(name = "kafka.bootstrap.servers") String bootstrapServers) {
        this.config = config.kafka();
        this.bootstrapServers = bootstrapServers;
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
