package dev.dash.model.signature;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.dash.model.json.Json;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A signature scheme described by the pipeline owner, for producers that sign with an HMAC but follow no
 * preset: which header carries the signature, its prefix and encoding, the hash, and the signed content as
 * a template over {@code {id}}, {@code {timestamp}} (Unix seconds) and {@code {body}}.
 *
 * <p>Example, a producer sending {@code X-Signature: sha512=<hex>} over {@code <timestamp>.<body>}:
 * {@code new GenericHmacRecipe("X-Signature", "sha512=", Encoding.HEX, Algorithm.SHA512,
 * "{timestamp}.{body}", null, "X-Timestamp", SecretFormat.RAW)}.
 *
 * @param signatureHeader header carrying the signature
 * @param prefix text before the encoded signature, for example {@code sha256=}; may be empty
 * @param encoding how the signature bytes are written
 * @param algorithm the HMAC hash
 * @param signedContent template of the signed bytes; must contain {@code {body}} exactly once
 * @param idHeader header carrying the delivery id (required if the template uses {@code {id}}); may be null
 * @param timestampHeader header carrying the Unix-seconds timestamp (required if the template uses
 *     {@code {timestamp}}); when set, the pipeline's tolerance applies; may be null
 * @param secretFormat how the HMAC key is derived from the secret
 */
public record GenericHmacRecipe(
        String signatureHeader,
        String prefix,
        Encoding encoding,
        Algorithm algorithm,
        String signedContent,
        String idHeader,
        String timestampHeader,
        SecretFormat secretFormat) {

    private static final Pattern TOKEN = Pattern.compile("[!#$%&'*+.^_`|~0-9A-Za-z-]{1,100}");
    private static final Pattern PLACEHOLDER = Pattern.compile("\\{([^{}]*)}");
    private static final Set<String> FIELDS = Set.of(
            "signature_header",
            "prefix",
            "encoding",
            "algorithm",
            "signed_content",
            "id_header",
            "timestamp_header",
            "secret_format");

    /** How signature bytes are written in the header. */
    public enum Encoding {
        /** Lower- or upper-case hexadecimal. */
        HEX,
        /** Standard base64 with padding. */
        BASE64
    }

    /** The HMAC hash. */
    public enum Algorithm {
        /** HMAC-SHA256. */
        SHA256("HmacSHA256"),
        /** HMAC-SHA512. */
        SHA512("HmacSHA512");

        private final String jcaName;

        Algorithm(String jcaName) {
            this.jcaName = jcaName;
        }

        /**
         * The JCA algorithm name for {@code javax.crypto.Mac}.
         *
         * @return the name
         */
        public String jcaName() {
            return jcaName;
        }
    }

    /** How the HMAC key is derived from the secret. */
    public enum SecretFormat {
        /** The secret's bytes as they are. */
        RAW,
        /** The secret is base64, optionally after a {@code whsec_} prefix. */
        BASE64
    }

    /** Validates the recipe, so an unusable one is rejected when the pipeline is saved. */
    public GenericHmacRecipe {
        if (signatureHeader == null || !TOKEN.matcher(signatureHeader).matches()) {
            throw new SignatureConfigException("signature_header must be a header name");
        }
        prefix = prefix == null ? "" : prefix;
        Objects.requireNonNull(encoding, "encoding");
        Objects.requireNonNull(algorithm, "algorithm");
        secretFormat = secretFormat == null ? SecretFormat.RAW : secretFormat;
        if (idHeader != null && !TOKEN.matcher(idHeader).matches()) {
            throw new SignatureConfigException("id_header must be a header name");
        }
        if (timestampHeader != null && !TOKEN.matcher(timestampHeader).matches()) {
            throw new SignatureConfigException("timestamp_header must be a header name");
        }
        List<String> placeholders = placeholders(signedContent);
        if (placeholders.stream().filter("body"::equals).count() != 1) {
            throw new SignatureConfigException("signed_content must contain {body} exactly once");
        }
        if (placeholders.contains("id") && idHeader == null) {
            throw new SignatureConfigException("signed_content uses {id} but id_header is not set");
        }
        if (placeholders.contains("timestamp") && timestampHeader == null) {
            throw new SignatureConfigException("signed_content uses {timestamp} but timestamp_header is not set");
        }
        if (timestampHeader != null && !placeholders.contains("timestamp")) {
            // An unsigned timestamp can be changed by anyone replaying the request, so checking it proves nothing.
            throw new SignatureConfigException("timestamp_header is set but signed_content does not sign {timestamp}");
        }
    }

    /**
     * The template split into literal text and placeholder names, in order; placeholders are returned as
     * {@code {name}}.
     *
     * @return the parts
     */
    public List<String> templateParts() {
        List<String> parts = new ArrayList<>();
        Matcher m = PLACEHOLDER.matcher(signedContent);
        int last = 0;
        while (m.find()) {
            if (m.start() > last) {
                parts.add(signedContent.substring(last, m.start()));
            }
            parts.add(m.group());
            last = m.end();
        }
        if (last < signedContent.length()) {
            parts.add(signedContent.substring(last));
        }
        return parts;
    }

    /**
     * Lower-case names of the headers this recipe reads.
     *
     * @return header names
     */
    public List<String> headers() {
        List<String> names = new ArrayList<>(3);
        names.add(signatureHeader.toLowerCase(Locale.ROOT));
        if (idHeader != null) {
            names.add(idHeader.toLowerCase(Locale.ROOT));
        }
        if (timestampHeader != null) {
            names.add(timestampHeader.toLowerCase(Locale.ROOT));
        }
        return names;
    }

    /**
     * The recipe as stored in the pipeline's configuration.
     *
     * @return a JSON object with snake_case fields
     */
    public ObjectNode toJson() {
        ObjectNode o = Json.nodes().objectNode();
        o.put("signature_header", signatureHeader);
        o.put("prefix", prefix);
        o.put("encoding", encoding.name().toLowerCase(Locale.ROOT));
        o.put("algorithm", algorithm.name().toLowerCase(Locale.ROOT));
        o.put("signed_content", signedContent);
        if (idHeader != null) {
            o.put("id_header", idHeader);
        }
        if (timestampHeader != null) {
            o.put("timestamp_header", timestampHeader);
        }
        o.put("secret_format", secretFormat.name().toLowerCase(Locale.ROOT));
        return o;
    }

    /**
     * Reads a recipe from its JSON form.
     *
     * @param json the object written by {@link #toJson()} (or by a user)
     * @return the recipe
     * @throws SignatureConfigException if a field is missing, unknown or invalid
     */
    public static GenericHmacRecipe fromJson(JsonNode json) {
        if (json == null || !json.isObject()) {
            throw new SignatureConfigException("generic recipe must be a JSON object");
        }
        json.fieldNames().forEachRemaining(name -> {
            if (!FIELDS.contains(name)) {
                throw new SignatureConfigException("unknown generic recipe field '" + name + "'");
            }
        });
        return new GenericHmacRecipe(
                text(json, "signature_header", true),
                text(json, "prefix", false),
                enumValue(Encoding.class, text(json, "encoding", true), "encoding"),
                enumValue(Algorithm.class, text(json, "algorithm", true), "algorithm"),
                text(json, "signed_content", true),
                text(json, "id_header", false),
                text(json, "timestamp_header", false),
                json.has("secret_format")
                        ? enumValue(SecretFormat.class, text(json, "secret_format", true), "secret_format")
                        : SecretFormat.RAW);
    }

    private static List<String> placeholders(String template) {
        if (template == null || template.isEmpty()) {
            throw new SignatureConfigException("signed_content is required");
        }
        List<String> names = new ArrayList<>();
        Matcher m = PLACEHOLDER.matcher(template);
        int last = 0;
        while (m.find()) {
            checkLiteral(template.substring(last, m.start()));
            String name = m.group(1);
            if (!name.equals("id") && !name.equals("timestamp") && !name.equals("body")) {
                throw new SignatureConfigException(
                        "signed_content has unknown placeholder {" + name + "}; use {id}, {timestamp} or {body}");
            }
            names.add(name);
            last = m.end();
        }
        checkLiteral(template.substring(last));
        return names;
    }

    private static void checkLiteral(String literal) {
        if (literal.indexOf('{') >= 0 || literal.indexOf('}') >= 0) {
            throw new SignatureConfigException("signed_content has an unbalanced brace");
        }
    }

    private static String text(JsonNode json, String field, boolean required) {
        JsonNode v = json.get(field);
        if (v == null || v.isNull()) {
            if (required) {
                throw new SignatureConfigException("generic recipe field '" + field + "' is required");
            }
            return null;
        }
        if (!v.isTextual()) {
            throw new SignatureConfigException("generic recipe field '" + field + "' must be a string");
        }
        return v.textValue();
    }

    private static <E extends Enum<E>> E enumValue(Class<E> type, String value, String field) {
        try {
            return Enum.valueOf(type, value.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new SignatureConfigException(
                    "generic recipe field '" + field + "' has unknown value '" + value + "'");
        }
    }
}
