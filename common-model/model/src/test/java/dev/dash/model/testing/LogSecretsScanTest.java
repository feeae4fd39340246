package dev.dash.model.testing;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The log scan every service's {@code LogSecretsIT} runs over its whole test run. */
class LogSecretsScanTest {
    @TempDir
    Path dir;

    @Test
    void aSecretLoggedBeforeAnEarlierBootIsFoundInTheRotatedFile() throws Exception {
        Path log = dir.resolve("dash-x-test.log");
        Files.writeString(log, "INFO started\n", StandardCharsets.UTF_8);
        Files.writeString(
                dir.resolve("dash-x-test.log.1"),
                "INFO ok\nWARN call with Authorization: Bearer abcdefghijklmnopqrstuvwxyz0123\n",
                StandardCharsets.UTF_8);
        Files.writeString(
                dir.resolve("dash-x-test.log.2"), "DEBUG key ring test-new:ncBSYP1QfZ7n9m5\n", StandardCharsets.UTF_8);
        Files.writeString(dir.resolve("other.log"), "Bearer abcdefghijklmnopqrstuvwxyz0123\n", StandardCharsets.UTF_8);

        List<Path> files = LogSecretsScan.withRotations(log);
        assertThat(files)
                .extracting(p -> p.getFileName().toString())
                .containsExactly("dash-x-test.log", "dash-x-test.log.1", "dash-x-test.log.2");
        List<String> leaks = LogSecretsScan.leaks(files, Set.of("ncBSYP1QfZ7n9m5"));
        assertThat(leaks).hasSize(2);
        assertThat(leaks.get(0)).startsWith("dash-x-test.log.1:2: shape");
        assertThat(leaks.get(1)).startsWith("dash-x-test.log.2:1: secret ncBS");
    }

    @Test
    void theSecretsAServiceConfiguresForTestsAreRead() throws Exception {
        Path props = dir.resolve("application.properties");
        Files.writeString(
                props,
                String.join(
                        "\n",
                        "# quarkus.oidc.credentials.secret=commented-out-value",
                        "quarkus.oidc.web.credentials.secret=${DASH_OIDC_CLIENT_SECRET:}",
                        "%test.quarkus.oidc.web.credentials.secret=dash-web-secret",
                        "%test.dash.crypto.keys=old:AAAABBBBCCCCDDDD=,new:EEEEFFFFGGGGHHHH=",
                        "%test.dash.ops.token=short",
                        "quarkus.oidc.token.audience=dash-audience",
                        "%test.quarkus.s3.aws.credentials.static-provider.secret-access-key=s3-test-secret-key",
                        "quarkus.http.port=8080"),
                StandardCharsets.UTF_8);
        assertThat(LogSecretsScan.configuredSecrets(props))
                .containsExactlyInAnyOrder(
                        "dash-web-secret", "AAAABBBBCCCCDDDD=", "EEEEFFFFGGGGHHHH=", "s3-test-secret-key");
    }
}
