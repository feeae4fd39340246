package dev.dash.platform.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import dev.dash.model.kafka.TopicNames;
import dev.dash.model.kafka.Topics;
import dev.dash.model.testing.LocalServices;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.junit.jupiter.api.Test;

/**
 * Against the local broker: every topic of this run's installation (its topic prefix) exists afterwards, by the
 * prefixed names, and a second call creates nothing.
 */
class TopicProvisionerTest {
    @Test
    void createsWhatIsMissingAndNothingTwice() throws Exception {
        String bootstrap = LocalServices.ensureStarted().kafkaBootstrap();
        TopicNames topics = LocalServices.topics();

        TopicProvisioner.ensureTopics(bootstrap, topics.specs(), (short) 1, 10_000);

        assertThat(TopicProvisioner.ensureTopics(bootstrap, topics.specs(), (short) 1, 10_000))
                .isEmpty();
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap))) {
            Set<String> names = admin.listTopics().names().get(10, TimeUnit.SECONDS);
            assertThat(names)
                    .contains(
                            LocalServices.topicPrefix() + "dash.raw",
                            LocalServices.topicPrefix() + "dash.points",
                            LocalServices.topicPrefix() + "dash.control",
                            LocalServices.topicPrefix() + "dash.replays");
            Map<String, String> control = admin
                    .describeConfigs(Set.of(new org.apache.kafka.common.config.ConfigResource(
                            org.apache.kafka.common.config.ConfigResource.Type.TOPIC, topics.control())))
                    .all()
                    .get(10, TimeUnit.SECONDS)
                    .values()
                    .iterator()
                    .next()
                    .entries()
                    .stream()
                    .collect(java.util.stream.Collectors.toMap(e -> e.name(), e -> String.valueOf(e.value())));
            assertThat(control).containsEntry("cleanup.policy", "compact");
            assertThat(Topics.ALL).hasSize(4);
        }
    }
}
