package dev.dash.model.kafka;

import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;

/**
 * Kafka client properties taken from configuration rather than written in code: {@code dash.kafka.consumer.*}
 * (every consumer of a service), {@code dash.kafka.producer.*} (every producer) and {@code
 * dash.kafka.client.<client>.*} (one client, over the former), each suffix a Kafka client property as Kafka
 * names it ({@code dash.kafka.client.silver.max.poll.records=2000}). The services read them through their
 * MicroProfile {@code Config}; this class only picks and layers them, so it stays plain Java.
 */
public final class KafkaSettings {
    /** Prefix of the properties every consumer of a service gets. */
    public static final String CONSUMER = "dash.kafka.consumer.";
    /** Prefix of the properties every producer of a service gets. */
    public static final String PRODUCER = "dash.kafka.producer.";
    /** Prefix of one client's properties: followed by the client's name and a dot. */
    public static final String CLIENT = "dash.kafka.client.";

    private KafkaSettings() {}

    /**
     * The properties of one consumer: {@code defaults} (what the code needs, e.g. serializers), then {@code
     * dash.kafka.consumer.*}, then {@code dash.kafka.client.<client>.*}, later ones winning.
     *
     * @param names every configuration property name
     * @param value a property's value
     * @param bootstrapServers {@code kafka.bootstrap.servers}
     * @param client the client's name in {@code dash.kafka.client.<client>.*}
     * @param defaults the code's own settings
     */
    public static Map<String, Object> consumer(
            Iterable<String> names,
            Function<String, Optional<String>> value,
            String bootstrapServers,
            String client,
            Map<String, ?> defaults) {
        return layered(names, value, bootstrapServers, CONSUMER, client, defaults);
    }

    /** The properties of one producer, as {@link #consumer} but from {@code dash.kafka.producer.*}. */
    public static Map<String, Object> producer(
            Iterable<String> names,
            Function<String, Optional<String>> value,
            String bootstrapServers,
            String client,
            Map<String, ?> defaults) {
        return layered(names, value, bootstrapServers, PRODUCER, client, defaults);
    }

    private static Map<String, Object> layered(
            Iterable<String> names,
            Function<String, Optional<String>> value,
            String bootstrapServers,
            String common,
            String client,
            Map<String, ?> defaults) {
        Map<String, Object> p = new HashMap<>(defaults);
        p.put("bootstrap.servers", bootstrapServers);
        String own = CLIENT + client + ".";
        Map<String, String> ownValues = new HashMap<>();
        for (String name : names) {
            if (name.startsWith(common) && name.length() > common.length()) {
                value.apply(name).ifPresent(v -> p.put(name.substring(common.length()), v));
            } else if (name.startsWith(own) && name.length() > own.length()) {
                value.apply(name).ifPresent(v -> ownValues.put(name.substring(own.length()), v));
            }
        }
        p.putAll(ownValues);
        return p;
    }
}
