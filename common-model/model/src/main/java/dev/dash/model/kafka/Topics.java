package dev.dash.model.kafka;

import java.util.List;
import java.util.Map;

/**
 * The Kafka topics of Dash, in one place (DESIGN.md, "Kafka topics"): their base names and creation settings. An
 * installation's topics are these names behind its {@code dash.kafka.topic-prefix} ({@link TopicNames}, which
 * clients use); without a prefix they are the names themselves. Every service creates the ones that are missing
 * at start-up, with these settings, so a fresh cluster needs no manual step.
 */
public final class Topics {
    /** Raw event envelopes, keyed by pipeline id: ingest and pollers produce, archiver and Silver writer consume. */
    public static final String RAW = "dash.raw";
    /** Mapped points of one flushed Silver batch, keyed by pipeline id: consumed by web nodes, p2p, sinks. */
    public static final String POINTS = "dash.points";
    /** Pipeline, mapping and secret changes, keyed by entity id, compacted: the config caches read it whole. */
    public static final String CONTROL = "dash.control";
    /** Replay progress and state, keyed by replay id: replay-service produces, web nodes consume. */
    public static final String REPLAYS = "dash.replays";

    /**
     * How a topic is created when missing.
     *
     * @param name topic name
     * @param partitions partition count
     * @param config topic-level configuration
     */
    public record Spec(String name, int partitions, Map<String, String> config) {}

    /** Every topic by its base name, with its creation settings. Partition counts bound the parallelism of each consumer group. */
    public static final List<Spec> ALL = List.of(
            new Spec(RAW, 6, Map.of("retention.ms", String.valueOf(7L * 24 * 3600 * 1000))),
            new Spec(POINTS, 6, Map.of("retention.ms", String.valueOf(24L * 3600 * 1000))),
            new Spec(CONTROL, 1, Map.of("cleanup.policy", "compact")),
            new Spec(REPLAYS, 3, Map.of("retention.ms", String.valueOf(7L * 24 * 3600 * 1000))));

    private Topics() {}
}
