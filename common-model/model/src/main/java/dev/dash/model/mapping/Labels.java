package dev.dash.model.mapping;

import java.util.AbstractMap;
import java.util.AbstractSet;
import java.util.Arrays;
import java.util.Iterator;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;

/**
 * The labels of a point: an immutable map whose iteration order is sorted by name, so equal label sets
 * serialise identically and series keys are stable. The points of one mapped row share one instance.
 */
public final class Labels extends AbstractMap<String, String> {
    private static final String[] NONE = new String[0];
    private static final Labels EMPTY = new Labels(NONE, NONE);

    private final String[] keys;
    private final String[] values;
    private int hash;

    /** Trusts its arguments: keys sorted and distinct, values non-null, arrays never modified afterwards. */
    Labels(String[] sortedKeys, String[] values) {
        this.keys = sortedKeys;
        this.values = values;
    }

    /**
     * No labels.
     *
     * @return the empty instance
     */
    public static Labels empty() {
        return EMPTY;
    }

    /**
     * A sorted immutable copy of a map.
     *
     * @param labels names to values, no nulls
     * @return the labels
     */
    public static Labels of(Map<String, String> labels) {
        if (labels instanceof Labels l) {
            return l;
        }
        if (labels.isEmpty()) {
            return EMPTY;
        }
        TreeMap<String, String> sorted = new TreeMap<>();
        labels.forEach((k, v) ->
                sorted.put(Objects.requireNonNull(k, "label name"), Objects.requireNonNull(v, "label value")));
        return new Labels(sorted.keySet().toArray(NONE), sorted.values().toArray(NONE));
    }

    /**
     * Labels from names already sorted, as a reader of an encoded point has them: no copy, no sorting.
     *
     * @param sortedKeys names, strictly ascending, no nulls; the array is kept, not copied
     * @param values the values in the names' order, no nulls; the array is kept, not copied
     * @return the labels, or null when the names are not strictly ascending or a name or value is null
     */
    public static Labels ofSorted(String[] sortedKeys, String[] values) {
        if (sortedKeys.length != values.length) {
            return null;
        }
        for (int i = 0; i < sortedKeys.length; i++) {
            if (sortedKeys[i] == null
                    || values[i] == null
                    || (i > 0 && sortedKeys[i - 1].compareTo(sortedKeys[i]) >= 0)) {
                return null;
            }
        }
        return sortedKeys.length == 0 ? EMPTY : new Labels(sortedKeys, values);
    }

    /**
     * The name at a position, for writers that walk the labels without an entry per label.
     *
     * @param i from 0 to {@code size() - 1}, in sorted order
     * @return the name
     */
    public String key(int i) {
        return keys[i];
    }

    /**
     * The value at a position.
     *
     * @param i from 0 to {@code size() - 1}, in the names' sorted order
     * @return the value
     */
    public String value(int i) {
        return values[i];
    }

    @Override
    public int size() {
        return keys.length;
    }

    @Override
    public boolean containsKey(Object key) {
        return key instanceof String && Arrays.binarySearch(keys, key) >= 0;
    }

    @Override
    public String get(Object key) {
        if (!(key instanceof String)) {
            return null;
        }
        int i = Arrays.binarySearch(keys, key);
        return i >= 0 ? values[i] : null;
    }

    @Override
    public Set<Entry<String, String>> entrySet() {
        return new AbstractSet<>() {
            @Override
            public Iterator<Entry<String, String>> iterator() {
                return new Iterator<>() {
                    private int next;

                    @Override
                    public boolean hasNext() {
                        return next < keys.length;
                    }

                    @Override
                    public Entry<String, String> next() {
                        if (next >= keys.length) {
                            throw new NoSuchElementException();
                        }
                        int i = next++;
                        return new SimpleImmutableEntry<>(keys[i], values[i]);
                    }
                };
            }

            @Override
            public int size() {
                return keys.length;
            }
        };
    }

    @Override
    public boolean equals(Object o) {
        if (o instanceof Labels l) {
            return Arrays.equals(keys, l.keys) && Arrays.equals(values, l.values);
        }
        return super.equals(o);
    }

    @Override
    public int hashCode() {
        int h = hash;
        if (h == 0) {
            for (int i = 0; i < keys.length; i++) {
                h += keys[i].hashCode() ^ values[i].hashCode();
            }
            hash = h;
        }
        return h;
    }
}
