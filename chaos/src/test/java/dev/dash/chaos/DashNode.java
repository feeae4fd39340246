package dev.dash.chaos;

import dev.dash.model.testing.LocalServices;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * One packaged Dash service ({@code <module>/target/quarkus-app}) run as a process that the suite can kill
 * with {@code kill -9}, pause with {@code SIGSTOP} and start again. Every start logs its garbage collections
 * ({@code -Xlog:gc}) beside its output, from which {@link #heapMaxMb()} reads the largest heap in use.
 */
final class DashNode {
    private static final HttpClient HTTP =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();
    private static final Pattern GC = Pattern.compile("(\\d+)([KMG])->(\\d+)([KMG])\\((\\d+)([KMG])\\)");

    final String name;
    final String module;
    final int port;
    private final Map<String, String> props;
    private final String maxHeap;
    private final Path logDir;
    private Process process;
    private int starts;

    DashNode(String name, String module, int port, Map<String, String> props, String maxHeap, Path logDir) {
        this.name = name;
        this.module = module;
        this.port = port;
        this.props = props;
        this.maxHeap = maxHeap;
        this.logDir = logDir;
    }

    synchronized void start() throws IOException {
        Path jar = LocalServices.repoRoot().resolve(module + "/target/quarkus-app/quarkus-run.jar");
        if (!Files.exists(jar)) {
            throw new IllegalStateException("package " + module + " first: " + jar + " is missing");
        }
        starts++;
        Files.createDirectories(logDir);
        String base = name + "-" + starts;
        List<String> cmd = new ArrayList<>(List.of(
                "java",
                "-Xmx" + maxHeap,
                "-XX:+UseSerialGC".equals(System.getProperty("chaos.gc")) ? "-XX:+UseSerialGC" : "-XX:+UseG1GC",
                "-XX:TieredStopAtLevel=1",
                "-Xlog:gc:file=" + logDir.resolve(base + ".gc.log")));
        props.forEach((k, v) -> cmd.add("-D" + k + "=" + v));
        cmd.add("-jar");
        cmd.add(jar.toString());
        process = new ProcessBuilder(cmd)
                .redirectErrorStream(true)
                .redirectOutput(logDir.resolve(base + ".log").toFile())
                .start();
    }

    /** Changes one setting for the node's next start. */
    synchronized void set(String key, String value) {
        props.put(key, value);
    }

    /** {@code kill -9}: no shutdown hook runs, nothing is flushed. */
    synchronized void kill9() throws InterruptedException {
        if (process != null) {
            process.destroyForcibly().waitFor(20, TimeUnit.SECONDS);
        }
    }

    /** SIGTERM, then SIGKILL after 30 s. */
    synchronized void stop() throws InterruptedException {
        if (process != null && process.isAlive()) {
            signal("CONT"); // a paused process cannot act on SIGTERM
            process.destroy();
            if (!process.waitFor(30, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        }
    }

    void pause() {
        signal("STOP");
    }

    void resume() {
        signal("CONT");
    }

    private synchronized void signal(String sig) {
        try {
            Process k = new ProcessBuilder("kill", "-" + sig, String.valueOf(process.pid())).start();
            k.waitFor(10, TimeUnit.SECONDS);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    synchronized boolean alive() {
        return process != null && process.isAlive();
    }

    String url() {
        return "http://127.0.0.1:" + port;
    }

    /** True when the node answers its readiness probe with 200. */
    boolean ready() {
        try {
            return HTTP.send(
                                    HttpRequest.newBuilder(URI.create(url() + "/q/health/ready"))
                                            .timeout(Duration.ofSeconds(2))
                                            .build(),
                                    HttpResponse.BodyHandlers.discarding())
                            .statusCode()
                    == 200;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /** The largest heap occupancy before any collection, over every start of this node, in MiB. */
    long heapMaxMb() throws IOException {
        return heapMax(1);
    }

    /**
     * What was live at most, in MiB: the largest occupancy after a full collection when there was one (a full
     * GC leaves only what is reachable), else the largest after any collection (an upper bound: a young
     * collection leaves the old generation's garbage in place).
     */
    long liveMaxMb() throws IOException {
        long full = heapMax(3, "Pause Full");
        return full > 0 ? full : heapMax(3);
    }

    private long heapMax(int group) throws IOException {
        return heapMax(group, "");
    }

    private long heapMax(int group, String only) throws IOException {
        long max = 0;
        try (Stream<Path> files = Files.list(logDir)) {
            for (Path f : files.filter(p -> p.getFileName().toString().startsWith(name + "-")
                            && p.getFileName().toString().endsWith(".gc.log"))
                    .toList()) {
                for (String line : Files.readAllLines(f, StandardCharsets.UTF_8)) {
                    Matcher m = GC.matcher(line);
                    if (line.contains(only) && m.find()) {
                        max = Math.max(max, mb(m.group(group), m.group(group + 1)));
                    }
                }
            }
        }
        return max;
    }

    /** Lines of this node's output, over every start, that name an {@code OutOfMemoryError}. */
    long outOfMemoryErrors() throws IOException {
        long n = 0;
        try (Stream<Path> files = Files.list(logDir)) {
            for (Path f : files.filter(p -> p.getFileName().toString().startsWith(name + "-")
                            && p.getFileName().toString().endsWith(".log")
                            && !p.getFileName().toString().endsWith(".gc.log"))
                    .toList()) {
                try (Stream<String> lines = Files.lines(f, StandardCharsets.ISO_8859_1)) {
                    n += lines.filter(l -> l.contains("OutOfMemoryError")).count();
                }
            }
        }
        return n;
    }

    private static long mb(String v, String unit) {
        long n = Long.parseLong(v);
        return switch (unit) {
            case "K" -> n / 1024;
            case "G" -> n * 1024;
            default -> n;
        };
    }
}
