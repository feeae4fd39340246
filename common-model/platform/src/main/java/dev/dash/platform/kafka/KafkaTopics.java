package dev.dash.platform.kafka;

import dev.dash.model.kafka.TopicNames;
import dev.dash.platform.config.KafkaConfig;
import io.quarkus.runtime.StartupEvent;
import io.quarkus.runtime.configuration.ConfigurationException;
import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;
import jakarta.interceptor.Interceptor;
import java.util.Set;

/**
 * This installation's topic names ({@link TopicNames}) as a bean, from {@code dash.kafka.topic-prefix}: every
 * producer, consumer and admin call of the services takes its topic names from here. A prefix Kafka cannot use
 * stops start-up, before any Kafka client or messaging channel starts, with the setting's name and the reason.
 */
@ApplicationScoped
public class KafkaTopics {
    /** The setting that prefixes the topic names. */
    public static final String SETTING = "dash.kafka.topic-prefix";

    /** Resolves the names first thing at start-up (before the messaging channels), so a bad prefix stops it. */
    void check(@Observes @Priority(Interceptor.Priority.PLATFORM_BEFORE) StartupEvent event, TopicNames names) {
        // Resolving the bean validated the prefix.
    }

    @Produces
    @Singleton
    TopicNames topicNames(KafkaConfig kafka) {
        return names(kafka);
    }

    /** The topic names under the configured prefix ({@link #names(String)}). */
    public static TopicNames names(KafkaConfig kafka) {
        return names(kafka.topicPrefix().orElse(""));
    }

    /**
     * The topic names under {@code prefix}.
     *
     * @throws ConfigurationException naming {@value #SETTING} and why, when Kafka cannot use the prefix
     */
    public static TopicNames names(String prefix) {
        String problem = TopicNames.problem(prefix);
        if (problem != null) {
            throw new ConfigurationException(
                    SETTING + " is invalid: " + problem + " (environment: DASH_KAFKA_TOPIC_PREFIX)", Set.of(SETTING));
        }
        return new TopicNames(prefix);
    }
}
