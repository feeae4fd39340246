package dev.dash.ingestor.ingest;

import dev.dash.model.kafka.PipelineConfig;
import io.quarkus.logging.Log;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.function.LongSupplier;

/**
 * Per-pipeline quotas (requests per second and bytes per second) for the whole cluster: one token bucket per
 * pipeline in PostgreSQL holding one second of burst ({@code dash_quota_lease}), from which each node leases a
 * slice (a tenth of a second's worth, at least what the request needs) and spends it in memory. So the
 * combined rate of every node stays within the quota, and a request only goes to the database when its
 * node's slice has run out; a slice running low is topped up in the background before that happens. Leased
 * tokens not spent within {@link #LEASE_TTL_NANOS} are dropped, so a node that stops getting traffic does not
 * sit on a share the others need. After the database said "none left until t", the node refuses at once
 * until t without asking again.
 *
 * <p>On the event loop a request that needs a lease must not wait for the database: {@link #check} then
 * throws {@link NeedsLease} and the caller repeats the check on a worker thread ({@code mayBlock}). While
 * the database cannot be reached, each node falls back to a bucket of its own with the whole quota (the old
 * per-node behaviour): ingest goes on, the quota then holds per node only.
 */
final class QuotaLimiter {
    /** Unspent leased tokens expire after this long. */
    static final long LEASE_TTL_NANOS = 1_000_000_000L;

    /** A lease from the shared bucket: tokens granted, or how long until {@code need} would be there. */
    record Grant(double requests, double bytes, double waitSeconds) {}

    /** The shared buckets (PostgreSQL in production). */
    interface Leases {
        Grant lease(
                UUID pipelineId,
                Integer rps,
                Long bps,
                double wantRequests,
                double needRequests,
                double wantBytes,
                double needBytes)
                throws Exception;
    }

    /** The check needs a lease from the database: repeat it where blocking is allowed. */
    static final class NeedsLease extends RuntimeException {
        static final NeedsLease INSTANCE = new NeedsLease();

        private NeedsLease() {
            super("a quota lease is needed", null, false, false);
        }
    }

    private final ConcurrentHashMap<UUID, Local> locals = new ConcurrentHashMap<>();
    private final LongSupplier nanos;
    private final Leases leases;
    private final Executor background;

    QuotaLimiter(LongSupplier nanos, Leases leases, Executor background) {
        this.nanos = nanos;
        this.leases = leases;
        this.background = background;
    }

    /**
     * Takes one request and {@code size} bytes from the pipeline's quota, or throws a 429 rejection; throws
     * {@link NeedsLease} when the tokens must come from the database and {@code mayBlock} is false.
     */
    void check(PipelineConfig config, long size, boolean mayBlock) {
        Integer rps = config.quotaRequestsPerSecond();
        Long bps = config.quotaBytesPerSecond();
        if (rps == null && bps == null) {
            return;
        }
        if (bps != null && size > bps) {
            throw rejection(
                    "bytes", rps, bps, 0, 0, 1, "the request is larger than the byte quota of " + bps + " bytes/s");
        }
        long start = nanos.getAsLong();
        Local l = locals.compute(
                config.id(), (id, held) -> held != null && held.matches(rps, bps) ? held : new Local(rps, bps, start));
        long now = start;
        synchronized (l) {
            l.expire(now);
            if (l.covers(size)) {
                l.take(size);
                prefetchIfLow(config.id(), l, now);
                return;
            }
            if (now - l.deniedUntil < 0) {
                throw l.rejection((l.deniedUntil - now) / 1e9);
            }
        }
        if (!mayBlock) {
            throw NeedsLease.INSTANCE;
        }
        Grant g;
        double needRequests;
        double needBytes;
        synchronized (l) {
            needRequests = rps == null ? 0 : Math.max(0, 1 - l.requests);
            needBytes = bps == null ? 0 : Math.max(0, size - l.bytes);
        }
        try {
            g = leases.lease(
                    config.id(),
                    rps,
                    bps,
                    Math.max(needRequests, l.sliceRequests()),
                    needRequests,
                    Math.max(needBytes, l.sliceBytes()),
                    needBytes);
        } catch (Exception e) {
            Log.debugf(
                    "Quota lease for pipeline %s failed, using this node's own bucket: %s",
                    config.id(), e.getMessage());
            synchronized (l) {
                l.fallback(size, nanos.getAsLong());
            }
            return;
        }
        now = nanos.getAsLong();
        synchronized (l) {
            if (g.waitSeconds() > 0) {
                l.deniedUntil = now + (long) (g.waitSeconds() * 1e9);
                throw l.rejection(g.waitSeconds());
            }
            l.add(g, now);
            if (!l.covers(size)) {
                // Another request on this node spent the lease meanwhile.
                throw l.rejection(rps != null ? 1.0 / rps : (double) size / bps);
            }
            l.take(size);
        }
    }

    private void prefetchIfLow(UUID pipelineId, Local l, long now) {
        if (l.fetching || !l.low()) {
            return;
        }
        l.fetching = true;
        try {
            background.execute(() -> {
                try {
                    Grant g = leases.lease(pipelineId, l.rps, l.bps, l.sliceRequests(), 0, l.sliceBytes(), 0);
                    synchronized (l) {
                        if (g.waitSeconds() <= 0) {
                            l.add(g, nanos.getAsLong());
                        }
                    }
                } catch (Exception e) {
                    Log.debugf("Quota prefetch for pipeline %s failed: %s", pipelineId, e.getMessage());
                } finally {
                    synchronized (l) {
                        l.fetching = false;
                    }
                }
            });
        } catch (RuntimeException e) {
            l.fetching = false;
        }
    }

    /** A node's share of one pipeline's quota. Guarded by its own monitor. */
    private static final class Local {
        final Integer rps;
        final Long bps;
        double requests;
        double bytes;
        long leasedAt;
        long deniedUntil;
        boolean fetching;
        // The per-node bucket used only while the database cannot be reached.
        double fallbackRequests;
        double fallbackBytes;
        long fallbackAt = Long.MIN_VALUE;

        Local(Integer rps, Long bps, long now) {
            this.rps = rps;
            this.bps = bps;
            // nanoTime has no fixed origin: "never denied" and "never leased" are the moment of creation.
            this.leasedAt = now;
            this.deniedUntil = now;
        }

        boolean matches(Integer r, Long b) {
            return Objects.equals(rps, r) && Objects.equals(bps, b);
        }

        double sliceRequests() {
            return rps == null ? 0 : Math.max(1, rps / 10.0);
        }

        double sliceBytes() {
            return bps == null ? 0 : bps / 10.0;
        }

        void expire(long now) {
            if ((requests > 0 || bytes > 0) && now - leasedAt > LEASE_TTL_NANOS) {
                requests = 0;
                bytes = 0;
            }
        }

        boolean covers(long size) {
            return (rps == null || requests >= 1) && (bps == null || bytes >= size);
        }

        boolean low() {
            return (rps != null && requests < sliceRequests() / 2) || (bps != null && bytes < sliceBytes() / 2);
        }

        void take(long size) {
            if (rps != null) {
                requests -= 1;
            }
            if (bps != null) {
                bytes -= size;
            }
        }

        void add(Grant g, long now) {
            requests += g.requests();
            bytes += g.bytes();
            leasedAt = now;
        }

        void fallback(long size, long now) {
            if (fallbackAt == Long.MIN_VALUE) {
                fallbackRequests = rps == null ? 0 : rps;
                fallbackBytes = bps == null ? 0 : bps;
            } else {
                double elapsed = Math.max(0, now - fallbackAt) / 1e9;
                if (rps != null) {
                    fallbackRequests = Math.min(rps, fallbackRequests + elapsed * rps);
                }
                if (bps != null) {
                    fallbackBytes = Math.min(bps, fallbackBytes + elapsed * bps);
                }
            }
            fallbackAt = now;
            double waitRequests = rps == null || fallbackRequests >= 1 ? 0 : (1 - fallbackRequests) / rps;
            double waitBytes = bps == null || fallbackBytes >= size ? 0 : (size - fallbackBytes) / bps;
            if (waitRequests > 0 || waitBytes > 0) {
                throw QuotaLimiter.rejection(
                        waitRequests >= waitBytes ? "requests" : "bytes",
                        rps,
                        bps,
                        fallbackRequests,
                        fallbackBytes,
                        Math.max(waitRequests, waitBytes),
                        waitRequests >= waitBytes
                                ? "more than " + rps + " requests per second"
                                : "more than " + bps + " bytes per second");
            }
            if (rps != null) {
                fallbackRequests -= 1;
            }
            if (bps != null) {
                fallbackBytes -= size;
            }
        }

        IngestRejection rejection(double waitSeconds) {
            boolean byRequests = rps != null && requests < 1;
            return QuotaLimiter.rejection(
                    byRequests ? "requests" : "bytes",
                    rps,
                    bps,
                    requests,
                    bytes,
                    waitSeconds,
                    byRequests
                            ? "more than " + rps + " requests per second"
                            : "more than " + bps + " bytes per second");
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
