package dev.dash.model.testing;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;

/**
 * Keeps {@code docs/configuration.md} true: every property of a service's {@code @ConfigMapping} interface
 * must be listed there, by its property name.
 */
public final class ConfigDocsContract {
    private ConfigDocsContract() {}

    /** Fails naming each property of {@code mapping} (under {@code prefix}) that the doc does not list. */
    public static void assertDocumented(Class<?> mapping, String prefix) throws IOException {
        String doc = Files.readString(LocalServices.repoRoot().resolve("docs/configuration.md"));
        List<String> names = new ArrayList<>();
        collect(mapping, prefix, names);
        assertThat(names).isNotEmpty();
        assertThat(names)
                .as("properties missing from docs/configuration.md")
                .allMatch(name -> doc.contains("`" + name + "`"));
    }

    private static void collect(Class<?> type, String prefix, List<String> out) {
        for (Method m : type.getMethods()) {
            if (m.getParameterCount() > 0 || Modifier.isStatic(m.getModifiers()) || m.isDefault()) {
                continue;
            }
            String name = prefix + "." + kebab(m.getName());
            Class<?> r = m.getReturnType();
            // A group: a nested interface of the mapping, or a shared one (dash-platform's SchemaConfig, ...).
            if (r.isInterface() && (r.getEnclosingClass() != null || r.getName().startsWith("dev.dash."))) {
                collect(r, name, out);
            } else {
                out.add(name);
            }
        }
    }

    private static String kebab(String camel) {
        return camel.replaceAll("([a-z0-9])([A-Z])", "$1-$2").toLowerCase(java.util.Locale.ROOT);
    }
}
