package dev.dash.web.pipeline.repository;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import java.time.Instant;
import java.util.UUID;
import org.hibernate.annotations.Formula;

/**
 * A row of {@code pipeline_secrets} (migration V1), for {@link PipelineSecretRepository}: a signing secret,
 * its value encrypted ({@code Crypto.secretContext}). Flyway owns the table.
 */
@Entity
@Table(name = "pipeline_secrets")
public class PipelineSecretEntity {
    @Id
    public UUID id;

    @Column(name = "pipeline_id", nullable = false, updatable = false)
    public UUID pipelineId;

    @Column(nullable = false)
    public byte[] ciphertext;

    /** The last characters of the secret, to tell secrets apart without revealing them. */
    @Column(nullable = false, updatable = false)
    public String hint;

    @Column(name = "expires_at")
    public Instant expiresAt;

    @Column(name = "revoked_at")
    public Instant revokedAt;

    @Column(name = "inserted_at", insertable = false, updatable = false)
    public Instant insertedAt;

    /** Whether ingest accepts it now, in the database's clock (the one ingest's snapshot uses). */
    @Formula("revoked_at IS NULL AND (expires_at IS NULL OR expires_at > now())")
    public boolean active;
}
