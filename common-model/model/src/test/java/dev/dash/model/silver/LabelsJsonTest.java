package dev.dash.model.silver;

import static org.assertj.core.api.Assertions.assertThat;

import dev.dash.model.mapping.Labels;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.junit.jupiter.api.Test;

/**
 * The labels COPY writes ({@code SilverStore.LabelsJson}, straight into a reused array) are byte for byte what
 * {@link SilverStore#labelsJson} then {@code getBytes(UTF_8)} gave, after jsonb's version byte.
 */
class LabelsJsonTest {
    @Test
    void encodesTrickyLabelsAsTheStringPathDid() {
        Map<String, String> escaping = new HashMap<>();
        escaping.put("quote\"d", "a \"b\" c");
        escaping.put("back\\slash", "C:\\tmp\\");
        escaping.put("controls", "\u0000\u0001\b\f\n\r\t\u001f\u007f");
        escaping.put("unicode", "température ° ünï €uro 中文 \u2028\u2029 \uFEFF");
        escaping.put("emoji 😀", "🚀 and 𝄞");
        escaping.put("lone", "a\uD800b\uDC00c\uD83D");
        escaping.put("", "");
        Map<String, String> unsorted = new LinkedHashMap<>();
        unsorted.put("zeta", "1");
        unsorted.put("alpha", "2");
        SilverStore.LabelsJson out = new SilverStore.LabelsJson();
        for (Map<String, String> labels : List.of(
                Map.<String, String>of(),
                Labels.empty(),
                Map.of("site", "north"),
                Labels.of(Map.of("site", "north", "device", "d-1")),
                escaping,
                Labels.of(escaping),
                unsorted,
                Labels.of(Map.of("long", "x".repeat(5000))))) {
            assertSame(out, labels);
        }
    }

    @Property(tries = 300)
    void encodesRandomLabelsAsTheStringPathDid(@ForAll("labels") Map<String, String> labels) {
        SilverStore.LabelsJson out = new SilverStore.LabelsJson();
        assertSame(out, labels);
        assertSame(out, Labels.of(labels));
    }

    @Provide
    Arbitrary<Map<String, String>> labels() {
        Arbitrary<String> text = Arbitraries.strings()
                .withCharRange('\u0000', '\u00ff')
                .withCharRange('\u2000', '\u20ff')
                .withCharRange('\uD7F0', '\uE010')
                .ofMaxLength(40);
        return Arbitraries.maps(text, text).ofMaxSize(8).map(TreeMap::new);
    }

    private static void assertSame(SilverStore.LabelsJson out, Map<String, String> labels) {
        out.encode(labels);
        byte[] json = SilverStore.labelsJson(labels).getBytes(StandardCharsets.UTF_8);
        byte[] expected = new byte[json.length + 1];
        expected[0] = 1;
        System.arraycopy(json, 0, expected, 1, json.length);
        assertThat(Arrays.copyOf(out.bytes, out.length)).as(labels.toString()).isEqualTo(expected);
    }
}
