package dev.dash.k8s;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.cfg.CoercionAction;
import com.fasterxml.jackson.databind.cfg.CoercionInputShape;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.type.LogicalType;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerPort;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.LabelSelector;
import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.api.model.autoscaling.v2.HorizontalPodAutoscaler;
import io.fabric8.kubernetes.api.model.networking.v1.Ingress;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import java.io.IOException;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Properties;
import java.util.stream.Stream;

/** Renders the kustomizations and parses every object into its typed fabric8 model, refusing unknown fields. */
final class Manifests {
    /** The kinds Dash uses, each at the one API version the tests accept. */
    static final Map<String, Class<? extends HasMetadata>> KINDS = Map.of(
            "v1/Namespace", Namespace.class,
            "v1/Service", Service.class,
            "v1/ConfigMap", ConfigMap.class,
            "v1/Secret", Secret.class,
            "apps/v1/Deployment", Deployment.class,
            "apps/v1/StatefulSet", StatefulSet.class,
            "autoscaling/v2/HorizontalPodAutoscaler", HorizontalPodAutoscaler.class,
            "policy/v1/PodDisruptionBudget", PodDisruptionBudget.class,
            "networking.k8s.io/v1/Ingress", Ingress.class,
            "networking.k8s.io/v1/NetworkPolicy", NetworkPolicy.class);

    /** Kubernetes rejects a number or boolean where it expects a string (env value, label, annotation): so do we. */
    private static final ObjectMapper STRICT = JsonMapper.builder().build();

    static {
        STRICT.coercionConfigFor(LogicalType.Textual)
                .setCoercion(CoercionInputShape.Integer, CoercionAction.Fail)
                .setCoercion(CoercionInputShape.Float, CoercionAction.Fail)
                .setCoercion(CoercionInputShape.Boolean, CoercionAction.Fail);
    }

    /** The repository root: the folder that holds k8s/base. */
    static final Path ROOT = findRoot();

    private Manifests() {}

    /** One rendered kustomization. */
    record Render(String name, Kustomize.Build build, List<HasMetadata> objects, List<String> problems) {
        <T extends HasMetadata> List<T> all(Class<T> type) {
            return objects.stream().filter(type::isInstance).map(type::cast).toList();
        }

        <T extends HasMetadata> Optional<T> find(Class<T> type, String name) {
            return all(type).stream()
                    .filter(o -> name.equals(o.getMetadata().getName()))
                    .findFirst();
        }

        List<Workload> workloads() {
            return Stream.concat(
                            all(Deployment.class).stream()
                                    .map(d -> new Workload(
                                            "Deployment",
                                            d.getMetadata().getName(),
                                            d.getSpec().getReplicas(),
                                            d.getSpec().getSelector(),
                                            d.getSpec().getTemplate(),
                                            List.of())),
                            all(StatefulSet.class).stream()
                                    .map(s -> new Workload(
                                            "StatefulSet",
                                            s.getMetadata().getName(),
                                            s.getSpec().getReplicas(),
                                            s.getSpec().getSelector(),
                                            s.getSpec().getTemplate(),
                                            s.getSpec().getVolumeClaimTemplates().stream()
                                                    .map(c -> c.getMetadata().getName())
                                                    .toList())))
                    .toList();
        }

        Workload workload(String name) {
            return workloads().stream()
                    .filter(w -> w.name().equals(name))
                    .findFirst()
                    .orElseThrow(() -> new AssertionError(this.name + ": no workload " + name));
        }

        @Override
        public String toString() {
            return name;
        }
    }

    /**
     * A Deployment or StatefulSet, reduced to what the checks need.
     *
     * @param claims names of the StatefulSet's volume claim templates, which pods mount like volumes
     */
    record Workload(
            String kind,
            String name,
            Integer replicas,
            LabelSelector selector,
            PodTemplateSpec template,
            List<String> claims) {
        Map<String, String> podLabels() {
            return Objects.requireNonNullElse(template.getMetadata().getLabels(), Map.of());
        }

        List<Container> containers() {
            return template.getSpec().getContainers();
        }

        List<Container> allContainers() {
            List<Container> all = new ArrayList<>(template.getSpec().getInitContainers());
            all.addAll(template.getSpec().getContainers());
            return all;
        }

        /** The container port a probe, Service or policy refers to by name or number. */
        Optional<ContainerPort> port(IntOrString ref) {
            if (ref == null) {
                return Optional.empty();
            }
            return containers().stream()
                    .flatMap(c -> c.getPorts().stream())
                    .filter(p -> ref.getStrVal() != null
                            ? ref.getStrVal().equals(p.getName())
                            : Objects.equals(ref.getIntVal(), p.getContainerPort()))
                    .findFirst();
        }

        @Override
        public String toString() {
            return kind + " " + name;
        }
    }

    static Render render(String relativeDir) {
        Kustomize.Build build = Kustomize.build(ROOT.resolve("k8s").resolve(relativeDir));
        List<HasMetadata> objects = new ArrayList<>();
        List<String> problems = new ArrayList<>();
        for (Map<String, Object> raw : build.objects()) {
            String id = raw.get("apiVersion") + "/" + raw.get("kind");
            String where =
                    relativeDir + ": " + id + " " + Kustomize.metadata(raw).get("name");
            Class<? extends HasMetadata> type = KINDS.get(id);
            if (type == null) {
                problems.add(where + ": no typed model for this apiVersion/kind");
                continue;
            }
            try {
                HasMetadata typed = STRICT.convertValue(raw, type);
                unknownFields(typed, where, problems);
                objects.add(typed);
            } catch (IllegalArgumentException e) {
                problems.add(where + ": does not parse: " + e.getMessage());
            }
        }
        return new Render(relativeDir, build, objects, problems);
    }

    /**
     * fabric8 models keep fields they do not know in additionalProperties instead of failing: a misspelt
     * {@code readinesProbe} would pass unnoticed. Walk the typed tree and report every such field.
     */
    static void unknownFields(Object o, String path, List<String> problems) {
        if (o == null || o instanceof Quantity || o instanceof IntOrString) {
            return;
        }
        if (o instanceof Map<?, ?> m) {
            m.forEach((k, v) -> unknownFields(v, path + "." + k, problems));
            return;
        }
        if (o instanceof Collection<?> c) {
            int i = 0;
            for (Object v : c) {
                unknownFields(v, path + "[" + i++ + "]", problems);
            }
            return;
        }
        if (!o.getClass().getName().startsWith("io.fabric8.kubernetes.api.model")) {
            return;
        }
        for (Method m : o.getClass().getMethods()) {
            String name = m.getName();
            if (m.getParameterCount() != 0
                    || Modifier.isStatic(m.getModifiers())
                    || !name.startsWith("get")
                    || name.equals("getClass")
                    || m.getDeclaringClass().isInterface()) {
                continue;
            }
            Object value = invoke(m, o);
            if (name.equals("getAdditionalProperties")) {
                if (value instanceof Map<?, ?> extra && !extra.isEmpty()) {
                    problems.add(path + ": unknown field(s) " + extra.keySet());
                }
            } else {
                unknownFields(value, path + "." + Character.toLowerCase(name.charAt(3)) + name.substring(4), problems);
            }
        }
    }

    private static Object invoke(Method m, Object target) {
        try {
            return m.invoke(target);
        } catch (IllegalAccessException | InvocationTargetException e) {
            throw new IllegalStateException("cannot read " + m, e);
        }
    }

    /** {@code quarkus.http.port} of a service, from its application.properties: the port everything must agree on. */
    static int httpPort(String serviceFolder) {
        Properties p = new Properties();
        try (Reader r = Files.newBufferedReader(
                ROOT.resolve(serviceFolder).resolve("src/main/resources/application.properties"))) {
            p.load(r);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return Integer.parseInt(p.getProperty("quarkus.http.port").strip());
    }

    private static Path findRoot() {
        for (Path p = Path.of("").toAbsolutePath(); p != null; p = p.getParent()) {
            if (Files.isRegularFile(p.resolve("k8s/base/kustomization.yaml"))) {
                return p;
            }
        }
        throw new IllegalStateException(
                "k8s/base/kustomization.yaml not found above " + Path.of("").toAbsolutePath());
    }
}
