package dev.dash.web.live.stream;

import io.netty.channel.EventLoop;
import io.vertx.core.buffer.Buffer;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The viewers of one stream that have their snapshot, grouped by the event loop of their connection: a frame
 * becomes one task per event loop, which writes the same encoded bytes to each of its viewers in turn. So a frame
 * to 10,000 viewers is a handful of tasks, not 10,000 cross-thread hand-overs, and the frames of a connection are
 * written in the order they were handed over (tasks of one event loop run in order). Guarded by the stream's
 * monitor.
 */
final class Fanout {
    private static final Object NO_LOOP = new Object();

    private final DashboardStream stream;
    private final LiveTimings timings;
    private final Map<Object, Group> groups = new HashMap<>();

    private static final class Group {
        final EventLoop loop;
        final Set<Viewer> members = new LinkedHashSet<>();
        Viewer[] array = new Viewer[0];
        boolean changed;

        Group(EventLoop loop) {
            this.loop = loop;
        }

        Viewer[] array() {
            if (changed) {
                array = members.toArray(Viewer[]::new);
                changed = false;
            }
            return array;
        }
    }

    Fanout(DashboardStream stream, LiveTimings timings) {
        this.stream = stream;
        this.timings = timings;
    }

    /** Sends {@code first} (a snapshot, or the frames a resuming viewer missed), then every frame sent after. */
    void start(Viewer v, List<Buffer> first) {
        v.execute(() -> {
            if (v.stream == stream) {
                first.forEach(v::write);
            }
        });
        Group g = groups.computeIfAbsent(v.loop == null ? NO_LOOP : v.loop, k -> new Group(v.loop));
        g.members.add(v);
        g.changed = true;
    }

    void remove(Viewer v) {
        Group g = groups.get(v.loop == null ? NO_LOOP : v.loop);
        if (g != null && g.members.remove(v)) {
            g.changed = true;
            if (g.members.isEmpty()) {
                groups.remove(v.loop == null ? NO_LOOP : v.loop);
            }
        }
    }

    /**
     * Hands one encoded frame to every started viewer; {@code reads}: when the points batches it carries were read
     * (System.nanoTime), for {@code dash.live.read.to.written}.
     */
    void send(Buffer frame, long[] reads) {
        long queued = System.nanoTime();
        for (Group g : groups.values()) {
            Viewer[] viewers = g.array();
            Runnable task = () -> {
                LiveTimings.since(timings.fanoutWait, queued);
                for (Viewer v : viewers) {
                    // A viewer that moved to another stream meanwhile no longer gets this one's frames.
                    if (v.stream == stream) {
                        try {
                            v.write(frame);
                        } catch (RuntimeException e) {
                            // One viewer's failure never keeps the frame from the others.
                            v.stop();
                        }
                    }
                }
                LiveTimings.since(timings.fanoutWritten, queued);
                for (long read : reads) {
                    LiveTimings.since(timings.readToWritten, read);
                }
            };
            if (g.loop == null) {
                task.run();
            } else {
                g.loop.execute(task);
            }
        }
    }
}
