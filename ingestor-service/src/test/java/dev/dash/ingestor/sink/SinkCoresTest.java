package dev.dash.ingestor.sink;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;

/** The pure parts of sink delivery: signing, retry schedule, breaker, destination guard, alert state. */
class SinkCoresTest {
    @Test
    void theSignatureMatchesTheStandardWebhooksTestVector() {
        // The specification's published example (also in the Svix libraries' tests).
        String secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
        byte[] body = "{\"test\": 2432232314}".getBytes(StandardCharsets.UTF_8);
        String sig = WebhookSigner.signature(
                "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, body, List.of(WebhookSigner.key(secret)));
        assertThat(sig).isEqualTo("v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=");
        String two = WebhookSigner.signature(
                "msg_p5jXN8AQM9LWM0D4loKWxJek",
                1614265330,
                body,
                List.of(
                        WebhookSigner.key(
                                "whsec_" + java.util.Base64.getEncoder().encodeToString(new byte[32])),
                        WebhookSigner.key(secret)));
        assertThat(two.split(" ")).hasSize(2).contains("v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=");
    }

    @Test
    void theRetryScheduleBeatsSvixsAndHonoursRetryAfterWithinItsBound() {
        List<Duration> steps = List.of(
                Duration.ofSeconds(5),
                Duration.ofSeconds(30),
                Duration.ofMinutes(2),
                Duration.ofMinutes(5),
                Duration.ofMinutes(30),
                Duration.ofHours(2),
                Duration.ofHours(5),
                Duration.ofHours(10),
                Duration.ofHours(10));
        RetrySchedule s = new RetrySchedule(steps, 0.2, Duration.ofHours(1), () -> 0.5);
        assertThat(s.maxAttempts()).isEqualTo(10);
        assertThat(s.delayMillis(1, OptionalLong.empty())).hasValue(5_000);
        assertThat(s.delayMillis(9, OptionalLong.empty())).hasValue(36_000_000);
        assertThat(s.delayMillis(10, OptionalLong.empty())).isEmpty();
        assertThat(s.delayMillis(1, OptionalLong.of(120_000))).hasValue(120_000);
        assertThat(s.delayMillis(1, OptionalLong.of(86_400_000))).hasValue(3_600_000);
        RetrySchedule low = new RetrySchedule(steps, 0.2, Duration.ofHours(1), () -> 0.0);
        RetrySchedule high = new RetrySchedule(steps, 0.2, Duration.ofHours(1), () -> 0.999999);
        assertThat(low.delayMillis(1, OptionalLong.empty())).hasValue(4_000);
        assertThat(high.delayMillis(1, OptionalLong.empty()).getAsLong()).isBetween(5_999L, 6_000L);
        // Svix: 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h. Every one of its retries is matched no later.
        long[] svix = {5, 300, 1800, 7200, 18000, 36000, 36000};
        long ours = 0;
        long theirs = 0;
        for (int i = 0; i < svix.length; i++) {
            theirs += svix[i];
        }
        for (Duration d : steps) {
            ours += d.toSeconds();
        }
        assertThat(steps.size()).isGreaterThan(svix.length);
        assertThat(ours).isGreaterThanOrEqualTo(theirs);
    }

    @Test
    void theBreakerOpensAfterTheThresholdAndATrialDecides() {
        CircuitBreaker b = new CircuitBreaker(3, 1000);
        b.failure(0);
        b.failure(1);
        assertThat(b.allows(2)).isTrue();
        b.failure(2);
        assertThat(b.state()).isEqualTo(CircuitBreaker.State.OPEN);
        assertThat(b.allows(500)).isFalse();
        assertThat(b.allows(1002)).isTrue();
        assertThat(b.state()).isEqualTo(CircuitBreaker.State.HALF_OPEN);
        b.failure(1003);
        assertThat(b.allows(1500)).isFalse();
        assertThat(b.allows(2003)).isTrue();
        b.success();
        assertThat(b.state()).isEqualTo(CircuitBreaker.State.CLOSED);
        b.failure(3000);
        assertThat(b.allows(3001)).isTrue();
    }

    @Test
    void destinationsInsideAreRefusedUnlessAllowed() throws Exception {
        DestinationGuard none = new DestinationGuard(List.of());
        for (String url : List.of(
                "http://127.0.0.1/x",
                "http://localhost:8080/",
                "http://10.1.2.3/",
                "http://192.168.0.1/",
                "http://172.16.5.5/",
                "http://169.254.169.254/latest/meta-data",
                "http://100.64.0.1/",
                "http://0.0.0.0/",
                "http://[::1]/",
                "http://[fd00::1]/",
                "http://[fe80::1]/")) {
            assertThat(none.refusal(URI.create(url))).as(url).isNotNull();
        }
        assertThat(none.refusal(URI.create("http://93.184.216.34/"))).isNull();
        DestinationGuard some = new DestinationGuard(List.of("127.0.0.1", "10.0.0.0/8", "hooks.internal"));
        assertThat(some.refusal(URI.create("http://127.0.0.1:9000/"))).isNull();
        assertThat(some.refusal(URI.create("http://10.200.1.1/"))).isNull();
        assertThat(some.refusal(URI.create("http://11.0.0.1/"))).isNull();
        assertThat(some.refusal(URI.create("http://192.168.1.1/"))).isNotNull();
        assertThat(some.refusal(URI.create("http://hooks.internal/"))).isNull();
        assertThat(DestinationGuard.internal(InetAddress.getByName("8.8.8.8"))).isFalse();
    }

    @Test
    void anAlertFiresAfterItsHoldRecoversAfterItsRecoveryHoldAndFlappingSendsNothing() {
        AlertRule rule = new AlertRule(
                "cpu", Map.of(), AlertRule.Operator.ABOVE, 90, 90, Duration.ofSeconds(10), Duration.ofSeconds(10));
        Instant t = Instant.parse("2026-01-01T00:00:00Z");
        AlertEvaluator.State s = null;
        int fired = 0;
        int resolved = 0;
        // value, second
        double[][] points = {
            {95, 0}, {80, 5}, {95, 6}, {80, 7}, // flapping before the hold: nothing
            {95, 20}, {96, 25}, {97, 30}, // fires at 30
            {50, 31}, {95, 32}, {50, 33}, {95, 34}, // flapping while firing: nothing
            {50, 40}, {50, 45}, {50, 50}, // recovers at 50
            {50, 60}
        };
        for (double[] p : points) {
            AlertEvaluator.Step step = AlertEvaluator.apply(rule, s, t.plusSeconds((long) p[1]), p[0]);
            s = step.next();
            if (step.transition() == AlertEvaluator.Transition.FIRED) {
                fired++;
                assertThat(p[1]).isEqualTo(30);
            }
            if (step.transition() == AlertEvaluator.Transition.RESOLVED) {
                resolved++;
                assertThat(p[1]).isEqualTo(50);
            }
        }
        assertThat(fired).isEqualTo(1);
        assertThat(resolved).isEqualTo(1);
        assertThat(s).isNull();
        AlertRule outside = new AlertRule(
                "t", Map.of("room", "a"), AlertRule.Operator.OUTSIDE, 10, 20, Duration.ZERO, Duration.ZERO);
        assertThat(outside.matches("t", Map.of("room", "a", "x", "y"))).isTrue();
        assertThat(outside.matches("t", Map.of("room", "b"))).isFalse();
        assertThat(outside.breaches(9)).isTrue();
        assertThat(outside.breaches(21)).isTrue();
        assertThat(outside.breaches(15)).isFalse();
        assertThat(AlertEvaluator.apply(outside, null, t, 5).transition()).isEqualTo(AlertEvaluator.Transition.FIRED);
    }
}
