package dev.dash.bench.ingest;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.Set;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordedFrame;
import jdk.jfr.consumer.RecordedThread;
import jdk.jfr.consumer.RecordingFile;

/**
 * The events of a node's JFR recording that can stall a request, one tab-separated line each, for
 * {@code stalls.py} (docs/benchmarks.md, issue-singles): {@code start_epoch_ms duration_ms event thread detail}.
 * Duration events shorter than {@code minMs} are left out (the recording's thresholds apply first).
 *
 * <p>Arguments: {@code recording.jfr [minMs]}.
 */
public final class JfrStalls {
    private static final Set<String> EVENTS = Set.of(
            "jdk.GarbageCollection",
            "jdk.GCPhasePause",
            "jdk.SafepointBegin",
            "jdk.ExecuteVMOperation",
            "jdk.ThreadPark",
            "jdk.JavaMonitorEnter",
            "jdk.JavaMonitorWait",
            "jdk.SocketRead",
            "jdk.SocketWrite",
            "dash.ingest.DedupeStatement",
            "dash.ingest.Publish",
            "jdk.CPULoad");

    private JfrStalls() {}

    public static void main(String[] args) throws Exception {
        double minMs = args.length > 1 ? Double.parseDouble(args[1]) : 0;
        try (RecordingFile f = new RecordingFile(Path.of(args[0]))) {
            while (f.hasMoreEvents()) {
                RecordedEvent e = f.readEvent();
                String type = e.getEventType().getName();
                if (!EVENTS.contains(type)) {
                    continue;
                }
                Duration d = e.getDuration();
                double ms = d.toNanos() / 1e6;
                if (!type.equals("jdk.CPULoad") && ms < minMs) {
                    continue;
                }
                RecordedThread t = e.getThread();
                String thread = t == null ? "-" : String.valueOf(t.getJavaName());
                System.out.printf(
                        Locale.ROOT,
                        "%d\t%.2f\t%s\t%s\t%s%n",
                        e.getStartTime().toEpochMilli(),
                        ms,
                        type,
                        thread.replace('\t', ' '),
                        detail(e, type));
            }
        }
    }

    private static String detail(RecordedEvent e, String type) {
        switch (type) {
            case "jdk.GarbageCollection":
                return e.getString("name") + " cause=" + e.getString("cause") + " longestPause="
                        + e.getDuration("longestPause").toNanos() / 1e6;
            case "jdk.GCPhasePause":
            case "jdk.SafepointBegin":
                return e.hasField("name") ? String.valueOf(e.getString("name")) : "";
            case "jdk.ExecuteVMOperation":
                return String.valueOf(e.getString("operation"));
            case "dash.ingest.DedupeStatement":
                return e.getString("kind") + " rows=" + e.getInt("rows") + " queued_ms=" + e.getLong("queued") / 1e6;
            case "dash.ingest.Publish":
                return "events=" + e.getInt("events");
            case "jdk.CPULoad":
                return String.format(
                        Locale.ROOT,
                        "jvmUser=%.2f jvmSystem=%.2f machine=%.2f",
                        e.getFloat("jvmUser"),
                        e.getFloat("jvmSystem"),
                        e.getFloat("machineTotal"));
            default:
                return top(e);
        }
    }

    /** The first frames of the event's stack outside the JDK, or its top frames. */
    private static String top(RecordedEvent e) {
        if (e.getStackTrace() == null) {
            return "";
        }
        StringBuilder b = new StringBuilder();
        int n = 0;
        for (RecordedFrame fr : e.getStackTrace().getFrames()) {
            String m = fr.getMethod().getType().getName() + "." + fr.getMethod().getName();
            if (m.startsWith("java.") || m.startsWith("jdk.") || m.startsWith("sun.")) {
                continue;
            }
            b.append(n == 0 ? "" : " < ").append(m);
            if (++n == 3) {
                break;
            }
        }
        return b.toString();
    }
}
