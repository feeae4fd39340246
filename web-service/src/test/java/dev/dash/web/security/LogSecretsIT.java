package dev.dash.web.security;

import dev.dash.model.testing.LogSecretsScan;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * No secret or token in any log line of the whole test run: Web-service's `@QuarkusTest`s (surefire) write every log
 * record to {@code target/dash-web-test.log}, a new file at every boot of the application (every test profile), and this
 * test, run by failsafe after all of them, greps that file and every rotation of it ({@link LogSecretsScan}) for
 * the secrets the test profile configures (key ring, client and session secrets), the S3 secret and Keycloak's
 * admin password, and anything shaped like a JWT, a `whsec_` key, a bearer credential or a password. {@link
 * LogSecretsTest} checks the same with the values it creates itself (pipeline secrets, tokens, cookies), but sees only
 * what was logged before it, in the same boot.
 */
class LogSecretsIT {
    @Test
    void noSecretOrTokenInAnyLogLineOfTheTestRun() {
        LogSecretsScan.assertNoLeaksInTestRun(Path.of("target", "dash-web-test.log"));
    }
}
