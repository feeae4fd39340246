package dev.dash.replay.api;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

import dev.dash.model.testing.DashTestResource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * No secret or token in any log line of replay-service's test run (web-service's {@code LogSecretsTest}, for this
 * service). The test profile writes every log record of the run to {@code target/dash-replay-test.log}
 * (application.properties); this test adds calls with credentials (bearer tokens shaped like JWTs and not,
 * Basic passwords on the operator endpoints), then greps the whole file: everything logged by every test class
 * that ran before it in this JVM (the replay jobs, the operator-token profile), and its own calls.
 */
@QuarkusTest
@QuarkusTestResource(DashTestResource.class)
class ReplayLogSecretsTest {
    private static final Path LOG = Path.of("target/dash-replay-test.log");
    /** Anything shaped like a JWT, a Standard Webhooks secret or a bearer credential. */
    private static final List<Pattern> SHAPES = List.of(
            Pattern.compile("eyJ[A-Za-z0-9_-]{10,}\\.eyJ[A-Za-z0-9_-]{10,}"),
            Pattern.compile("whsec_[A-Za-z0-9+/=]{16,}"),
            Pattern.compile("(?i)bearer\\s+[A-Za-z0-9._~+/-]{20,}"),
            Pattern.compile("(?i)(client[_-]secret|password|secret[_-]access[_-]key)\\s*[=:]\\s*[^\\s,*]{6,}"));

    @Test
    void noSecretOrTokenIsLogged() throws Exception {
        List<String> secrets = new ArrayList<>();
        String jwtLike = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ"
                + UUID.randomUUID().toString().replace("-", "") + ".sig";
        String opaque = "tok-" + UUID.randomUUID() + UUID.randomUUID();
        String password = "pw-" + UUID.randomUUID();
        secrets.addAll(List.of(jwtLike, opaque, password));
        String replay = "/api/replays/" + UUID.randomUUID();
        given().header("Authorization", "Bearer " + jwtLike).get(replay).then().statusCode(401);
        given().header("Authorization", "Bearer " + opaque).get(replay).then().statusCode(401);
        given().auth().preemptive().basic("ops", password).get("/q/metrics");
        secrets.addAll(List.of(
                OperatorEndpointsTest.TOKEN,
                "dash-secret-key",
                "jGIDyZYyhFHBT58r5XLU8XkFECLKXxhexxCfFBxoEjs=",
                "ncBSYP1QfZ7n9m5/XW5ANJQWORBIAfiVkR7UvnPg/f0="));

        assertThat(LOG).as("the test run's log file").exists();
        List<String> lines = Files.readAllLines(LOG, StandardCharsets.UTF_8);
        assertThat(lines).as("log lines of the run").isNotEmpty();
        List<String> leaks = new ArrayList<>();
        for (String line : lines) {
            for (String s : secrets) {
                if (line.contains(s)) {
                    leaks.add("secret " + s.substring(0, 4) + "…: " + line);
                }
            }
            for (Pattern p : SHAPES) {
                Matcher m = p.matcher(line);
                if (m.find()) {
                    leaks.add("shape " + p + ": " + line);
                }
            }
        }
        assertThat(leaks).as("log lines with a secret or token").isEmpty();
    }
}
