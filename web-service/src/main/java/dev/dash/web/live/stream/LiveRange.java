package dev.dash.web.live.stream;

import java.time.Duration;
import java.time.Instant;

/**
 * The time range a viewer subscribed to: relative ({@code last}, sliding with time) or absolute.
 *
 * @param last the length of a relative range, or null
 * @param from the start of an absolute range, or null
 * @param to the end of an absolute range, or null
 */
public record LiveRange(Duration last, Instant from, Instant to) {
    public static LiveRange last(Duration last) {
        return new LiveRange(last, null, null);
    }

    public static LiveRange between(Instant from, Instant to) {
        return new LiveRange(null, from, to);
    }

    public boolean relative() {
        return last != null;
    }

    /** The range's start as of {@code now}. */
    public Instant fromAt(Instant now) {
        return relative() ? now.minus(last) : from;
    }

    /** The range's end as of {@code now}. */
    public Instant toAt(Instant now) {
        return relative() ? now : to;
    }

    /** Viewers with equal keys share one stream. */
    String key() {
        return relative() ? "last:" + last : "abs:" + from + "/" + to;
    }
}
