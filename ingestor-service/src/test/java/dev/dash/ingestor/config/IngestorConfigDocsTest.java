package dev.dash.ingestor.config;

import dev.dash.model.testing.ConfigDocsContract;
import org.junit.jupiter.api.Test;

class IngestorConfigDocsTest {
    @Test
    void everyPropertyIsInTheConfigurationDoc() throws Exception {
        ConfigDocsContract.assertDocumented(IngestorConfig.class, "dash");
    }
}
