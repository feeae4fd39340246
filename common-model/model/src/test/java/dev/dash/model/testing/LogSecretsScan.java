package dev.dash.model.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Greps a test run's log for secrets and tokens: the log file a service's test profile writes
 * ({@code quarkus.log.file.path}) and every rotation of it ({@code <file>.1}, {@code .2}, ...: Quarkus starts a
 * new file at every boot of the application, i.e. at every change of test profile or restricted resource), for
 * the values given and for anything shaped like a JWT, a Standard Webhooks secret, a bearer credential or a
 * password assignment.
 */
public final class LogSecretsScan {
    /** Anything shaped like a JWT, a Standard Webhooks secret, a bearer credential or a password assignment. */
    public static final List<Pattern> SHAPES = List.of(
            Pattern.compile("eyJ[A-Za-z0-9_-]{10,}\\.eyJ[A-Za-z0-9_-]{10,}"),
            Pattern.compile("whsec_[A-Za-z0-9+/=]{16,}"),
            Pattern.compile("(?i)bearer\\s+[A-Za-z0-9._~+/-]{20,}"),
            Pattern.compile("(?i)(client[_-]secret|password|secret[_-]access[_-]key)\\s*[=:]\\s*[^\\s,*]{6,}"));

    /** The last segment of a configuration key whose value is a secret. */
    private static final Pattern SECRET_KEY = Pattern.compile("(?i).*(secret|password|token|keys).*");

    private LogSecretsScan() {}

    /** The log file and every rotation of it that exists, oldest last. */
    public static List<Path> withRotations(Path log) {
        List<Path> files = new ArrayList<>();
        Path dir = log.toAbsolutePath().getParent();
        String name = log.getFileName().toString();
        if (!Files.isDirectory(dir)) {
            return files;
        }
        try (Stream<Path> all = Files.list(dir)) {
            all.filter(p -> {
                        String n = p.getFileName().toString();
                        return n.equals(name) || (n.startsWith(name + ".") && !n.endsWith(".lck"));
                    })
                    .sorted()
                    .forEach(files::add);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return files;
    }

    /**
     * The secret values a service's {@code application.properties} configures for its test profile (and
     * unprofiled): values of keys whose last segment names a secret, password, token or keys (the key ring), split at {@code ,}, of a
     * {@code name:key} entry (the key ring) the key; placeholders ({@code ${...}}) and values shorter than
     * 8 characters are left out.
     */
    public static Set<String> configuredSecrets(Path applicationProperties) {
        Set<String> out = new LinkedHashSet<>();
        List<String> lines;
        try {
            lines = Files.readAllLines(applicationProperties, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        for (String line : lines) {
            String l = line.strip();
            int eq = l.indexOf('=');
            if (l.startsWith("#") || eq < 0) {
                continue;
            }
            String key = l.substring(0, eq).strip();
            key = key.substring(key.lastIndexOf('.') + 1);
            String value = l.substring(eq + 1).strip();
            if (!SECRET_KEY.matcher(key).matches() || value.contains("${")) {
                continue;
            }
            for (String entry : value.split(",")) {
                String secret = entry.substring(entry.lastIndexOf(':') + 1).strip();
                if (secret.length() >= 8) {
                    out.add(secret);
                }
            }
        }
        return out;
    }

    /**
     * What each service's {@code LogSecretsIT} asserts, run from the module's folder after all its
     * {@code @QuarkusTest}s: {@code log} and every rotation of it hold none of the secrets the module's
     * {@code src/main/resources/application.properties} configures, nor the S3 secret, Keycloak's admin password
     * or a token shape. Skipped when no test of the run wrote the log.
     */
    public static void assertNoLeaksInTestRun(Path log) {
        List<Path> files = withRotations(log);
        org.junit.jupiter.api.Assumptions.assumeFalse(
                files.isEmpty(), "no test run wrote " + log + " (surefire skipped)");
        Set<String> secrets =
                new java.util.TreeSet<>(configuredSecrets(Path.of("src/main/resources/application.properties")));
        Endpoints e = LocalServices.ensureStarted();
        secrets.add(e.s3SecretKey());
        secrets.add(e.keycloakAdminPassword());
        org.assertj.core.api.Assertions.assertThat(secrets)
                .as("secrets configured for the test profile")
                .isNotEmpty();
        org.assertj.core.api.Assertions.assertThat(leaks(files, secrets))
                .as("log lines with a secret or token in " + files)
                .isEmpty();
    }

    /**
     * Every line of the files holding one of the secrets (8 characters or more) or matching one of the
     * {@link #SHAPES}, named by file, line number and what matched (a secret by its first 4 characters).
     */
    public static List<String> leaks(Collection<Path> files, Collection<String> secrets) {
        List<String> leaks = new ArrayList<>();
        for (Path f : files) {
            List<String> lines;
            try {
                lines = Files.readAllLines(f, StandardCharsets.UTF_8);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            for (int i = 0; i < lines.size(); i++) {
                String line = lines.get(i);
                String where = f.getFileName() + ":" + (i + 1) + ": ";
                for (String s : secrets) {
                    if (s != null && s.length() >= 8 && line.contains(s)) {
                        leaks.add(where + "secret " + s.substring(0, 4) + "…: " + line);
                    }
                }
                for (Pattern p : SHAPES) {
                    Matcher m = p.matcher(line);
                    if (m.find()) {
                        leaks.add(where + "shape " + p + ": " + line);
                    }
                }
            }
        }
        return leaks;
    }
}
