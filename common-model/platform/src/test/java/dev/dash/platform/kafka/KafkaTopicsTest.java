package dev.dash.platform.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.dash.model.kafka.TopicNames;
import dev.dash.platform.config.KafkaConfig;
import io.quarkus.runtime.configuration.ConfigurationException;
import io.smallrye.config.PropertiesConfigSource;
import io.smallrye.config.SmallRyeConfig;
import io.smallrye.config.SmallRyeConfigBuilder;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * {@code dash.kafka.topic-prefix}: unset keeps the topic names, a prefix is joined as it is, and a prefix Kafka
 * cannot use is refused with the setting's name and the reason (a {@link ConfigurationException}, which Quarkus
 * prints as its message alone when start-up fails).
 */
class KafkaTopicsTest {
    static KafkaConfig config(Map<String, String> settings) {
        SmallRyeConfig c = new SmallRyeConfigBuilder()
                .withMapping(KafkaConfig.class)
                .withSources(new PropertiesConfigSource(settings, "test", 500))
                .build();
        return c.getConfigMapping(KafkaConfig.class);
    }

    @Test
    void unsetKeepsTheNamesAndAPrefixIsJoinedAsItIs() {
        TopicNames none = KafkaTopics.names(config(Map.of()));
        assertThat(none.raw()).isEqualTo("dash.raw");
        assertThat(none.points()).isEqualTo("dash.points");
        assertThat(none.control()).isEqualTo("dash.control");
        assertThat(none.replays()).isEqualTo("dash.replays");
        assertThat(KafkaTopics.names(config(Map.of("dash.kafka.topic-prefix", ""))))
                .isEqualTo(TopicNames.DEFAULT);

        TopicNames eu1 = KafkaTopics.names(config(Map.of("dash.kafka.topic-prefix", "eu1.")));
        assertThat(eu1.raw()).isEqualTo("eu1.dash.raw");
        assertThat(eu1.control()).isEqualTo("eu1.dash.control");
        assertThat(eu1.specs())
                .extracting(s -> s.name())
                .containsExactly("eu1.dash.raw", "eu1.dash.points", "eu1.dash.control", "eu1.dash.replays");
        assertThat(eu1.specs().get(2).config()).containsEntry("cleanup.policy", "compact");
        assertThat(KafkaTopics.names(config(Map.of("dash.kafka.topic-prefix", "Team_2-x.")))
                        .replays())
                .isEqualTo("Team_2-x.dash.replays");
    }

    @Test
    void refusesCharactersKafkaDoesNotAllow() {
        for (String bad : new String[] {"eu 1.", "eu1/", "eu1:", "été.", "a*"}) {
            assertThatThrownBy(() -> KafkaTopics.names(config(Map.of("dash.kafka.topic-prefix", bad))))
                    .as(bad)
                    .isInstanceOf(ConfigurationException.class)
                    .hasMessageStartingWith("dash.kafka.topic-prefix is invalid: ")
                    .hasMessageContaining("'" + bad + "'")
                    .hasMessageContaining("has characters Kafka does not allow in a topic name");
        }
    }

    @Test
    void refusesAPrefixThatMakesNamesLongerThanKafkasLimit() {
        String longest = "p".repeat(249 - "dash.control".length());
        assertThat(KafkaTopics.names(config(Map.of("dash.kafka.topic-prefix", longest)))
                        .control())
                .hasSize(249);
        String tooLong = longest + "p";
        assertThatThrownBy(() -> KafkaTopics.names(config(Map.of("dash.kafka.topic-prefix", tooLong))))
                .isInstanceOf(ConfigurationException.class)
                .hasMessage("dash.kafka.topic-prefix is invalid: the topic prefix is 238 characters long, so its topics"
                        + " would exceed Kafka's 249-character limit (at most 237 characters)"
                        + " (environment: DASH_KAFKA_TOPIC_PREFIX)");
    }

    @Test
    void theChannelsExpressionGivesTheSameNames() {
        // The web and replay services name their dash-control channel's topic with this expression.
        String expression = "${dash.kafka.topic-prefix:}dash.control";
        SmallRyeConfig unset = new SmallRyeConfigBuilder()
                .addDefaultInterceptors() // expressions, as Quarkus has them
                .withSources(new PropertiesConfigSource(Map.of("topic", expression), "test", 500))
                .build();
        assertThat(unset.getValue("topic", String.class)).isEqualTo("dash.control");
        SmallRyeConfig set = new SmallRyeConfigBuilder()
                .addDefaultInterceptors()
                .withSources(new PropertiesConfigSource(
                        Map.of("topic", expression, "dash.kafka.topic-prefix", "eu1."), "test", 500))
                .build();
        assertThat(set.getValue("topic", String.class)).isEqualTo("eu1.dash.control");
    }
}
