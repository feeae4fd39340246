package dev.dash.model.kafka;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Instant;
import java.util.List;
import java.util.UUID;

/**
 * Everything an ingestor or replay node needs to know of one pipeline, as published on {@link Topics#CONTROL}
 * (key: the pipeline id; a tombstone means deleted). Web-service publishes the whole snapshot after each
 * committed change, so a consumer rebuilds its cache from the compacted topic alone and the ingest hot path
 * never asks the database. Secrets stay encrypted (see {@code dev.dash.model.crypto.KeyRing}, context
 * {@code "pipeline_secret:<secret id>"}).
 *
 * @param id pipeline id
 * @param teamId owning team
 * @param name pipeline name
 * @param type {@code realtime}, {@code polling} or {@code p2p}
 * @param status {@code active}, {@code paused} or {@code error}
 * @param signaturePreset the verification preset ({@code none}, {@code standard_webhooks}, {@code svix},
 *     {@code github}, {@code stripe}, {@code slack}, {@code shopify}, {@code generic_hmac})
 * @param signatureConfig non-secret preset settings (the generic HMAC recipe), never null
 * @param timestampToleranceSeconds accepted clock skew for timestamped schemes
 * @param dedupeWindowSeconds how long a provider delivery id is remembered
 * @param quotaRequestsPerSecond request quota, null for none
 * @param quotaBytesPerSecond byte quota, null for none
 * @param persistData whether mapped records are kept in {@code pipeline_records}
 * @param activeMappingVersion the version dashboards read, null before the first mapping
 * @param mappings the active version and a pending one (during a replay); retired versions are left out
 * @param secrets the signing secrets that are not revoked, newest first
 * @param revision increases with every change, so a consumer ignores an older snapshot
 * @param allowUnsigned whether an admin explicitly allowed a push-fed pipeline with preset {@code none} to take
 *     unsigned pushes; without it the ingestors refuse such pushes (docs/ingest.md)
 */
public record PipelineConfig(
        UUID id,
        UUID teamId,
        String name,
        String type,
        String status,
        String signaturePreset,
        JsonNode signatureConfig,
        int timestampToleranceSeconds,
        int dedupeWindowSeconds,
        Integer quotaRequestsPerSecond,
        Long quotaBytesPerSecond,
        boolean persistData,
        Integer activeMappingVersion,
        List<MappingVersion> mappings,
        List<Secret> secrets,
        long revision,
        boolean allowUnsigned) {

    /**
     * A snapshot without the explicit permission to take unsigned pushes ({@code allowUnsigned} false).
     *
     * @param id pipeline id
     * @param teamId owning team
     * @param name pipeline name
     * @param type {@code realtime}, {@code polling} or {@code p2p}
     * @param status {@code active}, {@code paused} or {@code error}
     * @param signaturePreset the verification preset
     * @param signatureConfig non-secret preset settings
     * @param timestampToleranceSeconds accepted clock skew
     * @param dedupeWindowSeconds how long a delivery id is remembered
     * @param quotaRequestsPerSecond request quota, null for none
     * @param quotaBytesPerSecond byte quota, null for none
     * @param persistData whether mapped records are kept
     * @param activeMappingVersion the active version, or null
     * @param mappings the active and pending versions
     * @param secrets the signing secrets
     * @param revision the snapshot's revision
     */
    public PipelineConfig(
            UUID id,
            UUID teamId,
            String name,
            String type,
            String status,
            String signaturePreset,
            JsonNode signatureConfig,
            int timestampToleranceSeconds,
            int dedupeWindowSeconds,
            Integer quotaRequestsPerSecond,
            Long quotaBytesPerSecond,
            boolean persistData,
            Integer activeMappingVersion,
            List<MappingVersion> mappings,
            List<Secret> secrets,
            long revision) {
        this(
                id,
                teamId,
                name,
                type,
                status,
                signaturePreset,
                signatureConfig,
                timestampToleranceSeconds,
                dedupeWindowSeconds,
                quotaRequestsPerSecond,
                quotaBytesPerSecond,
                persistData,
                activeMappingVersion,
                mappings,
                secrets,
                revision,
                false);
    }

    /** Whether pushes to the ingest URL feed this pipeline ({@code realtime}); polled and p2p ones take none. */
    public boolean pushFed() {
        return "realtime".equals(type);
    }

    /**
     * One mapping version of the pipeline.
     *
     * @param version version number
     * @param status {@code active} or {@code pending}
     * @param document the mapping document
     * @param dualWriteStartedAt for a pending version: when writers began writing it beside the active one
     */
    public record MappingVersion(int version, String status, JsonNode document, Instant dualWriteStartedAt) {}

    /**
     * One signing secret.
     *
     * @param id secret id (also its encryption context)
     * @param ciphertext the secret, encrypted with the key ring
     * @param expiresAt when it stops being accepted, null for never (set on the old secret by a rotation)
     */
    public record Secret(UUID id, byte[] ciphertext, Instant expiresAt) {}
}
