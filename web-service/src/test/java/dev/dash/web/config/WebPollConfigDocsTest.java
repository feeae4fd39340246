package dev.dash.web.config;

import dev.dash.model.testing.ConfigDocsContract;
import dev.dash.web.poll.WebPollConfig;
import org.junit.jupiter.api.Test;

class WebPollConfigDocsTest {
    @Test
    void everyPollPropertyIsInTheConfigurationDoc() throws Exception {
        ConfigDocsContract.assertDocumented(WebPollConfig.class, "dash.poll");
    }
}
