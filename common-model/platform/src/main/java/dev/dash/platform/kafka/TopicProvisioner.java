package dev.dash.platform.kafka;

import dev.dash.model.kafka.Topics;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.errors.TopicExistsException;

/**
 * Creates the Dash topics that are missing (this installation's {@link Topics#ALL}, named by {@link
 * dev.dash.model.kafka.TopicNames#specs()}). Every service calls it at start-up, so the brokers may keep {@code
 * auto.create.topics.enable=false} and no topic is created with default settings.
 */
public final class TopicProvisioner {
    private TopicProvisioner() {}

    /**
     * Creates the missing topics.
     *
     * @param bootstrapServers Kafka bootstrap servers
     * @param topics the topics, by this installation's names
     * @param replicationFactor replication factor for new topics (1 on a single local broker)
     * @param timeoutMillis how long to wait for the cluster
     * @return the topics created by this call
     * @throws IllegalStateException when the cluster cannot be reached or refuses a topic
     */
    public static List<String> ensureTopics(
            String bootstrapServers, List<Topics.Spec> topics, short replicationFactor, long timeoutMillis) {
        Properties props = new Properties();
        props.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        props.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, (int) Math.min(timeoutMillis, Integer.MAX_VALUE));
        props.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, (int) Math.min(timeoutMillis, Integer.MAX_VALUE));
        try (Admin admin = Admin.create(props)) {
            Set<String> existing = admin.listTopics().names().get(timeoutMillis, TimeUnit.MILLISECONDS);
            List<NewTopic> missing = topics.stream()
                    .filter(spec -> !existing.contains(spec.name()))
                    .map(spec -> new NewTopic(spec.name(), spec.partitions(), replicationFactor)
                            .configs(Map.copyOf(spec.config())))
                    .toList();
            if (missing.isEmpty()) {
                return List.of();
            }
            try {
                admin.createTopics(missing).all().get(timeoutMillis, TimeUnit.MILLISECONDS);
            } catch (ExecutionException e) {
                // Another node created it between the listing and the creation: that is the wanted state.
                if (!(e.getCause() instanceof TopicExistsException)) {
                    throw e;
                }
            }
            return missing.stream().map(NewTopic::name).toList();
        } catch (ExecutionException | TimeoutException e) {
            throw new IllegalStateException("cannot provision Kafka topics on " + bootstrapServers + ": " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while provisioning Kafka topics", e);
        }
    }
}
