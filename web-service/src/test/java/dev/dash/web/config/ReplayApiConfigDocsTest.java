package dev.dash.web.config;

import dev.dash.model.testing.ConfigDocsContract;
import dev.dash.web.replay.ReplayApiConfig;
import org.junit.jupiter.api.Test;

class ReplayApiConfigDocsTest {
    @Test
    void everyReplayApiPropertyIsInTheConfigurationDoc() throws Exception {
        ConfigDocsContract.assertDocumented(ReplayApiConfig.class, "dash.replay-api");
    }
}
