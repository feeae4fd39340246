package dev.dash.ingestor.ingest;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

import dev.dash.ingestor.pipeline.PipelineRepository;
import dev.dash.ingestor.testing.TestPipelines;
import dev.dash.ingestor.testing.TestPipelines.Created;
import dev.dash.ingestor.testing.TestPipelines.Spec;
import dev.dash.model.signature.Preset;
import dev.dash.model.signature.PresetConfig;
import dev.dash.model.signature.SecretMaterial;
import dev.dash.model.signature.SignatureSigner;
import dev.dash.model.testing.DashTestResource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

/**
 * No secret or token in any log line of the ingestor's test run (web-service's {@code LogSecretsTest}, for this
 * service). The test profile writes every log record of the run to {@code target/dash-ingestor-test.log}
 * (application.properties); this test adds the requests that carry the most secrets (pipelines with a signing
 * secret and a Standard Webhooks {@code whsec_} key, correctly and wrongly signed deliveries, a bearer
 * credential and a cookie in the request headers), then greps the whole file: everything logged by every test
 * class that ran before it in this JVM, and its own requests.
 */
@QuarkusTest
@QuarkusTestResource(DashTestResource.class)
class IngestLogSecretsTest {
    private static final Path LOG = Path.of("target/dash-ingestor-test.log");
    /** Anything shaped like a JWT, a Standard Webhooks secret or a bearer credential. */
    private static final List<Pattern> SHAPES = List.of(
            Pattern.compile("eyJ[A-Za-z0-9_-]{10,}\\.eyJ[A-Za-z0-9_-]{10,}"),
            Pattern.compile("whsec_[A-Za-z0-9+/=]{16,}"),
            Pattern.compile("(?i)bearer\\s+[A-Za-z0-9._~+/-]{20,}"),
            Pattern.compile("(?i)(client[_-]secret|password|secret[_-]access[_-]key)\\s*[=:]\\s*[^\\s,*]{6,}"));

    @Inject
    PipelineRepository repository;

    @Test
    void noSecretOrTokenIsLogged() throws Exception {
        List<String> secrets = new ArrayList<>();
        try (TestPipelines pipelines = new TestPipelines()) {
            Created github = pipelines.create(Spec.of("github"));
            Created std = pipelines.create(Spec.of("standard_webhooks"));
            pipelines.publish(repository.load(github.id()));
            pipelines.publish(repository.load(std.id()));
            secrets.add(github.secret());
            secrets.add(std.secret());
            byte[] body = "{\"secret\":\"no\"}".getBytes(StandardCharsets.UTF_8);
            Awaitility.await()
                    .atMost(Duration.ofSeconds(60))
                    .until(() -> signed(github, Preset.GITHUB, github.secret(), body)
                                    .post("/ingest/" + github.id())
                                    .statusCode()
                            == 202);
            Awaitility.await()
                    .atMost(Duration.ofSeconds(60))
                    .until(() -> signed(std, Preset.STANDARD_WEBHOOKS, std.secret(), body)
                                    .post("/ingest/" + std.id())
                                    .statusCode()
                            == 202);
            // Wrongly signed: refused 401, whatever is logged about it must not carry a secret.
            String wrong = "s3cr3t-wrong-" + UUID.randomUUID();
            secrets.add(wrong);
            signed(github, Preset.GITHUB, wrong, body)
                    .post("/ingest/" + github.id())
                    .then()
                    .statusCode(401);
            // Credentials in headers a provider might send along.
            String bearer = "tok-" + UUID.randomUUID() + UUID.randomUUID();
            String cookie = "sess-" + UUID.randomUUID();
            secrets.add(bearer);
            secrets.add(cookie);
            signed(github, Preset.GITHUB, github.secret(), body)
                    .header("Authorization", "Bearer " + bearer)
                    .header("Cookie", "session=" + cookie)
                    .post("/ingest/" + github.id())
                    .then()
                    .statusCode(202);
        }
        secrets.addAll(List.of(
                "dash-secret-key",
                "jGIDyZYyhFHBT58r5XLU8XkFECLKXxhexxCfFBxoEjs=",
                "ncBSYP1QfZ7n9m5/XW5ANJQWORBIAfiVkR7UvnPg/f0="));

        assertThat(LOG).as("the test run's log file").exists();
        List<String> lines = Files.readAllLines(LOG, StandardCharsets.UTF_8);
        assertThat(lines).as("log lines of the run").isNotEmpty();
        List<String> leaks = new ArrayList<>();
        for (String line : lines) {
            for (String s : secrets) {
                if (s != null && s.length() >= 8 && line.contains(s)) {
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

    private static io.restassured.specification.RequestSpecification signed(
            Created p, Preset preset, String secret, byte[] body) {
        Map<String, String> headers = SignatureSigner.forPreset(PresetConfig.of(preset))
                .sign(
                        body,
                        SecretMaterial.of(p.secretId().toString(), secret),
                        Instant.now(),
                        "d-" + UUID.randomUUID());
        return given().headers(headers).contentType("application/json").body(body);
    }
}
