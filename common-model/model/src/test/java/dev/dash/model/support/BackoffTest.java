package dev.dash.model.support;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class BackoffTest {
    @Test
    void growsByTheMultiplierUpToTheCap() {
        Backoff b = new Backoff(Duration.ofMillis(250), Duration.ofSeconds(2), 2.0, 0.0);
        assertThat(b.delay(0)).isZero();
        assertThat(b.delay(1)).isEqualTo(Duration.ofMillis(250));
        assertThat(b.delay(2)).isEqualTo(Duration.ofMillis(500));
        assertThat(b.delay(3)).isEqualTo(Duration.ofSeconds(1));
        assertThat(b.delay(4)).isEqualTo(Duration.ofSeconds(2));
        assertThat(b.delay(5)).isEqualTo(Duration.ofSeconds(2));
        assertThat(b.delay(Integer.MAX_VALUE)).isEqualTo(Duration.ofSeconds(2));
    }

    @Test
    void jitterStaysWithinItsFractionAndUnderTheCap() {
        Backoff b = new Backoff(Duration.ofMillis(1000), Duration.ofMillis(1500), 2.0, 0.2);
        for (int i = 0; i < 1000; i++) {
            assertThat(b.delay(1).toMillis()).isBetween(800L, 1200L);
            assertThat(b.delay(2).toMillis()).isBetween(1200L, 1500L);
        }
    }

    @Test
    void fixedAndUpToAreTheUsualShapes() {
        assertThat(Backoff.fixed(Duration.ofSeconds(2)).delay(7)).isEqualTo(Duration.ofSeconds(2));
        Backoff usual = Backoff.upTo(Duration.ofSeconds(10));
        assertThat(usual.base(1)).isEqualTo(Duration.ofMillis(250));
        assertThat(usual.base(3)).isEqualTo(Duration.ofSeconds(1));
        assertThat(usual.base(10)).isEqualTo(Duration.ofSeconds(10));
    }

    @Test
    void refusesPoliciesThatMakeNoSense() {
        assertThatThrownBy(() -> new Backoff(Duration.ofSeconds(2), Duration.ofSeconds(1), 2, 0))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new Backoff(Duration.ofSeconds(1), Duration.ofSeconds(1), 0.5, 0))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new Backoff(Duration.ofSeconds(1), Duration.ofSeconds(1), 2, 1.5))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
