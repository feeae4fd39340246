package dev.dash.model.crypto;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import org.junit.jupiter.api.Test;

class KeyRingTest {
    private static final String K1 = KeyRing.generateKey();
    private static final String K2 = KeyRing.generateKey();

    @Property(tries = 200)
    void roundTripsAnyBytes(@ForAll byte[] plaintext, @ForAll String context) {
        KeyRing ring = KeyRing.parse("k1:" + K1, null);
        assertThat(ring.decrypt(ring.encrypt(plaintext, context), context)).isEqualTo(plaintext);
    }

    @Test
    void sameInputGivesDifferentCiphertexts() {
        KeyRing ring = KeyRing.parse("k1:" + K1, null);
        assertThat(ring.encryptString("s", "c")).isNotEqualTo(ring.encryptString("s", "c"));
    }

    @Test
    void ciphertextDoesNotContainThePlaintext() {
        KeyRing ring = KeyRing.parse("k1:" + K1, null);
        byte[] sealed = ring.encryptString("whsec_very-secret-value", "c");
        assertThat(new String(sealed, StandardCharsets.ISO_8859_1)).doesNotContain("very-secret");
    }

    @Test
    void oldCiphertextsOpenAfterRotationAndAreFlaggedForRewrite() {
        KeyRing before = KeyRing.parse("k1:" + K1, null);
        byte[] old = before.encryptString("secret", "pipeline_secret:1");
        KeyRing after = KeyRing.parse("k1:" + K1 + ",k2:" + K2, null);
        assertThat(after.activeKeyId()).isEqualTo("k2");
        assertThat(after.decryptString(old, "pipeline_secret:1")).isEqualTo("secret");
        assertThat(after.needsReencryption(old)).isTrue();
        assertThat(after.needsReencryption(after.encryptString("secret", "x"))).isFalse();
    }

    @Test
    void refusesTamperingAnotherContextAndUnknownKeys() {
        KeyRing ring = KeyRing.parse("k1:" + K1, null);
        byte[] sealed = ring.encryptString("secret", "pipeline_secret:1");
        byte[] tampered = sealed.clone();
        tampered[tampered.length - 1] ^= 1;
        assertThatThrownBy(() -> ring.decrypt(tampered, "pipeline_secret:1"))
                .isInstanceOf(CryptoException.class)
                .hasMessageContaining("does not authenticate");
        assertThatThrownBy(() -> ring.decrypt(sealed, "pipeline_secret:2"))
                .isInstanceOf(CryptoException.class)
                .hasMessageContaining("does not authenticate");
        assertThatThrownBy(() -> KeyRing.parse("k2:" + K2, null).decrypt(sealed, "pipeline_secret:1"))
                .isInstanceOf(CryptoException.class)
                .hasMessageContaining("key k1 is not in the key ring");
        assertThatThrownBy(() -> ring.decrypt(new byte[] {1}, "c")).isInstanceOf(CryptoException.class);
        assertThatThrownBy(() -> ring.decrypt(new byte[] {9, 0}, "c"))
                .isInstanceOf(CryptoException.class)
                .hasMessageContaining("format");
    }

    @Test
    void malformedRingsAreRefusedWithoutEchoingKeys() {
        assertThatThrownBy(() -> KeyRing.parse("", null)).hasMessageContaining("empty");
        assertThatThrownBy(() -> KeyRing.parse("nokey", null)).hasMessageContaining("entry 1");
        assertThatThrownBy(() -> KeyRing.parse("k1:!!!", null)).hasMessageContaining("not base64");
        assertThatThrownBy(() -> KeyRing.parse("k1:AAAA", null)).hasMessageContaining("32 bytes, got 3");
        assertThatThrownBy(() -> KeyRing.parse("k1:" + K1 + ",k1:" + K2, null))
                .hasMessageContaining("duplicate")
                .hasMessageNotContaining(K2);
        assertThatThrownBy(() -> KeyRing.parse("k1:" + K1, "k9")).hasMessageContaining("k9 is not in the key ring");
    }
}
