package dev.dash.replay.config;

import dev.dash.model.testing.ConfigDocsContract;
import org.junit.jupiter.api.Test;

class ReplayConfigDocsTest {
    @Test
    void everyPropertyIsInTheConfigurationDoc() throws Exception {
        ConfigDocsContract.assertDocumented(ReplayConfig.class, "dash");
    }
}
