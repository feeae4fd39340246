package dev.dash.model.kafka;

import java.util.HashMap;
import java.util.Map;

/**
 * Kafka client properties taken from configuration rather than written in code: {@code dash.kafka.consumer.*}
 * (every consumer of a service), {@code dash.kafka.producer.*} (every producer) and {@code
 * dash.kafka.client.<client>.*} (one client, over the former), each suffix a Kafka client property as Kafka
 * names it ({@code dash.kafka.client.silver.max.poll.records=2000}). The services bind them with their config
 * mapping; this class only layers them, so it stays plain Java.
 */
public final class KafkaSettings {
    private KafkaSettings() {}

    /**
     * One client's properties: {@code defaults} (what the code needs or derives), then {@code bootstrap.servers},
     * then the service-wide {@code common} settings, then the client's {@code own}, later ones winning.
     */
    public static Map<String, Object> layered(
            Map<String, ?> defaults, String bootstrapServers, Map<String, String> common, Map<String, String> own) {
        Map<String, Object> p = new HashMap<>(defaults);
        p.put("bootstrap.servers", bootstrapServers);
        p.putAll(common);
        if (own != null) {
            p.putAll(own);
        }
        return p;
    }
}
