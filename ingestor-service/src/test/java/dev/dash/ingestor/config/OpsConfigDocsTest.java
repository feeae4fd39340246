package dev.dash.ingestor.config;

import dev.dash.ingestor.support.OpsConfig;
import dev.dash.model.testing.ConfigDocsContract;
import org.junit.jupiter.api.Test;

class OpsConfigDocsTest {
    @Test
    void theOperatorTokenIsInTheConfigurationDoc() throws Exception {
        ConfigDocsContract.assertDocumented(OpsConfig.class, "dash.ops");
    }
}
