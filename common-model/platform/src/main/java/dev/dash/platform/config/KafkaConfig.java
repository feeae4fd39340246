package dev.dash.platform.config;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.util.Map;
import java.util.Optional;

/**
 * Kafka settings beyond {@code kafka.bootstrap.servers}, under {@code dash.kafka} (environment: {@code
 * DASH_KAFKA_*}). Client properties are set under {@code dash.kafka.consumer.*}, {@code dash.kafka.producer.*}
 * and {@code dash.kafka.client.<client>.*} (docs/configuration.md). The services' own mappings reach it as
 * {@code kafka()}.
 */
@ConfigMapping(prefix = "dash.kafka")
public interface KafkaConfig {
    /** Replication factor of topics this service creates when missing (3 in production clusters). */
    @WithDefault("1")
    short replicationFactor();

    /**
     * Prefix of this installation's consumer groups (the ingestor's {@code <prefix>-bronze}, {@code
     * <prefix>-silver}, {@code <prefix>-sinks} and {@code <prefix>-p2p}, replay's {@code <prefix>-replay}; the web
     * nodes read without a group): two installations sharing a Kafka cluster need different prefixes, or they take
     * each other's partitions.
     */
    @WithDefault("dash")
    String groupPrefix();

    /**
     * Prefix of this installation's topic names, joined as it is: {@code eu1.} makes {@code eu1.dash.raw}, {@code
     * eu1.dash.points}, {@code eu1.dash.control} and {@code eu1.dash.replays}; unset (the default) keeps {@code
     * dash.raw} and the rest. Two installations sharing a Kafka cluster need different prefixes, or each learns the
     * other's pipelines from the control topic and writes the other's events. Only a-z, A-Z, 0-9, '.', '_' and '-',
     * and at most 237 characters (Kafka's 249 for the longest name); anything else stops start-up.
     */
    Optional<String> topicPrefix();

    /** Kafka properties of every plain consumer of this service, by Kafka's names ({@code dash.kafka.consumer.max.poll.records}). */
    Map<String, String> consumer();

    /** Kafka properties of every plain producer of this service, by Kafka's names. */
    Map<String, String> producer();

    /**
     * Kafka properties of one client, over {@code consumer}/{@code producer}: {@code
     * dash.kafka.client.<client>.<property>}; clients: the ingestor's {@code bronze}, {@code silver}, {@code
     * control}, {@code sinks}, {@code p2p}, {@code ingest}, {@code points}, web's {@code replays}, {@code preview}
     * and {@code live}, replay's {@code control} and {@code admin}.
     */
    Map<String, Map<String, String>> client();
}
