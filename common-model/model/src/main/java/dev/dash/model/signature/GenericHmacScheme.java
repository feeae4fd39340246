package dev.dash.model.signature;

import dev.dash.model.signature.VerificationResult.Reason;
import java.io.ByteArrayOutputStream;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;

/** A pipeline owner's {@link GenericHmacRecipe}. */
final class GenericHmacScheme extends HmacScheme {
    private final GenericHmacRecipe recipe;
    private final List<String> beforeBody = new ArrayList<>();
    private final List<String> afterBody = new ArrayList<>();
    private final boolean signsId;

    GenericHmacScheme(GenericHmacRecipe recipe, Duration tolerance) {
        super(Preset.GENERIC_HMAC, tolerance, recipe.algorithm().jcaName());
        this.recipe = recipe;
        boolean afterBodyPart = false;
        for (String part : recipe.templateParts()) {
            if (part.equals("{body}")) {
                afterBodyPart = true;
            } else {
                (afterBodyPart ? afterBody : beforeBody).add(part);
            }
        }
        this.signsId = recipe.signedContent().contains("{id}");
    }

    @Override
    Signed parse(Headers headers) throws Failure {
        String value = single(headers, recipe.signatureHeader());
        String prefix = recipe.prefix();
        if (!value.regionMatches(true, 0, prefix, 0, prefix.length())) {
            throw new Failure(
                    Reason.MALFORMED_HEADER,
                    "header " + recipe.signatureHeader() + " must start with '" + prefix + "'");
        }
        String encoded = value.substring(prefix.length());
        String what = "header " + recipe.signatureHeader();
        byte[] signature =
                recipe.encoding() == GenericHmacRecipe.Encoding.HEX ? hex(encoded, what) : base64(encoded, what);
        String id = signsId ? single(headers, recipe.idHeader()) : null;
        Long timestamp = recipe.timestampHeader() == null
                ? null
                : unixSeconds(single(headers, recipe.timestampHeader()), "header " + recipe.timestampHeader());
        String ts = timestamp == null ? null : timestamp.toString();
        return new Signed(timestamp, render(beforeBody, id, ts), render(afterBody, id, ts), one(signature));
    }

    private static byte[] render(List<String> parts, String id, String timestamp) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (String part : parts) {
            String text = switch (part) {
                case "{id}" -> id;
                case "{timestamp}" -> timestamp;
                default -> part;
            };
            out.writeBytes(ascii(text));
        }
        return out.toByteArray();
    }

    @Override
    byte[] key(SecretMaterial secret) {
        return recipe.secretFormat() == GenericHmacRecipe.SecretFormat.BASE64 ? whsecKey(secret) : secret.raw();
    }

    @Override
    String headerDeliveryId(Headers headers) {
        return recipe.idHeader() == null ? null : headers.first(recipe.idHeader());
    }

    @Override
    public Map<String, String> sign(byte[] body, SecretMaterial secret, Instant timestamp, String deliveryId) {
        String id = deliveryId != null ? deliveryId : randomId();
        String ts = Long.toString(timestamp.getEpochSecond());
        byte[] mac = signWith(secret, render(beforeBody, id, ts), body, render(afterBody, id, ts));
        String encoded = recipe.encoding() == GenericHmacRecipe.Encoding.HEX
                ? HEX.formatHex(mac)
                : Base64.getEncoder().encodeToString(mac);
        List<String> pairs = new ArrayList<>(6);
        if (recipe.idHeader() != null) {
            pairs.add(recipe.idHeader());
            pairs.add(id);
        }
        if (recipe.timestampHeader() != null) {
            pairs.add(recipe.timestampHeader());
            pairs.add(ts);
        }
        pairs.add(recipe.signatureHeader());
        pairs.add(recipe.prefix() + encoded);
        return headers(pairs.toArray(String[]::new));
    }
}
