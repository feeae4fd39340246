package dev.dash.model.kafka;

import java.util.List;
import java.util.regex.Pattern;

/**
 * The names of one installation's Kafka topics: its {@code dash.kafka.topic-prefix} followed by the base names of
 * {@link Topics}, joined as they are (prefix {@code eu1.} makes {@code eu1.dash.raw}; prefix {@code eu1} would make
 * {@code eu1dash.raw}, so a prefix carries its own separator). The empty prefix, the default, keeps the base names.
 * Two installations sharing a broker need different prefixes, or each reads the other's events and pipelines.
 *
 * @param prefix the installation's topic prefix, possibly empty
 */
public record TopicNames(String prefix) {
    /** Kafka's limit on a topic name's length. */
    public static final int MAX_TOPIC_LENGTH = 249;

    private static final Pattern LEGAL = Pattern.compile("[a-zA-Z0-9._-]*");
    private static final int LONGEST_BASE =
            Topics.ALL.stream().mapToInt(s -> s.name().length()).max().orElseThrow();

    /** The topics of an installation without a prefix: {@code dash.raw}, {@code dash.points}, ... */
    public static final TopicNames DEFAULT = new TopicNames("");

    /**
     * @throws IllegalArgumentException when the prefix would make an illegal topic name ({@link #problem})
     */
    public TopicNames {
        String p = problem(prefix);
        if (p != null) {
            throw new IllegalArgumentException(p);
        }
    }

    /**
     * Why {@code prefix} cannot prefix Kafka topic names, or null when it can: Kafka allows only ASCII letters,
     * digits, {@code .}, {@code _} and {@code -}, and at most {@value #MAX_TOPIC_LENGTH} characters.
     */
    public static String problem(String prefix) {
        if (prefix == null) {
            return "the topic prefix is missing";
        }
        if (!LEGAL.matcher(prefix).matches()) {
            return "the topic prefix '" + prefix + "' has characters Kafka does not allow in a topic name (only"
                    + " a-z, A-Z, 0-9, '.', '_' and '-')";
        }
        if (prefix.length() + LONGEST_BASE > MAX_TOPIC_LENGTH) {
            return "the topic prefix is " + prefix.length() + " characters long, so its topics would exceed Kafka's "
                    + MAX_TOPIC_LENGTH + "-character limit (at most " + (MAX_TOPIC_LENGTH - LONGEST_BASE)
                    + " characters)";
        }
        return null;
    }

    /** This installation's name of a base topic of {@link Topics}. */
    public String of(String baseName) {
        return prefix + baseName;
    }

    /** Raw event envelopes ({@link Topics#RAW}). */
    public String raw() {
        return of(Topics.RAW);
    }

    /** Mapped points of flushed Silver batches ({@link Topics#POINTS}). */
    public String points() {
        return of(Topics.POINTS);
    }

    /** Pipeline, mapping and secret changes, compacted ({@link Topics#CONTROL}). */
    public String control() {
        return of(Topics.CONTROL);
    }

    /** Replay progress and state ({@link Topics#REPLAYS}). */
    public String replays() {
        return of(Topics.REPLAYS);
    }

    /** Every topic of this installation with its creation settings ({@link Topics#ALL}, renamed). */
    public List<Topics.Spec> specs() {
        return Topics.ALL.stream()
                .map(s -> new Topics.Spec(of(s.name()), s.partitions(), s.config()))
                .toList();
    }
}
