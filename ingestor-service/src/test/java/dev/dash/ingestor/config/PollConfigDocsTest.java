package dev.dash.ingestor.config;

import dev.dash.ingestor.p2p.P2pConfig;
import dev.dash.ingestor.poll.PollConfig;
import dev.dash.model.testing.ConfigDocsContract;
import org.junit.jupiter.api.Test;

class PollConfigDocsTest {
    @Test
    void everyPollAndP2pPropertyIsInTheConfigurationDoc() throws Exception {
        ConfigDocsContract.assertDocumented(PollConfig.class, "dash.poll");
        ConfigDocsContract.assertDocumented(P2pConfig.class, "dash.p2p");
    }
}
