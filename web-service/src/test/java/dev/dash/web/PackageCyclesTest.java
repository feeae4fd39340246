package dev.dash.web;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The feature packages of web-service that must stay out of package cycles (issue 13): the key ring
 * ({@code crypto}) is below the features that encrypt with it, and master-key rotation ({@code reencryption})
 * sits above them. Reads the imports of the main sources; no Quarkus needed.
 */
class PackageCyclesTest {
    private static final Path ROOT = Path.of("src/main/java/dev/dash/web");
    private static final Pattern PACKAGE = Pattern.compile("^package dev\\.dash\\.web\\.(\\w+)", Pattern.MULTILINE);
    private static final Pattern IMPORT =
            Pattern.compile("^import (?:static )?dev\\.dash\\.web\\.(\\w+)\\.", Pattern.MULTILINE);

    @Test
    void cryptoAndReencryptionAreInNoCycle() throws IOException {
        Map<String, Set<String>> deps = dependencies();
        assertThat(deps).containsKeys("crypto", "reencryption", "pipeline");
        for (String pkg : Set.of("crypto", "reencryption")) {
            assertThat(cycleThrough(deps, pkg))
                    .as("packages on a cycle through %s", pkg)
                    .isEmpty();
        }
        assertThat(deps.get("crypto")).doesNotContain("pipeline", "sink", "reencryption");
    }

    /** Feature package to the feature packages it imports from. */
    static Map<String, Set<String>> dependencies() throws IOException {
        Map<String, Set<String>> deps = new TreeMap<>();
        try (Stream<Path> files = Files.walk(ROOT)) {
            for (Path file : files.filter(f -> f.toString().endsWith(".java")).toList()) {
                String source = Files.readString(file);
                Matcher p = PACKAGE.matcher(source);
                if (!p.find()) {
                    continue;
                }
                Set<String> out = deps.computeIfAbsent(p.group(1), k -> new TreeSet<>());
                Matcher i = IMPORT.matcher(source);
                while (i.find()) {
                    if (!i.group(1).equals(p.group(1))) {
                        out.add(i.group(1));
                    }
                }
            }
        }
        return deps;
    }

    /** The packages that {@code pkg} reaches and that reach {@code pkg} back. */
    static Set<String> cycleThrough(Map<String, Set<String>> deps, String pkg) {
        Set<String> onCycle = new TreeSet<>();
        for (String next : reachable(deps, pkg)) {
            if (reachable(deps, next).contains(pkg)) {
                onCycle.add(next);
            }
        }
        return onCycle;
    }

    private static Set<String> reachable(Map<String, Set<String>> deps, String from) {
        Set<String> seen = new HashSet<>();
        Deque<String> todo = new ArrayDeque<>(deps.getOrDefault(from, Set.of()));
        while (!todo.isEmpty()) {
            String p = todo.pop();
            if (seen.add(p)) {
                todo.addAll(deps.getOrDefault(p, Set.of()));
            }
        }
        return seen;
    }
}
