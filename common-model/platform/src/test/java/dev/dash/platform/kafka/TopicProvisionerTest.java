package dev.dash.platform.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import dev.dash.model.kafka.Topics;
import dev.dash.model.testing.LocalServices;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.junit.jupiter.api.Test;

/** Against the local broker: every Dash topic exists afterwards, and a second call creates nothing. */
class TopicProvisionerTest {
    @Test
    void createsWhatIsMissingAndNothingTwice() throws Exception {
        String bootstrap = LocalServices.ensureStarted().kafkaBootstrap();

        TopicProvisioner.ensureTopics(bootstrap, (short) 1, 10_000);

        assertThat(TopicProvisioner.ensureTopics(bootstrap, (short) 1, 10_000)).isEmpty();
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap))) {
            Set<String> names = admin.listTopics().names().get(10, TimeUnit.SECONDS);
            assertThat(names)
                    .containsAll(Topics.ALL.stream().map(Topics.Spec::name).toList());
        }
    }
}
