package dev.dash.web.config;

import dev.dash.model.testing.ConfigDocsContract;
import org.junit.jupiter.api.Test;

class WebConfigDocsTest {
    @Test
    void everyPropertyIsInTheConfigurationDoc() throws Exception {
        ConfigDocsContract.assertDocumented(WebConfig.class, "dash");
    }
}
