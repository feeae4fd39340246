package dev.dash.web.crypto;

import dev.dash.model.crypto.KeyRing;
import dev.dash.web.config.WebConfig;
import jakarta.enterprise.context.ApplicationScoped;

/**
 * The key ring of this node, from {@code dash.crypto.keys} and {@code dash.crypto.active-key}. A malformed
 * ring stops the start-up with a message that names the entry, never the key.
 */
@ApplicationScoped
public class Crypto {
    private final KeyRing ring;

    public Crypto(WebConfig config) {
        this.ring = KeyRing.parse(
                config.crypto().keys(), config.crypto().activeKey().orElse(null));
    }

    public KeyRing ring() {
        return ring;
    }

    public static String secretContext(Object secretId) {
        return "pipeline_secret:" + secretId;
    }

    public static String sourceContext(Object pipelineId) {
        return "pipeline_source:" + pipelineId;
    }

    public static String sinkContext(Object sinkId) {
        return "pipeline_sink:" + sinkId;
    }
}
