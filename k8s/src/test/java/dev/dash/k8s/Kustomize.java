package dev.dash.k8s;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * A small, strict stand-in for {@code kustomize build}: no kustomize binary exists on these machines. It supports
 * exactly the features Dash's kustomizations use (resources, namespace, images, replicas, configMapGenerator,
 * secretGenerator, JSON 6902 patches) and rejects anything else, so a kustomization never silently means more than
 * the tests checked. Generated names get no hash suffix: real kustomize adds one and rewrites every reference to it
 * consistently, so references that resolve here resolve there.
 */
final class Kustomize {
    static final String API_VERSION = "kustomize.config.k8s.io/v1beta1";

    private static final Set<String> SUPPORTED_FIELDS = Set.of(
            "apiVersion",
            "kind",
            "resources",
            "namespace",
            "images",
            "replicas",
            "configMapGenerator",
            "secretGenerator",
            "patches");
    private static final Set<String> GENERATOR_FIELDS = Set.of("name", "behavior", "literals", "envs", "files");
    private static final Set<String> CLUSTER_SCOPED = Set.of("Namespace", "ClusterRole", "ClusterRoleBinding");
    private static final Set<String> SCALABLE = Set.of("Deployment", "StatefulSet", "ReplicaSet");

    private static final ObjectMapper YAML =
            new ObjectMapper(new YAMLFactory()).enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION);

    /**
     * The output of one kustomization.
     *
     * @param objects the resources, in order, as plain maps (YAML types as written)
     * @param files every file the build read, kustomization files included
     * @param outsideRoot files read from outside the kustomization's own folder (real kustomize then needs
     *     {@code --load-restrictor LoadRestrictionsNone})
     */
    record Build(List<Map<String, Object>> objects, Set<Path> files, Set<Path> outsideRoot) {}

    private Kustomize() {}

    static Build build(Path dir) {
        Path root = dir.toAbsolutePath().normalize();
        Path file = root.resolve("kustomization.yaml");
        if (!Files.isRegularFile(file)) {
            throw new IllegalStateException("no kustomization.yaml in " + root);
        }
        Map<String, Object> k = single(file);
        Set<String> unknown = new LinkedHashSet<>(k.keySet());
        unknown.removeAll(SUPPORTED_FIELDS);
        if (!unknown.isEmpty()) {
            throw new IllegalStateException(file + ": fields this resolver does not understand: " + unknown);
        }
        require(API_VERSION.equals(k.get("apiVersion")), file + ": apiVersion must be " + API_VERSION);
        require("Kustomization".equals(k.get("kind")), file + ": kind must be Kustomization");

        List<Map<String, Object>> objects = new ArrayList<>();
        Set<Path> files = new LinkedHashSet<>(List.of(file));
        Set<Path> outside = new LinkedHashSet<>();

        for (String resource : strings(k.get("resources"), file + " resources")) {
            Path p = root.resolve(resource).normalize();
            if (Files.isDirectory(p)) {
                Build sub = build(p);
                sub.objects().forEach(o -> add(objects, o, file));
                files.addAll(sub.files());
                outside.addAll(sub.outsideRoot());
            } else if (Files.isRegularFile(p)) {
                // kustomize loads resource files only from inside the kustomization's folder.
                require(p.startsWith(root), file + ": resource file outside the kustomization folder: " + resource);
                files.add(p);
                for (Map<String, Object> o : all(p)) {
                    require(
                            o.get("apiVersion") instanceof String && o.get("kind") instanceof String,
                            p + ": a document without apiVersion or kind");
                    add(objects, o, file);
                }
            } else {
                throw new IllegalStateException(file + ": resource not found: " + resource);
            }
        }

        for (Map<String, Object> g : maps(k.get("configMapGenerator"), file + " configMapGenerator")) {
            generate("ConfigMap", g, root, file, objects, files, outside);
        }
        for (Map<String, Object> g : maps(k.get("secretGenerator"), file + " secretGenerator")) {
            generate("Secret", g, root, file, objects, files, outside);
        }
        for (Map<String, Object> patch : maps(k.get("patches"), file + " patches")) {
            patch(patch, root, file, objects, files);
        }
        if (k.get("namespace") instanceof String ns) {
            for (Map<String, Object> o : objects) {
                if (!CLUSTER_SCOPED.contains(o.get("kind"))) {
                    metadata(o).put("namespace", ns);
                }
            }
        }
        for (Map<String, Object> image : maps(k.get("images"), file + " images")) {
            setImage(image, file, objects);
        }
        for (Map<String, Object> r : maps(k.get("replicas"), file + " replicas")) {
            String name = (String) r.get("name");
            List<Map<String, Object>> targets = objects.stream()
                    .filter(o -> SCALABLE.contains(o.get("kind"))
                            && name.equals(metadata(o).get("name")))
                    .toList();
            require(!targets.isEmpty(), file + ": replicas for " + name + " match no workload");
            require(r.get("count") instanceof Integer, file + ": replicas count of " + name + " is not an integer");
            targets.forEach(t -> map(t.get("spec"), "spec").put("replicas", r.get("count")));
        }
        return new Build(objects, files, outside);
    }

    // --- generators ---------------------------------------------------------------------------------------------

    private static void generate(
            String kind,
            Map<String, Object> g,
            Path root,
            Path file,
            List<Map<String, Object>> objects,
            Set<Path> files,
            Set<Path> outside) {
        Set<String> unknown = new LinkedHashSet<>(g.keySet());
        unknown.removeAll(GENERATOR_FIELDS);
        require(unknown.isEmpty(), file + ": generator fields this resolver does not understand: " + unknown);
        String name = (String) g.get("name");
        require(name != null, file + ": a " + kind + " generator without a name");
        String behavior = (String) g.getOrDefault("behavior", "create");

        Map<String, String> data = new LinkedHashMap<>();
        for (String literal : strings(g.get("literals"), file + " literals of " + name)) {
            putEntry(data, literal, file + " literal of " + name);
        }
        for (String env : strings(g.get("envs"), file + " envs of " + name)) {
            Path p = loadable(root, env, file, files, outside);
            for (String line : read(p).split("\n")) {
                String l = line.strip();
                if (!l.isEmpty() && !l.startsWith("#")) {
                    putEntry(data, l, p.toString());
                }
            }
        }
        for (String spec : strings(g.get("files"), file + " files of " + name)) {
            int eq = spec.indexOf('=');
            String path = eq < 0 ? spec : spec.substring(eq + 1);
            Path p = loadable(root, path, file, files, outside);
            String key = eq < 0 ? p.getFileName().toString() : spec.substring(0, eq);
            require(data.put(key, read(p)) == null, file + ": duplicate key " + key + " in " + name);
        }

        Map<String, Object> existing = objects.stream()
                .filter(o ->
                        kind.equals(o.get("kind")) && name.equals(metadata(o).get("name")))
                .findFirst()
                .orElse(null);
        String field = "data";
        Map<String, Object> encoded = new LinkedHashMap<>();
        data.forEach((key, value) -> encoded.put(key, kind.equals("Secret") ? base64(value) : value));
        switch (behavior) {
            case "create" -> {
                require(existing == null, file + ": " + kind + " " + name + " exists already (use behavior merge)");
                Map<String, Object> o = new LinkedHashMap<>();
                o.put("apiVersion", "v1");
                o.put("kind", kind);
                o.put("metadata", new LinkedHashMap<>(Map.of("name", name)));
                if (kind.equals("Secret")) {
                    o.put("type", "Opaque");
                }
                o.put(field, encoded);
                objects.add(o);
            }
            case "merge" -> {
                require(existing != null, file + ": behavior merge, but no " + kind + " " + name + " to merge into");
                existing.computeIfAbsent(field, f -> new LinkedHashMap<>());
                map(existing.get(field), kind + " " + name + " " + field).putAll(encoded);
            }
            case "replace" -> {
                require(existing != null, file + ": behavior replace, but no " + kind + " " + name);
                existing.put(field, encoded);
            }
            default -> throw new IllegalStateException(file + ": unknown generator behavior " + behavior);
        }
    }

    private static Path loadable(Path root, String relative, Path file, Set<Path> files, Set<Path> outside) {
        Path p = root.resolve(relative).normalize();
        require(Files.isRegularFile(p), file + ": file not found: " + relative);
        files.add(p);
        if (!p.startsWith(root)) {
            outside.add(p);
        }
        return p;
    }

    private static void putEntry(Map<String, String> data, String entry, String where) {
        int eq = entry.indexOf('=');
        require(eq > 0, where + ": not KEY=VALUE: " + entry);
        String key = entry.substring(0, eq);
        require(key.matches("[-._a-zA-Z0-9]+"), where + ": invalid key " + key);
        require(data.put(key, entry.substring(eq + 1)) == null, where + ": duplicate key " + key);
    }

    // --- transformers -------------------------------------------------------------------------------------------

    private static void patch(
            Map<String, Object> patch, Path root, Path file, List<Map<String, Object>> objects, Set<Path> files) {
        Set<String> unknown = new LinkedHashSet<>(patch.keySet());
        unknown.removeAll(Set.of("target", "patch", "path"));
        require(unknown.isEmpty(), file + ": patch fields this resolver does not understand: " + unknown);
        Map<String, Object> target = map(patch.get("target"), file + " patch target");
        Set<String> targetFields = new LinkedHashSet<>(target.keySet());
        targetFields.removeAll(Set.of("kind", "name", "group", "version"));
        require(targetFields.isEmpty(), file + ": patch target fields not supported: " + targetFields);
        String text;
        if (patch.get("path") instanceof String path) {
            Path p = root.resolve(path).normalize();
            require(p.startsWith(root) && Files.isRegularFile(p), file + ": patch file not found: " + path);
            files.add(p);
            text = read(p);
        } else {
            text = (String) patch.get("patch");
        }
        require(text != null, file + ": a patch with neither patch nor path");
        Object ops;
        try {
            ops = YAML.readValue(text, Object.class);
        } catch (IOException e) {
            throw new IllegalStateException(file + ": patch is not YAML: " + e.getMessage(), e);
        }
        require(ops instanceof List<?>, file + ": only JSON 6902 patches (a list of operations) are supported");

        List<Map<String, Object>> targets =
                objects.stream().filter(o -> matches(target, o)).toList();
        require(!targets.isEmpty(), file + ": patch target " + target + " matches nothing");
        for (Map<String, Object> o : targets) {
            for (Object op : (List<?>) ops) {
                JsonPatch.apply(o, map(op, file + " patch operation"), file + " patch of " + target);
            }
        }
    }

    private static boolean matches(Map<String, Object> target, Map<String, Object> o) {
        String apiVersion = (String) o.get("apiVersion");
        String group = apiVersion.contains("/") ? apiVersion.substring(0, apiVersion.indexOf('/')) : "";
        String version = apiVersion.substring(apiVersion.indexOf('/') + 1);
        return (target.get("kind") == null || target.get("kind").equals(o.get("kind")))
                && (target.get("name") == null
                        || target.get("name").equals(metadata(o).get("name")))
                && (target.get("group") == null || target.get("group").equals(group))
                && (target.get("version") == null || target.get("version").equals(version));
    }

    private static void setImage(Map<String, Object> image, Path file, List<Map<String, Object>> objects) {
        String name = (String) image.get("name");
        Set<String> unknown = new LinkedHashSet<>(image.keySet());
        unknown.removeAll(Set.of("name", "newName", "newTag"));
        require(unknown.isEmpty(), file + ": image fields this resolver does not understand: " + unknown);
        int changed = 0;
        for (Map<String, Object> o : objects) {
            for (Map<String, Object> c : containers(o)) {
                String ref = (String) c.get("image");
                int colon = ref.lastIndexOf(':');
                boolean tagged = colon > ref.lastIndexOf('/');
                String repo = tagged ? ref.substring(0, colon) : ref;
                String tag = tagged ? ref.substring(colon + 1) : null;
                if (repo.equals(name)) {
                    String newRepo = (String) image.getOrDefault("newName", repo);
                    Object newTag = image.getOrDefault("newTag", tag);
                    c.put("image", newTag == null ? newRepo : newRepo + ":" + newTag);
                    changed++;
                }
            }
        }
        require(changed > 0, file + ": image " + name + " matches no container");
    }

    @SuppressWarnings("unchecked")
    static List<Map<String, Object>> containers(Map<String, Object> o) {
        if (!(o.get("spec") instanceof Map<?, ?> spec)
                || !(spec.get("template") instanceof Map<?, ?> template)
                || !(template.get("spec") instanceof Map<?, ?> podSpec)) {
            return List.of();
        }
        List<Map<String, Object>> result = new ArrayList<>();
        for (String field : List.of("initContainers", "containers")) {
            if (podSpec.get(field) instanceof List<?> list) {
                list.forEach(c -> result.add((Map<String, Object>) c));
            }
        }
        return result;
    }

    // --- YAML and small helpers ---------------------------------------------------------------------------------

    /** Every non-empty document of a YAML file; duplicate keys are an error. */
    @SuppressWarnings("unchecked")
    static List<Map<String, Object>> all(Path file) {
        try (MappingIterator<Object> docs = YAML.readerFor(Object.class).readValues(file.toFile())) {
            List<Map<String, Object>> result = new ArrayList<>();
            while (docs.hasNextValue()) {
                Object doc = docs.nextValue();
                if (doc == null) {
                    continue;
                }
                require(doc instanceof Map<?, ?>, file + ": a document that is not a mapping");
                result.add((Map<String, Object>) doc);
            }
            return result;
        } catch (IOException e) {
            throw new IllegalStateException(file + ": not valid YAML: " + e.getMessage(), e);
        }
    }

    static Map<String, Object> single(Path file) {
        List<Map<String, Object>> docs = all(file);
        require(docs.size() == 1, file + ": expected exactly one YAML document");
        return docs.get(0);
    }

    static String read(Path p) {
        try {
            return Files.readString(p, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void add(List<Map<String, Object>> objects, Map<String, Object> o, Path file) {
        String id = id(o);
        require(objects.stream().noneMatch(x -> id(x).equals(id)), file + ": duplicate resource " + id);
        objects.add(o);
    }

    private static String id(Map<String, Object> o) {
        Map<String, Object> m = metadata(o);
        return o.get("kind") + "/" + Objects.toString(m.get("namespace"), "") + "/" + m.get("name");
    }

    static Map<String, Object> metadata(Map<String, Object> o) {
        return map(o.get("metadata"), o.get("kind") + " metadata");
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> map(Object o, String what) {
        require(o instanceof Map<?, ?>, what + " is not a mapping");
        return (Map<String, Object>) o;
    }

    @SuppressWarnings("unchecked")
    private static List<Map<String, Object>> maps(Object o, String what) {
        if (o == null) {
            return List.of();
        }
        require(
                o instanceof List<?> l && l.stream().allMatch(e -> e instanceof Map<?, ?>),
                what + " is not a list of mappings");
        return (List<Map<String, Object>>) o;
    }

    @SuppressWarnings("unchecked")
    private static List<String> strings(Object o, String what) {
        if (o == null) {
            return List.of();
        }
        require(
                o instanceof List<?> l && l.stream().allMatch(e -> e instanceof String),
                what + " is not a list of strings");
        return (List<String>) o;
    }

    private static String base64(String value) {
        return Base64.getEncoder().encodeToString(value.getBytes(StandardCharsets.UTF_8));
    }

    static void require(boolean condition, String message) {
        if (!condition) {
            throw new IllegalStateException(message);
        }
    }
}
