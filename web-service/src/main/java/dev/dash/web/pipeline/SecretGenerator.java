package dev.dash.web.pipeline;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.dash.model.json.Json;
import dev.dash.model.signature.PresetConfig;
import dev.dash.model.signature.SecretMaterial;
import dev.dash.model.signature.SignatureSigner;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.Base64;
import java.util.HexFormat;
import java.util.Map;

/** Generates signing secrets in the form each provider uses, and the signed curl example. */
final class SecretGenerator {
    private static final SecureRandom RANDOM = new SecureRandom();
    static final String EXAMPLE_BODY = "{\"event\":\"example\",\"value\":42}";

    private SecretGenerator() {}

    static String generate(String preset) {
        byte[] key = new byte[32];
        RANDOM.nextBytes(key);
        return switch (preset) {
            // Standard Webhooks and Svix: whsec_ + base64 of the HMAC key.
            case "standard_webhooks", "svix" -> "whsec_" + Base64.getEncoder().encodeToString(key);
            case "stripe" -> "whsec_" + HexFormat.of().formatHex(key);
            default -> HexFormat.of().formatHex(key);
        };
    }

    static String hint(String secret) {
        return secret.substring(secret.length() - 4);
    }

    /** The preset configuration the ingestor will verify with, or null for preset {@code none}. */
    static PresetConfig presetConfig(String preset, JsonNode signatureConfig, int tolerance) {
        if (preset == null || preset.equals("none")) {
            return null;
        }
        ObjectNode o = Json.nodes().objectNode();
        o.put("preset", preset);
        o.put("tolerance_seconds", tolerance);
        if (signatureConfig != null && signatureConfig.has("generic")) {
            o.set("generic", signatureConfig.get("generic"));
        }
        return PresetConfig.fromJson(o);
    }

    static String curl(String ingestUrl, PresetConfig config, String secretId, String secret) {
        StringBuilder b =
                new StringBuilder("curl -sS -X POST '").append(ingestUrl).append("'");
        b.append(" \\\n  -H 'Content-Type: application/json'");
        if (config != null && secret != null) {
            byte[] body = EXAMPLE_BODY.getBytes(StandardCharsets.UTF_8);
            Map<String, String> headers = SignatureSigner.forPreset(config)
                    .sign(body, SecretMaterial.of(secretId, secret), Instant.now(), null);
            headers.forEach((k, v) ->
                    b.append(" \\\n  -H '").append(k).append(": ").append(v).append("'"));
        }
        b.append(" \\\n  --data-raw '").append(EXAMPLE_BODY).append("'");
        return b.toString();
    }
}
