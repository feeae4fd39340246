package dev.dash.model.testing;

import dev.dash.model.envelope.RawEnvelope;
import dev.dash.model.envelope.Source;
import dev.dash.model.envelope.UuidV7;
import dev.dash.model.signature.Preset;
import dev.dash.model.signature.VerificationResult;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;

/**
 * The ingest benchmark's load as the ingest path turns it into envelopes, for measurements of what consumers do per
 * event: 180-byte sensor readings of one pipeline, sent in NDJSON batches of 100 to a GitHub-signed webhook (a
 * delivery id and a signature per batch, the preset's four kept request headers).
 */
public final class Readings {
    private static final String[] SITES = {"north", "south", "east", "west"};

    private Readings() {}

    /** {@code n} readings received from 11:00 UTC on, ten per millisecond. */
    public static List<RawEnvelope> envelopes(int n) {
        Random r = new Random(42);
        UUID pipeline = UUID.randomUUID();
        UUID team = UUID.randomUUID();
        Instant t = Instant.parse("2026-12-07T11:00:00Z");
        String ts = "2026-12-07T11:00:00.123456Z";
        List<RawEnvelope> out = new ArrayList<>(n);
        String delivery = null;
        String signature = null;
        for (int i = 0; i < n; i++) {
            if (i % 100 == 0) {
                delivery = UUID.randomUUID().toString();
                StringBuilder s = new StringBuilder(64);
                for (int k = 0; k < 64; k++) {
                    s.append(Character.forDigit(r.nextInt(16), 16));
                }
                signature = "sha256=" + s;
            }
            String body = "{\"ts\":\"" + ts + "\",\"n\":" + i + ",\"device\":\"d-" + (i % 500) + "\",\"site\":\""
                    + SITES[i & 3] + "\",\"temp\":" + Math.round((r.nextDouble() * 50 - 10) * 100) / 100.0
                    + ",\"hum\":" + Math.round(r.nextDouble() * 1000) / 10.0
                    + ",\"firmware\":\"4.2.1\",\"status\":\"OK\"}";
            Map<String, String> h = new HashMap<>();
            h.put("x-github-event", "push");
            h.put("x-github-delivery", delivery);
            h.put("x-github-hook-id", "400000001");
            h.put("x-hub-signature-256", signature);
            out.add(new RawEnvelope(
                    UuidV7.next(),
                    pipeline,
                    team,
                    t.plusMillis(i / 10),
                    Source.WEBHOOK,
                    delivery,
                    "application/x-ndjson",
                    h,
                    body.getBytes(StandardCharsets.UTF_8),
                    VerificationResult.verified(Preset.GITHUB, "s1", delivery)));
        }
        return out;
    }
}
