package dev.dash.ingestor.ingest;

import dev.dash.model.envelope.RawEnvelope;
import dev.dash.model.envelope.RawRecordCodec;
import dev.dash.model.envelope.Source;
import dev.dash.model.envelope.UuidV7;
import dev.dash.model.signature.Headers;
import dev.dash.model.signature.Preset;
import dev.dash.model.signature.PresetConfig;
import dev.dash.model.signature.SecretMaterial;
import dev.dash.model.signature.SignatureSigner;
import dev.dash.model.signature.SignatureVerifier;
import dev.dash.model.signature.VerificationResult;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.function.IntSupplier;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

/**
 * Not a test but a measurement (docs/benchmarks.md, issue-ingestpath): the event loop's steps for a request, one at a
 * time on this thread, before and after the change in one JVM where the code before is still here or small enough to
 * repeat (the NDJSON check per line, a Mac per request, the answer and the claim's ids as strings, the header copy),
 * and the steps this change left alone (the envelope and its {@code dash.raw} record), for scale. Exact: the thread's
 * CPU time and allocated bytes ({@code com.sun.management.ThreadMXBean}), per call and per event.
 *
 * <pre>
 * ./mvnw -B -o -pl ingestor-service -am verify -Dtest=IngestPerCallCost -Dsurefire.failIfNoSpecifiedTests=false \
 *   -DskipITs -Dingestprobe=true -DargLine=-Xmx1g
 * </pre>
 */
@EnabledIfSystemProperty(named = "ingestprobe", matches = "true")
class IngestPerCallCost {
    static final com.sun.management.ThreadMXBean MX =
            (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();

    final List<String> lines = new ArrayList<>();

    /** Runs {@code call} (returning a value to keep) warm, then measured; prints ns and bytes per call and per event. */
    void measure(String what, int events, IntSupplier call) {
        int sink = 0;
        for (int i = 0; i < 20_000; i++) {
            sink += call.getAsInt();
        }
        int calls = 20_000;
        long t = Thread.currentThread().getId();
        long cpu0 = MX.getCurrentThreadCpuTime();
        long b0 = MX.getThreadAllocatedBytes(t);
        for (int i = 0; i < calls; i++) {
            sink += call.getAsInt();
        }
        long cpu = MX.getCurrentThreadCpuTime() - cpu0;
        long bytes = MX.getThreadAllocatedBytes(t) - b0;
        String line = String.format(
                Locale.ROOT,
                "PERCALL %-44s events=%3d  %9.0f ns/call %9.0f B/call  %7.0f ns/event %7.0f B/event  (%d)",
                what,
                events,
                cpu / (double) calls,
                bytes / (double) calls,
                cpu / (double) calls / events,
                bytes / (double) calls / events,
                sink & 1);
        System.out.println(line);
        lines.add(line);
    }

    @Test
    void perCall() throws Exception {
        byte[] batch = IngestCostProbe.readings(100);
        byte[] single = IngestCostProbe.readings(1);
        SecretMaterial secret = SecretMaterial.of("s1", "s3cr3t-" + UUID.randomUUID());
        byte[] key = secret.value();
        SignatureVerifier verifier = SignatureVerifier.forPreset(PresetConfig.of(Preset.GITHUB));
        Map<String, String> signedBatch =
                SignatureSigner.forPreset(PresetConfig.of(Preset.GITHUB)).sign(batch, secret, Instant.now(), "d-1");
        Map<String, String> request = new HashMap<>(signedBatch);
        request.put("Host", "127.0.0.1:8081");
        request.put("Content-Type", "application/x-ndjson");
        request.put("Content-Length", Integer.toString(batch.length));
        request.put("User-Agent", "GitHub-Hookshot/abc");
        request.put("X-GitHub-Event", "push");
        request.put("X-GitHub-Hook-ID", "1234");
        Headers headers = Headers.ofSingle(request);
        UUID[] ids = new UUID[100];
        for (int i = 0; i < ids.length; i++) {
            ids[i] = UuidV7.next();
        }

        // The NDJSON check: a parser per line (before), one parser for the body (after).
        measure(
                "ndjson, a parser per line (before)",
                100,
                () -> BodyParser.ndjsonPerLine(batch).size());
        measure(
                "ndjson, one parser (after)",
                100,
                () -> BodyParser.ndjson(batch).size());
        measure(
                "single event JSON check (unchanged)",
                1,
                () -> BodyParser.single(single).size());

        // The HMAC: a Mac per request (before), the thread's Mac reset (after); then the whole verification.
        Mac kept = Mac.getInstance("HmacSHA256");
        kept.init(new SecretKeySpec(key, "HmacSHA256"));
        for (byte[] body : List.of(batch, single)) {
            int n = body == batch ? 100 : 1;
            measure("HMAC, Mac.getInstance + init (before)", n, () -> {
                try {
                    Mac m = Mac.getInstance("HmacSHA256");
                    m.init(new SecretKeySpec(key, "HmacSHA256"));
                    return m.doFinal(body)[0];
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
            measure("HMAC, the thread's Mac (after)", n, () -> {
                kept.reset();
                return kept.doFinal(body)[0];
            });
        }
        measure(
                "verify, GitHub preset, batch (after)",
                100,
                () -> verifier.verify(headers, batch, List.of(secret), Instant.now())
                                .isVerified()
                        ? 1
                        : 0);

        // The request's headers: the builder before (a list per header, then a copy of the map), and now.
        measure("headers, copied on build (before)", 1, () -> {
            Map<String, List<String>> byName = new HashMap<>();
            request.forEach((k, v) -> byName.computeIfAbsent(k.toLowerCase(Locale.ROOT), x -> new ArrayList<>(1))
                    .add(v));
            Map<String, List<String>> copy = new HashMap<>(byName.size() * 2);
            byName.forEach((k, v) -> copy.put(k, List.copyOf(v)));
            return Collections.unmodifiableMap(copy).size();
        });
        measure("headers, handed over (after)", 1, () -> {
            Headers.Builder b = Headers.builder();
            request.forEach(b::add);
            return b.build().names().size();
        });

        // The answer's body and the claim's ids: strings per id (before), ASCII bytes (after).
        measure(
                "answer body, StringBuilder + bytes (before)",
                100,
                () -> IngestAnswerBodyTest.before(false, ids).getBytes(StandardCharsets.UTF_8).length);
        measure("answer body, bytes (after)", 100, () -> IngestResource.answerBody(false, ids).length);
        measure("claim ids, StringBuilder (before)", 100, () -> {
            StringBuilder b = new StringBuilder(ids.length * 37);
            for (UUID id : ids) {
                if (b.length() > 0) {
                    b.append(',');
                }
                b.append(id);
            }
            return b.toString().length();
        });
        measure(
                "claim ids, UuidText.join (after)",
                100,
                () -> UuidText.join(ids).length());

        // Left alone, for scale: an event's id, envelope and dash.raw record (common-model envelope/*).
        List<byte[]> events = BodyParser.ndjson(batch);
        Map<String, String> kept4 =
                headers.select(List.of("user-agent", "x-github-event", "x-github-hook-id", "x-github-delivery"));
        VerificationResult v = VerificationResult.verified(Preset.GITHUB, "s1", "d-1");
        UUID pipeline = UUID.randomUUID();
        UUID team = UUID.randomUUID();
        Instant at = Instant.now();
        measure("id + envelope + RawRecordCodec.encode (unchanged)", 100, () -> {
            int n = 0;
            for (byte[] e : events) {
                RawEnvelope env = new RawEnvelope(
                        UuidV7.next(), pipeline, team, at, Source.WEBHOOK, "d-1", "application/json", kept4, e, v);
                n += RawRecordCodec.encode(env, RawRecordCodec.VERSION)
                        .headers()
                        .size();
            }
            return n;
        });
        Files.writeString(
                Path.of("target/ingest-per-call.txt"),
                Instant.now() + "\n" + String.join("\n", lines) + "\n",
                StandardOpenOption.CREATE,
                StandardOpenOption.APPEND);
    }
}
