package dev.dash.ingestor.config;

import dev.dash.model.testing.ConfigDocsContract;
import dev.dash.platform.config.OpsConfig;
import org.junit.jupiter.api.Test;

class OpsConfigDocsTest {
    @Test
    void theOperatorTokenIsInTheConfigurationDoc() throws Exception {
        ConfigDocsContract.assertDocumented(OpsConfig.class, "dash.ops");
    }
}
