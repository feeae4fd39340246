package dev.dash.ingestor.pipeline;

import dev.dash.model.crypto.KeyRing;
import dev.dash.model.kafka.PipelineConfig;
import dev.dash.model.mapping.CompiledMapping;
import dev.dash.model.mapping.MappingCompiler;
import dev.dash.model.mapping.MappingStatus;
import dev.dash.model.pipeline.PipelineStatus;
import dev.dash.model.signature.Preset;
import dev.dash.model.signature.PresetConfig;
import dev.dash.model.signature.SecretMaterial;
import dev.dash.model.signature.SignatureVerifier;
import io.quarkus.logging.Log;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/**
 * One pipeline as the hot path needs it: the snapshot, plus everything derived from it once per change
 * (the verifier, the decrypted secrets, the compiled mapping versions), so a request only reads fields.
 *
 * @param config the snapshot it was built from
 * @param presetConfig the signature configuration, null for preset {@code none}
 * @param verifier the verifier, null for preset {@code none}
 * @param secrets the decrypted secrets (those that could not be opened are left out and logged)
 * @param keptHeaders lower-case names of the headers kept in the raw envelope
 * @param signatureProblem why the signature configuration is unusable, or null
 * @param active the active mapping version, or null
 * @param pending the pending mapping version during a replay, or null
 */
public record CachedPipeline(
        PipelineConfig config,
        PresetConfig presetConfig,
        SignatureVerifier verifier,
        List<SecretMaterial> secrets,
        List<String> keptHeaders,
        String signatureProblem,
        Version active,
        Version pending) {

    /**
     * A compiled mapping version.
     *
     * @param version the version number
     * @param mapping the compiled mapping, or null when the document does not compile
     * @param problem why it does not compile, or null
     * @param dualWriteStartedAt for a pending version, when dual write started (null until recorded)
     */
    public record Version(int version, CompiledMapping mapping, String problem, java.time.Instant dualWriteStartedAt) {}

    /** The pipeline id. */
    public UUID id() {
        return config.id();
    }

    /** The owning team. */
    public UUID teamId() {
        return config.teamId();
    }

    /** Whether ingest is accepted ({@code active}); {@code paused} and {@code error} pipelines refuse it. */
    public boolean accepting() {
        return PipelineStatus.ACTIVE.dbName().equals(config.status());
    }

    /** Builds the derived state; never throws for a bad snapshot (the problem is kept instead). */
    public static CachedPipeline of(PipelineConfig config, KeyRing keys) {
        PresetConfig preset = null;
        SignatureVerifier verifier = null;
        String problem = null;
        String presetName = config.signaturePreset();
        if ((presetName == null || presetName.equals("none")) && config.pushFed() && !config.allowUnsigned()) {
            problem = "the pipeline is unsigned (signature_preset none) and no admin allowed unsigned pushes"
                    + " (allow_unsigned)";
        } else if (presetName != null && !presetName.equals("none")) {
            try {
                var o = dev.dash.model.json.Json.nodes().objectNode();
                o.put("preset", presetName);
                o.put("tolerance_seconds", Math.max(1, config.timestampToleranceSeconds()));
                if (config.signatureConfig() != null && config.signatureConfig().hasNonNull("generic")) {
                    o.set("generic", config.signatureConfig().get("generic"));
                }
                preset = PresetConfig.fromJson(o);
                verifier = SignatureVerifier.forPreset(preset);
            } catch (RuntimeException e) {
                problem = "signature configuration is invalid: " + e.getMessage();
                Log.warnf("Pipeline %s: %s", config.id(), problem);
            }
        }
        List<SecretMaterial> secrets = new ArrayList<>();
        if (config.secrets() != null) {
            for (PipelineConfig.Secret s : config.secrets()) {
                try {
                    byte[] plain = keys.decrypt(s.ciphertext(), "pipeline_secret:" + s.id());
                    secrets.add(new SecretMaterial(s.id().toString(), plain, s.expiresAt()));
                } catch (RuntimeException e) {
                    Log.warnf("Pipeline %s: secret %s cannot be opened: %s", config.id(), s.id(), e.getMessage());
                }
            }
        }
        List<String> headers = new ArrayList<>(preset == null ? List.of() : preset.headers());
        headers.add("content-type");
        Version active = null;
        Version pending = null;
        if (config.mappings() != null) {
            for (PipelineConfig.MappingVersion m : config.mappings()) {
                Version v = compile(config.id(), m);
                if (MappingStatus.PENDING.dbName().equals(m.status())) {
                    pending = v;
                } else if (MappingStatus.ACTIVE.dbName().equals(m.status())
                        || (config.activeMappingVersion() != null && m.version() == config.activeMappingVersion())) {
                    active = v;
                }
            }
        }
        return new CachedPipeline(
                config, preset, verifier, List.copyOf(secrets), List.copyOf(headers), problem, active, pending);
    }

    private static Version compile(UUID pipelineId, PipelineConfig.MappingVersion m) {
        try {
            return new Version(m.version(), MappingCompiler.compile(m.document()), null, m.dualWriteStartedAt());
        } catch (RuntimeException e) {
            Log.warnf("Pipeline %s: mapping version %d does not compile: %s", pipelineId, m.version(), e.getMessage());
            return new Version(m.version(), null, "mapping version does not compile: " + e.getMessage(), null);
        }
    }

    /** The preset, or null for none. */
    public Preset preset() {
        return presetConfig == null ? null : presetConfig.preset();
    }

    /** The dedupe window, zero for none. */
    public Duration dedupeWindow() {
        return Duration.ofSeconds(Math.max(0, config.dedupeWindowSeconds()));
    }
}
