package dev.dash.web.config;

import dev.dash.model.testing.ConfigDocsContract;
import dev.dash.web.live.LiveConfig;
import org.junit.jupiter.api.Test;

class WebConfigDocsTest {
    @Test
    void everyPropertyIsInTheConfigurationDoc() throws Exception {
        ConfigDocsContract.assertDocumented(WebConfig.class, "dash");
        ConfigDocsContract.assertDocumented(LiveConfig.class, "dash.live");
    }
}
