package dev.dash.model.json;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.Size;
import org.junit.jupiter.api.Test;

/** The allocation-free validator agrees with the JDK's strict decoder. */
class Utf8Test {

    static boolean jdkValid(byte[] bytes) {
        try {
            StandardCharsets.UTF_8
                    .newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes));
            return true;
        } catch (CharacterCodingException e) {
            return false;
        }
    }

    @Property(tries = 2000)
    void agreesWithTheJdkOnRandomBytes(@ForAll @Size(max = 16) byte[] bytes) {
        assertThat(Utf8.isValid(bytes)).isEqualTo(jdkValid(bytes));
    }

    @Property(tries = 500)
    void acceptsEveryJavaString(@ForAll String text) {
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        // Lone surrogates in a String encode as '?', so the bytes are always well-formed.
        assertThat(Utf8.isValid(bytes)).isTrue();
    }

    @Test
    void rejectsTheClassicMalformations() {
        assertThat(Utf8.isValid(new byte[] {(byte) 0xC0, (byte) 0x80}))
                .as("overlong NUL")
                .isFalse();
        assertThat(Utf8.isValid(new byte[] {(byte) 0xE0, (byte) 0x80, (byte) 0x80}))
                .as("overlong 3-byte")
                .isFalse();
        assertThat(Utf8.isValid(new byte[] {(byte) 0xED, (byte) 0xA0, (byte) 0x80}))
                .as("surrogate")
                .isFalse();
        assertThat(Utf8.isValid(new byte[] {(byte) 0xF4, (byte) 0x90, (byte) 0x80, (byte) 0x80}))
                .as("> U+10FFFF")
                .isFalse();
        assertThat(Utf8.isValid(new byte[] {(byte) 0xE2, (byte) 0x82}))
                .as("truncated")
                .isFalse();
        assertThat(Utf8.isValid(new byte[] {(byte) 0x80}))
                .as("lone continuation")
                .isFalse();
        assertThat(Utf8.isValid(new byte[] {(byte) 0xF0, (byte) 0x9F, (byte) 0x98, (byte) 0x80}))
                .as("emoji")
                .isTrue();
        assertThat(Utf8.isValid("Grüße €".getBytes(StandardCharsets.UTF_8))).isTrue();
    }

    /** The encoder writes what {@code getBytes(UTF_8)} gives, lone surrogates included ({@code ?}), over any range. */
    @Property(tries = 2000)
    void encodesAsGetBytes(@ForAll String s) {
        byte[] expected = s.getBytes(StandardCharsets.UTF_8);
        assertThat(Utf8.length(s)).isEqualTo(expected.length);
        byte[] out = new byte[3 * s.length() + 1];
        int end = Utf8.encode(s, 0, s.length(), out, 1);
        assertThat(java.util.Arrays.copyOfRange(out, 1, end)).isEqualTo(expected);
        int mid = s.length() / 2;
        if (mid > 0 && !Character.isLowSurrogate(s.charAt(mid))) {
            int at = Utf8.encode(s, 0, mid, out, 0);
            at = Utf8.encode(s, mid, s.length(), out, at);
            assertThat(java.util.Arrays.copyOf(out, at)).isEqualTo(expected);
        }
    }
}
