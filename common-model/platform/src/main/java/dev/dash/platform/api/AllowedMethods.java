package dev.dash.platform.api;

import jakarta.ws.rs.HttpMethod;
import jakarta.ws.rs.Path;
import java.lang.annotation.Annotation;
import java.lang.reflect.Method;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Which HTTP methods the JAX-RS resources of a service accept on a path, for a 405 with an {@code Allow}
 * header. Quarkus REST answers a wrong method with a 404 when several resource classes share a path prefix,
 * and its 405 carries no {@code Allow}; the exception mappers ask this table instead.
 */
public final class AllowedMethods {
    private static final Pattern PARAM = Pattern.compile("\\{\\s*\\w[\\w.-]*\\s*(?::\\s*((?:[^{}]|\\{[^{}]*})+))?}");

    private final List<Entry> entries;

    /** literals: characters of the template outside parameters, the JAX-RS precedence between templates. */
    private record Entry(Pattern path, int literals, String method) {}

    private AllowedMethods(List<Entry> entries) {
        this.entries = List.copyOf(entries);
    }

    /**
     * Reads the resource methods of the given classes: class-level {@link Path} joined with the method's,
     * and each method's HTTP method annotation (any annotation meta-annotated with {@link HttpMethod}).
     * Classes without {@link Path} are skipped.
     *
     * @param resourceClasses the service's resource classes
     * @return the table
     */
    public static AllowedMethods of(Collection<Class<?>> resourceClasses) {
        List<Entry> entries = new ArrayList<>();
        for (Class<?> c : resourceClasses) {
            Path classPath = c.getAnnotation(Path.class);
            if (classPath == null) {
                continue;
            }
            for (Method m : c.getMethods()) {
                String http = httpMethod(m);
                if (http == null) {
                    continue;
                }
                Path methodPath = m.getAnnotation(Path.class);
                String template = join(classPath.value(), methodPath == null ? "" : methodPath.value());
                entries.add(new Entry(compile(template), literals(template), http));
            }
        }
        return new AllowedMethods(entries);
    }

    /**
     * The methods accepted on a request path, with {@code HEAD} where {@code GET} is and {@code OPTIONS}
     * whenever any is (Quarkus REST answers both by itself); empty when no resource has the path. As in
     * JAX-RS, only the matching templates with the most literal characters count: {@code GET .../infer} is
     * not a {@code GET .../{version}}, when {@code .../infer} is a template of its own.
     *
     * @param path the request path, e.g. {@code /api/teams/1/pipelines}
     * @return method names, sorted
     */
    public Set<String> allowed(String path) {
        String p = normalise(path == null ? "" : path);
        Set<String> out = new TreeSet<>();
        int best = -1;
        for (Entry e : entries) {
            if (e.path().matcher(p).matches()) {
                if (e.literals() > best) {
                    out.clear();
                    best = e.literals();
                }
                if (e.literals() == best) {
                    out.add(e.method());
                }
            }
        }
        if (out.contains("GET")) {
            out.add("HEAD");
        }
        if (!out.isEmpty()) {
            out.add("OPTIONS");
        }
        return out;
    }

    /**
     * The value of an {@code Allow} header for the methods.
     *
     * @param methods method names
     * @return {@code "GET, HEAD, OPTIONS"}
     */
    public static String header(Set<String> methods) {
        return String.join(", ", methods);
    }

    private static String httpMethod(Method m) {
        for (Annotation a : m.getAnnotations()) {
            HttpMethod h = a.annotationType().getAnnotation(HttpMethod.class);
            if (h != null) {
                return h.value();
            }
        }
        return null;
    }

    private static String join(String a, String b) {
        return normalise(a + "/" + b);
    }

    private static String normalise(String path) {
        String p = ("/" + path).replaceAll("/{2,}", "/");
        return p.length() > 1 && p.endsWith("/") ? p.substring(0, p.length() - 1) : p;
    }

    private static int literals(String template) {
        return PARAM.matcher(template).replaceAll("").length();
    }

    private static Pattern compile(String template) {
        StringBuilder regex = new StringBuilder();
        Matcher m = PARAM.matcher(template);
        int last = 0;
        while (m.find()) {
            regex.append(Pattern.quote(template.substring(last, m.start())));
            regex.append(m.group(1) != null ? "(?:" + m.group(1).trim() + ")" : "[^/]+");
            last = m.end();
        }
        regex.append(Pattern.quote(template.substring(last)));
        return Pattern.compile(regex.toString());
    }
}
