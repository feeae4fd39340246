package dev.dash.web.live.stream;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.TimeUnit;

/**
 * Where a point's time goes on this node, hop by hop (docs/live.md "Timings"), as Micrometer timers with a
 * percentile histogram, so a benchmark can take the difference of two scrapes of {@code /q/metrics} and read the
 * quantiles of its own window (bench/live):
 *
 * <ul>
 *   <li>{@code dash.live.points.delay}: the Silver writer's commit of a batch ({@code committedAt}, its clock) →
 *       the batch read from {@code dash.points} here (this node's clock);
 *   <li>{@code dash.live.delta.delay}: a batch read → the delta that carries its points handed to the fan-out,
 *       per batch and widget (coalescing included: up to {@code dash.live.coalesce} by design);
 *   <li>{@code dash.live.fanout.wait}: a frame handed to the fan-out → its task starting on a viewer event loop
 *       (how long the event loop was busy with other work), per frame and event loop;
 *   <li>{@code dash.live.fanout.written}: a frame handed to the fan-out → written to the socket of the last
 *       viewer of an event loop, per frame and event loop;
 *   <li>{@code dash.live.read.to.written}: a batch read → the delta carrying its points written to the socket of
 *       the last viewer of an event loop, per batch, widget and event loop: this node's whole part, the sum of
 *       the delta and fan-out hops.
 * </ul>
 */
final class LiveTimings {
    final Timer pointsDelay;
    final Timer deltaDelay;
    final Timer fanoutWait;
    final Timer fanoutWritten;
    final Timer readToWritten;

    LiveTimings(MeterRegistry registry) {
        pointsDelay = timer(registry, "dash.live.points.delay", "Silver commit of a points batch to its read here");
        deltaDelay = timer(registry, "dash.live.delta.delay", "Points batch read to the delta carrying it queued");
        fanoutWait = timer(registry, "dash.live.fanout.wait", "Frame queued to its write task starting, per loop");
        fanoutWritten =
                timer(registry, "dash.live.fanout.written", "Frame queued to written to the last viewer of a loop");
        readToWritten = timer(
                registry, "dash.live.read.to.written", "Points batch read to written to the last viewer of a loop");
    }

    private static Timer timer(MeterRegistry registry, String name, String description) {
        return Timer.builder(name)
                .description(description)
                .publishPercentileHistogram()
                .minimumExpectedValue(Duration.ofMillis(1))
                .maximumExpectedValue(Duration.ofSeconds(10))
                .register(registry);
    }

    void pointsRead(Instant committedAt) {
        long ms = System.currentTimeMillis() - committedAt.toEpochMilli();
        pointsDelay.record(Math.max(0, ms), TimeUnit.MILLISECONDS);
    }

    static void since(Timer timer, long startNanos) {
        timer.record(System.nanoTime() - startNanos, TimeUnit.NANOSECONDS);
    }
}
