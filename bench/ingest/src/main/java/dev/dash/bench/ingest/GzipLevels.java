package dev.dash.bench.ingest;

import dev.dash.model.bronze.BronzeWriter;
import dev.dash.model.envelope.EnvelopeCodec;
import dev.dash.model.envelope.RawEnvelope;
import dev.dash.model.envelope.Source;
import dev.dash.model.envelope.UuidV7;
import dev.dash.model.signature.Preset;
import dev.dash.model.signature.VerificationResult;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;

/**
 * What the archiver's gzip level costs: Bronze objects of the load generator's sensor readings, written by
 * {@link BronzeWriter} from encoded envelopes (as the archiver writes them) at several levels, in the same
 * run. Prints events per second on one core and the compressed size against the JSON Lines, per level, and
 * each level's speed against level 6 (gzip's usual default). Arguments: events rounds.
 */
public final class GzipLevels {
    private GzipLevels() {}

    public static void main(String[] args) throws IOException {
        int events = Integer.parseInt(args[0]);
        int rounds = Integer.parseInt(args[1]);
        List<EnvelopeCodec.Head> lines = envelopes(events);
        int[] levels = {1, 3, 6, 9};
        double[][] rates = new double[levels.length][rounds];
        double[] ratios = new double[levels.length];
        // Rounds alternate the levels, so each level sees the same machine state; the first round warms up.
        for (int round = -1; round < rounds; round++) {
            for (int l = 0; l < levels.length; l++) {
                ByteArrayOutputStream out = new ByteArrayOutputStream(events * 60);
                long start = System.nanoTime();
                BronzeWriter.Stats stats;
                try (BronzeWriter w = new BronzeWriter(out, levels[l])) {
                    for (EnvelopeCodec.Head h : lines) {
                        w.write(h);
                    }
                    stats = w.finish();
                }
                double seconds = (System.nanoTime() - start) / 1e9;
                if (round >= 0) {
                    rates[l][round] = events / seconds;
                    ratios[l] = stats.bytes() / (double) stats.uncompressedBytes();
                }
            }
        }
        double six = median(rates[2]);
        for (int l = 0; l < levels.length; l++) {
            System.out.printf(
                    "RESULT level=%d events_per_s=%.0f compressed_ratio=%.3f speed_vs_level6=%.2f%n",
                    levels[l], median(rates[l]), ratios[l], median(rates[l]) / six);
        }
    }

    private static double median(double[] values) {
        double[] v = values.clone();
        java.util.Arrays.sort(v);
        return v[v.length / 2];
    }

    /** Envelopes as the ingestor writes them for the load generator's bodies (one pipeline, one hour). */
    static List<EnvelopeCodec.Head> envelopes(int n) {
        Random r = new Random(42);
        String[] sites = {"north", "south", "east", "west"};
        UUID pipeline = UUID.randomUUID();
        UUID team = UUID.randomUUID();
        Instant t = Instant.parse("2026-11-21T10:00:00Z");
        List<EnvelopeCodec.Head> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            String body = "{\"ts\":\"" + t.plusMillis(i) + "\",\"n\":" + i + ",\"device\":\"d-" + (i % 500)
                    + "\",\"site\":\"" + sites[i & 3] + "\",\"temp\":"
                    + Math.round((r.nextDouble() * 50 - 10) * 100) / 100.0
                    + ",\"hum\":" + Math.round(r.nextDouble() * 1000) / 10.0
                    + ",\"firmware\":\"4.2.1\",\"status\":\"OK\"}";
            String delivery = UUID.randomUUID().toString();
            RawEnvelope e = new RawEnvelope(
                    UuidV7.next(),
                    pipeline,
                    team,
                    t.plusMillis(i),
                    Source.WEBHOOK,
                    delivery,
                    "application/json",
                    Map.of("x-github-event", "push"),
                    body.getBytes(StandardCharsets.UTF_8),
                    VerificationResult.verified(Preset.GITHUB, "s1", delivery));
            out.add(EnvelopeCodec.head(EnvelopeCodec.encode(e)));
        }
        return out;
    }
}
