package dev.dash.model.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * Runs {@code deploy/local/services} for the test harness: the shared set ({@link LocalServices}), a test's own
 * ({@link ThrowawayServices}) and the fault suite's private set. One place knows how the script is called, how
 * long it may take and what a failure reports.
 */
public final class ServicesScript {
    private ServicesScript() {}

    /**
     * Runs the script in the repository root and returns its output.
     *
     * @param env variables added to this process's environment ({@code DASH_HOME}, ports); empty for the shared set
     * @param timeoutSeconds how long it may take before it is killed and the call fails
     * @param args the verb and its services, e.g. {@code up kafka}
     * @throws IllegalStateException when it fails or times out, with its output or where the output is
     */
    public static String run(Map<String, String> env, int timeoutSeconds, List<String> args) {
        Path root = LocalServices.repoRoot();
        List<String> command = new ArrayList<>();
        command.add(root.resolve("deploy/local/services").toString());
        command.addAll(args);
        try {
            Path log = Files.createTempFile("dash-services", ".log");
            ProcessBuilder pb = new ProcessBuilder(command)
                    .directory(root.toFile())
                    .redirectErrorStream(true)
                    .redirectOutput(log.toFile());
            pb.environment().putAll(env);
            Process p = pb.start();
            if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IllegalStateException(
                        command + " did not finish in " + timeoutSeconds + " s; output in " + log);
            }
            String out = Files.readString(log, StandardCharsets.UTF_8);
            Files.delete(log);
            if (p.exitValue() != 0) {
                throw new IllegalStateException(command + " failed (exit " + p.exitValue() + "):\n" + out);
            }
            return out;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** Deletes a services folder and everything in it (nothing when it does not exist). */
    public static void wipe(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> all = Files.walk(dir)) {
            for (Path p : all.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}
