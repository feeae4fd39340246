package dev.dash.ingestor.sink;

import dev.dash.model.testing.ConfigDocsContract;
import org.junit.jupiter.api.Test;

class SinksConfigDocsTest {
    @Test
    void everyPropertyIsInTheConfigurationDoc() throws Exception {
        ConfigDocsContract.assertDocumented(SinksConfig.class, "dash.sinks");
    }
}
