package dev.dash.ingestor.sink;

import java.time.Duration;
import java.time.Instant;

/**
 * The alert state machine of one series, in point time (so a replayed stream decides the same). No state:
 * the condition does not hold. A breach starts {@code PENDING}; a breach at least {@code hold} after the
 * first one fires ({@code FIRING}, one firing message); a clear point while pending forgets it. While firing,
 * a clear point starts {@code RECOVERING}; a clear point at least {@code recoveryHold} later resolves (one
 * recovery message), and a breach before that goes back to firing without a new message. So a flapping value
 * neither fires twice nor recovers twice, and the alert re-arms only after its recovery.
 */
public final class AlertEvaluator {
    private AlertEvaluator() {}

    /** The state of one series (null: clear). */
    public enum Phase {
        PENDING,
        FIRING,
        RECOVERING
    }

    /**
     * A series' stored state.
     *
     * @param phase the phase
     * @param since when the phase began (first breach, firing time, first clear point)
     * @param firedAt when the alert fired (firing and recovering), else null
     * @param lastValue the value of the last point seen
     */
    public record State(Phase phase, Instant since, Instant firedAt, double lastValue) {}

    /** What a point changes: the new state (null: clear) and the message to send, if any. */
    public record Step(State next, Transition transition) {}

    /** A message to send. */
    public enum Transition {
        NONE,
        FIRED,
        RESOLVED
    }

    /** Applies one point of the series to its state. */
    public static Step apply(AlertRule rule, State state, Instant time, double value) {
        boolean breach = rule.breaches(value);
        if (state == null) {
            if (!breach) {
                return new Step(null, Transition.NONE);
            }
            if (rule.hold().isZero()) {
                return new Step(new State(Phase.FIRING, time, time, value), Transition.FIRED);
            }
            return new Step(new State(Phase.PENDING, time, null, value), Transition.NONE);
        }
        return switch (state.phase()) {
            case PENDING -> {
                if (!breach) {
                    yield new Step(null, Transition.NONE);
                }
                if (held(state.since(), time, rule.hold())) {
                    yield new Step(new State(Phase.FIRING, time, time, value), Transition.FIRED);
                }
                yield new Step(new State(Phase.PENDING, state.since(), null, value), Transition.NONE);
            }
            case FIRING -> {
                if (breach) {
                    yield new Step(new State(Phase.FIRING, state.since(), state.firedAt(), value), Transition.NONE);
                }
                if (rule.recoveryHold().isZero()) {
                    yield new Step(null, Transition.RESOLVED);
                }
                yield new Step(new State(Phase.RECOVERING, time, state.firedAt(), value), Transition.NONE);
            }
            case RECOVERING -> {
                if (breach) {
                    yield new Step(new State(Phase.FIRING, state.firedAt(), state.firedAt(), value), Transition.NONE);
                }
                if (held(state.since(), time, rule.recoveryHold())) {
                    yield new Step(null, Transition.RESOLVED);
                }
                yield new Step(new State(Phase.RECOVERING, state.since(), state.firedAt(), value), Transition.NONE);
            }
        };
    }

    private static boolean held(Instant since, Instant now, Duration hold) {
        return !now.isBefore(since.plus(hold));
    }
}
