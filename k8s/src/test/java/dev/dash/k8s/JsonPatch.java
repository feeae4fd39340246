package dev.dash.k8s;

import static dev.dash.k8s.Kustomize.require;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/** The add, replace and remove operations of RFC 6902 over plain YAML maps and lists, strict about missing paths. */
final class JsonPatch {
    private JsonPatch() {}

    @SuppressWarnings("unchecked")
    static void apply(Map<String, Object> document, Map<String, Object> operation, String where) {
        String op = (String) operation.get("op");
        String path = (String) operation.get("path");
        require(path != null && path.startsWith("/"), where + ": invalid path " + path);
        List<String> tokens = new ArrayList<>(Arrays.stream(path.substring(1).split("/", -1))
                .map(t -> t.replace("~1", "/").replace("~0", "~"))
                .toList());
        String last = tokens.remove(tokens.size() - 1);
        Object parent = document;
        for (String token : tokens) {
            parent = child(parent, token, where + " " + path);
        }
        switch (op) {
            case "add" -> {
                require(operation.containsKey("value"), where + ": add without value at " + path);
                if (parent instanceof Map<?, ?> m) {
                    ((Map<String, Object>) m).put(last, operation.get("value"));
                } else if (parent instanceof List<?> l) {
                    List<Object> list = (List<Object>) l;
                    int index = last.equals("-") ? list.size() : index(last, list.size() + 1, where + " " + path);
                    list.add(index, operation.get("value"));
                } else {
                    throw new IllegalStateException(where + ": cannot add below a scalar at " + path);
                }
            }
            case "replace", "remove" -> {
                require(op.equals("remove") || operation.containsKey("value"), where + ": replace without value");
                if (parent instanceof Map<?, ?> m) {
                    require(m.containsKey(last), where + ": " + op + " of a missing field " + path);
                    if (op.equals("replace")) {
                        ((Map<String, Object>) m).put(last, operation.get("value"));
                    } else {
                        m.remove(last);
                    }
                } else if (parent instanceof List<?> l) {
                    List<Object> list = (List<Object>) l;
                    int index = index(last, list.size(), where + " " + path);
                    if (op.equals("replace")) {
                        list.set(index, operation.get("value"));
                    } else {
                        list.remove(index);
                    }
                } else {
                    throw new IllegalStateException(where + ": cannot " + op + " below a scalar at " + path);
                }
            }
            default -> throw new IllegalStateException(where + ": unsupported patch operation " + op);
        }
    }

    private static Object child(Object parent, String token, String where) {
        if (parent instanceof Map<?, ?> m) {
            require(m.containsKey(token), where + ": no field " + token);
            return m.get(token);
        }
        if (parent instanceof List<?> l) {
            return l.get(index(token, l.size(), where));
        }
        throw new IllegalStateException(where + ": path goes below a scalar at " + token);
    }

    private static int index(String token, int size, String where) {
        require(token.matches("0|[1-9][0-9]*"), where + ": not a list index: " + token);
        int i = Integer.parseInt(token);
        require(i < size, where + ": index " + i + " out of bounds");
        return i;
    }
}
