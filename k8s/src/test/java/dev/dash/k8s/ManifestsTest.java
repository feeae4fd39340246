package dev.dash.k8s;

import static dev.dash.k8s.Manifests.ROOT;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.dash.k8s.Manifests.Render;
import dev.dash.k8s.Manifests.Workload;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerPort;
import io.fabric8.kubernetes.api.model.EnvFromSource;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.HTTPGetAction;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.LabelSelector;
import io.fabric8.kubernetes.api.model.PodSecurityContext;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Probe;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.ResourceRequirements;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecurityContext;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServicePort;
import io.fabric8.kubernetes.api.model.TopologySpreadConstraint;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.autoscaling.v2.HorizontalPodAutoscaler;
import io.fabric8.kubernetes.api.model.autoscaling.v2.MetricSpec;
import io.fabric8.kubernetes.api.model.networking.v1.HTTPIngressPath;
import io.fabric8.kubernetes.api.model.networking.v1.Ingress;
import io.fabric8.kubernetes.api.model.networking.v1.IngressRule;
import io.fabric8.kubernetes.api.model.networking.v1.IngressServiceBackend;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyIngressRule;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyPeer;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyPort;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import java.io.IOException;
import java.math.BigDecimal;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Offline checks of k8s/ (base and overlays, rendered by {@link Kustomize}), docker-compose.yml and the services'
 * Dockerfiles. Everything is cross-checked against the services' own application.properties, so a port changed in
 * one place and not in the others fails here, not in a cluster.
 */
class ManifestsTest {
    /** The TimescaleDB image of compose and the dev overlay: the release and PostgreSQL major the tests use. */
    static final String TIMESCALEDB_IMAGE = "timescale/timescaledb:2.28.3-pg15";

    private static final List<String> KUSTOMIZATIONS = List.of("base", "overlays/dev", "overlays/production");
    private static final Map<String, Render> RENDERS = new ConcurrentHashMap<>();

    /** The Secret that production creates out of band; the dev overlay generates it from the same example file. */
    private static final String SECRET = "dash-secrets";

    private static final Path DEV_SECRET_EXAMPLE = ROOT.resolve("k8s/overlays/dev/secret.example.env");
    private static final Path REALM = ROOT.resolve("deploy/keycloak/dash-realm.json");

    /** The three Dash services: Deployment name, service folder, compose service name. */
    enum Dash {
        WEB("dash-web", "web-service", "web"),
        INGESTOR("dash-ingestor", "ingestor-service", "ingestor"),
        REPLAY("dash-replay", "replay-service", "replay");

        final String deployment;
        final String folder;
        final String compose;

        Dash(String deployment, String folder, String compose) {
            this.deployment = deployment;
            this.folder = folder;
            this.compose = compose;
        }

        int httpPort() {
            return Manifests.httpPort(folder);
        }

        boolean isImageOf(String image) {
            return image.matches("(.+/)?dash/" + folder + ":.+");
        }
    }

    static Stream<Render> renders() {
        return KUSTOMIZATIONS.stream().map(ManifestsTest::render);
    }

    private static Render render(String dir) {
        return RENDERS.computeIfAbsent(dir, Manifests::render);
    }

    // --- parsing ------------------------------------------------------------------------------------------------

    @ParameterizedTest(name = "{0}")
    @MethodSource("renders")
    void everyObjectParsesIntoItsTypedModelWithoutUnknownFields(Render r) {
        assertThat(r.problems()).isEmpty();
        assertThat(r.objects()).hasSameSizeAs(r.build().objects());
        List<String> problems = new ArrayList<>();
        for (var o : r.objects()) {
            String name = o.getMetadata().getName();
            if (name == null || !name.matches("[a-z0-9]([-a-z0-9]*[a-z0-9])?") || name.length() > 63) {
                problems.add(o.getKind() + " " + name + ": not a DNS-1123 label");
            }
        }
        assertThat(problems).isEmpty();
    }

    @Test
    void everyYamlFileUnderK8sBelongsToAKustomization() throws IOException {
        Set<Path> used = new HashSet<>();
        renders().forEach(r -> used.addAll(r.build().files()));
        List<Path> orphans;
        try (Stream<Path> files = Files.walk(ROOT.resolve("k8s"))) {
            orphans = files.filter(
                            p -> !p.startsWith(ROOT.resolve("k8s/src")) && !p.startsWith(ROOT.resolve("k8s/target")))
                    .filter(p -> p.toString().matches(".*\\.(ya?ml|env|json)$"))
                    .filter(p -> !used.contains(p.toAbsolutePath().normalize()))
                    .toList();
        }
        assertThat(orphans).as("files no kustomization reads").isEmpty();
    }

    @Test
    void onlyTheDevOverlayReadsAFileFromOutsideK8s() {
        assertThat(render("base").build().outsideRoot()).isEmpty();
        assertThat(render("overlays/production").build().outsideRoot()).isEmpty();
        assertThat(render("overlays/dev").build().outsideRoot()).containsExactly(REALM);
    }

    // --- workloads ----------------------------------------------------------------------------------------------

    @ParameterizedTest(name = "{0}")
    @MethodSource("renders")
    void dashDeploymentsProbeTheirHealthEndpointsOnTheServicePort(Render r) {
        List<String> problems = new ArrayList<>();
        for (Dash d : Dash.values()) {
            Workload w = r.workload(d.deployment);
            assertThat(w.containers()).as(d.deployment + " containers").hasSize(1);
            Container c = w.containers().get(0);
            assertThat(c.getImage()).as(d.deployment + " image").matches(d::isImageOf);
            Optional<ContainerPort> http = w.port(new IntOrString("http"));
            if (http.isEmpty() || http.get().getContainerPort() != d.httpPort()) {
                problems.add(d.deployment + ": container port 'http' must be quarkus.http.port " + d.httpPort());
            }
            httpProbe(w, c.getLivenessProbe(), "/q/health/live", d.httpPort(), "liveness", problems);
            httpProbe(w, c.getReadinessProbe(), "/q/health/ready", d.httpPort(), "readiness", problems);
            httpProbe(w, c.getStartupProbe(), "/q/health/started", d.httpPort(), "startup", problems);
            Probe startup = c.getStartupProbe();
            if (startup != null && startup.getPeriodSeconds() * startup.getFailureThreshold() < 120) {
                problems.add(d.deployment + ": the startup probe allows less than two minutes (schema wait)");
            }
        }
        assertThat(problems).isEmpty();
    }

    private static void httpProbe(Workload w, Probe probe, String path, int port, String kind, List<String> problems) {
        HTTPGetAction get = probe == null ? null : probe.getHttpGet();
        if (get == null) {
            problems.add(w + ": no HTTP " + kind + " probe");
            return;
        }
        if (!path.equals(get.getPath())) {
            problems.add(w + ": " + kind + " probe on " + get.getPath() + ", expected " + path);
        }
        if (w.port(get.getPort()).map(p -> p.getContainerPort() != port).orElse(true)) {
            problems.add(w + ": " + kind + " probe port " + get.getPort() + " is not container port " + port);
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("renders")
    void everyContainerHasLivenessAndReadinessOnADeclaredPort(Render r) {
        List<String> problems = new ArrayList<>();
        for (Workload w : r.workloads()) {
            for (Container c : w.containers()) {
                Map<String, Probe> probes = new LinkedHashMap<>();
                probes.put("liveness", c.getLivenessProbe());
                probes.put("readiness", c.getReadinessProbe());
                probes.put("startup", c.getStartupProbe());
                probes.forEach((kind, probe) -> {
                    if (probe == null) {
                        if (!kind.equals("startup")) {
                            problems.add(w + "/" + c.getName() + ": no " + kind + " probe");
                        }
                        return;
                    }
                    IntOrString port = probe.getHttpGet() != null
                            ? probe.getHttpGet().getPort()
                            : probe.getTcpSocket() != null
                                    ? probe.getTcpSocket().getPort()
                                    : null;
                    if (port == null && probe.getExec() == null) {
                        problems.add(w + "/" + c.getName() + ": " + kind + " probe has no action");
                    } else if (port != null && w.port(port).isEmpty()) {
                        problems.add(w + "/" + c.getName() + ": " + kind + " probe on undeclared port " + port);
                    }
                });
            }
        }
        assertThat(problems).isEmpty();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("renders")
    void workloadSelectorsMatchTheirOwnPodsAndNoOthers(Render r) {
        List<String> problems = new ArrayList<>();
        List<Workload> workloads = r.workloads();
        for (Workload w : workloads) {
            if (!selects(w.selector(), w.podLabels(), problems, w.toString())) {
                problems.add(w + ": selector " + w.selector().getMatchLabels() + " does not match its pod labels");
            }
            for (Workload other : workloads) {
                if (other != w && selects(w.selector(), other.podLabels(), problems, w.toString())) {
                    problems.add(w + ": selector also matches the pods of " + other);
                }
            }
            for (TopologySpreadConstraint t : w.template().getSpec().getTopologySpreadConstraints()) {
                if (!selects(t.getLabelSelector(), w.podLabels(), problems, w.toString())) {
                    problems.add(w + ": topology spread selector does not match its own pods");
                }
            }
        }
        assertThat(problems).isEmpty();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("renders")
    void servicesSelectExactlyOneWorkloadAndTargetItsDeclaredPorts(Render r) {
        List<String> problems = new ArrayList<>();
        for (Service s : r.all(Service.class)) {
            String name = "Service " + s.getMetadata().getName();
            Map<String, String> selector = s.getSpec().getSelector();
            List<Workload> selected = r.workloads().stream()
                    .filter(w -> selector != null
                            && !selector.isEmpty()
                            && w.podLabels().entrySet().containsAll(selector.entrySet()))
                    .toList();
            if (selected.size() != 1) {
                problems.add(name + ": selects " + selected + " (expected exactly one workload)");
                continue;
            }
            for (ServicePort p : s.getSpec().getPorts()) {
                IntOrString target = p.getTargetPort() != null ? p.getTargetPort() : new IntOrString(p.getPort());
                Optional<ContainerPort> port = selected.get(0).port(target);
                if (port.isEmpty()) {
                    problems.add(name + ": targetPort " + target + " is not a container port of " + selected.get(0));
                } else if (!Objects.equals(
                        Objects.requireNonNullElse(p.getProtocol(), "TCP"),
                        Objects.requireNonNullElse(port.get().getProtocol(), "TCP"))) {
                    problems.add(name + ": protocol of port " + p.getName() + " differs from the container's");
                }
            }
        }
        for (Dash d : Dash.values()) {
            Optional<Service> s = r.find(Service.class, d.deployment);
            if (s.isEmpty() || s.get().getSpec().getPorts().stream().noneMatch(p -> p.getPort() == d.httpPort())) {
                problems.add(d.deployment + ": no Service of that name on port " + d.httpPort());
            }
        }
        assertThat(problems).isEmpty();
    }

    // --- configuration and secrets ------------------------------------------------------------------------------

    @ParameterizedTest(name = "{0}")
    @MethodSource("renders")
    void everyConfigMapAndSecretReferenceResolvesToADefinedKey(Render r) throws IOException {
        Map<String, Set<String>> configMaps = new LinkedHashMap<>();
        for (ConfigMap cm : r.all(ConfigMap.class)) {
            Set<String> keys = new TreeSet<>(Objects.requireNonNullElse(cm.getData(), Map.<String, String>of())
                    .keySet());
            keys.addAll(Objects.requireNonNullElse(cm.getBinaryData(), Map.<String, String>of())
                    .keySet());
            configMaps.put(cm.getMetadata().getName(), keys);
        }
        Map<String, Set<String>> secrets = new LinkedHashMap<>();
        for (Secret s : r.all(Secret.class)) {
            Set<String> keys = new TreeSet<>(Objects.requireNonNullElse(s.getData(), Map.<String, String>of())
                    .keySet());
            keys.addAll(Objects.requireNonNullElse(s.getStringData(), Map.<String, String>of())
                    .keySet());
            secrets.put(s.getMetadata().getName(), keys);
        }
        if (!r.name().equals("overlays/dev")) {
            // Created out of band: its keys are the ones the dev overlay's example lists.
            assertThat(secrets).as("Secrets must not be defined in " + r.name()).isEmpty();
            secrets.put(SECRET, envFileKeys(DEV_SECRET_EXAMPLE));
        }

        List<String> problems = new ArrayList<>();
        Set<String> usedConfigKeys = new HashSet<>();
        for (Workload w : r.workloads()) {
            PodSpec pod = w.template().getSpec();
            for (Container c : w.allContainers()) {
                String where = w + "/" + c.getName();
                Set<String> names = new HashSet<>();
                for (EnvVar e : c.getEnv()) {
                    if (!names.add(e.getName())) {
                        problems.add(where + ": env " + e.getName() + " is set twice");
                    }
                    if (e.getValueFrom() == null) {
                        continue;
                    }
                    var cmRef = e.getValueFrom().getConfigMapKeyRef();
                    var secretRef = e.getValueFrom().getSecretKeyRef();
                    if (cmRef != null) {
                        resolve(
                                configMaps,
                                "ConfigMap",
                                cmRef.getName(),
                                cmRef.getKey(),
                                cmRef.getOptional(),
                                where,
                                problems);
                        usedConfigKeys.add(cmRef.getName() + "/" + cmRef.getKey());
                    }
                    if (secretRef != null) {
                        resolve(
                                secrets,
                                "Secret",
                                secretRef.getName(),
                                secretRef.getKey(),
                                secretRef.getOptional(),
                                where,
                                problems);
                    }
                }
                for (EnvFromSource from : c.getEnvFrom()) {
                    if (from.getConfigMapRef() != null) {
                        resolve(
                                configMaps,
                                "ConfigMap",
                                from.getConfigMapRef().getName(),
                                null,
                                from.getConfigMapRef().getOptional(),
                                where,
                                problems);
                        configMaps
                                .getOrDefault(from.getConfigMapRef().getName(), Set.of())
                                .forEach(k -> usedConfigKeys.add(
                                        from.getConfigMapRef().getName() + "/" + k));
                    }
                    if (from.getSecretRef() != null) {
                        resolve(
                                secrets,
                                "Secret",
                                from.getSecretRef().getName(),
                                null,
                                from.getSecretRef().getOptional(),
                                where,
                                problems);
                    }
                }
                Set<String> volumes = new HashSet<>(w.claims());
                pod.getVolumes().forEach(v -> volumes.add(v.getName()));
                for (VolumeMount m : c.getVolumeMounts()) {
                    if (!volumes.contains(m.getName())) {
                        problems.add(where + ": mounts undefined volume " + m.getName());
                    }
                }
            }
            for (Volume v : pod.getVolumes()) {
                if (v.getConfigMap() != null) {
                    resolve(
                            configMaps,
                            "ConfigMap",
                            v.getConfigMap().getName(),
                            null,
                            v.getConfigMap().getOptional(),
                            w + " volume",
                            problems);
                    v.getConfigMap()
                            .getItems()
                            .forEach(i -> resolve(
                                    configMaps,
                                    "ConfigMap",
                                    v.getConfigMap().getName(),
                                    i.getKey(),
                                    false,
                                    w + " volume",
                                    problems));
                }
                if (v.getSecret() != null) {
                    resolve(
                            secrets,
                            "Secret",
                            v.getSecret().getSecretName(),
                            null,
                            v.getSecret().getOptional(),
                            w + " volume",
                            problems);
                }
            }
        }
        for (String key : configMaps.getOrDefault("dash-config", Set.of())) {
            if (!usedConfigKeys.contains("dash-config/" + key)) {
                problems.add("dash-config key " + key + " is read by no container (misspelt on one side?)");
            }
        }
        assertThat(configMaps).containsKey("dash-config");
        assertThat(problems).isEmpty();
    }

    private static void resolve(
            Map<String, Set<String>> defined,
            String kind,
            String name,
            String key,
            Boolean optional,
            String where,
            List<String> problems) {
        if (Boolean.TRUE.equals(optional)) {
            return;
        }
        if (!defined.containsKey(name)) {
            problems.add(where + ": " + kind + " " + name + " is not defined");
        } else if (key != null && !defined.get(name).contains(key)) {
            problems.add(where + ": " + kind + " " + name + " has no key " + key);
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("renders")
    void onlyWebRunsTheMigrations(Render r) {
        for (Dash d : Dash.values()) {
            Optional<String> migrate = r.workload(d.deployment).containers().get(0).getEnv().stream()
                    .filter(e -> e.getName().equals("DASH_SCHEMA_MIGRATE"))
                    .map(EnvVar::getValue)
                    .findFirst();
            if (d == Dash.WEB) {
                assertThat(migrate).as(d.deployment).contains("true");
            } else {
                assertThat(migrate).as(d.deployment).isEmpty();
            }
        }
    }

    // --- hardening, resources, metrics --------------------------------------------------------------------------

    @ParameterizedTest(name = "{0}")
    @MethodSource("renders")
    void dashPodsRunAsNonRootOnAReadOnlyRootFilesystemWithSizedResources(Render r) {
        List<String> problems = new ArrayList<>();
        for (Dash d : Dash.values()) {
            Workload w = r.workload(d.deployment);
            PodSpec pod = w.template().getSpec();
            PodSecurityContext psc = pod.getSecurityContext();
            if (psc == null
                    || !Boolean.TRUE.equals(psc.getRunAsNonRoot())
                    || !Long.valueOf(185).equals(psc.getRunAsUser())) {
                problems.add(w + ": pod must run as non-root user 185");
            }
            if (!Boolean.FALSE.equals(pod.getAutomountServiceAccountToken())) {
                problems.add(w + ": mounts a service account token it does not need");
            }
            Container c = w.containers().get(0);
            SecurityContext sc = c.getSecurityContext();
            if (sc == null
                    || !Boolean.TRUE.equals(sc.getReadOnlyRootFilesystem())
                    || !Boolean.FALSE.equals(sc.getAllowPrivilegeEscalation())
                    || sc.getCapabilities() == null
                    || !sc.getCapabilities().getDrop().contains("ALL")) {
                problems.add(w + ": container needs readOnlyRootFilesystem, no privilege escalation, drop ALL");
            }
            Optional<VolumeMount> tmp = c.getVolumeMounts().stream()
                    .filter(m -> m.getMountPath().equals("/tmp"))
                    .findFirst();
            boolean tmpIsEmptyDir = tmp.isPresent()
                    && pod.getVolumes().stream()
                            .anyMatch(v -> v.getName().equals(tmp.get().getName()) && v.getEmptyDir() != null);
            if (!tmpIsEmptyDir) {
                problems.add(w + ": /tmp must be a writable emptyDir (the root filesystem is read-only)");
            }
            ResourceRequirements res = c.getResources();
            BigDecimal minimum = Quantity.getAmountInBytes(new Quantity("512Mi"));
            if (res == null
                    || !res.getRequests().containsKey("cpu")
                    || !res.getRequests().containsKey("memory")
                    || !res.getLimits().containsKey("memory")) {
                problems.add(w + ": needs cpu and memory requests and a memory limit");
            } else {
                BigDecimal request = Quantity.getAmountInBytes(res.getRequests().get("memory"));
                BigDecimal limit = Quantity.getAmountInBytes(res.getLimits().get("memory"));
                if (limit.compareTo(request) < 0 || request.compareTo(minimum) < 0) {
                    problems.add(w + ": a JVM service needs memory request >= 512Mi and limit >= request");
                }
            }
            Map<String, String> annotations =
                    Objects.requireNonNullElse(w.template().getMetadata().getAnnotations(), Map.of());
            if (!"true".equals(annotations.get("prometheus.io/scrape"))
                    || !"/q/metrics".equals(annotations.get("prometheus.io/path"))
                    || !String.valueOf(d.httpPort()).equals(annotations.get("prometheus.io/port"))) {
                problems.add(w + ": Prometheus annotations must scrape /q/metrics on port " + d.httpPort());
            }
        }
        assertThat(problems).isEmpty();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("renders")
    void noPodGetsServiceLinkVariables(Render r) {
        // DASH_WEB_PORT=tcp://... would land in the dash.* config mapping; KAFKA_PORT breaks the Kafka image.
        assertThat(r.workloads())
                .allSatisfy(w -> assertThat(w.template().getSpec().getEnableServiceLinks())
                        .as(w + " enableServiceLinks")
                        .isFalse());
    }

    // --- scaling ------------------------------------------------------------------------------------------------

    @ParameterizedTest(name = "{0}")
    @MethodSource("renders")
    void webAndIngestorAutoscaleOnCpuAndKeepAPodThroughDisruptions(Render r) {
        List<String> problems = new ArrayList<>();
        List<HorizontalPodAutoscaler> hpas = r.all(HorizontalPodAutoscaler.class);
        for (HorizontalPodAutoscaler h : hpas) {
            var ref = h.getSpec().getScaleTargetRef();
            Optional<Deployment> target = r.find(Deployment.class, ref.getName());
            if (!"Deployment".equals(ref.getKind()) || !"apps/v1".equals(ref.getApiVersion()) || target.isEmpty()) {
                problems.add("HPA " + h.getMetadata().getName() + ": targets no Deployment of this kustomization");
                continue;
            }
            int min = Objects.requireNonNullElse(h.getSpec().getMinReplicas(), 1);
            int max = h.getSpec().getMaxReplicas();
            int replicas = Objects.requireNonNullElse(target.get().getSpec().getReplicas(), 1);
            // The autoscaler owns the replica count: below its minimum the Deployment's replicas are a lie.
            if (min != replicas || max < min) {
                problems.add(
                        "HPA " + h.getMetadata().getName() + ": minReplicas " + min + " must equal the Deployment's"
                                + " replicas " + replicas + " and not exceed maxReplicas " + max);
            }
            boolean cpu = false;
            for (MetricSpec m : h.getSpec().getMetrics()) {
                cpu |= "Resource".equals(m.getType())
                        && "cpu".equals(m.getResource().getName())
                        && "Utilization".equals(m.getResource().getTarget().getType())
                        && m.getResource().getTarget().getAverageUtilization() != null;
            }
            if (!cpu) {
                problems.add("HPA " + h.getMetadata().getName() + ": no CPU utilization target");
            }
        }
        for (Dash d : List.of(Dash.WEB, Dash.INGESTOR)) {
            if (hpas.stream()
                    .noneMatch(h -> h.getSpec().getScaleTargetRef().getName().equals(d.deployment))) {
                problems.add(d.deployment + ": no HorizontalPodAutoscaler");
            }
            Workload w = r.workload(d.deployment);
            List<PodDisruptionBudget> pdbs = r.all(PodDisruptionBudget.class).stream()
                    .filter(p -> selects(p.getSpec().getSelector(), w.podLabels(), problems, "PDB"))
                    .toList();
            if (pdbs.size() != 1) {
                problems.add(d.deployment + ": expected one PodDisruptionBudget, found " + pdbs.size());
            }
        }
        for (PodDisruptionBudget p : r.all(PodDisruptionBudget.class)) {
            List<Workload> selected = r.workloads().stream()
                    .filter(w -> selects(p.getSpec().getSelector(), w.podLabels(), problems, "PDB"))
                    .toList();
            IntOrString maxUnavailable = p.getSpec().getMaxUnavailable();
            IntOrString minAvailable = p.getSpec().getMinAvailable();
            int replicas = selected.isEmpty()
                    ? 0
                    : Objects.requireNonNullElse(selected.get(0).replicas(), 1);
            boolean allowsDrain = maxUnavailable != null
                    ? maxUnavailable.getIntVal() != null && maxUnavailable.getIntVal() >= 1
                    : minAvailable != null && minAvailable.getIntVal() != null && minAvailable.getIntVal() < replicas;
            if (selected.size() != 1 || !allowsDrain) {
                problems.add(
                        "PDB " + p.getMetadata().getName() + ": must select one workload and allow draining a node");
            }
        }
        assertThat(problems).isEmpty();
    }

    // --- traffic ------------------------------------------------------------------------------------------------

    @ParameterizedTest(name = "{0}")
    @MethodSource("renders")
    void ingressRoutesIngestToTheIngestorsAndEverythingElseToWeb(Render r) {
        List<Ingress> ingresses = r.all(Ingress.class);
        assertThat(ingresses).hasSize(1);
        Ingress ingress = ingresses.get(0);
        List<String> problems = new ArrayList<>();
        Map<String, String> routes = new LinkedHashMap<>();
        for (IngressRule rule : ingress.getSpec().getRules()) {
            for (HTTPIngressPath path : rule.getHttp().getPaths()) {
                IngressServiceBackend backend = path.getBackend().getService();
                if (!"Prefix".equals(path.getPathType())) {
                    problems.add("path " + path.getPath() + " must be pathType Prefix");
                }
                Optional<Service> service = r.find(Service.class, backend.getName());
                boolean portExists = service.isPresent()
                        && service.get().getSpec().getPorts().stream()
                                .anyMatch(p -> backend.getPort().getName() != null
                                        ? backend.getPort().getName().equals(p.getName())
                                        : Objects.equals(backend.getPort().getNumber(), p.getPort()));
                if (!portExists) {
                    problems.add("path " + path.getPath() + ": no Service port " + backend.getName() + ":"
                            + backend.getPort());
                    continue;
                }
                String selectedApp = service.get().getSpec().getSelector().get("app.kubernetes.io/name");
                routes.put(path.getPath(), selectedApp);
            }
        }
        assertThat(problems).isEmpty();
        assertThat(routes)
                .as("paths -> app behind the Service")
                .containsExactly(Map.entry("/ingest", Dash.INGESTOR.deployment), Map.entry("/", Dash.WEB.deployment));
        // Idle dashboard WebSockets must outlive the controller's default 60 s proxy timeouts.
        Map<String, String> annotations = ingress.getMetadata().getAnnotations();
        assertThat(Integer.parseInt(annotations.get("nginx.ingress.kubernetes.io/proxy-read-timeout")))
                .isGreaterThanOrEqualTo(3600);
        assertThat(Integer.parseInt(annotations.get("nginx.ingress.kubernetes.io/proxy-send-timeout")))
                .isGreaterThanOrEqualTo(3600);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("renders")
    void networkPolicyAdmitsOnlyIngestAndMetricsTrafficToIngestorPods(Render r) {
        Workload ingestor = r.workload(Dash.INGESTOR.deployment);
        List<String> problems = new ArrayList<>();
        List<NetworkPolicy> policies = r.all(NetworkPolicy.class).stream()
                .filter(p -> selects(p.getSpec().getPodSelector(), ingestor.podLabels(), problems, "NetworkPolicy"))
                .toList();
        assertThat(policies).as("NetworkPolicies selecting the ingestor pods").hasSize(1);
        NetworkPolicy policy = policies.get(0);
        for (Workload other : r.workloads()) {
            if (!other.name().equals(ingestor.name())
                    && selects(policy.getSpec().getPodSelector(), other.podLabels(), problems, "NetworkPolicy")) {
                problems.add("the ingestor NetworkPolicy also selects " + other);
            }
        }
        assertThat(policy.getSpec().getPolicyTypes()).contains("Ingress");
        List<String> sources = new ArrayList<>();
        for (NetworkPolicyIngressRule rule : policy.getSpec().getIngress()) {
            // A rule without peers or ports admits everyone or every port: exactly what the policy is there to stop.
            if (rule.getFrom().isEmpty() || rule.getPorts().isEmpty()) {
                problems.add("an ingress rule without 'from' or without 'ports' admits too much");
            }
            for (NetworkPolicyPort port : rule.getPorts()) {
                boolean http = ingestor.port(port.getPort())
                        .map(p -> p.getContainerPort() == Dash.INGESTOR.httpPort())
                        .orElse(false);
                if (!http || !"TCP".equals(Objects.requireNonNullElse(port.getProtocol(), "TCP"))) {
                    problems.add("admits port " + port.getPort() + ", only the ingest port " + Dash.INGESTOR.httpPort()
                            + " is allowed");
                }
            }
            for (NetworkPolicyPeer peer : rule.getFrom()) {
                if (peer.getIpBlock() != null || peer.getNamespaceSelector() == null || peer.getPodSelector() == null) {
                    problems.add("every peer must name both a namespace and its pods: " + peer);
                    continue;
                }
                sources.add(peer.getNamespaceSelector().getMatchLabels().get("kubernetes.io/metadata.name") + "/"
                        + peer.getPodSelector().getMatchLabels().get("app.kubernetes.io/name"));
            }
        }
        assertThat(problems).isEmpty();
        assertThat(sources).containsExactlyInAnyOrder("ingress-nginx/ingress-nginx", "monitoring/prometheus");
    }

    // --- overlays -----------------------------------------------------------------------------------------------

    @Test
    void productionRunsReleasedImagesThreeOfEachScaledRoleAndReplicationFactorThree() {
        Render r = render("overlays/production");
        assertThat(config(r)).containsEntry("DASH_KAFKA_REPLICATION_FACTOR", "3");
        assertThat(config(r)).containsEntry("DASH_SCHEMA_SILVER_VARIANT", "timescaledb");
        for (Dash d : Dash.values()) {
            String image = r.workload(d.deployment).containers().get(0).getImage();
            assertThat(image)
                    .as(d.deployment)
                    .matches(d::isImageOf)
                    .doesNotContain("SNAPSHOT")
                    .doesNotEndWith(":latest")
                    .doesNotEndWith(":dev");
        }
        assertThat(r.workload(Dash.WEB.deployment).replicas()).isEqualTo(3);
        assertThat(r.workload(Dash.INGESTOR.deployment).replicas()).isEqualTo(3);
        assertThat(r.workload(Dash.REPLAY.deployment).replicas()).isEqualTo(1);
        assertThat(r.all(Secret.class))
                .as("secrets are created out of band in production")
                .isEmpty();
        Ingress ingress = r.all(Ingress.class).get(0);
        assertThat(ingress.getSpec().getTls()).isNotEmpty();
        assertThat(ingress.getSpec().getRules())
                .allSatisfy(rule -> assertThat(rule.getHost()).isNotBlank());
        assertThat(r.objects())
                .allSatisfy(o -> assertThat(
                                o.getKind().equals("Namespace")
                                        ? "dash"
                                        : o.getMetadata().getNamespace())
                        .isEqualTo("dash"));
    }

    @Test
    void devRunsTheInfrastructureInTheClusterAndTheEndpointsPointAtIt() throws IOException {
        Render r = render("overlays/dev");
        Map<String, String> config = config(r);
        assertThat(config).containsEntry("DASH_KAFKA_REPLICATION_FACTOR", "1");
        // The TimescaleDB release the test suite runs on (../shared/timescaledb, issue 11).
        assertThat(image(r, "postgres")).isEqualTo(TIMESCALEDB_IMAGE);
        assertThat(image(r, "kafka")).startsWith("apache/kafka:");
        assertThat(image(r, "s3proxy")).startsWith("andrewgaul/s3proxy:");
        assertThat(image(r, "keycloak")).startsWith("quay.io/keycloak/keycloak:26.");
        for (Workload w : r.workloads()) {
            assertThat(w.replicas()).as(w.toString()).isEqualTo(1);
        }

        List<String> problems = new ArrayList<>();
        endpoint(
                r,
                "QUARKUS_DATASOURCE_JDBC_URL",
                URI.create(config.get("QUARKUS_DATASOURCE_JDBC_URL").substring(5)),
                problems);
        endpoint(
                r,
                "QUARKUS_DATASOURCE_REACTIVE_URL",
                URI.create(config.get("QUARKUS_DATASOURCE_REACTIVE_URL")),
                problems);
        for (String server : config.get("KAFKA_BOOTSTRAP_SERVERS").split(",")) {
            endpoint(r, "KAFKA_BOOTSTRAP_SERVERS", URI.create("kafka://" + server), problems);
        }
        endpoint(r, "QUARKUS_S3_ENDPOINT_OVERRIDE", URI.create(config.get("QUARKUS_S3_ENDPOINT_OVERRIDE")), problems);
        endpoint(r, "QUARKUS_OIDC_AUTH_SERVER_URL", URI.create(config.get("QUARKUS_OIDC_AUTH_SERVER_URL")), problems);
        assertThat(problems).isEmpty();

        // Keycloak imports the shared realm, mounted where --import-realm looks.
        ConfigMap realm = r.find(ConfigMap.class, "keycloak-realm").orElseThrow();
        JsonNode json = new ObjectMapper().readTree(realm.getData().get("dash-realm.json"));
        assertThat(json.path("realm").asText()).isEqualTo("dash");
        assertThat(realm.getData().get("dash-realm.json")).isEqualTo(Files.readString(REALM));
        Workload keycloak = r.workload("keycloak");
        assertThat(keycloak.containers().get(0).getArgs()).contains("--import-realm");
        assertThat(keycloak.containers().get(0).getVolumeMounts())
                .anySatisfy(m -> assertThat(m.getMountPath()).isEqualTo("/opt/keycloak/data/import"));
        assertThat(r.find(Secret.class, SECRET).orElseThrow().getData().keySet())
                .containsExactlyInAnyOrderElementsOf(envFileKeys(DEV_SECRET_EXAMPLE));
    }

    /** A URL in dash-config must name a Service of the overlay on one of its ports. */
    private static void endpoint(Render r, String key, URI uri, List<String> problems) {
        Optional<Service> s = r.find(Service.class, uri.getHost());
        int port = uri.getPort() > 0 ? uri.getPort() : "https".equals(uri.getScheme()) ? 443 : 80;
        if (s.isEmpty() || s.get().getSpec().getPorts().stream().noneMatch(p -> p.getPort() == port)) {
            problems.add(key + ": " + uri.getHost() + ":" + port + " is no Service port of the dev overlay");
        }
    }

    private static String image(Render r, String workload) {
        return r.workload(workload).containers().get(0).getImage();
    }

    private static Map<String, String> config(Render r) {
        return r.find(ConfigMap.class, "dash-config").orElseThrow().getData();
    }

    // --- docker compose -----------------------------------------------------------------------------------------

    private static final Map<Dash, List<String>> COMPOSE_INFRA = Map.of(
            Dash.WEB, List.of("postgres", "kafka", "keycloak"),
            Dash.INGESTOR, List.of("postgres", "kafka", "s3"),
            Dash.REPLAY, List.of("postgres", "kafka", "s3", "keycloak"));

    @Test
    void composeRunsTheInfrastructureFromPinnedImagesWithHealthchecks() {
        Map<String, Object> services = composeServices();
        assertThat(services).containsKeys("postgres", "kafka", "s3", "keycloak", "web", "ingestor", "replay");
        assertThat(image(services, "postgres")).isEqualTo(TIMESCALEDB_IMAGE);
        assertThat(image(services, "kafka")).startsWith("apache/kafka:");
        assertThat(image(services, "s3")).startsWith("andrewgaul/s3proxy:");
        assertThat(image(services, "keycloak")).startsWith("quay.io/keycloak/keycloak:26.");
        for (var e : services.entrySet()) {
            Map<String, Object> s = Kustomize.map(e.getValue(), e.getKey());
            if (s.get("image") instanceof String image) {
                assertThat(image).as(e.getKey() + " image").matches(".+:[^/]+").doesNotEndWith(":latest");
            }
            assertThat(s).as(e.getKey() + " healthcheck").containsKey("healthcheck");
        }
        Map<String, Object> keycloak = Kustomize.map(services.get("keycloak"), "keycloak");
        assertThat(keycloak.get("command").toString()).contains("--import-realm");
        assertThat(keycloak.get("volumes").toString())
                .contains("./deploy/keycloak/dash-realm.json:/opt/keycloak/data/import/dash-realm.json");
        assertThat(REALM).isRegularFile();
    }

    @ParameterizedTest
    @EnumSource(Dash.class)
    void composeBuildsEachServiceAndStartsItOnceItsInfrastructureIsHealthy(Dash d) {
        Map<String, Object> services = composeServices();
        Map<String, Object> s = Kustomize.map(services.get(d.compose), d.compose);
        Map<String, Object> build = Kustomize.map(s.get("build"), d.compose + " build");
        Path context = ROOT.resolve((String) build.get("context")).normalize();
        assertThat(context).isEqualTo(ROOT.resolve(d.folder));
        assertThat(context.resolve((String) build.get("dockerfile")))
                .isEqualTo(context.resolve("src/main/docker/Dockerfile.jvm"))
                .isRegularFile();

        Map<String, Object> dependsOn = Kustomize.map(s.get("depends_on"), d.compose + " depends_on");
        for (String infra : COMPOSE_INFRA.get(d)) {
            assertThat(dependsOn).as(d.compose + " depends_on").containsKey(infra);
            assertThat(Kustomize.map(dependsOn.get(infra), infra)).containsEntry("condition", "service_healthy");
            assertThat(Kustomize.map(services.get(infra), infra)).containsKey("healthcheck");
        }

        // The same variables the Kubernetes Deployment takes from dash-config and dash-secrets.
        Map<String, Object> env = Kustomize.map(s.get("environment"), d.compose + " environment");
        Set<String> fromConfig = new LinkedHashSet<>();
        render("base").workload(d.deployment).containers().get(0).getEnv().stream()
                .filter(e -> e.getValueFrom() != null || e.getName().startsWith("DASH_"))
                .forEach(e -> fromConfig.add(e.getName()));
        assertThat(env.keySet()).containsAll(fromConfig);
        assertThat(env.values()).allSatisfy(v -> assertThat(v).isInstanceOf(String.class));

        int port = d.httpPort();
        assertThat(Kustomize.map(s.get("healthcheck"), "healthcheck")
                        .get("test")
                        .toString())
                .contains("/dev/tcp/127.0.0.1/" + port)
                .contains("/q/health/ready");
        if (d != Dash.REPLAY) {
            assertThat(String.valueOf(s.get("ports"))).contains(port + ":" + port);
        }
        if (s.get("ports") instanceof List<?> ports) {
            assertThat(ports).allSatisfy(p -> assertThat(p.toString()).endsWith(":" + port));
        }
    }

    private static Map<String, Object> composeServices() {
        Map<String, Object> compose = Kustomize.single(ROOT.resolve("docker-compose.yml"));
        return Kustomize.map(compose.get("services"), "services");
    }

    private static String image(Map<String, Object> services, String name) {
        return (String) Kustomize.map(services.get(name), name).get("image");
    }

    // --- Dockerfiles --------------------------------------------------------------------------------------------

    @ParameterizedTest
    @EnumSource(Dash.class)
    void dockerfileRunsTheFastJarOnUbiOpenJdk17AsUser185(Dash d) throws IOException {
        String dockerfile = Files.readString(ROOT.resolve(d.folder).resolve("src/main/docker/Dockerfile.jvm"));
        List<String> instructions = dockerfile
                .lines()
                .map(String::strip)
                .filter(l -> !l.isEmpty() && !l.startsWith("#"))
                .toList();
        assertThat(instructions.get(0))
                .matches("FROM registry\\.access\\.redhat\\.com/ubi9/openjdk-17-runtime:[0-9][-.0-9]*");
        assertThat(instructions)
                .contains(
                        "COPY --chown=185 target/quarkus-app/lib/ /deployments/lib/",
                        "COPY --chown=185 target/quarkus-app/*.jar /deployments/",
                        "COPY --chown=185 target/quarkus-app/app/ /deployments/app/",
                        "COPY --chown=185 target/quarkus-app/quarkus/ /deployments/quarkus/",
                        "EXPOSE " + d.httpPort(),
                        "USER 185",
                        "ENV JAVA_APP_JAR=\"/deployments/quarkus-run.jar\"")
                .anyMatch(l -> l.startsWith("ENTRYPOINT") && l.contains("/opt/jboss/container/java/run/run-java.sh"));
        // USER must come after the COPYs and before the entry point, or the process runs as root.
        int user = instructions.indexOf("USER 185");
        assertThat(instructions.subList(user, instructions.size()))
                .noneMatch(l -> l.startsWith("USER ") && !l.equals("USER 185"));
    }

    // --- JVM flags ----------------------------------------------------------------------------------------------

    /** The ingestor's JVM flags, a java {@code @argfile} that deploy/local/dash and bench/ingest/run.sh both pass. */
    static final String INGESTOR_JVM = "deploy/local/ingestor.jvm";

    /**
     * The ingestor pod runs with the flags the local run and the ingest benchmark use (docs/deployment.md, "The
     * ingestor's JVM"), so the benchmark measures what ships: the image's start script builds them from the
     * container's environment ({@link #runJavaOptions}), and the pod's memory limit, which the JVM reads from its
     * cgroup, is {@code -XX:MaxRAM} in the file.
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("renders")
    void theIngestorPodRunsWithTheJvmFlagsTheLocalRunAndTheBenchmarkUse(Render r) throws IOException {
        Container c = r.workload(Dash.INGESTOR.deployment).containers().get(0);
        Map<String, String> env = new LinkedHashMap<>();
        for (EnvVar e : c.getEnv()) {
            if (e.getValue() != null) {
                env.put(e.getName(), e.getValue());
            }
        }
        BigDecimal limit =
                Quantity.getAmountInBytes(c.getResources().getLimits().get("memory"));
        Set<String> pod = new TreeSet<>(runJavaOptions(env));
        pod.add("-XX:MaxRAM=" + limit.divideToIntegralValue(BigDecimal.valueOf(1024 * 1024)) + "m");
        List<String> file = Files.readString(ROOT.resolve(INGESTOR_JVM))
                .lines()
                .map(l -> l.replaceAll("#.*", "").strip())
                .filter(l -> !l.isEmpty())
                .flatMap(l -> Stream.of(l.split("\\s+")))
                .toList();
        assertThat(pod).isEqualTo(new TreeSet<>(file));
        assertThat(Files.readString(ROOT.resolve("deploy/local/dash"))).contains(INGESTOR_JVM);
        assertThat(Files.readString(ROOT.resolve("bench/ingest/run.sh"))).contains(INGESTOR_JVM);
    }

    /**
     * The JVM options the ubi9 OpenJDK runtime image's {@code run-java.sh} passes for this environment
     * (jboss.container.java.jvm's {@code java-default-options}: {@code JAVA_OPTS} replaces them all; otherwise the
     * heap ratio, the GC options and their four ratios, the metaspace sizes when set, exit on OutOfMemoryError, then
     * {@code JAVA_OPTS_APPEND}), less the Dockerfile's system properties.
     */
    static List<String> runJavaOptions(Map<String, String> env) {
        if (env.containsKey("JAVA_OPTS")) {
            return List.of(env.get("JAVA_OPTS").strip().split("\\s+"));
        }
        List<String> out = new ArrayList<>();
        String ratio = env.getOrDefault("JAVA_MAX_MEM_RATIO", "");
        if (!ratio.equals("0")) {
            out.add("-XX:MaxRAMPercentage="
                    + (ratio.isEmpty() ? "80.0" : Math.round(Double.parseDouble(ratio)) + ".0"));
        }
        out.addAll(List.of(env.getOrDefault("GC_CONTAINER_OPTIONS", "-XX:+UseParallelGC")
                .strip()
                .split("\\s+")));
        out.add("-XX:MinHeapFreeRatio=" + env.getOrDefault("GC_MIN_HEAP_FREE_RATIO", "10"));
        out.add("-XX:MaxHeapFreeRatio=" + env.getOrDefault("GC_MAX_HEAP_FREE_RATIO", "20"));
        out.add("-XX:GCTimeRatio=" + env.getOrDefault("GC_TIME_RATIO", "4"));
        out.add("-XX:AdaptiveSizePolicyWeight=" + env.getOrDefault("GC_ADAPTIVE_SIZE_POLICY_WEIGHT", "90"));
        if (env.containsKey("GC_MAX_METASPACE_SIZE")) {
            out.add("-XX:MaxMetaspaceSize=" + env.get("GC_MAX_METASPACE_SIZE") + "m");
        }
        if (env.containsKey("GC_METASPACE_SIZE")) {
            out.add("-XX:MetaspaceSize=" + env.get("GC_METASPACE_SIZE") + "m");
        }
        out.add("-XX:+ExitOnOutOfMemoryError");
        if (env.containsKey("JAVA_OPTS_APPEND")) {
            out.addAll(List.of(env.get("JAVA_OPTS_APPEND").strip().split("\\s+")));
        }
        return out;
    }

    // --- helpers ------------------------------------------------------------------------------------------------

    /** Whether a label selector selects pods with these labels; matchExpressions are not used here and rejected. */
    private static boolean selects(
            LabelSelector selector, Map<String, String> labels, List<String> problems, String where) {
        if (selector == null) {
            return false;
        }
        if (!selector.getMatchExpressions().isEmpty()) {
            problems.add(where + ": matchExpressions are not checked by this test; use matchLabels");
            return false;
        }
        Map<String, String> match = selector.getMatchLabels();
        return match != null && !match.isEmpty() && labels.entrySet().containsAll(match.entrySet());
    }

    private static Set<String> envFileKeys(Path file) throws IOException {
        Set<String> keys = new TreeSet<>();
        Pattern line = Pattern.compile("^([A-Za-z0-9_.-]+)=.*$");
        for (String l : Files.readAllLines(file)) {
            Matcher m = line.matcher(l.strip());
            if (m.matches()) {
                keys.add(m.group(1));
            }
        }
        return keys;
    }
}
