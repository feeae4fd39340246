package dev.dash.web.live.stream;

import io.netty.channel.EventLoop;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The viewers of one stream that have their snapshot, grouped by the event loop of their connection. A frame is
 * queued once per event loop, with the viewers it goes to; one task per event loop takes every frame queued by
 * then and writes them to each of its viewers in turn, with one flush per viewer. So a frame to 10,000 viewers is
 * a handful of queue entries, not 10,000 cross-thread hand-overs, and when an event loop falls behind (a stall,
 * a burst) the frames that queued meanwhile cost one flush (one system call) per viewer, not one each. A
 * connection's frames keep their order: a joining viewer's first frames (snapshot, or the frames it missed) go
 * through the same queue as the frames after them. Membership is guarded by the stream's monitor; each queue by
 * its own.
 */
final class Fanout {
    private static final Object NO_LOOP = new Object();
    private static final long[] NO_READS = new long[0];

    private final DashboardStream stream;
    private final LiveTimings timings;
    private final Map<Object, Group> groups = new HashMap<>();

    /**
     * Frames for the same viewers: the stream's frame to every started viewer of a loop ({@code queued} when it
     * was handed over, for the timings), or a joining viewer's first frames ({@code queued} 0: not timed).
     */
    private record Out(List<WireFrame> frames, Viewer[] viewers, long[] reads, long queued) {}

    private final class Group implements Runnable {
        final EventLoop loop;
        final Set<Viewer> members = new LinkedHashSet<>();
        Viewer[] array = new Viewer[0];
        boolean changed;
        // Handed over, not yet written; guarded by the group.
        private final ArrayDeque<Out> queue = new ArrayDeque<>();
        private boolean scheduled;

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

        void hand(Out out) {
            boolean schedule;
            synchronized (this) {
                queue.addLast(out);
                schedule = !scheduled;
                scheduled = true;
            }
            if (!schedule) {
                return; // the task already scheduled takes it
            }
            if (loop == null) {
                run();
            } else {
                loop.execute(this);
            }
        }

        /** On the event loop: everything queued until now, in order. */
        @Override
        public void run() {
            List<Out> work;
            synchronized (this) {
                work = new ArrayList<>(queue);
                queue.clear();
                scheduled = false;
            }
            for (Out o : work) {
                if (o.queued != 0) {
                    LiveTimings.since(timings.fanoutWait, o.queued);
                }
            }
            // Consecutive entries for the same viewers (the usual case: the stream's frames between two joins or
            // leaves) are written to each viewer together, with one flush.
            List<WireFrame> frames = new ArrayList<>();
            int i = 0;
            while (i < work.size()) {
                Viewer[] viewers = work.get(i).viewers;
                frames.clear();
                int j = i;
                while (j < work.size() && work.get(j).viewers == viewers) {
                    frames.addAll(work.get(j).frames);
                    j++;
                }
                for (Viewer v : viewers) {
                    // A viewer that moved to another stream meanwhile no longer gets this one's frames.
                    if (v.stream == stream) {
                        try {
                            v.write(frames);
                        } catch (RuntimeException e) {
                            // One viewer's failure never keeps the frames from the others.
                            v.stop();
                        }
                    }
                }
                for (int k = i; k < j; k++) {
                    Out o = work.get(k);
                    if (o.queued != 0) {
                        LiveTimings.since(timings.fanoutWritten, o.queued);
                        for (long read : o.reads) {
                            LiveTimings.since(timings.readToWritten, read);
                        }
                    }
                }
                i = j;
            }
        }
    }

    Fanout(DashboardStream stream, LiveTimings timings) {
        this.stream = stream;
        this.timings = timings;
    }

    /** Sends {@code first} (a snapshot, or the frames a resuming viewer missed), then every frame sent after. */
    void start(Viewer v, List<WireFrame> first) {
        Group g = groups.computeIfAbsent(v.loop == null ? NO_LOOP : v.loop, k -> new Group(v.loop));
        g.hand(new Out(first, new Viewer[] {v}, NO_READS, 0));
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
    void send(WireFrame frame, long[] reads) {
        long queued = System.nanoTime();
        List<WireFrame> one = List.of(frame);
        for (Group g : groups.values()) {
            g.hand(new Out(one, g.array(), reads, queued));
        }
    }
}
