package dev.dash.model.testing;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** deploy/local/services refuses what cannot work with a message that says exactly what, and starts nothing. */
class ServicesScriptTest {
    @TempDir
    Path home;

    @Test
    void aPortTakenByAnotherProcessIsNamedAndNothingStarts() throws Exception {
        try (ServerSocket squatter = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            int port = squatter.getLocalPort();
            Result r = run(Map.of("DASH_S3_PORT", String.valueOf(port)), "up", "s3");
            assertThat(r.exit()).isNotZero();
            assertThat(r.output()).contains("port " + port + " needed by s3 is already in use");
            assertThat(home.resolve("run/s3.pid")).doesNotExist();
        }
    }

    @Test
    void anUnknownServiceIsRefused() throws Exception {
        Result r = run(Map.of(), "up", "mysql");
        assertThat(r.exit()).isNotZero();
        assertThat(r.output()).contains("unknown service 'mysql'");
    }

    @Test
    void tooLittleFreeDiskIsNamedWithTheSettingAndNothingStarts() throws Exception {
        long freeMb = Files.getFileStore(home).getUsableSpace() / (1024 * 1024);
        String asked = String.valueOf(freeMb + 1_000_000);
        Result r = run(Map.of("DASH_MIN_FREE_MB", asked), "up", "s3");
        assertThat(r.exit()).isNotZero();
        assertThat(r.output())
                .contains("MB free on the disk of DASH_HOME=")
                .contains("at least " + asked + " MB are needed (DASH_MIN_FREE_MB)");
        assertThat(home.resolve("run/s3.pid")).doesNotExist();
    }

    @Test
    void aMalformedFreeDiskSettingIsRefused() throws Exception {
        Result r = run(Map.of("DASH_MIN_FREE_MB", "2GB"), "up", "s3");
        assertThat(r.exit()).isNotZero();
        assertThat(r.output()).contains("DASH_MIN_FREE_MB must be a whole number of megabytes, got '2GB'");
        assertThat(home.resolve("run/s3.pid")).doesNotExist();
    }

    private record Result(int exit, String output) {}

    private Result run(Map<String, String> env, String... args) throws IOException, InterruptedException {
        Path root = LocalServices.repoRoot();
        var command = new java.util.ArrayList<>(
                List.of(root.resolve("deploy/local/services").toString()));
        command.addAll(List.of(args));
        Path out = home.resolve("out.log");
        ProcessBuilder pb = new ProcessBuilder(command)
                .directory(root.toFile())
                .redirectErrorStream(true)
                .redirectOutput(out.toFile());
        pb.environment().put("DASH_HOME", home.toString());
        pb.environment().putAll(env);
        Process p = pb.start();
        assertThat(p.waitFor(60, TimeUnit.SECONDS))
                .as("the script answers within a minute")
                .isTrue();
        return new Result(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8));
    }
}
