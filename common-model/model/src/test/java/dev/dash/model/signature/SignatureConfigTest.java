package dev.dash.model.signature;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.dash.model.json.Json;
import dev.dash.model.signature.GenericHmacRecipe.Algorithm;
import dev.dash.model.signature.GenericHmacRecipe.Encoding;
import dev.dash.model.signature.GenericHmacRecipe.SecretFormat;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** Configuration JSON, recipe validation, header selection, secrets never printed, the Slack handshake. */
class SignatureConfigTest {

    @Test
    void presetConfigRoundTripsThroughJson() {
        PresetConfig generic = PresetConfig.generic(new GenericHmacRecipe(
                        "X-Signature",
                        "sha256=",
                        Encoding.HEX,
                        Algorithm.SHA256,
                        "{id}.{timestamp}.{body}",
                        "X-Id",
                        "X-Ts",
                        SecretFormat.BASE64))
                .withTolerance(Duration.ofSeconds(60));

        assertThat(PresetConfig.fromJson(generic.toJson())).isEqualTo(generic);
        assertThat(PresetConfig.fromJson(PresetConfig.of(Preset.STRIPE).toJson()))
                .isEqualTo(PresetConfig.of(Preset.STRIPE));
    }

    @Test
    void presetConfigJsonIsValidated() throws Exception {
        for (String bad : new String[] {
            "{\"preset\":\"gitlab\"}",
            "{\"preset\":\"github\",\"tolerance_seconds\":0}",
            "{\"preset\":\"github\",\"tolerance_seconds\":\"300\"}",
            "{\"preset\":\"github\",\"extra\":1}",
            "{\"preset\":\"generic_hmac\"}",
            "{\"preset\":\"github\",\"generic\":{}}",
            "[]"
        }) {
            JsonNode json = Json.parse(bad);
            assertThatThrownBy(() -> PresetConfig.fromJson(json)).as(bad).isInstanceOf(SignatureConfigException.class);
        }
    }

    @Test
    void genericRecipesAreValidatedWhenSaved() {
        assertThatThrownBy(() -> recipe("{timestamp}.payload", "X-Ts")).hasMessageContaining("{body}");
        assertThatThrownBy(() -> recipe("{body}{body}", null)).hasMessageContaining("{body}");
        assertThatThrownBy(() -> recipe("{nonce}.{body}", null)).hasMessageContaining("{nonce}");
        assertThatThrownBy(() -> recipe("{timestamp}.{body}", null)).hasMessageContaining("timestamp_header");
        assertThatThrownBy(() -> recipe("{body}", "X-Ts")).hasMessageContaining("does not sign");
        assertThatThrownBy(() -> recipe("{body", null)).hasMessageContaining("brace");
        assertThat(recipe("v0:{timestamp}:{body}", "X-Ts").templateParts())
                .containsExactly("v0:", "{timestamp}", ":", "{body}");
    }

    private static GenericHmacRecipe recipe(String template, String timestampHeader) {
        return new GenericHmacRecipe(
                "X-Sig", "", Encoding.HEX, Algorithm.SHA256, template, null, timestampHeader, null);
    }

    @Test
    void headersAreSelectedCaseInsensitivelyAndSorted() {
        Headers h = Headers.builder()
                .add("X-GitHub-Event", "push")
                .add("X-Hub-Signature-256", "sha256=00")
                .add("Cookie", "secret")
                .add("x-github-delivery", "d1")
                .build();

        assertThat(h.select(PresetConfig.of(Preset.GITHUB).headers()))
                .containsExactly(
                        Map.entry("x-github-delivery", "d1"),
                        Map.entry("x-github-event", "push"),
                        Map.entry("x-hub-signature-256", "sha256=00"));
        assertThat(h.first("X-GITHUB-EVENT")).isEqualTo("push");
    }

    @Test
    void secretsAreNeverPrintedAndAreCopied() {
        byte[] raw = "s3cr3t".getBytes(StandardCharsets.UTF_8);
        SecretMaterial s = new SecretMaterial("k1", raw, null);
        raw[0] = 'X';

        assertThat(s.toString()).doesNotContain("s3cr3t").contains("k1");
        assertThat(new String(s.value(), StandardCharsets.UTF_8)).isEqualTo("s3cr3t");
    }

    @Test
    void slackUrlVerificationIsAnsweredWithItsChallenge() {
        byte[] body =
                "{\"token\":\"Jhj5dZrVaK7ZwHHjRyZWjbDl\",\"challenge\":\"3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P\",\"type\":\"url_verification\"}"
                        .getBytes(StandardCharsets.UTF_8);

        Optional<Handshake.Response> reply = Handshake.respond(Preset.SLACK, body);

        assertThat(reply).isPresent();
        assertThat(reply.get().contentType()).isEqualTo("application/json");
        assertThat(new String(reply.get().body(), StandardCharsets.UTF_8))
                .isEqualTo("{\"challenge\":\"3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P\"}");
        assertThat(Handshake.respond(Preset.GITHUB, body)).isEmpty();
        assertThat(Handshake.respond(Preset.SLACK, "{\"type\":\"event_callback\"}".getBytes(StandardCharsets.UTF_8)))
                .isEmpty();
        assertThat(Handshake.respond(Preset.SLACK, "not json".getBytes(StandardCharsets.UTF_8)))
                .isEmpty();
    }
}
