package dev.dash.web.config;

import dev.dash.model.testing.ConfigDocsContract;
import dev.dash.platform.config.OpsConfig;
import dev.dash.web.auth.SecurityConfig;
import dev.dash.web.sink.WebSinkConfig;
import org.junit.jupiter.api.Test;

class SecurityConfigDocsTest {
    @Test
    void everySecurityPropertyIsInTheConfigurationDoc() throws Exception {
        ConfigDocsContract.assertDocumented(SecurityConfig.class, "dash.security");
        ConfigDocsContract.assertDocumented(WebSinkConfig.class, "dash.sinks.http");
        ConfigDocsContract.assertDocumented(OpsConfig.class, "dash.ops");
    }
}
