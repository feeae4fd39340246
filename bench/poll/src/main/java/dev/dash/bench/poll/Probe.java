package dev.dash.bench.poll;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** What the benchmark reads about the packaged ingestor: its metrics, its CPU time, its heap. */
final class Probe {
    private static final Pattern USED = Pattern.compile("used (\\d+)K");
    private final HttpClient http =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final String ingestor;
    private final long pid;

    Probe(String ingestor, long pid) {
        this.ingestor = ingestor;
        this.pid = pid;
    }

    /** Sum of every series of a counter or gauge in {@code /q/metrics}. */
    double metric(String name) throws IOException, InterruptedException {
        return scrape().getOrDefault(name, 0.0);
    }

    /** One read of {@code /q/metrics}: every metric name with the sum of its series. */
    java.util.Map<String, Double> scrape() throws IOException, InterruptedException {
        String text = http.send(
                        HttpRequest.newBuilder(URI.create(ingestor + "/q/metrics"))
                                .timeout(Duration.ofSeconds(30))
                                .build(),
                        HttpResponse.BodyHandlers.ofString())
                .body();
        java.util.Map<String, Double> sums = new java.util.HashMap<>();
        for (String line : text.split("\n")) {
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            int end = line.indexOf('{');
            if (end < 0) {
                end = line.indexOf(' ');
            }
            if (end <= 0) {
                continue;
            }
            try {
                sums.merge(
                        line.substring(0, end),
                        Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1)),
                        Double::sum);
            } catch (NumberFormatException e) {
                // a value such as NaN in another format: not a metric the benchmark reads
            }
        }
        return sums;
    }

    /** The ingestor's CPU time so far (user + system), in seconds, from {@code /proc/<pid>/stat}. */
    double cpuSeconds() throws IOException {
        String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
        String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        // After the command: state(0) ... utime is field 14 of the whole line, i.e. index 11 here; stime 12.
        return (Long.parseLong(f[11]) + Long.parseLong(f[12])) / 100.0;
    }

    /** Resident set size of the ingestor, in MiB. */
    double rssMb() throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
            if (line.startsWith("VmRSS:")) {
                return Long.parseLong(line.replaceAll("\\D", "")) / 1024.0;
            }
        }
        return -1;
    }

    /** Heap in use after a full collection ({@code jcmd GC.run}, then {@code GC.heap_info}), in MiB. */
    double heapAfterGcMb() throws IOException, InterruptedException {
        jcmd("GC.run");
        Matcher m = USED.matcher(jcmd("GC.heap_info"));
        return m.find() ? Long.parseLong(m.group(1)) / 1024.0 : -1;
    }

    private String jcmd(String command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder("jcmd", String.valueOf(pid), command)
                .redirectErrorStream(true)
                .start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        p.waitFor();
        return out;
    }

    /** The machine's 1-minute load average. */
    static String load() throws IOException {
        return Files.readString(Path.of("/proc/loadavg")).split(" ")[0];
    }

    /** Idle and total jiffies of the whole machine ({@code /proc/stat}), to tell how much CPU was left. */
    static long[] machine() throws IOException {
        String[] f = Files.readAllLines(Path.of("/proc/stat")).get(0).trim().split("\\s+");
        long total = 0;
        for (int i = 1; i < f.length; i++) {
            total += Long.parseLong(f[i]);
        }
        return new long[] {Long.parseLong(f[4]) + Long.parseLong(f[5]), total};
    }
}
