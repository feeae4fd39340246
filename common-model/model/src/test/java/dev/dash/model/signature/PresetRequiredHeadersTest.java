package dev.dash.model.signature;

import static org.assertj.core.api.Assertions.assertThat;

import dev.dash.model.signature.SignaturePresetsTest.Case;
import dev.dash.model.signature.VerificationResult.Reason;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** {@link Preset#requiredHeaders()} (documented in both OpenAPI documents) is exactly what verification needs. */
class PresetRequiredHeadersTest {

    static List<Case> presets() {
        return SignaturePresetsTest.cases()
                .filter(c -> c.config().preset() != Preset.GENERIC_HMAC)
                .toList();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("presets")
    void withoutARequiredHeaderTheDeliveryIsRefusedAndTheOthersAreOptional(Case c) {
        Preset preset = c.config().preset();
        Map<String, String> signed = SignaturePresetsTest.sign(c, c.secret("s1"), SignaturePresetsTest.NOW);
        assertThat(preset.headers()).containsAll(preset.requiredHeaders());
        for (String name : signed.keySet()) {
            Map<String, String> without = new LinkedHashMap<>(signed);
            without.remove(name);
            VerificationResult r =
                    SignaturePresetsTest.verify(c, without, SignaturePresetsTest.BODY, List.of(c.secret("s1")));
            if (preset.requiredHeaders().contains(name.toLowerCase(Locale.ROOT))) {
                assertThat(r.reason()).as("without %s", name).isEqualTo(Reason.MISSING_HEADER);
            } else {
                assertThat(r.isVerified()).as("without %s", name).isTrue();
            }
        }
        assertThat(signed.keySet().stream().map(h -> h.toLowerCase(Locale.ROOT)))
                .containsAll(preset.requiredHeaders());
    }
}
