package dev.dash.ingestor.ingest;

import dev.dash.model.kafka.PipelineConfig;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;

/**
 * Per-pipeline quotas (requests per second and bytes per second) as token buckets holding one second of
 * burst. Each node enforces its share independently: behind a load balancer spreading evenly over n nodes a
 * pipeline gets up to n times its quota, which docs/ingest.md states.
 */
final class QuotaLimiter {
    private final ConcurrentHashMap<UUID, Buckets> buckets = new ConcurrentHashMap<>();
    private final LongSupplier nanos;

    QuotaLimiter(LongSupplier nanos) {
        this.nanos = nanos;
    }

    /** Takes one request and {@code size} bytes from the pipeline's buckets, or throws a 429 rejection. */
    void check(PipelineConfig config, long size) {
        Integer rps = config.quotaRequestsPerSecond();
        Long bps = config.quotaBytesPerSecond();
        if (rps == null && bps == null) {
            return;
        }
        Buckets b = buckets.compute(
                config.id(),
                (id, held) -> held != null && held.matches(rps, bps) ? held : new Buckets(rps, bps, nanos.getAsLong()));
        b.take(size, nanos.getAsLong());
    }

    private static final class Buckets {
        final Integer rps;
        final Long bps;
        double requests;
        double bytes;
        long last;

        Buckets(Integer rps, Long bps, long now) {
            this.rps = rps;
            this.bps = bps;
            this.requests = rps == null ? 0 : rps;
            this.bytes = bps == null ? 0 : bps;
            this.last = now;
        }

        boolean matches(Integer r, Long b) {
            return java.util.Objects.equals(rps, r) && java.util.Objects.equals(bps, b);
        }

        synchronized void take(long size, long now) {
            double elapsed = Math.max(0, now - last) / 1e9;
            last = now;
            if (rps != null) {
                requests = Math.min(rps, requests + elapsed * rps);
            }
            if (bps != null) {
                bytes = Math.min(bps, bytes + elapsed * bps);
            }
            double waitRequests = rps == null || requests >= 1 ? 0 : (1 - requests) / rps;
            // A request larger than a whole second's allowance can never pass: it waits for a full bucket.
            double needBytes = bps == null ? 0 : Math.min(size, bps);
            double waitBytes = bps == null || bytes >= needBytes ? 0 : (needBytes - bytes) / bps;
            if (bps != null && size > bps) {
                throw rejection(
                        "bytes",
                        rps,
                        bps,
                        requests,
                        bytes,
                        1,
                        "the request is larger than the byte quota of " + bps + " bytes/s");
            }
            if (waitRequests > 0 || waitBytes > 0) {
                double wait = Math.max(waitRequests, waitBytes);
                throw rejection(
                        waitRequests >= waitBytes ? "requests" : "bytes",
                        rps,
                        bps,
                        requests,
                        bytes,
                        wait,
                        waitRequests >= waitBytes
                                ? "more than " + rps + " requests per second"
                                : "more than " + bps + " bytes per second");
            }
            if (rps != null) {
                requests -= 1;
            }
            if (bps != null) {
                bytes -= size;
            }
        }

        private static IngestRejection rejection(
                String which, Integer rps, Long bps, double requests, double bytes, double waitSeconds, String reason) {
            long retry = Math.max(1, (long) Math.ceil(waitSeconds));
            Map<String, String> h = new LinkedHashMap<>();
            h.put("Retry-After", Long.toString(retry));
            if (rps != null) {
                h.put("X-RateLimit-Limit", Integer.toString(rps));
                h.put("X-RateLimit-Remaining", Long.toString((long) Math.max(0, Math.floor(requests))));
            } else {
                h.put("X-RateLimit-Limit", Long.toString(bps));
                h.put("X-RateLimit-Remaining", Long.toString((long) Math.max(0, Math.floor(bytes))));
            }
            h.put("X-RateLimit-Reset", Long.toString(retry));
            if (rps != null && bps != null) {
                h.put("X-RateLimit-Limit-Bytes", Long.toString(bps));
                h.put("X-RateLimit-Remaining-Bytes", Long.toString((long) Math.max(0, Math.floor(bytes))));
            }
            return new IngestRejection(429, "quota_exceeded", "quota." + which, reason, null, h);
        }
    }
}
