package dev.dash.model.signature;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.dash.model.json.Json;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * How one pipeline authenticates its producers: the preset, the timestamp tolerance for schemes that sign
 * a timestamp, and the recipe when the preset is {@link Preset#GENERIC_HMAC}.
 *
 * @param preset the scheme
 * @param tolerance how far a signed timestamp may be from now, in either direction (default 5 minutes)
 * @param generic the recipe; required for {@link Preset#GENERIC_HMAC}, null otherwise
 */
public record PresetConfig(Preset preset, Duration tolerance, GenericHmacRecipe generic) {

    /** The tolerance used when none is configured. */
    public static final Duration DEFAULT_TOLERANCE = Duration.ofSeconds(300);

    /** The largest tolerance accepted; beyond it the timestamp no longer protects against replays. */
    public static final Duration MAX_TOLERANCE = Duration.ofDays(1);

    private static final Set<String> FIELDS = Set.of("preset", "tolerance_seconds", "generic");

    /** Validates the configuration. */
    public PresetConfig {
        Objects.requireNonNull(preset, "preset");
        tolerance = tolerance == null ? DEFAULT_TOLERANCE : tolerance;
        if (tolerance.isNegative() || tolerance.isZero() || tolerance.compareTo(MAX_TOLERANCE) > 0) {
            throw new SignatureConfigException("tolerance must be between 1 second and 1 day");
        }
        if (preset == Preset.GENERIC_HMAC && generic == null) {
            throw new SignatureConfigException("preset generic_hmac needs a recipe");
        }
        if (preset != Preset.GENERIC_HMAC && generic != null) {
            throw new SignatureConfigException("only preset generic_hmac takes a recipe");
        }
    }

    /**
     * A preset with the default tolerance.
     *
     * @param preset any preset but {@link Preset#GENERIC_HMAC}
     * @return the configuration
     */
    public static PresetConfig of(Preset preset) {
        return new PresetConfig(preset, DEFAULT_TOLERANCE, null);
    }

    /**
     * A generic recipe with the default tolerance.
     *
     * @param recipe the recipe
     * @return the configuration
     */
    public static PresetConfig generic(GenericHmacRecipe recipe) {
        return new PresetConfig(Preset.GENERIC_HMAC, DEFAULT_TOLERANCE, recipe);
    }

    /**
     * The same configuration with another tolerance.
     *
     * @param newTolerance the tolerance
     * @return the configuration
     */
    public PresetConfig withTolerance(Duration newTolerance) {
        return new PresetConfig(preset, newTolerance, generic);
    }

    /**
     * Lower-case names of the headers worth keeping in the raw envelope for this configuration.
     *
     * @return header names
     */
    public List<String> headers() {
        return preset == Preset.GENERIC_HMAC ? generic.headers() : preset.headers();
    }

    /**
     * The configuration as stored with the pipeline.
     *
     * @return {@code {"preset": ..., "tolerance_seconds": ..., "generic": {...}}}
     */
    public ObjectNode toJson() {
        ObjectNode o = Json.nodes().objectNode();
        o.put("preset", preset.jsonName());
        o.put("tolerance_seconds", tolerance.toSeconds());
        if (generic != null) {
            o.set("generic", generic.toJson());
        }
        return o;
    }

    /**
     * Reads a configuration from its JSON form.
     *
     * @param json the object written by {@link #toJson()} (or by a user)
     * @return the configuration
     * @throws SignatureConfigException if a field is missing, unknown or invalid
     */
    public static PresetConfig fromJson(JsonNode json) {
        if (json == null || !json.isObject()) {
            throw new SignatureConfigException("signature configuration must be a JSON object");
        }
        json.fieldNames().forEachRemaining(name -> {
            if (!FIELDS.contains(name)) {
                throw new SignatureConfigException("unknown signature configuration field '" + name + "'");
            }
        });
        JsonNode preset = json.get("preset");
        if (preset == null || !preset.isTextual()) {
            throw new SignatureConfigException("field 'preset' is required and must be a string");
        }
        Duration tolerance = DEFAULT_TOLERANCE;
        JsonNode seconds = json.get("tolerance_seconds");
        if (seconds != null && !seconds.isNull()) {
            if (!seconds.canConvertToLong() || !seconds.isIntegralNumber()) {
                throw new SignatureConfigException("field 'tolerance_seconds' must be an integer");
            }
            tolerance = Duration.ofSeconds(seconds.longValue());
        }
        JsonNode generic = json.get("generic");
        return new PresetConfig(
                Preset.fromJsonName(preset.textValue()),
                tolerance,
                generic == null || generic.isNull() ? null : GenericHmacRecipe.fromJson(generic));
    }
}
