package dev.dash.model.signature;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;

/**
 * An immutable, case-insensitive multimap of HTTP request headers, as the signature schemes read them.
 * Names are folded to lower case; values keep their order of arrival.
 */
public final class Headers {
    private static final Headers EMPTY = new Headers(Map.of());

    private final Map<String, List<String>> byName;

    private Headers(Map<String, List<String>> byName) {
        this.byName = byName;
    }

    /**
     * No headers.
     *
     * @return the empty instance
     */
    public static Headers empty() {
        return EMPTY;
    }

    /**
     * Copies a multimap; names differing only in case are merged.
     *
     * @param headers name to values
     * @return the headers
     */
    public static Headers of(Map<String, ? extends Collection<String>> headers) {
        Builder b = builder();
        headers.forEach((name, values) -> values.forEach(v -> b.add(name, v)));
        return b.build();
    }

    /**
     * Copies a single-valued map; names differing only in case are merged.
     *
     * @param headers name to value
     * @return the headers
     */
    public static Headers ofSingle(Map<String, String> headers) {
        Builder b = builder();
        headers.forEach(b::add);
        return b.build();
    }

    /**
     * A builder, for adapters from HTTP frameworks.
     *
     * @return a new builder
     */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * The first value of a header.
     *
     * @param name header name, any case
     * @return the value, or null if absent
     */
    public String first(String name) {
        List<String> values = byName.get(name.toLowerCase(Locale.ROOT));
        return values == null ? null : values.get(0);
    }

    /**
     * Every value of a header.
     *
     * @param name header name, any case
     * @return the values in order of arrival; empty if absent
     */
    public List<String> all(String name) {
        List<String> values = byName.get(name.toLowerCase(Locale.ROOT));
        return values == null ? List.of() : values;
    }

    /**
     * The lower-case names present.
     *
     * @return the names
     */
    public Set<String> names() {
        return byName.keySet();
    }

    /**
     * The headers among {@code names} that are present, one value each (several values joined with
     * {@code ", "} as HTTP allows), sorted by lower-case name: the shape the raw envelope keeps.
     *
     * @param names header names to keep, any case
     * @return an immutable sorted map
     */
    public Map<String, String> select(Collection<String> names) {
        TreeMap<String, String> out = new TreeMap<>();
        for (String name : names) {
            String lower = name.toLowerCase(Locale.ROOT);
            List<String> values = byName.get(lower);
            if (values != null) {
                out.put(lower, String.join(", ", values));
            }
        }
        return Collections.unmodifiableSortedMap(out);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Headers h && byName.equals(h.byName);
    }

    @Override
    public int hashCode() {
        return byName.hashCode();
    }

    @Override
    public String toString() {
        return "Headers" + byName.keySet();
    }

    /** Accumulates headers; not thread-safe. */
    public static final class Builder {
        /** Lower-case name to its values, each list immutable. */
        private Map<String, List<String>> byName = new HashMap<>();
        /** Whether {@link #byName} was handed to a built {@link Headers}: the next add copies it first. */
        private boolean built;

        private Builder() {}

        /**
         * Adds one value.
         *
         * @param name header name, any case
         * @param value the value
         * @return this builder
         */
        public Builder add(String name, String value) {
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(value, "value");
            if (built) {
                byName = new HashMap<>(byName);
                built = false;
            }
            // Values as immutable lists from the start, so that build() hands the map over without a copy: a header
            // has one value almost always, and a second one copies the list.
            byName.merge(name.toLowerCase(Locale.ROOT), List.of(value), Builder::append);
            return this;
        }

        private static List<String> append(List<String> values, List<String> one) {
            List<String> more = new ArrayList<>(values.size() + 1);
            more.addAll(values);
            more.addAll(one);
            return List.copyOf(more);
        }

        /**
         * The immutable headers.
         *
         * @return the headers
         */
        public Headers build() {
            built = true;
            return new Headers(Collections.unmodifiableMap(byName));
        }
    }
}
